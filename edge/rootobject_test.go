package edge

import (
	"net/http"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
)

func TestDefaultRootObject(t *testing.T) {
	site := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	other := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	var hookSaw []string
	rec := &recorder{bound: map[event.Trigger]bool{event.ViewerRequest: true},
		onReq: func(_ event.Trigger, r *event.Request) (*event.Request, *event.Response, error) {
			hookSaw = append(hookSaw, r.URI)
			return r, nil, nil
		}}
	index := behavior(t, "/index.html", "site")
	index.AllowedMethods = KnownMethods
	d := &Distribution{DefaultRootObject: "index.html", Origins: []*Origin{org(t, "site", site.URL), org(t, "other", other.URL)},
		Behaviors: []*Behavior{index, behavior(t, "*", "other")}}
	_, ts := edgeServer(t, d, Options{CacheBytes: -1, Hooks: rec})

	for _, c := range []struct {
		method, path string
		o            *origin
		want         string
	}{
		{"GET", "/", site, "/index.html"},
		{"GET", "/?lang=fr", site, "/index.html?lang=fr"},
		{"POST", "/", site, "/index.html"}, // every method, as CloudFront
		{"GET", "/docs/", other, "/docs/"}, // a subfolder's root is not rewritten
	} {
		do(t, c.method, ts.URL+c.path)
		if got := c.o.last().URL.RequestURI(); got != c.want {
			t.Errorf("%s %s: origin saw %s, want %s", c.method, c.path, got, c.want)
		}
	}
	if len(hookSaw) == 0 || hookSaw[0] != "/index.html" {
		t.Errorf("viewer-request saw %q, want the root object's path", hookSaw[0])
	}
}

// The redirect to HTTPS keeps the URL the viewer asked for: the default root object is the
// edge's own rewrite, not a URL to send the viewer to. Before, http://site/ was redirected to
// https://site/index.html.
func TestRedirectToHTTPSKeepsTheRootURL(t *testing.T) {
	site := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	b := behavior(t, "*", "site")
	b.ViewerProtocolPolicy = ViewerRedirectToHTTPS
	d := &Distribution{DefaultRootObject: "index.html", Origins: []*Origin{org(t, "site", site.URL)}, Behaviors: []*Behavior{b}}
	plain, secure, _ := dualEdge(t, d, Options{CacheBytes: -1})
	for path, want := range map[string]string{"/": "/", "/?lang=fr": "/?lang=fr", "/a.html": "/a.html"} {
		req, _ := http.NewRequest("GET", plain+path, nil)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || loc != secure+want {
			t.Errorf("GET %s: %d to %q, want 301 to %q", path, resp.StatusCode, loc, secure+want)
		}
	}
}
