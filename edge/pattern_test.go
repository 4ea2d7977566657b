package edge

import (
	"net/http"
	"testing"
)

func TestPatternMatch(t *testing.T) {
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"*", "/anything/at/all", true},
		{"/images/*.jpg", "/images/a.jpg", true},
		{"images/*.jpg", "/images/sub/dir/a.jpg", true}, // * crosses slashes; leading / optional
		{"/images/*.jpg", "/images/a.JPG", false},       // case-sensitive
		{"/a??.jpg", "/ant.jpg", true},
		{"/a??.jpg", "/an.jpg", false},
		{"*.doc*", "/x.doc", true},
		{"*.doc*", "/x.docx", true},
		{"*.doc?", "/x.doc", false},
		{"/api/*", "/api/", true},
		{"/api/*", "/api", false},
		{"/exact", "/exact", true},
		{"/exact", "/exact/more", false},
	}
	for _, c := range cases {
		p, err := ParsePattern(c.pattern)
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		if got := p.Match(c.path); got != c.want {
			t.Errorf("%q matches %q = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

func TestPatternRejects(t *testing.T) {
	for _, bad := range []string{"", "/a b", "/a#b", "/ä", string(make([]byte, 256))} {
		if _, err := ParsePattern(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func BenchmarkBehaviorMatch(b *testing.B) {
	var bs []*Behavior
	for _, s := range []string{"/api/*", "/static/*.js", "*.jpg", "/images/*", "*"} {
		p, _ := ParsePattern(s)
		bs = append(bs, &Behavior{Pattern: p})
	}
	d := &Distribution{Behaviors: bs}
	b.ReportAllocs()
	for b.Loop() {
		d.match("/images/2024/summer/beach.png")
	}
}

func TestCheckPath(t *testing.T) {
	for path, bad := range map[string]bool{
		"/": false, "/a/b.c": false, "/a/...": false, "/a/..b": false, "/.well-known/x": false, "/a%20b": false,
		"/a/../b": true, "/a/./b": true, "/..": true, "/a/%2e%2E/b": true, "/a/.%2e": true, "/a%2fb": true, "/a%5Cb": true, `/a\b`: true,
	} {
		r, _ := http.NewRequest("GET", "http://x", nil)
		r.URL.Path, r.URL.RawPath = path, path
		if got := checkPath(r) != ""; got != bad {
			t.Errorf("%q: refused=%v, want %v", path, got, bad)
		}
	}
}
