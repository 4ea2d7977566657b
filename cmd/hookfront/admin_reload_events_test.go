package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// hooksDoc is what /api/hooks says of reloads.
type hooksDoc struct {
	Generation  int64
	LastError   *reloadDoc `json:"last_error"`
	ConfigError *reloadDoc `json:"config_error"`
}

type reloadDoc struct {
	Kind     string
	OK       bool
	Error    string
	Problems []struct {
		File    string
		Line    int
		Message string
	}
}

// waitHooks polls /api/hooks (bounded) until ok says its answer is the one expected.
func waitHooks(t *testing.T, admin string, what string, ok func(hooksDoc) bool) hooksDoc {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var h hooksDoc
		getJSON(t, admin+"/api/hooks", 200, &h)
		if ok(h) {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("/api/hooks never showed %s within 20s: %+v", what, h)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A config edit that loads is a reload event of kind config; a broken one is a reload event
// with the error and its position, and /api/hooks keeps it as config_error until a fix loads.
func TestConfigReloadEventsAndConfigError(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "o") }))
	defer o.Close()
	dir := t.TempDir()
	writeFile(t, dir, "hooks/vr.js", `exports.handler = async (e) => e.Records[0].cf.request;`)
	cfgText := func(domain string) string {
		return fmt.Sprintf(`hooks_dir: hooks
domain_name: %s
watch: {debounce: 20ms}
origins: [{id: a, url: %q}]
behaviors:
  - {path_pattern: "*", target: a, hooks: {viewer-request: vr.js}}
`, domain, o.URL)
	}
	cfg := writeFile(t, dir, "hookfront.yaml", cfgText("one.example"))
	p, admin := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	events := openEvents(t, admin+"/api/events")
	if h := waitHooks(t, admin, "the first generation", func(h hooksDoc) bool { return h.Generation > 0 }); h.ConfigError != nil || h.LastError != nil {
		t.Fatalf("errors before any reload: %+v", h)
	}

	writeFile(t, dir, "hookfront.yaml", cfgText("two.example"))
	var ok reloadDoc
	if err := json.Unmarshal([]byte(events.want(t, "reload", `"kind":"config"`)), &ok); err != nil {
		t.Fatal(err)
	}
	if !ok.OK || ok.Error != "" {
		t.Fatalf("a config that loads: %+v", ok)
	}

	// Line 3 names a field that does not exist.
	writeFile(t, dir, "hookfront.yaml", strings.Replace(cfgText("three.example"), "watch:", "wacth:", 1))
	var bad reloadDoc
	if err := json.Unmarshal([]byte(events.want(t, "reload", `"kind":"config"`, `"ok":false`)), &bad); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bad.Error, "wacth") || len(bad.Problems) == 0 || bad.Problems[0].Line != 3 ||
		!strings.HasSuffix(bad.Problems[0].File, "hookfront.yaml") || !strings.Contains(bad.Problems[0].Message, `did you mean "watch"`) {
		t.Fatalf("a broken config's event: %+v", bad)
	}
	h := waitHooks(t, admin, "config_error", func(h hooksDoc) bool { return h.ConfigError != nil })
	if h.ConfigError.Kind != "config" || h.ConfigError.OK || h.ConfigError.Error != bad.Error || h.LastError != nil {
		t.Fatalf("/api/hooks with a broken config: %+v / %+v", h.ConfigError, h.LastError)
	}
	// The old config keeps serving.
	if resp, body := fetch(t, "GET", "http://"+p.addr+"/"); resp.StatusCode != 200 || body != "o" {
		t.Fatalf("while the config is broken: %d %q", resp.StatusCode, body)
	}

	writeFile(t, dir, "hookfront.yaml", cfgText("four.example"))
	events.want(t, "reload", `"kind":"config"`, `"ok":true`)
	waitHooks(t, admin, "config_error cleared", func(h hooksDoc) bool { return h.ConfigError == nil })
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}
