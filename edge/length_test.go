package edge

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
)

// A Content-Length a hook sets on a streamed body does not make the response invalid: the
// viewer is told the length the origin declared, or none (chunked) when the origin declared
// none (issue 9: '5' gave an empty reply, '999999' a body cut off and logged as a clean 200).
func TestHookContentLengthOnAStreamedBody(t *testing.T) {
	body := strings.Repeat("b", 1024)
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.URL.Path == "/chunked" {
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, body)
	})
	for _, cl := range []string{"5", "999999"} {
		h := &recorder{bound: map[event.Trigger]bool{event.OriginResponse: true, event.ViewerResponse: true},
			onResp: func(t event.Trigger, w *event.Response) (*event.Response, error) {
				w.Headers.Set("Content-Length", cl)
				return w, nil
			}}
		_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{Hooks: h})
		for _, path := range []string{"/sized", "/chunked"} {
			resp, err := http.Get(ts.URL + path)
			if err != nil {
				t.Fatalf("Content-Length %s, %s: %v", cl, path, err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || string(got) != body {
				t.Fatalf("Content-Length %s, %s: %d bytes, %v", cl, path, len(got), err)
			}
			if want := map[string]int64{"/sized": 1024, "/chunked": -1}[path]; resp.ContentLength != want {
				t.Fatalf("Content-Length %s, %s: the viewer was told %d", cl, path, resp.ContentLength)
			}
		}
	}
}

// A hook (or a function's viewer-response) may turn a response with a body into one that has
// none (204, 304): the viewer gets that status, cleanly, without the origin's body. Before, the
// edge tried to stream the body after such a status, net/http refused the write, and the
// connection was aborted: the viewer got no response at all.
func TestHookStatusWithoutBodyOnAStreamedResponse(t *testing.T) {
	for _, size := range []int{10, readFirstMax + 1} {
		o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, strings.Repeat("b", size)) })
		for _, status := range []int{http.StatusNoContent, http.StatusNotModified} {
			for _, trigger := range []event.Trigger{event.OriginResponse, event.ViewerResponse} {
				h := &recorder{bound: map[event.Trigger]bool{trigger: true},
					onResp: func(_ event.Trigger, w *event.Response) (*event.Response, error) {
						w.Status = status
						return w, nil
					}}
				_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{Hooks: h, CacheBytes: -1})
				resp, err := http.Get(ts.URL + "/x")
				if err != nil {
					t.Fatalf("%d-byte body, %s sets %d: %v", size, trigger, status, err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != status || len(got) != 0 {
					t.Fatalf("%d-byte body, %s sets %d: got %d with %d bytes", size, trigger, status, resp.StatusCode, len(got))
				}
			}
		}
	}
}

// A body that ends short of the length the origin declared is logged as truncated, not as a
// clean answer.
func TestTruncatedBodyIsLoggedAsSuch(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Length", "1000")
		fmt.Fprint(w, strings.Repeat("p", 500))
		w.(http.Flusher).Flush()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.(*net.TCPConn).SetLinger(0)
		conn.Close()
	})
	sink := newLogSink()
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{Logger: slog.New(sink)})
	expectCut(t, ts.URL+"/")
	rec := sink.next(t)
	if !strings.Contains(rec["note"], "truncated") || !strings.Contains(rec["note"], "500 of 1000") || !strings.Contains(rec["attempts"], "body_") {
		t.Fatalf("access log %v", rec)
	}
}
