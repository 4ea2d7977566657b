package metrics

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks/event"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark measures the handler.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func benchEdge(b *testing.B, obs ...edge.Observer) http.Handler {
	body := []byte(strings.Repeat("x", 1024))
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/cached") {
			w.Header().Set("Cache-Control", "max-age=3600")
		} else {
			w.Header().Set("Cache-Control", "no-store")
		}
		_, _ = w.Write(body)
	}))
	b.Cleanup(o.Close)
	u, _ := url.Parse(o.URL)
	p, _ := edge.ParsePattern("*")
	d := &edge.Distribution{Origins: []*edge.Origin{{ID: "o", URL: u}}, Behaviors: []*edge.Behavior{{Pattern: p, Target: "o"}}}
	s, err := edge.NewServer(d, edge.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})), Observers: obs})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func run(b *testing.B, h http.Handler, path string) {
	req := httptest.NewRequest("GET", "http://edge.test"+path, nil)
	req.RemoteAddr = "203.0.113.7:1234"
	w := &discardWriter{h: http.Header{}}
	h.ServeHTTP(w, req)
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

// The handler on a hit and on a miss, without metrics and with them: the difference is what
// metrics cost a request in-process (make bench also measures it under load, hookfront-bench).
func BenchmarkHitNoMetrics(b *testing.B)  { run(b, benchEdge(b), "/x/cached") }
func BenchmarkHitMetrics(b *testing.B)    { run(b, benchEdge(b, New(Options{})), "/x/cached") }
func BenchmarkMissNoMetrics(b *testing.B) { run(b, benchEdge(b), "/x/nostore") }
func BenchmarkMissMetrics(b *testing.B)   { run(b, benchEdge(b, New(Options{})), "/x/nostore") }

// What the metrics Recorder itself costs a request: a miss with one origin attempt and two
// hook calls, and a hit (the Summary it reads is reused, not allocated: see
// TestBorrowedSummariesAreReused in edge).
func BenchmarkRecorderMissTwoHooks(b *testing.B) {
	m := New(Options{})
	rec := m.Observe("", time.Time{}, nil)
	hook := edge.HookStep{Trigger: event.OriginRequest, Outcome: edge.HookContinued, File: "noop.js", Duration: 3 * time.Microsecond}
	sum := &edge.Summary{Behavior: "/api/*", Status: 200, XCache: "Miss from hookfront", Duration: 50 * time.Microsecond,
		Attempts: []edge.AttemptStep{{Origin: "o", Group: "g", Status: 200, Duration: 40 * time.Microsecond}}}
	b.ReportAllocs()
	for b.Loop() {
		rec.Hook(hook)
		rec.Hook(hook)
		rec.End(sum)
	}
}

func BenchmarkRecorderHit(b *testing.B) {
	rec := New(Options{}).Observe("", time.Time{}, nil)
	sum := &edge.Summary{Behavior: "/api/*", Status: 200, XCache: "Hit from hookfront", Duration: 20 * time.Microsecond}
	b.ReportAllocs()
	for b.Loop() {
		rec.End(sum)
	}
}
