package writequeue_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks/event"
)

// received is one request a recorder got, with all its headers and when it arrived.
type received struct {
	At     time.Time
	Method string
	Path   string
	Header http.Header
	Body   string
	Status int // what the recorder answered
}

// recorder is a real HTTP origin on 127.0.0.1 that keeps every request whole and answers the
// status set last (200 at first).
type recorder struct {
	mu     sync.Mutex
	status int
	got    []received
	url    string
}

func newRecorder(t *testing.T, status int) *recorder {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &recorder{status: status, url: "http://" + l.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		o.mu.Lock()
		status := o.status
		o.got = append(o.got, received{At: time.Now(), Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(b), Status: status})
		o.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "answer "+http.StatusText(status))
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return o
}

// origin is the recorder as startEdge's origins are given: only its URL is used.
func (o *recorder) origin(t *testing.T) *origin { return &origin{t: t, addr: o.url[len("http://"):]} }

func (o *recorder) setStatus(s int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.status = s
}

func (o *recorder) requests() []received {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]received(nil), o.got...)
}

// waitFor polls until n requests matching keep arrived (bounded) and returns them.
func (o *recorder) waitFor(t *testing.T, n int, keep func(received) bool) []received {
	t.Helper()
	var got []received
	eventually(t, func() bool {
		got = got[:0]
		for _, r := range o.requests() {
			if keep(r) {
				got = append(got, r)
			}
		}
		return len(got) >= n
	})
	return got
}

// hookFuncs is a hook set written in Go: each trigger with a function runs it; the others are
// not bound. A function returns the request to go on with (a changed copy, never the one given).
type hookFuncs struct {
	viewerRequest, originRequest func(r *event.Request) (*event.Request, error)
}

func (h *hookFuncs) Current() edge.HookSet { return h }

func (h *hookFuncs) Has(_ string, t event.Trigger) bool {
	return t == event.ViewerRequest && h.viewerRequest != nil || t == event.OriginRequest && h.originRequest != nil
}

func (h *hookFuncs) Request(_ context.Context, _ string, t event.Trigger, _ event.Config, r *event.Request) (*event.Request, *event.Response, error) {
	f := h.originRequest
	if t == event.ViewerRequest {
		f = h.viewerRequest
	}
	out, err := f(r)
	return out, nil, err
}

func (h *hookFuncs) Response(_ context.Context, _ string, _ event.Trigger, _ event.Config, _ *event.Request, w *event.Response) (*event.Response, error) {
	return w, nil
}

// withHeader is r with header name set to value, as a hook returns it.
func withHeader(r *event.Request, name, value string) *event.Request {
	c := *r
	c.Headers = r.Headers.Clone()
	c.Headers.Set(name, value)
	return &c
}
