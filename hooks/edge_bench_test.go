package hooks

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/edge/trace"
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// Whole requests through the edge's handler with hooks, in process: what a hook costs a request
// besides the call itself (the event built from http.Header, the result applied to the outgoing
// request or response). The load figures come from hookfront-bench; these are the repeatable
// ones (go test -bench Edge -benchmem; under valgrind --tool=callgrind, instruction counts).

func benchEdge(b *testing.B, bind map[event.Trigger]string, files map[string]string, path string, observers ...edge.Observer) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/cached") {
			w.Header().Set("Cache-Control", "max-age=3600")
		} else {
			w.Header().Set("Cache-Control", "no-store")
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(strings.Repeat("x", 1024)))
	}))
	b.Cleanup(origin.Close)
	src := jsruntime.Source{Files: map[string][]byte{}}
	for n, s := range files {
		src.Files[n] = []byte(s)
	}
	bindings := Bindings{"*": {}}
	for t, f := range bind {
		bindings["*"][t] = Binding{File: f}
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	reg := NewRegistry(Options{Log: discard}, Static(bindings))
	if _, err := reg.Load(context.Background(), src); err != nil {
		b.Fatal(err)
	}
	star, _ := edge.ParsePattern("*")
	o := &edge.Origin{ID: "o", URL: mustURL(origin.URL)}
	d := &edge.Distribution{Origins: []*edge.Origin{o}, Behaviors: []*edge.Behavior{{Pattern: star, Target: "o"}}}
	srv, err := edge.NewServer(d, edge.Options{Hooks: EdgeSource{reg}, Logger: discard, Observers: observers})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "http://edge.test"+path, nil)
	req.RemoteAddr = "203.0.113.7:1234"
	req.Header.Set("User-Agent", "Go-http-client/1.1")
	req.Header.Set("Accept-Encoding", "gzip")
	w := &discardWriter{h: http.Header{}}
	srv.ServeHTTP(w, req) // warm: connections, cache, runtimes
	if w.code != 200 {
		b.Fatalf("status %d", w.code)
	}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		srv.ServeHTTP(w, req)
	}
}

// discardWriter is a ResponseWriter that keeps nothing but the status.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

var headerHooks = map[string]string{
	"req.js": headerRequestAsync, "resp.js": headerResponseAsync,
	"req-cb.js": headerRequestCallback, "resp-cb.js": headerResponseCallback,
}

func BenchmarkEdgeMissNoHooks(b *testing.B) {
	benchEdge(b, nil, headerHooks, "/x/nostore")
}

func BenchmarkEdgeMissTwoOriginHooks(b *testing.B) {
	benchEdge(b, map[event.Trigger]string{event.OriginRequest: "req.js", event.OriginResponse: "resp.js"}, headerHooks, "/x/nostore")
}

func BenchmarkEdgeMissTwoOriginHooksCallback(b *testing.B) {
	benchEdge(b, map[event.Trigger]string{event.OriginRequest: "req-cb.js", event.OriginResponse: "resp-cb.js"}, headerHooks, "/x/nostore")
}

func BenchmarkEdgeHitNoHooks(b *testing.B) {
	benchEdge(b, nil, headerHooks, "/x/cached")
}

func BenchmarkEdgeHitTwoViewerHooks(b *testing.B) {
	benchEdge(b, map[event.Trigger]string{event.ViewerRequest: "req.js", event.ViewerResponse: "resp.js"}, headerHooks, "/x/cached")
}

func BenchmarkEdgeHitTwoViewerHooksCallback(b *testing.B) {
	benchEdge(b, map[event.Trigger]string{event.ViewerRequest: "req-cb.js", event.ViewerResponse: "resp-cb.js"}, headerHooks, "/x/cached")
}

// The same requests traced at admin.trace: summary (the default), into a ring of the default
// size: what tracing adds to a request, as instructions under callgrind (the load figures of
// make bench are within this machine's noise).
func BenchmarkEdgeMissTwoOriginHooksTraced(b *testing.B) {
	benchEdge(b, map[event.Trigger]string{event.OriginRequest: "req.js", event.OriginResponse: "resp.js"}, headerHooks, "/x/nostore",
		trace.NewRing(1000, edge.DetailCalls))
}

func BenchmarkEdgeHitTwoViewerHooksTraced(b *testing.B) {
	benchEdge(b, map[event.Trigger]string{event.ViewerRequest: "req.js", event.ViewerResponse: "resp.js"}, headerHooks, "/x/cached",
		trace.NewRing(1000, edge.DetailCalls))
}

func BenchmarkEdgeHitNoHooksTraced(b *testing.B) {
	benchEdge(b, nil, headerHooks, "/x/cached", trace.NewRing(1000, edge.DetailCalls))
}

func BenchmarkEdgeMissNoHooksTraced(b *testing.B) {
	benchEdge(b, nil, headerHooks, "/x/nostore", trace.NewRing(1000, edge.DetailCalls))
}
