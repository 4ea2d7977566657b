package edge_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/hooks/event"
)

// A behavior guarded by a viewer-request hook cannot be sidestepped by a "*" in the path, raw
// or percent-encoded, nor by a doubled slash: the hook (a real file, run by the hooks package) answers every such
// request, and the origin sees none of them (issue 9).
func TestStarInPathDoesNotSkipABehaviorsHook(t *testing.T) {
	var hits atomic.Int64
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "origin")
	}))
	defer o.Close()
	dir := t.TempDir()
	deny := `exports.handler = async () => ({ status: '403', body: 'denied by hook' });`
	if err := os.WriteFile(filepath.Join(dir, "deny.js"), []byte(deny), 0o644); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := hooks.NewRegistry(hooks.Options{Log: log}, hooks.Static(hooks.Bindings{"/api/*/admin": {event.ViewerRequest: {File: "deny.js"}}}))
	src, err := hooks.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Load(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	admin, _ := edge.ParsePattern("/api/*/admin")
	star, _ := edge.ParsePattern("*")
	u, _ := url.Parse(o.URL)
	d := &edge.Distribution{
		Origins:   []*edge.Origin{{ID: "o", URL: u}},
		Behaviors: []*edge.Behavior{{Pattern: admin, Target: "o"}, {Pattern: star, Target: "o"}},
		Hooks:     hooks.EdgeSource{R: reg},
	}
	s, err := edge.NewServer(d, edge.Options{Logger: log, CacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	for _, path := range []string{"/api/42/admin", "/api/*x/admin", "/api/%2Ax/admin", "/api/*/admin", "/api/%2a/x/admin", "/api/a*b*/admin", "/api/42/%61dmin",
		// Nor by doubled slashes, which many origins merge (nginx's merge_slashes).
		"//api/42/admin", "///api/42/admin"} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 403 || string(body) != "denied by hook" {
			t.Errorf("GET %s: %d %q, want the hook's 403", path, resp.StatusCode, body)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the origin was reached %d times", n)
	}
	resp, err := http.Get(ts.URL + "/api/42/other")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || hits.Load() != 1 {
		t.Fatalf("a path outside the behavior: %d", resp.StatusCode)
	}
}
