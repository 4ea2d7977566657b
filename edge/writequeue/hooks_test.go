package writequeue_test

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks/event"
)

// failingHooks is an origin-request hook written in Go: it throws for requests carrying
// X-Fail while failing is set, answers those carrying X-Answer itself while answering is set,
// and lets everything else through unchanged.
type failingHooks struct{ failing, answering atomic.Bool }

func (h *failingHooks) Current() edge.HookSet { return h }

func (h *failingHooks) Has(_ string, t event.Trigger) bool { return t == event.OriginRequest }

func (h *failingHooks) Request(_ context.Context, _ string, _ event.Trigger, _ event.Config, r *event.Request) (*event.Request, *event.Response, error) {
	if h.failing.Load() && r.Headers.Get("x-fail") != "" {
		return nil, nil, errors.New("TypeError: cannot read properties of undefined (reading 'id')")
	}
	if h.answering.Load() && r.Headers.Get("x-answer") != "" {
		return nil, &event.Response{Status: 201, Headers: event.Headers{}}, nil
	}
	return r, nil, nil
}

func (h *failingHooks) Response(_ context.Context, _ string, _ event.Trigger, _ event.Config, _ *event.Request, w *event.Response) (*event.Response, error) {
	return w, nil
}
