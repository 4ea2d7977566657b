package edge

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestInvalidationPaths(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=600")
		fmt.Fprint(w, r.URL.RequestURI())
	})
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{behavior(t, "*", "o")},
		CacheKey: CacheKeyPolicy{Headers: []string{"X-Lang"}}}
	s, ts := edgeServer(t, d, Options{})
	type req struct{ path, host, lang string }
	all := []req{
		{"/a.html", "", ""}, {"/a.html", "other.test", ""}, {"/a.html", "", "fr"}, // one object, three variants
		{"/a.html?v=1", "", ""}, {"/a.html?v=2", "", ""},
		{"/img/x.png", "", ""}, {"/img/y.png?s=1", "", ""}, {"/imgs/z.png", "", ""},
		{"/A.html", "", ""}, {"/caf%C3%A9", "", ""}, {"/deep/er/path", "", ""},
	}
	fetch := func(r req) result {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+r.path, nil)
		if r.host != "" {
			req.Host = r.host
		}
		if r.lang != "" {
			req.Header.Set("X-Lang", r.lang)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return result{status: resp.StatusCode, header: resp.Header}
	}
	for _, r := range all {
		fetch(r)
		expect(t, fetch(r), 200, xHit)
	}
	before := s.Cache().Stats()
	cases := []struct {
		paths   []string
		removed int
		gone    []req
	}{
		{[]string{"/a.html"}, 3, all[:3]}, // every host and header variant; not the query-string ones
		{[]string{"/a.html?v=1"}, 1, all[3:4]},
		{[]string{"/img/*"}, 2, all[5:7]}, // a prefix, query strings included; /imgs/ is another folder
		{[]string{"/café", "/nothing/*"}, 1, all[9:10]},
		{[]string{"/*"}, len(all), all}, // what was fetched again since is back in the cache too
	}
	for _, c := range cases {
		n, err := s.Invalidate(c.paths)
		if err != nil || n != c.removed {
			t.Fatalf("%v: removed %d (%v), want %d", c.paths, n, err, c.removed)
		}
		for _, r := range c.gone {
			expect(t, fetch(r), 200, xMiss)
		}
	}
	if after := s.Cache().Stats(); after.Evictions != before.Evictions {
		t.Fatalf("invalidations counted as evictions: %d → %d", before.Evictions, after.Evictions)
	}
	if n, _ := s.Invalidate([]string{"/*"}); n != len(all) || s.Cache().Stats().Entries != 0 || s.Cache().Stats().Bytes != 0 {
		t.Fatalf("after /* and a miss on each: %+v", s.Cache().Stats())
	}
}

func TestInvalidationRefusesBadPaths(t *testing.T) {
	many := make([]string, MaxInvalidationPaths+1)
	for i := range many {
		many[i] = fmt.Sprintf("/p%d", i)
	}
	for _, c := range []struct {
		paths []string
		want  string
	}{
		{nil, "no paths"},
		{[]string{"a.html"}, "must start with /"},
		{[]string{"/a*b"}, "may only end a path"},
		{[]string{"/" + strings.Repeat("x", MaxInvalidationPathLen)}, "longer than"},
		{many, "at most 3000"},
	} {
		if _, err := ParseInvalidation(c.paths); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.60v: %v, want %q", c.paths, err, c.want)
		}
	}
	if _, err := ParseInvalidation(many[:MaxInvalidationPaths]); err != nil {
		t.Fatal(err)
	}
}
