package hooks

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// Timeouts are the per-call limits of viewer and origin hooks.
type Timeouts struct{ Viewer, Origin time.Duration }

func (t Timeouts) of(tr event.Trigger) time.Duration {
	if tr.IsViewer() {
		return t.Viewer
	}
	return t.Origin
}

// Generation is one compiled snapshot of the hooks folder with its bindings and runtime pool.
// It is immutable: a reload makes a new one, and each request uses one generation throughout.
type Generation struct {
	ID       int64
	Hash     string
	Files    int
	bindings Bindings
	pool     *jsruntime.Pool
	timeouts Timeouts
}

// Has reports whether a hook is bound to trigger t of the behavior.
func (g *Generation) Has(behavior string, t event.Trigger) bool {
	_, ok := g.bindings[behavior][t]
	return ok
}

// GenerationID numbers the generation (the access log shows it).
func (g *Generation) GenerationID() int64 { return g.ID }

func (g *Generation) call(ctx context.Context, behavior string, t event.Trigger, cfg event.Config, ev *eventLazy) (Binding, any, error) {
	b := g.bindings[behavior][t]
	c := jsruntime.Call{
		Entry: b.File, Export: b.export(), Event: ev, Timeout: g.timeouts.of(t),
		FunctionName: b.File, RequestID: cfg.RequestID,
		LogAttrs: b.logAttrs,
	}
	if tr := cfg.Trace; tr != nil {
		tr.File, tr.Handler, c.Console = b.File, b.export(), tr
	}
	res, err := g.pool.Call(ctx, c)
	return b, res, err
}

// Request runs a viewer-request or origin-request hook.
func (g *Generation) Request(ctx context.Context, behavior string, t event.Trigger, cfg event.Config, r *event.Request) (*event.Request, *event.Response, error) {
	ev := newEventLazy(cfg, r, nil)
	b, res, err := g.call(ctx, behavior, t, cfg, ev)
	var out *event.Request
	var gen *event.Response
	if err == nil {
		out, gen, err = parseRequestResult(t, res, r)
	}
	if err != nil {
		err = g.fail(t, b, err)
	}
	if cfg.Trace != nil {
		traceCall(cfg.Trace, ev, res, err)
	}
	return out, gen, err
}

// Response runs an origin-response or viewer-response hook.
func (g *Generation) Response(ctx context.Context, behavior string, t event.Trigger, cfg event.Config, r *event.Request, w *event.Response) (*event.Response, error) {
	ev := newEventLazy(cfg, r, w)
	b, res, err := g.call(ctx, behavior, t, cfg, ev)
	var out *event.Response
	if err == nil {
		out, err = parseResponse(t, res, w)
	}
	if err != nil {
		err = g.fail(t, b, err)
	}
	if cfg.Trace != nil {
		traceCall(cfg.Trace, ev, res, err)
	}
	return out, err
}

// fail wraps a hook error with its CloudFront class.
func (g *Generation) fail(t event.Trigger, b Binding, err error) error {
	return &Error{Trigger: t, File: b.File, Kind: classify(err), Err: err}
}

func (g *Generation) String() string {
	return fmt.Sprintf("generation %d (%d files, %s)", g.ID, g.Files, g.Hash[:min(12, len(g.Hash))])
}

// tagBindings gives each binding the tags of its console lines, made once per generation.
func tagBindings(b Bindings, id int64) Bindings {
	gen := slog.String("generation", strconv.FormatInt(id, 10))
	out := make(Bindings, len(b))
	for behavior, triggers := range b {
		out[behavior] = make(map[event.Trigger]Binding, len(triggers))
		for t, bind := range triggers {
			bind.logAttrs = []slog.Attr{slog.String("hook", bind.File), slog.String("trigger", string(t)), gen}
			out[behavior][t] = bind
		}
	}
	return out
}
