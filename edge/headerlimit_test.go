package edge

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A request whose headers are over server.max_header_bytes gets the edge's own 431: the built-in
// page with a request id, x-cache and an access-log line, and is not forwarded (issue 9: it was
// net/http's plain text, unseen in the log).
func TestOversizedHeadersGetTheEdges431(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	sink := newLogSink()
	const limit = 32 << 10
	s, err := NewServer(oneOrigin(t, o.URL), Options{MaxHeaderBytes: limit, Logger: slog.New(sink)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: s, MaxHeaderBytes: NetHTTPMaxHeaderBytes(limit), ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(l)
	defer hs.Close()
	send := func(headerBytes int) *http.Response {
		t.Helper()
		conn, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /page HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", headerBytes))
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := send(40 << 10)
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || resp.Header.Get("X-Hookfront-Request-Id") == "" || resp.Header.Get("X-Cache") != xError {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	if rec := sink.next(t); rec["status"] != "431" || rec["id"] != resp.Header.Get("X-Hookfront-Request-Id") {
		t.Fatalf("access log %v", rec)
	}
	if o.hits.Load() != 0 {
		t.Fatal("forwarded")
	}
	if resp := send(limit - 200); resp.StatusCode != 200 || o.hits.Load() != 1 {
		t.Fatalf("a request just under the limit: %d", resp.StatusCode)
	}
}
