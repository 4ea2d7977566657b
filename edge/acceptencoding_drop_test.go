package edge

import (
	"io"
	"net/http"
	"testing"
)

// dropAEOrigin is a recording origin whose answers may be cached for a minute and say they vary
// on Accept-Encoding, as many origins do: a 5,000-byte page the edge may compress.
func dropAEOrigin(t *testing.T, status int) *origin {
	return newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Vary", "Accept-Encoding")
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", "5000")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text(5000))
	})
}

// dropAE gives o the origin custom header Accept-Encoding with an empty value.
func dropAE(o *Origin) *Origin {
	o.CustomHeaders = http.Header{"Accept-Encoding": {""}}
	return o
}

// originAE lists the Accept-Encoding of each request o received; "-" when it had none.
func originAE(o *origin) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, r := range o.reqs {
		if v, ok := r.Header["Accept-Encoding"]; ok {
			out = append(out, "["+v[0]+"]")
		} else {
			out = append(out, "-")
		}
	}
	return out
}

var viewerAEs = []string{"gzip", "br", "gzip, deflate, br", "", "identity"}

// CloudFront: with the origin custom header Accept-Encoding set to a blank value, "CloudFront
// removes the Accept-Encoding header from the cache key and doesn't include the header in origin
// requests" (cache-hit-ratio.html).
func TestOriginCustomEmptyAcceptEncoding(t *testing.T) {
	for _, c := range []struct {
		name   string
		policy *CachePolicy
	}{
		{"legacy settings", nil},
		{"CachingOptimized (gzip and brotli on)", ManagedCachePolicy("CachingOptimized")},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := dropAEOrigin(t, 200)
			b := behavior(t, "*", "o")
			b.CachePolicy = c.policy
			d := &Distribution{DomainName: "d111.cloudfront.test", Origins: []*Origin{dropAE(org(t, "o", o.URL))}, Behaviors: []*Behavior{b}}
			_, ts := edgeServer(t, d, Options{})
			for i, ae := range viewerAEs {
				r := fetchEnc(t, "GET", ts.URL+"/page", ae)
				if r.status != 200 || r.header.Get("Content-Encoding") != "" || len(r.body) != 5000 {
					t.Fatalf("viewer Accept-Encoding %q: %d, Content-Encoding %q, %d bytes", ae, r.status, r.header.Get("Content-Encoding"), len(r.body))
				}
				if want := []string{"Miss from hookfront", "Hit from hookfront"}[min(i, 1)]; r.header.Get("X-Cache") != want {
					t.Errorf("viewer Accept-Encoding %q: X-Cache %q, want %q (the key must not vary by it)", ae, r.header.Get("X-Cache"), want)
				}
			}
			if got := originAE(o); len(got) != 1 || got[0] != "-" {
				t.Errorf("origin requests' Accept-Encoding: %v, want one request without the header", got)
			}
		})
	}
}

// Edge compression answers the viewer's own Accept-Encoding: the origin still gets none.
func TestOriginCustomEmptyAcceptEncodingCompresses(t *testing.T) {
	o := dropAEOrigin(t, 200)
	b := behavior(t, "*", "o")
	b.Compress = true
	d := &Distribution{Origins: []*Origin{dropAE(org(t, "o", o.URL))}, Behaviors: []*Behavior{b}}
	_, ts := edgeServer(t, d, Options{})
	for _, c := range []struct{ ae, enc string }{{"gzip", "gzip"}, {"gzip, br", "br"}, {"", ""}, {"gzip", "gzip"}} {
		r := fetchEnc(t, "GET", ts.URL+"/page", c.ae)
		if r.status != 200 || r.header.Get("Content-Encoding") != c.enc || decode(t, r) != text(5000) {
			t.Errorf("viewer Accept-Encoding %q: %d, Content-Encoding %q; want %q and the page", c.ae, r.status, r.header.Get("Content-Encoding"), c.enc)
		}
	}
	for i, v := range originAE(o) {
		if v != "-" {
			t.Errorf("origin request %d had Accept-Encoding %s", i, v)
		}
	}
}

// In a group whose members differ, each member gets what its own custom headers say, and the
// key keeps the viewer's normalised Accept-Encoding (the member that gets it may vary on it).
func TestOriginCustomEmptyAcceptEncodingGroup(t *testing.T) {
	a := dropAEOrigin(t, http.StatusServiceUnavailable) // drops the header, fails over
	bo := dropAEOrigin(t, 200)
	b := behavior(t, "*", "g")
	oa, ob := dropAE(org(t, "a", a.URL)), org(t, "b", bo.URL)
	d := &Distribution{Origins: []*Origin{oa, ob}, Groups: []*Group{group("g", []int{503}, oa, ob)}, Behaviors: []*Behavior{b}}
	_, ts := edgeServer(t, d, Options{})
	for i, ae := range []string{"gzip", "br", "gzip"} {
		r := fetchEnc(t, "GET", ts.URL+"/page", ae)
		if want := []string{"Miss from hookfront", "Miss from hookfront", "Hit from hookfront"}[i]; r.status != 200 || r.header.Get("X-Cache") != want {
			t.Errorf("request %d (Accept-Encoding %q): %d, X-Cache %q; want 200, %q", i, ae, r.status, r.header.Get("X-Cache"), want)
		}
	}
	if got := originAE(a); len(got) != 2 || got[0] != "-" || got[1] != "-" {
		t.Errorf("the member that drops it got Accept-Encoding %v, want none twice", got)
	}
	if got := originAE(bo); len(got) != 2 || got[0] != "[gzip]" || got[1] != "[br]" {
		t.Errorf("the other member got Accept-Encoding %v, want [gzip] then [br]", got)
	}
}
