package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The viewer-side limits of the server section, end to end through the binary: headers over
// server.max_header_bytes get the edge's 431 (request id, x-cache, access-log line), and a body
// silent for server.read_body_timeout gets 408 (issue 9).
func TestServeViewerLimits(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer o.Close()
	cfg := writeFile(t, t.TempDir(), "hookfront.yaml", fmt.Sprintf(`
origins:
  - {id: o, url: %q}
behaviors:
  - {path_pattern: "*", target: o, allowed_methods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]}
server: {max_header_bytes: 8KB, read_body_timeout: 1s}
`, o.URL))
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	send := func(head string) *http.Response {
		t.Helper()
		conn, err := net.Dial("tcp", p.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, _ = io.WriteString(conn, head)
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		resp.Body.Close()
		return resp
	}
	resp := send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 16<<10) + "\r\n\r\n")
	id := resp.Header.Get("X-Hookfront-Request-Id")
	if resp.StatusCode != 431 || id == "" || resp.Header.Get("X-Cache") != "Error from hookfront" {
		t.Fatalf("oversized headers: %d %v", resp.StatusCode, resp.Header)
	}
	p.waitLog(t, "id="+id)

	resp = send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nonly this")
	if resp.StatusCode != 408 || resp.Header.Get("X-Hookfront-Request-Id") == "" {
		t.Fatalf("silent body: %d %v", resp.StatusCode, resp.Header)
	}
	p.waitLog(t, "viewer body timed out")
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}
