package edge

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// sendSlowBody opens a connection to the edge, sends a POST declaring a 100000-byte body and
// then the given parts of it, waiting gap between them; it returns the response the edge sends.
func sendSlowBody(t *testing.T, addr, path string, gap time.Duration, parts ...string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: edge\r\nContent-Length: %d\r\n\r\n", path, max(total, 100000))
	go func() {
		for _, p := range parts {
			if _, err := io.WriteString(conn, p); err != nil {
				return
			}
			time.Sleep(gap) // a slow viewer, not synchronisation
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	return resp
}

// A viewer that stops sending its body gets 408 once server.read_body_timeout passes without a
// byte, the origin attempt is abandoned (its connection closed), and the access log says why
// (issue 9: one byte every 2 s held an origin connection for 40 s and more).
func TestSilentRequestBodyGets408(t *testing.T) {
	ended := make(chan error, 4)
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.Copy(io.Discard, r.Body)
		ended <- err
	}))
	t.Cleanup(o.Close)
	sink := newLogSink()
	d := oneOrigin(t, o.URL)
	d.Behaviors[0].AllowedMethods = KnownMethods
	_, ts := edgeServer(t, d, Options{CacheBytes: -1, ReadBodyTimeout: 300 * time.Millisecond, Logger: slog.New(sink)})
	addr := strings.TrimPrefix(ts.URL, "http://")

	resp := sendSlowBody(t, addr, "/upload", time.Hour, "first bytes")
	if resp.StatusCode != http.StatusRequestTimeout || resp.Header.Get("X-Hookfront-Request-Id") == "" || resp.Header.Get("X-Cache") != xError {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	select {
	case err := <-ended:
		if err == nil {
			t.Fatal("the origin got the body as if whole")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the origin's request was not abandoned")
	}
	if rec := sink.next(t); rec["status"] != "408" || !strings.Contains(rec["note"], "viewer body timed out") || !strings.Contains(rec["attempts"], "viewer_body_timeout") {
		t.Fatalf("access log %v", rec)
	}

	// A body that keeps coming, however slowly, is never cut: the limit is on silence.
	resp = sendSlowBody(t, addr, "/upload", 100*time.Millisecond, "a", "b", "c", "d", "e", "f", strings.Repeat("x", 100000-6))
	if resp.StatusCode != 200 {
		t.Fatalf("slow but steady body: %d", resp.StatusCode)
	}
	if err := <-ended; err != nil {
		t.Fatalf("the origin: %v", err)
	}
}

// The same holds where the edge reads the body itself first (write failover buffers it).
func TestSilentBufferedBodyGets408(t *testing.T) {
	p := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	sink := newLogSink()
	_, ts := edgeServer(t, writeDist(t, p.URL, s.URL, &WriteFailover{Methods: []string{"POST"}, OnConnect: true}),
		Options{CacheBytes: -1, ReadBodyTimeout: 300 * time.Millisecond, Logger: slog.New(sink)})
	resp := sendSlowBody(t, strings.TrimPrefix(ts.URL, "http://"), "/orders", time.Hour, "{")
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("%d", resp.StatusCode)
	}
	if rec := sink.next(t); rec["status"] != "408" || p.hits.Load()+s.hits.Load() != 0 {
		t.Fatalf("access log %v, origin hits %d", rec, p.hits.Load()+s.hits.Load())
	}
}
