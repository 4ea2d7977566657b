package edge

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// benchOrigin answers 1 KiB: /…/nostore uncacheable, /…/cached for an hour.
func benchOrigin(b *testing.B) *httptest.Server {
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
	return o
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark measures the handler.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func benchHandler(b *testing.B, h http.Handler, path string) {
	req := httptest.NewRequest("GET", "http://edge.test"+path, nil)
	req.RemoteAddr = "203.0.113.7:1234"
	req.Header.Set("User-Agent", "bench")
	req.Header.Set("Accept", "*/*")
	w := &discardWriter{h: http.Header{}}
	h.ServeHTTP(w, req) // warm: connections, cache
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

func benchServer(b *testing.B, o *httptest.Server) *Server {
	p, _ := ParsePattern("*")
	d := &Distribution{Origins: []*Origin{{ID: "o", URL: mustURLB(o.URL)}}, Behaviors: []*Behavior{{Pattern: p, Target: "o"}}}
	s, err := NewServer(d, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkBareReverseProxyMiss(b *testing.B) {
	o := benchOrigin(b)
	u := mustURLB(o.URL)
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u); r.SetXForwarded() },
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}, BufferPool: benchBufs{}}
	benchHandler(b, rp, "/x/nostore")
}

func BenchmarkServeMissNoHooks(b *testing.B) {
	benchHandler(b, benchServer(b, benchOrigin(b)), "/x/nostore")
}
func BenchmarkServeHitNoHooks(b *testing.B) {
	benchHandler(b, benchServer(b, benchOrigin(b)), "/x/cached")
}

func BenchmarkCachePutGet(b *testing.B) {
	c := NewCache(64<<20, 0)
	e := &Entry{Status: 200, Header: http.Header{"Content-Type": {"text/plain"}}, Body: make([]byte, 1024)}
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "host/path/" + strings.Repeat("k", i%7) + string(rune('a'+i%26))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := keys[i%len(keys)]
		if i%4 == 0 {
			c.Put(k, &Entry{Status: e.Status, Header: e.Header, Body: e.Body})
		} else {
			c.Get(k)
		}
		i++
	}
}

func mustURLB(s string) *url.URL { u, _ := url.Parse(s); return u }

var benchBufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

type benchBufs struct{}

func (benchBufs) Get() []byte  { return *(benchBufPool.Get().(*[]byte)) }
func (benchBufs) Put(b []byte) { benchBufPool.Put(&b) }
