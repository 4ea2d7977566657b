package edge

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/errorpages"
)

func TestErrorPagesByRole(t *testing.T) {
	primary := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			w.WriteHeader(404)
		case "/teapot":
			w.WriteHeader(500)
		default:
			w.WriteHeader(503) // a failover code
		}
	})
	secondary := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	pages := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/errors/sorry.html" {
			fmt.Fprint(w, "sorry page")
			return
		}
		w.WriteHeader(404)
	})
	a, b, p := org(t, "a", primary.URL), org(t, "b", secondary.URL), org(t, "pages", pages.URL)
	d := &Distribution{
		Origins:   []*Origin{a, b, p},
		Groups:    []*Group{group("g", []int{503}, a, b)},
		Behaviors: []*Behavior{behavior(t, "/errors/*", "pages"), behavior(t, "*", "g")},
		Pages: &errorpages.Set{
			Distribution: errorpages.List{500: {Status: 500, Body: []byte("oops page"), ContentType: "text/html"}},
			Groups: map[string]*errorpages.GroupPages{"g": {
				Primary:   errorpages.List{404: {Status: 404, Body: []byte("not found page"), ContentType: "text/html", ResponseCode: 200, CacheTTL: time.Minute, HasTTL: true}},
				Secondary: errorpages.List{503: {Status: 503, Path: "/errors/sorry.html"}},
			}},
		},
	}
	_, ts := edgeServer(t, d, Options{})

	r := get(t, ts.URL+"/missing")
	expect(t, r, 200, xError) // response_code 200; still an error for x-cache
	if r.body != "not found page" {
		t.Fatalf("primary page: %q", r.body)
	}
	expect(t, get(t, ts.URL+"/missing"), 200, xHit) // the page is what gets cached
	if primary.hits.Load() != 1 {
		t.Fatalf("primary hits %d", primary.hits.Load())
	}

	r = get(t, ts.URL+"/down")
	expect(t, r, 503, xError)
	if r.body != "sorry page" || secondary.hits.Load() != 1 {
		t.Fatalf("secondary page: %q (secondary hits %d)", r.body, secondary.hits.Load())
	}

	r = get(t, ts.URL+"/teapot") // no group page for 500: the distribution-wide one
	expect(t, r, 500, xError)
	if r.body != "oops page" {
		t.Fatalf("distribution page: %q", r.body)
	}
}

func TestPagePathFetchFailureGivesFetchStatus(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/errors/") {
			w.WriteHeader(404)
			return
		}
		w.WriteHeader(500)
	})
	d := oneOrigin(t, o.URL)
	d.Pages = &errorpages.Set{Distribution: errorpages.List{500: {Status: 500, Path: "/errors/gone.html"}}}
	_, ts := edgeServer(t, d, Options{CacheBytes: -1})
	expect(t, get(t, ts.URL+"/x"), 404, "")
}

func TestEdgeErrorGetsCustomPage(t *testing.T) {
	d := oneOrigin(t, closedAddr(t))
	d.Pages = &errorpages.Set{Distribution: errorpages.List{502: {Status: 502, Body: []byte("custom 502"), ContentType: "text/html"}}}
	_, ts := edgeServer(t, d, Options{CacheBytes: -1})
	r := get(t, ts.URL+"/")
	expect(t, r, 502, xError)
	if r.body != "custom 502" {
		t.Fatalf("body %q", r.body)
	}
}

func TestBuiltinPageHasNoInternals(t *testing.T) {
	b := string(errorpages.Builtin(502, "The origin <a> could not be reached.", "req-1"))
	for _, want := range []string{"502 ERROR", "The origin &lt;a&gt; could not be reached.", "Request ID: req-1"} {
		if !strings.Contains(b, want) {
			t.Errorf("page lacks %q:\n%s", want, b)
		}
	}
}
