package edge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/hookfront/hookfront/errorpages"
	"github.com/hookfront/hookfront/hooks/event"
)

// recorder is a HookSet written in Go: it records each call and lets a test decide the result.
type recorder struct {
	mu     sync.Mutex
	bound  map[event.Trigger]bool
	calls  []string // "trigger origin-id"
	onReq  func(t event.Trigger, r *event.Request) (*event.Request, *event.Response, error)
	onResp func(t event.Trigger, w *event.Response) (*event.Response, error)
}

func (h *recorder) Current() HookSet { return h }

func (h *recorder) Has(_ string, t event.Trigger) bool { return h.bound[t] }

func (h *recorder) record(t event.Trigger, r *event.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := ""
	if r.Origin != nil {
		id = " " + r.Origin.ID
	}
	h.calls = append(h.calls, string(t)+id)
}

// Request and Response hand copies to the callbacks: a HookSet never changes its input.
func (h *recorder) Request(_ context.Context, _ string, t event.Trigger, _ event.Config, r *event.Request) (*event.Request, *event.Response, error) {
	h.record(t, r)
	if h.onReq != nil {
		return h.onReq(t, r.Clone())
	}
	return r, nil, nil
}

func (h *recorder) Response(_ context.Context, _ string, t event.Trigger, _ event.Config, r *event.Request, w *event.Response) (*event.Response, error) {
	h.record(t, r)
	if h.onResp != nil {
		c := *w
		c.Headers = w.Headers.Clone()
		return h.onResp(t, &c)
	}
	return w, nil
}

func (h *recorder) took() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := strings.Join(h.calls, ", ")
	h.calls = nil
	return s
}

func allBound() map[event.Trigger]bool {
	return map[event.Trigger]bool{event.ViewerRequest: true, event.OriginRequest: true, event.OriginResponse: true, event.ViewerResponse: true}
}

func TestOriginHooksRunOnEveryAttempt(t *testing.T) {
	p := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "ok")
	})
	h := &recorder{bound: allBound()}
	_, ts := edgeServer(t, failoverDist(t, p.URL, s.URL, 503), Options{Hooks: h})

	expect(t, get(t, ts.URL+"/"), 200, xMiss)
	want := "viewer-request, origin-request a, origin-response a, origin-request b, origin-response b, viewer-response"
	if got := h.took(); got != want {
		t.Fatalf("miss with failover ran\n  %s\nwant\n  %s", got, want)
	}
	expect(t, get(t, ts.URL+"/"), 200, xHit)
	if got := h.took(); got != "viewer-request, viewer-response" {
		t.Fatalf("hit ran %s", got)
	}
}

func TestViewerResponseSkippedForErrorsAndPages(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/page" {
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(404)
	})
	h := &recorder{bound: allBound()}
	d := oneOrigin(t, o.URL)
	d.Pages = &errorpages.Set{Distribution: errorpages.List{500: {Status: 500, Body: []byte("page"), ResponseCode: 200}}}
	_, ts := edgeServer(t, d, Options{Hooks: h, CacheBytes: -1})
	expect(t, get(t, ts.URL+"/nf"), 404, xError)
	if got := h.took(); strings.Contains(got, "viewer-response") {
		t.Fatalf("viewer-response ran on a 404: %s", got)
	}
	expect(t, get(t, ts.URL+"/page"), 200, xError)
	if got := h.took(); strings.Contains(got, "viewer-response") {
		t.Fatalf("viewer-response ran on an error page: %s", got)
	}
}

func TestViewerRequestGeneratedResponse(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	h := &recorder{bound: allBound(), onReq: func(t event.Trigger, r *event.Request) (*event.Request, *event.Response, error) {
		if t == event.ViewerRequest {
			hs := event.Headers{}
			hs.Set("Www-Authenticate", `Basic realm="x"`)
			return nil, &event.Response{Status: 401, Headers: hs, Body: &event.Body{Data: "denied"}}, nil
		}
		return r, nil, nil
	}}
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{Hooks: h})
	for i := 0; i < 2; i++ {
		r := get(t, ts.URL+"/")
		expect(t, r, 401, xGenerated)
		if r.body != "denied" || r.header.Get("Www-Authenticate") == "" {
			t.Fatalf("generated response %+v", r)
		}
	}
	if o.hits.Load() != 0 || h.took() != "viewer-request, viewer-request" {
		t.Fatal("a viewer-request generated response reached further")
	}
}

