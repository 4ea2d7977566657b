package examples_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/examples"
	"github.com/hookfront/hookfront/hooks"
)

// exampleEdge runs examples/hooks/hookfront.yaml, with its hooks, through the real edge in
// front of two loopback origins; seen gets every request an origin received.
type exampleEdge struct {
	base string
	seen chan *http.Request
}

func start(t *testing.T) *exampleEdge {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("hooks")); err != nil {
		t.Fatal(err)
	}
	seen := make(chan *http.Request, 100)
	a, b := recordingOrigin(t, "A", seen), recordingOrigin(t, "B", seen)
	bPort := b.URL[strings.LastIndex(b.URL, ":")+1:]
	if err := os.WriteFile(filepath.Join(dir, "ab-origin.json"), []byte(`{"origin": {"domainName": "127.0.0.1", "port": `+bPort+`, "protocol": "http"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	e := serveExample(t, filepath.Join(dir, "hookfront.yaml"), a.URL, b.URL)
	return &exampleEdge{base: e.URL, seen: seen}
}

// recordingOrigin is a loopback origin that answers "NAME /path" (with the given header
// name/value pairs) and sends every request it gets to seen.
func recordingOrigin(t *testing.T, name string, seen chan<- *http.Request, header ...string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Clone(context.Background())
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		fmt.Fprintf(w, "%s %s", name, r.URL.Path)
	}))
	t.Cleanup(s.Close)
	return s
}

// serveExample runs an example config through the real edge, with its hooks and its origins
// pointed at the given URLs (in config order).
func serveExample(t *testing.T, path string, origins ...string) *httptest.Server {
	return serveExampleWith(t, path, func(*config.Config) {}, origins...)
}

// serveExampleWith is serveExample with the loaded config changed by tune first.
func serveExampleWith(t *testing.T, path string, tune func(*config.Config), origins ...string) *httptest.Server {
	t.Helper()
	e := httptest.NewServer(exampleServer(t, path, tune, origins...))
	t.Cleanup(e.Close)
	return e
}

// exampleServer is the edge of the example config at path, with its hooks loaded.
func exampleServer(t *testing.T, path string, tune func(*config.Config), origins ...string) *edge.Server {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	tune(cfg)
	for i, u := range origins {
		cfg.Origins[i].URL = u
	}
	d, err := cfg.Distribution()
	if err != nil {
		t.Fatal(err)
	}
	opt := cfg.HooksOptions()
	opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := hooks.NewRegistry(opt, cfg.Hooks())
	src, err := hooks.ReadDir(cfg.Resolve(cfg.HooksDir))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Load(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	d.Hooks = hooks.EdgeSource{R: reg}
	srv, err := edge.NewServer(d, edge.Options{Logger: opt.Log})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// originSaw is the request the origin got for the request just made (the edge waits for the
// origin's answer, so it is there already).
func (x *exampleEdge) originSaw(t *testing.T) *http.Request {
	t.Helper()
	select {
	case r := <-x.seen:
		return r
	default:
		t.Fatal("the origin saw no request")
		return nil
	}
}

func fetch(t *testing.T, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestSPARewriteAndSecurityHeaders(t *testing.T) {
	base := start(t).base
	for path, want := range map[string]string{"/app/": "A /index.html", "/app/settings/profile": "A /index.html", "/app/main.js": "A /app/main.js"} {
		resp, body := fetch(t, base+path)
		if body != want {
			t.Errorf("%s: %q, want %q", path, body, want)
		}
		if resp.Header.Get("Strict-Transport-Security") == "" || resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: security headers missing: %v", path, resp.Header)
		}
	}
}

func TestBasicAuth(t *testing.T) {
	base := start(t).base
	resp, body := fetch(t, base+"/private/x")
	if resp.StatusCode != 401 || resp.Header.Get("Www-Authenticate") == "" || body != "Authentication required\n" ||
		resp.Header.Get("X-Cache") != "LambdaGeneratedResponse from hookfront" {
		t.Fatalf("%d %v %q", resp.StatusCode, resp.Header, body)
	}
	resp, body = fetch(t, base+"/private/x", "Authorization", "Basic ZGVtbzpzZWNyZXQ=")
	if resp.StatusCode != 200 || body != "A /private/x" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
}

func TestABOriginByCookie(t *testing.T) {
	base := start(t).base
	if _, body := fetch(t, base+"/ab/page"); body != "A /ab/page" {
		t.Fatalf("no cookie: %q", body)
	}
	if _, body := fetch(t, base+"/ab/other", "Cookie", "x=1; variant=b"); body != "B /ab/other" {
		t.Fatalf("variant=b: %q", body)
	}
}

func TestRedirectByHeader(t *testing.T) {
	base := start(t).base
	resp, _ := fetch(t, base+"/i18n/page?x=1", "Accept-Language", "de-DE,de;q=0.9")
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/de/i18n/page?x=1" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := fetch(t, base+"/i18n/page", "Accept-Language", "en"); resp.StatusCode != 200 {
		t.Fatalf("en: %d", resp.StatusCode)
	}
}

func TestCacheControlOverride(t *testing.T) {
	base := start(t).base
	resp, _ := fetch(t, base+"/static/a.css")
	if resp.Header.Get("Cache-Control") != "public, max-age=300" || resp.Header.Get("X-Cache") != "Miss from hookfront" {
		t.Fatalf("%v", resp.Header)
	}
	// The edge caches what origin-response returned: the next request is a hit.
	if resp, _ := fetch(t, base+"/static/a.css"); resp.Header.Get("X-Cache") != "Hit from hookfront" {
		t.Fatalf("%v", resp.Header)
	}
}

func TestTypeScriptHook(t *testing.T) {
	x := start(t)
	resp, _ := fetch(t, x.base+"/anything")
	r := x.originSaw(t)
	if r.Header.Get("X-Request-Id") != resp.Header.Get("X-Hookfront-Request-Id") || r.Header.Get("X-Arrived-At") == "" {
		t.Fatalf("origin saw %v", r.Header)
	}
}

func TestDemoFolderIsEmbedded(t *testing.T) {
	if _, err := fs.Stat(examples.Demo, "demo/hookfront.yaml"); err != nil {
		t.Fatal(err)
	}
}
