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
