package examples_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
)

// functionsEdge runs examples/functions/hookfront.yaml through the real edge, its folder copied
// to a temp dir, in front of two loopback origins ("main", "canary"); seen gets every request an
// origin received.
type functionsEdge struct {
	base string
	dir  string
	seen chan *http.Request
}

func startFunctions(t *testing.T) *functionsEdge {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("functions")); err != nil {
		t.Fatal(err)
	}
	seen := make(chan *http.Request, 100)
	main := recordingOrigin(t, "main", seen, "Cache-Control", "max-age=60")
	canary := recordingOrigin(t, "canary", seen, "Cache-Control", "max-age=60")
	// The 5ms default budget is wall time; a loaded test machine can deschedule a call longer.
	e := serveExampleWith(t, filepath.Join(dir, "hookfront.yaml"), func(c *config.Config) {
		c.HookTimeouts.Function.Duration = 2 * time.Second
	}, main.URL, canary.URL)
	return &functionsEdge{base: e.URL, dir: dir, seen: seen}
}

func TestFunctionRedirectsFromKeyValueStore(t *testing.T) {
	x := startFunctions(t)
	resp, _ := fetch(t, x.base+"/old-pricing")
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "/pricing" || resp.Header.Get("X-Cache") != "FunctionGeneratedResponse from hookfront" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	if resp, body := fetch(t, x.base+"/pricing"); resp.StatusCode != 200 || body != "main /pricing" {
		t.Fatalf("not a redirect: %d %q", resp.StatusCode, body)
	}
}

func TestFunctionSPARewriteWithSecurityHeaders(t *testing.T) {
	x := startFunctions(t)
	for _, c := range []struct{ path, want, first string }{
		{"/app/", "main /index.html", "Miss"},
		{"/app/settings/profile", "main /index.html", "Hit"}, // rewritten to the same object
		{"/app/main.js", "main /app/main.js", "Miss"},
	} {
		path, want := c.path, c.want
		for _, xcache := range []string{c.first, "Hit"} { // viewer-response runs on hits too
			resp, body := fetch(t, x.base+path)
			if body != want || !strings.HasPrefix(resp.Header.Get("X-Cache"), xcache) {
				t.Errorf("%s: %q (%s), want %q (%s)", path, body, resp.Header.Get("X-Cache"), want, xcache)
			}
			if resp.Header.Get("Strict-Transport-Security") == "" || resp.Header.Get("X-Frame-Options") != "DENY" ||
				resp.Header.Get("Content-Security-Policy") != "default-src 'self'" {
				t.Errorf("%s: security headers missing: %v", path, resp.Header)
			}
		}
	}
}

func TestFunctionOriginByCookie(t *testing.T) {
	x := startFunctions(t)
	if _, body := fetch(t, x.base+"/shop/cart"); body != "main /shop/cart" {
		t.Fatalf("no cookie: %q", body)
	}
	<-x.seen
	_, body := fetch(t, x.base+"/shop/checkout", "Cookie", "session=1; canary=1")
	if body != "canary /shop/checkout" {
		t.Fatalf("canary=1: %q", body)
	}
	// The Lambda@Edge origin-request hook saw the origin the function chose.
	if r := <-x.seen; !strings.HasPrefix(r.Host, "127.0.0.1:") || r.Header.Get("X-Origin-Chosen") != r.Host {
		t.Fatalf("origin saw Host %q, X-Origin-Chosen %q", r.Host, r.Header.Get("X-Origin-Chosen"))
	}
}
