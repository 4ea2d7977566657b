package hooks

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"sync"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// A hook that keeps the headers of one request in module state and changes them in a later call
// (another request, on the same runtime) must not reach the first call's result, which the first
// request may still be reading: Go maps shared between the two crash the process ("concurrent map
// iteration and map write"), and the race detector flags what the later call writes.
func TestARetainedLazyEventDoesNotReachAnEarlierResult(t *testing.T) {
	reg := NewRegistry(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Runtime: jsruntime.Options{MaxPool: 1}},
		Static(Bindings{"*": {event.ViewerRequest: {File: "h.js"}}}))
	res, err := reg.Load(context.Background(), jsruntime.Source{Files: map[string][]byte{"h.js": []byte(`let saved;
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (!saved) {
    saved = request.headers;
    delete saved.accept;
    return {headers: saved};
  }
  delete saved.cookie;
  return {keys: Object.keys(saved)};
};`)}})
	if err != nil {
		t.Fatal(err)
	}
	g := res.Generation
	call := func() any {
		cfg := event.Config{EventType: event.ViewerRequest, RequestID: "r"}
		out, err := g.pool.Call(context.Background(), jsruntime.Call{Entry: "h.js", Event: newEventLazy(cfg, realisticRequest(), nil)})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	first := call().(map[string]any)["headers"].(*jsruntime.Overlay)
	var wg sync.WaitGroup
	wg.Go(func() { jsruntime.Materialize(first) }) // the first request still reading its result
	call()
	wg.Wait()
	if want := map[string]bool{"accept": true}; !maps.Equal(first.Deleted, want) {
		t.Fatalf("the first call's result now deletes %v, want %v", first.Deleted, want)
	}
}
