package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

const pathsConfig = `hooks_dir: hooks
origins: [{id: o, url: "https://origin.example.com"}]
behaviors:
  - {path_pattern: "*", target: o, hooks: {viewer-request: vr.js}}
`

// vr.js has two exports: handler (bound) and other, which says it ran and what context it got.
const pathsHook = `exports.handler = async (e) => e.Records[0].cf.request;
exports.other = async (e, context) => {
  const r = e.Records[0].cf.request;
  r.headers['x-which'] = [{key: 'X-Which', value: 'other'}];
  r.headers['x-fn'] = [{key: 'X-Fn', value: context.functionName}];
  r.headers['x-team'] = [{key: 'X-Team', value: String(context.team)}];
  return r;
};
`

// pathsProject is a project whose test files are in the default places (the hooks folder and
// tests/) and in others only PATH arguments reach.
func pathsProject(t *testing.T) (cfg, dir string) {
	cfg = testProject(t, map[string]string{
		"hookfront.yaml": pathsConfig,
		"hooks/vr.js":    pathsHook,
		"hooks/in-hooks.test.yaml": `
- {name: in the hooks folder, hook: vr.js, event: {request: {uri: /a}}, expect: {result: {uri: /a}}}
`,
		"tests/default.test.yaml": `
- {name: in tests, hook: vr.js, event: {request: {uri: /b}}, expect: {result: {uri: /b}}}
`,
		// The {cases: [...]} form, in JSON, with handler: and context:.
		"extra/json-form.test.json": `{"cases": [
  {"name": "handler picks the export", "hook": "vr.js", "handler": "other", "trigger": "viewer-request",
   "expect": {"result": {"headers": {"x-which": [{"value": "other"}], "x-fn": [{"value": "vr.js"}]}}}},
  {"name": "context is laid over the context object", "hook": "vr.js", "handler": "other", "trigger": "viewer-request",
   "context": {"functionName": "edge-fn", "team": "web"},
   "expect": {"result": {"headers": {"x-fn": [{"value": "edge-fn"}], "x-team": [{"value": "web"}]}}}}
]}`,
		"extra/nested/deeper.test.yml": `
cases:
  - {name: deeper in a folder, hook: vr.js, event: {request: {uri: /c}}, expect: {result: {uri: /c}}}
`,
		// Not test files by name: found only when given as a path.
		"extra/notes.yaml":          "- {name: never found in a folder, hook: vr.js, expect: {result: {uri: /nope}}}\n",
		"extra/.hidden/x.test.yaml": "- {name: in a dot folder, hook: vr.js, expect: {result: {uri: /nope}}}\n",
		"single/plain-cases.yaml": `
- {name: a file given by path, hook: vr.js, event: {request: {uri: /d}}, expect: {result: {uri: /d}}}
`,
	})
	return cfg, filepath.Dir(cfg)
}

// caseLines are the names of the cases a run reports, each with ok or FAIL.
func caseLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "ok    ") || strings.HasPrefix(l, "FAIL  ") {
			status, rest, _ := strings.Cut(l, "  ")
			if i := strings.LastIndex(rest, " ("); i >= 0 {
				rest = rest[:i]
			}
			lines = append(lines, status+" "+strings.TrimSpace(rest))
		}
	}
	return lines
}

func sameLines(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s ran:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Without PATH arguments, hookfront test runs the test files under the hooks folder and tests/;
// with them, the files given (whatever their names) and the *.test.yaml, *.test.yml and
// *.test.json files under the folders given (dot folders skipped), and nothing else.
func TestTestPathArguments(t *testing.T) {
	cfg, dir := pathsProject(t)
	p := func(rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }

	out, errOut, code := runIn(t, "test", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	sameLines(t, "the default places", caseLines(out),
		"ok "+p("hooks/in-hooks.test.yaml")+": in the hooks folder",
		"ok "+p("tests/default.test.yaml")+": in tests")

	out, errOut, code = runIn(t, "test", "--config", cfg, p("extra"), p("single/plain-cases.yaml"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	sameLines(t, "a folder and a file", caseLines(out),
		"ok "+p("extra/json-form.test.json")+": handler picks the export",
		"ok "+p("extra/json-form.test.json")+": context is laid over the context object",
		"ok "+p("extra/nested/deeper.test.yml")+": deeper in a folder",
		"ok "+p("single/plain-cases.yaml")+": a file given by path")
	wantIn(t, out, "\n4 passed, 0 failed (")

	// Paths may come after the flags or between them; a path that is not there is a file error.
	out, errOut, code = runIn(t, "test", p("extra/nested"), "--config", cfg, "--json")
	var res struct{ Passed, Failed int }
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Passed != 1 || res.Failed != 0 {
		t.Fatalf("a folder before the flags: exit %d %+v\n%s\n%s", code, res, out, errOut)
	}
	if out, errOut, code = runIn(t, "test", "--config", cfg, p("nowhere")); code != 2 || !strings.Contains(errOut, p("nowhere")+": no such file or folder") {
		t.Fatalf("a missing path: exit %d\n%s\n%s", code, out, errOut)
	}
}

// handler: and context: are what the hook runs with: a case that expects what they give fails
// without them, with the diff.
func TestTestHookCaseHandlerAndContext(t *testing.T) {
	cfg, dir := pathsProject(t)
	f := writeFile(t, dir, "wrong.test.yaml", `
- name: the default handler does not add x-which
  hook: vr.js
  expect: {result: {headers: {x-which: [{value: other}]}}}
- name: without context the function name is the file's
  hook: vr.js
  handler: other
  trigger: viewer-request
  expect: {result: {headers: {x-fn: [{value: edge-fn}]}}}
- name: an export that is not there
  hook: vr.js
  handler: nope
  trigger: viewer-request
`)
	out, errOut, code := runIn(t, "test", "--config", cfg, f)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	sameLines(t, "wrong expectations", caseLines(out),
		"FAIL "+f+": the default handler does not add x-which",
		"FAIL "+f+": without context the function name is the file's",
		"FAIL "+f+": an export that is not there")
	wantIn(t, out,
		"      result.headers[\"x-which\"]\n        expected: [{\"value\":\"other\"}]\n        got:      (absent)\n",
		"      result.headers[\"x-fn\"][0].value\n        expected: \"edge-fn\"\n        got:      \"vr.js\"\n",
		`the hook does not load: `+filepath.Join(dir, "hooks", "vr.js")+`: the file does not export "nope"`,
		"\n0 passed, 3 failed (")
}
