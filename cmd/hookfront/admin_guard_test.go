package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestEveryAdminPathNeedsTheToken: with a token, every admin path — those the admin package
// serves and those other parts mount later (write queue, origin health, metrics) — answers 401
// without it; /healthz and /readyz answer without it and tell nothing but their status; and a
// write a page of another origin makes a browser send is refused even with the token's cookie.
func TestEveryAdminPathNeedsTheToken(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "o") }))
	defer o.Close()
	dir := t.TempDir()
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`
origins: [{id: a, url: %q}, {id: b, url: %q}]
origin_groups:
  - id: api
    members: [a, b]
    health: {passive: {failures: 5}}
    write_failover: {methods: [POST], queue: {dir: queue}}
behaviors:
  - {path_pattern: "*", target: api, allowed_methods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]}
`, o.URL, o.URL))
	t.Setenv(tokenEnv, "s3cret")
	p, admin := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	for _, r := range []struct{ method, path string }{
		{"GET", "/"}, {"GET", "/ui/app.js"}, {"GET", "/api/requests"}, {"GET", "/api/requests/x"},
		{"GET", "/api/events"}, {"GET", "/api/hooks"}, {"POST", "/api/invalidations"},
		{"GET", "/api/queue"}, {"GET", "/api/queue/x"}, {"POST", "/api/queue/x/retry"}, {"DELETE", "/api/queue/x"},
		{"GET", "/api/health"}, {"GET", "/metrics"}, {"GET", "/nothing-here"},
		{"GET", "/healthz/../api/hooks"}, {"POST", "/healthz"},
	} {
		status, _, b := call(t, r.method, admin+r.path, "")
		if status != http.StatusUnauthorized && !(status == http.StatusTemporaryRedirect && r.path == "/healthz/../api/hooks") {
			t.Errorf("%s %s without the token: %d %s", r.method, r.path, status, b)
		}
		if status := statusOf(t, r.method, admin+r.path, "Authorization", "Bearer s3cret"); status == http.StatusUnauthorized {
			t.Errorf("%s %s with the token: %d", r.method, r.path, status)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		status, _, b := call(t, "GET", admin+path, "")
		var body map[string]any
		if err := json.Unmarshal(b, &body); status != 200 || err != nil || len(body) != 1 || body["status"] == nil {
			t.Errorf("%s without the token: %d %s, want 200 with its status alone", path, status, b)
		}
	}
	pair := "hookfront_admin=s3cret"
	status, _, b := call(t, "POST", admin+"/api/invalidations", `{"paths":["/*"]}`,
		"Cookie", pair, "Origin", "http://"+p.addr, "Sec-Fetch-Site", "same-site", "Content-Type", "text/plain")
	if status != http.StatusForbidden || !strings.Contains(string(b), "another origin") {
		t.Errorf("a write from the viewer listener's page with the cookie: %d %s", status, b)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}

// statusOf makes one request and returns its status without reading the body (an event stream's
// never ends).
func statusOf(t *testing.T, method, url string, hdr ...string) int {
	t.Helper()
	resp := roundTrip(t, method, url, nil, hdr...)
	resp.Body.Close()
	return resp.StatusCode
}
