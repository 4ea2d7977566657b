package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// resetOrigin accepts connections, reads the request, and resets the connection (RST) instead
// of answering.
func resetOrigin(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
				_, _ = c.Read(make([]byte, 4096))
				_ = c.(*net.TCPConn).SetLinger(0) // close sends RST, not FIN
				c.Close()
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

// The cache label's refresh_hit and generated values and the origin code label's
// connect_error, timeout and reset values, each after the traffic that makes it.
func TestMetricsCacheAndOriginCodeLabels(t *testing.T) {
	revalidating := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Cache-Control", "max-age=1")
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, "v1")
	}))
	defer revalidating.Close()
	release := make(chan struct{})
	defer close(release)
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hung.Close()
	dir := t.TempDir()
	writeFile(t, dir, "hooks/gen.js", "exports.handler = async () => ({status: '200', statusDescription: 'OK', body: 'generated at the edge'});\n")
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`hooks_dir: hooks
origins:
  - {id: fresh, url: %q}
  - {id: refused, url: %q, connection_attempts: 1, connection_timeout: 1s}
  - {id: hung, url: %q, connection_attempts: 1, response_timeout: 1s}
  - {id: reset, url: %q, connection_attempts: 1}
behaviors:
  - {path_pattern: /gen/*, target: fresh, hooks: {viewer-request: gen.js}}
  - {path_pattern: /refused/*, target: refused}
  - {path_pattern: /hung/*, target: hung}
  - {path_pattern: /reset/*, target: reset}
  - {path_pattern: "*", target: fresh}
`, revalidating.URL, closedURL(t), hung.URL, resetOrigin(t)))
	p, admin := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	base := "http://" + p.addr

	// A revalidated entry: a miss, hits while fresh, then the origin's 304 makes a refresh hit.
	if resp, _ := fetch(t, "GET", base+"/reval"); resp.Header.Get("X-Cache") != "Miss from hookfront" {
		t.Fatalf("first request: %v", resp.Header)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, body := fetch(t, "GET", base+"/reval")
		xc := resp.Header.Get("X-Cache")
		if xc == "RefreshHit from hookfront" && body == "v1" {
			break
		}
		if xc != "Hit from hookfront" || time.Now().After(deadline) {
			t.Fatalf("waiting for the entry to expire (max-age=1): %d %q %q", resp.StatusCode, xc, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitMetric(t, admin, 1, "hookfront_requests_total", "behavior=*", "cache=refresh_hit", "code=200")
	waitMetric(t, admin, 1, "hookfront_origin_requests_total", "code=304", "origin=fresh")

	// A response the viewer-request hook generated.
	if resp, body := fetch(t, "GET", base+"/gen/x"); resp.StatusCode != 200 || body != "generated at the edge" {
		t.Fatalf("generated: %d %q", resp.StatusCode, body)
	}
	waitMetric(t, admin, 1, "hookfront_requests_total", "behavior=/gen/*", "cache=generated", "code=200")

	// Origins that fail without a status.
	for _, c := range []struct{ path, origin, code string }{
		{"/refused/x", "refused", "connect_error"},
		{"/hung/x", "hung", "timeout"},
		{"/reset/x", "reset", "reset"},
	} {
		resp, err := http.Get(base + c.path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 500 {
			t.Fatalf("%s: %d", c.path, resp.StatusCode)
		}
		fams := waitMetric(t, admin, 1, "hookfront_origin_requests_total", "code="+c.code, "origin="+c.origin)
		if got := value(fams, "hookfront_requests_total", "behavior=/"+c.origin+"/*", "cache=error", fmt.Sprintf("code=%d", resp.StatusCode)); got != 1 {
			t.Errorf("%s: requests_total{cache=error, code=%d} = %v, want 1", c.path, resp.StatusCode, got)
		}
	}
}
