package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// generationOf finds the generation the access log gives the request with this id.
func generationOf(t *testing.T, p *proc, id string) int {
	t.Helper()
	re := regexp.MustCompile(`msg=request id=` + regexp.QuoteMeta(id) + ` .*generation=(\d+)`)
	p.waitLog(t, "id="+id)
	m := re.FindStringSubmatch(p.logs())
	if m == nil {
		t.Fatalf("no generation in the access log of %s:\n%s", id, p.logs())
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestConfigRefusedForItsHooksAppliesOnceTheyLoad: a valid config change refused only because a
// helper its hooks require was broken applies as soon as the helper is fixed, and hook generation
// numbers keep growing across the registries config reloads make.
func TestConfigRefusedForItsHooksAppliesOnceTheyLoad(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "origin") }))
	defer o.Close()
	dir := t.TempDir()
	writeFile(t, dir, "hooks/lib.js", `exports.v = 'v1';`)
	writeFile(t, dir, "hooks/vr.js", `const lib = require('./lib');
exports.handler = async (e) => ({status: '200', body: lib.v + ' ' + e.Records[0].cf.config.distributionDomainName});`)
	cfgText := func(domain, viewerTimeout string) string {
		return fmt.Sprintf(`hooks_dir: hooks
domain_name: %s
hook_timeouts: {viewer: %s}
watch: {debounce: 20ms}
origins: [{id: a, url: %q}]
behaviors:
  - {path_pattern: "*", target: a, hooks: {viewer-request: vr.js}}
`, domain, viewerTimeout, o.URL)
	}
	cfg := writeFile(t, dir, "hookfront.yaml", cfgText("one.example", "5s"))
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	base := "http://" + p.addr
	get := func(want string) int {
		t.Helper()
		waitBody(t, base+"/", want)
		resp, body := fetch(t, "GET", base+"/")
		if body != want {
			t.Fatalf("body %q, want %q", body, want)
		}
		return generationOf(t, p, resp.Header.Get("X-Hookfront-Request-Id"))
	}
	g1 := get("v1 one.example")

	// A config change that rebuilds the hooks registry: the generation number still grows.
	writeFile(t, dir, "hookfront.yaml", cfgText("one.example", "4s"))
	p.waitLog(t, `msg="config reloaded"`)
	if g2 := get("v1 one.example"); g2 <= g1 {
		t.Fatalf("generation %d after a config reload, was %d: numbers must only grow", g2, g1)
	}

	// Break the helper; the hooks keep serving v1.
	writeFile(t, dir, "hooks/lib.js", "exports.v = ;\n")
	p.waitLog(t, "hooks reload failed")
	// A valid config change is refused while its hooks do not load.
	writeFile(t, dir, "hookfront.yaml", cfgText("two.example", "3s"))
	p.waitLog(t, "config reload refused: its hooks do not load")
	g3 := get("v1 one.example")

	// Fix the helper: the hooks reload and the refused config applies with them.
	writeFile(t, dir, "hooks/lib.js", `exports.v = 'v2';`)
	if g4 := get("v2 two.example"); g4 <= g3 {
		t.Fatalf("generation %d after the fix, was %d", g4, g3)
	}
	// --listen overrides the file's listen: reloads do not warn that it cannot change, unless the
	// file changes it.
	if strings.Contains(p.logs(), "listen cannot change") {
		t.Errorf("a reload warned about listen, which the file never set:\n%s", p.logs())
	}
	writeFile(t, dir, "hookfront.yaml", "listen: 127.0.0.1:1\n"+cfgText("two.example", "3s"))
	p.waitLog(t, "listen cannot change while running")
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}
