package edge

import (
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
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

// refPattern is the reference semantics of a path pattern: a regular expression in which "*"
// is any run of characters, "?" exactly one character and everything else itself.
func refPattern(t testing.TB, glob string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, c := range glob {
		switch c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// The cases of issue 9: a literal "*" in the path must not end the wildcard's backtracking.
var patternRegressions = []struct{ pattern, path string }{
	{"/api/*/admin", "/api/*x/admin"},
	{"*?", "*"},
	{"/a/*b", "/a/*xb"},
	{"*.jpg", "/x*.jpg"},
	{"/a?c", "/a?c"},
	{"/api/*", "/api/*"},
	{"*/admin", "/*/*/admin"},
	{"/a??.jpg", "/aä.jpg"}, // "?" is one character, not one byte
	{"*x?", "/ääxä"},
}

func TestPatternMatchesReference(t *testing.T) {
	for _, c := range patternRegressions {
		p, err := ParsePattern(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := p.Match(c.path), refPattern(t, p.String()).MatchString(c.path); got != want {
			t.Errorf("%q matches %q = %v, want %v", c.pattern, c.path, got, want)
		}
	}
	// A deterministic randomized comparison, run by every go test: short patterns and paths over
	// an alphabet rich in wildcards and slashes, so that literal "*" and "?" meet wildcards often.
	rng := rand.New(rand.NewPCG(9, 1))
	patAlpha, pathAlpha := []string{"*", "?", "/", "a", "b", "."}, []string{"*", "?", "/", "a", "b", ".", "ä", "\xff"}
	word := func(alpha []string, n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(alpha[rng.IntN(len(alpha))])
		}
		return b.String()
	}
	for i := 0; i < 20000; i++ {
		glob := "/" + word(patAlpha, rng.IntN(8))
		path := "/" + word(pathAlpha, rng.IntN(10))
		p, err := ParsePattern(glob)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := p.Match(path), refPattern(t, p.String()).MatchString(path); got != want {
			t.Fatalf("%q matches %q = %v, want %v (reference)", glob, path, got, want)
		}
	}
}

func FuzzPatternMatch(f *testing.F) {
	for _, c := range patternRegressions {
		f.Add(c.pattern, c.path)
	}
	f.Add("/images/*.jpg", "/images/sub/a.jpg")
	f.Add("*.doc?", "/x.doc")
	f.Fuzz(func(t *testing.T, glob, path string) {
		p, err := ParsePattern(glob)
		if err != nil {
			return
		}
		if got, want := p.Match(path), refPattern(t, p.String()).MatchString(path); got != want {
			t.Fatalf("%q matches %q = %v, want %v (reference)", p.String(), path, got, want)
		}
	})
}
