package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRestartOnlySettingsAreWarnedOnReload: a reload that changes a setting only a restart
// applies says so, rather than leaving the operator to believe it applied — a rotated
// admin.token above all, since the old one keeps working.
func TestRestartOnlySettingsAreWarnedOnReload(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer o.Close()
	dir := t.TempDir()
	text := `watch: {debounce: 10ms}
origins: [{id: o, url: %q}]
behaviors: [{path_pattern: "*", target: o}]
`
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(text, o.URL))
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	// Writing down a default changes nothing: no warning.
	writeFile(t, dir, "hookfront.yaml", "admin: {metrics: true}\ncache: {enabled: true}\n"+fmt.Sprintf(text, o.URL))
	p.waitLogCount(t, `msg="config reloaded"`, 1)
	writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(text, o.URL))
	p.waitLogCount(t, `msg="config reloaded"`, 2)
	if strings.Contains(p.logs(), "cannot change while running") {
		t.Fatalf("a reload that writes down defaults warned:\n%s", p.logs())
	}
	for i, c := range []struct{ add, warn string }{
		{"admin: {token: rotated}\n", "admin cannot change while running"},
		{"server: {shutdown_timeout: 3s}\n", "server cannot change while running"},
		{"cache: {enabled: false}\n", "cache.enabled cannot change while running"},
	} {
		writeFile(t, dir, "hookfront.yaml", c.add+fmt.Sprintf(text, o.URL))
		p.waitLogCount(t, `msg="config reloaded"`, 2*i+3)
		p.waitLog(t, c.warn)
		writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(text, o.URL))
		p.waitLogCount(t, `msg="config reloaded"`, 2*i+4)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}
