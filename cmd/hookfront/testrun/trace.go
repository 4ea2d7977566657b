package testrun

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks/event"
)

// requestTrace is what the edge did for one request besides answering: the origin attempts
// and the hooks that ran, in order (page: marks those of a custom error page's fetch).
type requestTrace struct{ attempts, hooks []string }

// tracer follows the requests of a distribution case, one at a time (a case sends its requests
// in order). Hook calls are seen through the hook source the edge calls; the origin attempts
// come from the request's access-log record, which the edge writes when the request is done.
type tracer struct {
	mu    sync.Mutex
	hooks []string
	done  chan requestTrace
}

func newTracer() *tracer { return &tracer{done: make(chan requestTrace, 1)} }

// expect starts a new request.
func (t *tracer) expect() {
	t.mu.Lock()
	t.hooks = nil
	t.mu.Unlock()
	select {
	case <-t.done:
	default:
	}
}

// wait returns the trace of the request sent last, once the edge is done with it.
func (t *tracer) wait(ctx context.Context) (requestTrace, error) {
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case tr := <-t.done:
		return tr, nil
	case <-timer.C:
		return requestTrace{}, errors.New("the edge did not finish the request within 10s of answering")
	case <-ctx.Done():
		return requestTrace{}, ctx.Err()
	}
}

// source wraps the hook source the edge calls, to see each hook call.
func (t *tracer) source(src edge.HookSource) edge.HookSource { return tracedSource{src, t} }

// handler wraps the edge's log handler, to see each request's access-log record.
func (t *tracer) handler(h slog.Handler) slog.Handler { return &traceHandler{h, t} }

func (t *tracer) hook(tr event.Trigger) {
	t.mu.Lock()
	t.hooks = append(t.hooks, string(tr))
	t.mu.Unlock()
}

type tracedSource struct {
	src edge.HookSource
	t   *tracer
}

func (s tracedSource) Current() edge.HookSet {
	set := s.src.Current()
	if set == nil {
		return nil
	}
	return tracedSet{set, s.t}
}

type tracedSet struct {
	edge.HookSet
	t *tracer
}

func (s tracedSet) Request(ctx context.Context, behavior string, tr event.Trigger, cfg event.Config, r *event.Request) (*event.Request, *event.Response, error) {
	s.t.hook(tr)
	return s.HookSet.Request(ctx, behavior, tr, cfg, r)
}

func (s tracedSet) Response(ctx context.Context, behavior string, tr event.Trigger, cfg event.Config, r *event.Request, w *event.Response) (*event.Response, error) {
	s.t.hook(tr)
	return s.HookSet.Response(ctx, behavior, tr, cfg, r, w)
}

type traceHandler struct {
	slog.Handler
	t *tracer
}

func (h *traceHandler) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Message != "request" {
		return h.Handler.Handle(ctx, rec)
	}
	tr := requestTrace{attempts: []string{}}
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "attempts" {
			// "primary 503 2ms (failover: status 503), page:secondary 200 1ms"
			for _, part := range strings.Split(a.Value.String(), ", ") {
				id, _, _ := strings.Cut(part, " ")
				tr.attempts = append(tr.attempts, id)
			}
		}
		return true
	})
	h.t.mu.Lock()
	tr.hooks = append([]string{}, h.t.hooks...)
	h.t.mu.Unlock()
	select {
	case h.t.done <- tr:
	default:
	}
	return nil
}

func (h *traceHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || h.Handler.Enabled(ctx, l)
}
