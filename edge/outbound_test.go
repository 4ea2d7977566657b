package edge

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
)

func TestOutboundHeadersAndOriginPath(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "X-Secret")
		w.Header().Set("X-Secret", "hop")
		w.Header().Set("Keep-Alive", "timeout=5")
		fmt.Fprint(w, "ok")
	})
	a := org(t, "a", o.URL+"/base")
	a.CustomHeaders = http.Header{"X-Origin-Token": {"abc"}}
	d := &Distribution{Origins: []*Origin{a}, Behaviors: []*Behavior{behavior(t, "*", "a")}}
	_, ts := edgeServer(t, d, Options{CacheBytes: -1})

	r := get(t, ts.URL+"/p/q%20r?x=1&y=2",
		"X-Forwarded-For", "203.0.113.9", "X-Forwarded-Host", "evil", "Connection", "X-Drop", "X-Drop", "1",
		"X-Origin-Token", "viewer-value", "Proxy-Authorization", "secret")
	expect(t, r, 200, xMiss)
	in := o.last()
	if in.URL.EscapedPath() != "/base/p/q%20r" || in.URL.RawQuery != "x=1&y=2" {
		t.Errorf("origin saw %s?%s", in.URL.EscapedPath(), in.URL.RawQuery)
	}
	if got := in.Header.Get("X-Forwarded-For"); got != "203.0.113.9, 127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q", got)
	}
	for _, h := range []string{"X-Forwarded-Host", "X-Drop", "Proxy-Authorization"} {
		if in.Header.Get(h) != "" {
			t.Errorf("%s reached the origin", h)
		}
	}
	if in.Header.Get("X-Origin-Token") != "abc" {
		t.Errorf("custom header = %q, want abc (it replaces the viewer's)", in.Header.Get("X-Origin-Token"))
	}
	if !strings.Contains(in.Header.Get("Via"), "hookfront") || in.Header.Get("X-Hookfront-Request-Id") != r.header.Get("X-Hookfront-Request-Id") {
		t.Errorf("Via %q / request id %q", in.Header.Get("Via"), in.Header.Get("X-Hookfront-Request-Id"))
	}
	if in.Host != strings.TrimPrefix(o.URL, "http://") {
		t.Errorf("Host = %q, want the origin's", in.Host)
	}
	if r.header.Get("X-Secret") != "" || r.header.Get("Keep-Alive") != "" {
		t.Errorf("hop-by-hop response headers reached the viewer: %v", r.header)
	}
	if r.header.Get("Via") != "1.1 hookfront" {
		t.Errorf("Via to viewer = %q", r.header.Get("Via"))
	}
}

func TestBadPathsAndMethods(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	d := &Distribution{Origins: []*Origin{org(t, "a", o.URL)}, Behaviors: []*Behavior{behavior(t, "*", "a")}}
	_, ts := edgeServer(t, d, Options{CacheBytes: -1})
	for _, p := range []string{"/a/%2e%2e/etc/passwd", "/a%2Fb", "/a/%5cb", "/a/./b"} {
		req, _ := http.NewRequest("GET", ts.URL, nil)
		req.URL.Opaque = p // send the path exactly as written
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("%s: status %d, want 400", p, resp.StatusCode)
		}
	}
	expect(t, do(t, "POST", ts.URL+"/"), 403, xError)
	expect(t, do(t, "DELETE", ts.URL+"/"), 403, xError)
	req, _ := http.NewRequest("GET", ts.URL+"/", strings.NewReader("body"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("GET with a body: %d, want 403", resp.StatusCode)
	}
	if o.hits.Load() != 0 {
		t.Fatalf("%d bad requests were forwarded", o.hits.Load())
	}
}

func TestHugeHeaderFromOriginIs502(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("a", 1<<20))
	})
	d := &Distribution{Origins: []*Origin{org(t, "a", o.URL)}, Behaviors: []*Behavior{behavior(t, "*", "a")}}
	_, ts := edgeServer(t, d, Options{CacheBytes: -1})
	expect(t, get(t, ts.URL+"/"), 502, xError)
	expect(t, get(t, ts.URL+"/"), 502, xError) // and the edge keeps serving
}

func TestBehaviorMatchingFirstWins(t *testing.T) {
	api := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "api") })
	site := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "site") })
	d := &Distribution{
		Origins:   []*Origin{org(t, "api", api.URL), org(t, "site", site.URL)},
		Behaviors: []*Behavior{behavior(t, "/api/*", "api"), behavior(t, "*.jpg", "api"), behavior(t, "*", "site")},
	}
	_, ts := edgeServer(t, d, Options{CacheBytes: -1})
	for path, want := range map[string]string{"/api/v1": "api", "/img/a/b.jpg": "api", "/B.JPG": "site", "/apix": "site", "/": "site"} {
		if got := get(t, ts.URL+path).body; got != want {
			t.Errorf("%s went to %s, want %s", path, got, want)
		}
	}
}

// Without policies the origin gets its own Host — unless origin-request set another, as
// Lambda@Edge functions do to reach a virtual host (or a new origin) by name. Before, the hook's
// Host was dropped: the origin always got its own.
func TestOriginRequestHookSetsHostWithoutPolicies(t *testing.T) {
	var got atomic.Value
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { got.Store(r.Host) })
	h := &recorder{bound: map[event.Trigger]bool{event.OriginRequest: true}}
	d := oneOrigin(t, o.URL)
	_, ts := edgeServer(t, d, Options{Hooks: h, CacheBytes: -1})
	for _, c := range []struct{ set, want string }{
		{"virtual.example", "virtual.example"},
		{"", strings.TrimPrefix(o.URL, "http://")}, // another header changed, Host left as it was
	} {
		h.onReq = func(_ event.Trigger, r *event.Request) (*event.Request, *event.Response, error) {
			r.Headers["x-other"] = []event.HeaderValue{{Key: "X-Other", Value: "1"}}
			if c.set != "" {
				r.Headers["host"] = []event.HeaderValue{{Key: "Host", Value: c.set}}
			}
			return r, nil, nil
		}
		expect(t, get(t, ts.URL+"/x"), 200, xMiss)
		if g := got.Load(); g != c.want {
			t.Errorf("hook set Host %q: the origin got %q, want %q", c.set, g, c.want)
		}
	}
}
