package metrics

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge"
)

// An attempt the viewer's own body cut short (it stalled past read_body_timeout, or was
// malformed) says nothing about the origin: it is not counted as an origin attempt. Before, it
// showed as hookfront_origin_requests_total{code="reset"}, which alerts read as a failing origin.
func TestViewerBodyFailuresAreNotOriginResets(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	t.Cleanup(o.Close)
	u, _ := url.Parse(o.URL)
	p, _ := edge.ParsePattern("*")
	d := &edge.Distribution{Origins: []*edge.Origin{{ID: "o", URL: u}},
		Behaviors: []*edge.Behavior{{Pattern: p, Target: "o", AllowedMethods: edge.KnownMethods}}}
	m := New(Options{})
	s, err := edge.NewServer(d, edge.Options{Logger: slog.New(slog.DiscardHandler), Observers: []edge.Observer{m},
		ReadBodyTimeout: 200 * time.Millisecond, CacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	for _, req := range []string{
		"POST /x HTTP/1.1\r\nHost: edge\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n\r\n", // malformed
		"POST /x HTTP/1.1\r\nHost: edge\r\nContent-Length: 100\r\n\r\nabc",                             // stalls
	} {
		c, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, req)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		c.Close()
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusRequestTimeout {
			t.Fatalf("%q: %d", req[:20], resp.StatusCode)
		}
	}
	var out strings.Builder
	deadline := time.Now().Add(10 * time.Second)
	for {
		out.Reset()
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		out.WriteString(rec.Body.String())
		if strings.Contains(out.String(), `hookfront_requests_total{behavior="*",cache="error",code="408"} 1`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "hookfront_origin_requests_total") {
			t.Errorf("a viewer's body failure counted as an origin attempt: %s", line)
		}
	}
	if !strings.Contains(out.String(), `code="400"`) || !strings.Contains(out.String(), `code="408"`) {
		t.Fatalf("the two requests were not counted:\n%s", out.String())
	}
}
