package hooks

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// onWarn is a log handler that runs f at each warning.
type onWarn struct{ f func(msg string) }

func (h onWarn) Enabled(context.Context, slog.Level) bool { return true }
func (h onWarn) Handle(_ context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn {
		h.f(r.Message)
	}
	return nil
}
func (h onWarn) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h onWarn) WithGroup(string) slog.Handler      { return h }

// When another registry sharing the generation numbers loads while this one builds (a config
// reload beside a hooks reload), the generation takes the next number and must keep its
// CloudFront Functions: they were dropped, and the function's file then ran as a Lambda@Edge
// hook (a 503: it exports no handler).
func TestGenerationNumberTakenMeanwhileKeepsFunctions(t *testing.T) {
	gens := new(atomic.Int64)
	// A function over 10,000 bytes logs a warning as it loads, after the number was read: the
	// other registry's load happens there.
	fn := "function handler(event) { event.request.headers['x-fn'] = {value: 'yes'}; return event.request; }\n" +
		"// " + strings.Repeat("x", 10_050) + "\n"
	log := slog.New(onWarn{func(msg string) {
		if strings.Contains(msg, "size limit") {
			gens.Add(1)
		}
	}})
	reg := NewRegistry(Options{Log: log, Generations: gens},
		Static(Bindings{"*": {event.ViewerRequest: {File: "f.js", Runtime: jsruntime.Runtime20}}}))
	dir := t.TempDir()
	writeHook(t, dir, "f.js", fn)
	g := reload(t, reg, dir).Generation
	if g.ID != 2 {
		t.Fatalf("generation %d, want 2 (1 was taken meanwhile)", g.ID)
	}
	if !g.IsFunction("*", event.ViewerRequest) {
		t.Fatal("the generation lost its CloudFront Function")
	}
	out, _, err := g.Request(context.Background(), "*", event.ViewerRequest, event.Config{EventType: event.ViewerRequest, RequestID: "r"}, realisticRequest())
	if err != nil || out.Headers.Get("x-fn") != "yes" {
		t.Fatalf("%v %v", out, err)
	}
}
