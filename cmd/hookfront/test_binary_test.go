package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// The built binary (TestMain's go build) runs test, event and validate with their exit codes:
// an event printed with --querystring feeds a test file's case, the run passes (0), fails with
// a diff (1) or stops on a usage or file error (2); validate says OK (0) or names the problem (1).
func TestBinaryTestEventAndValidate(t *testing.T) {
	cfg, dir := pathsProject(t)
	writeFile(t, dir, "hooks/query.js", `exports.handler = async (e) => {
  const r = e.Records[0].cf.request;
  r.headers['x-query'] = [{key: 'X-Query', value: r.querystring}];
  return r;
};
`)

	out, errOut, code := runBinary(t, "event", "origin-request", "--uri", "/search", "--querystring", "q=edge&page=2", "--header", "X-A: 1")
	if code != 0 || errOut != "" {
		t.Fatalf("event: exit %d\n%s", code, errOut)
	}
	var ev struct {
		Records []struct {
			CF struct {
				Config  struct{ EventType string }
				Request struct {
					URI         string
					Querystring string
					Headers     map[string][]struct{ Key, Value string }
					Origin      map[string]any
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil || len(ev.Records) != 1 {
		t.Fatalf("event output is not an event: %v\n%s", err, out)
	}
	req := ev.Records[0].CF.Request
	if ev.Records[0].CF.Config.EventType != "origin-request" || req.URI != "/search" || req.Querystring != "q=edge&page=2" ||
		len(req.Headers["x-a"]) != 1 || req.Headers["x-a"][0].Value != "1" || req.Origin["custom"] == nil {
		t.Fatalf("event: %+v", ev.Records[0].CF)
	}
	if _, errOut, code := runBinary(t, "event", "viewer-request", "--status", "404"); code != 2 || !strings.Contains(errOut, "--status applies to origin-response and viewer-response") {
		t.Fatalf("event --status on a request trigger: exit %d\n%s", code, errOut)
	}

	// The printed event, whole, as a case's event (YAML takes JSON as it is).
	suite := writeFile(t, dir, "cli/query.test.yaml", `
- name: the query string reaches the hook
  hook: query.js
  event: `+strings.ReplaceAll(strings.TrimSpace(out), "\n", " ")+`
  expect: {result: {headers: {x-query: [{value: "q=edge&page=2"}]}}}
`)
	out, errOut, code = runBinary(t, "test", "--config", cfg, suite, filepath.Join(dir, "extra"))
	if code != 0 || errOut != "" {
		t.Fatalf("test, all passing: exit %d\n%s\n%s", code, out, errOut)
	}
	wantIn(t, out, "ok    "+suite+": the query string reaches the hook (", "\n4 passed, 0 failed (")

	wrong := writeFile(t, dir, "cli/wrong.test.yaml", `- {name: wrong uri, hook: vr.js, event: {request: {uri: /a}}, expect: {result: {uri: /b}}}
`)
	out, errOut, code = runBinary(t, "test", "--config", cfg, wrong)
	if code != 1 {
		t.Fatalf("test, failing: exit %d\n%s\n%s", code, out, errOut)
	}
	wantIn(t, out, "FAIL  "+wrong+": wrong uri (", "      result.uri\n        expected: \"/b\"\n        got:      \"/a\"\n", "\n0 passed, 1 failed (")

	out, errOut, code = runBinary(t, "test", "--config", cfg, filepath.Join(dir, "nowhere"))
	if code != 2 || out != "" || !strings.Contains(errOut, filepath.Join(dir, "nowhere")+": no such file or folder") {
		t.Fatalf("test, a missing path: exit %d\n%s\n%s", code, out, errOut)
	}

	out, errOut, code = runBinary(t, "validate", "--config", cfg)
	if code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("validate, good: exit %d\n%s\n%s", code, out, errOut)
	}
	writeFile(t, dir, "hooks/vr.js", "exports.handler = async (e) => {\n  const = 1;\n};\n")
	out, errOut, code = runBinary(t, "validate", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, filepath.Join(dir, "hooks", "vr.js")+":2:9: SyntaxError") {
		t.Fatalf("validate, a broken hook: exit %d\n%s\n%s", code, out, errOut)
	}
}