func TestOriginRequestGeneratedResponseIsCached(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	h := &recorder{bound: allBound(), onReq: func(t event.Trigger, r *event.Request) (*event.Request, *event.Response, error) {
		if t == event.OriginRequest {
			return nil, &event.Response{Status: 200, Headers: event.Headers{}, Body: &event.Body{Data: "made here"}}, nil
		}
		return r, nil, nil
	}}
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{Hooks: h})
	expect(t, get(t, ts.URL+"/"), 200, xGenerated)
	if got := h.took(); got != "viewer-request, origin-request a, viewer-response" {
		t.Fatalf("ran %s", got)
	}
	r := get(t, ts.URL+"/")
	expect(t, r, 200, xHit)
	if r.body != "made here" || o.hits.Load() != 0 {
		t.Fatalf("body %q, origin hits %d", r.body, o.hits.Load())
	}
}

func TestHookChangesReachOriginAndViewer(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s?%s %s", r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Added"))
	})
	h := &recorder{bound: allBound(),
		onReq: func(t event.Trigger, r *event.Request) (*event.Request, *event.Response, error) {
			if t == event.ViewerRequest {
				r.URI, r.QueryString = "/index.html", "v=2"
				r.Headers.Set("X-Added", "yes")
			}
			return r, nil, nil
		},
		onResp: func(t event.Trigger, w *event.Response) (*event.Response, error) {
			w.Headers.Set("X-"+string(t), "1")
			return w, nil
		}}
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{Hooks: h, CacheBytes: -1})
	r := get(t, ts.URL+"/spa/route")
	if r.body != "/index.html?v=2 yes" || r.header.Get("X-Origin-Response") != "1" || r.header.Get("X-Viewer-Response") != "1" {
		t.Fatalf("body %q headers %v", r.body, r.header)
	}
}

// failure is what the hooks package returns: a status and a CloudFront error class.
type failure struct {
	status int
	class  string
}

func (f failure) Error() string   { return f.class }
func (f failure) HTTPStatus() int { return f.status }
func (f failure) Class() string   { return f.class }

func TestHookFailuresAreEdgeErrorsNeverCached(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Cache-Control", "max-age=60") })
	fail := map[event.Trigger]error{
		event.ViewerRequest:  errors.New("boom"),
		event.OriginRequest:  failure{502, "LambdaValidationError"},
		event.OriginResponse: failure{503, "LambdaLimitExceeded"},
		event.ViewerResponse: failure{502, "LambdaValidationError"},
	}
	want := map[event.Trigger]int{event.ViewerRequest: 503, event.OriginRequest: 502, event.OriginResponse: 503, event.ViewerResponse: 502}
	for trig, err := range fail {
		h := &recorder{bound: allBound(),
			onReq: func(t event.Trigger, r *event.Request) (*event.Request, *event.Response, error) {
				if t == trig {
					return nil, nil, err
				}
				return r, nil, nil
			},
			onResp: func(t event.Trigger, w *event.Response) (*event.Response, error) {
				if t == trig {
					return nil, err
				}
				return w, nil
			}}
		_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{Hooks: h})
		for i := 0; i < 2; i++ {
			r := get(t, ts.URL+"/")
			expect(t, r, want[trig], xError)
			if !strings.Contains(r.body, string(trig)) {
				t.Fatalf("%s: page does not name the hook: %q", trig, r.body)
			}
		}
	}
}

// Failover looks at the origin's raw status: origin-response cannot suppress or force it.
func TestFailoverUsesRawStatusNotHookStatus(t *testing.T) {
	p := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fine" {
			return
		}
		w.WriteHeader(503)
	})
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secondary") })
	h := &recorder{bound: map[event.Trigger]bool{event.OriginResponse: true}, onResp: func(_ event.Trigger, w *event.Response) (*event.Response, error) {
		if w.Status == 503 {
			w.Status = 200 // hide the failure
		} else {
			w.Status = 503 // fake one
		}
		return w, nil
	}}
	_, ts := edgeServer(t, failoverDist(t, p.URL, s.URL, 503), Options{CacheBytes: -1, Hooks: h})
	if r := get(t, ts.URL+"/broken"); r.body != "secondary" {
		t.Fatalf("a hook suppressed failover: %d %q", r.status, r.body)
	}
	if r := get(t, ts.URL+"/fine"); r.status != 503 || s.hits.Load() != 1 {
		t.Fatalf("a hook forced failover: %d, secondary hits %d", r.status, s.hits.Load())
	}
}
