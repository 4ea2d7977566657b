package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// wantAll fails unless out holds every line of want, each once.
func wantAll(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if n := strings.Count(out, w); n != 1 {
			t.Errorf("%q appears %d times in:\n%s", w, n, out)
		}
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	dir := t.TempDir()
	hooksDir := filepath.Join(dir, "hooks")
	writeFile(t, hooksDir, "a.js", "exports.handler = async (e) => {\n  return e.;\n};\n")
	writeFile(t, hooksDir, "b.js", "exports.main = () => 1;\n")
	writeFile(t, hooksDir, "c.js", "const x = require('./nope');\nexports.handler = async (e) => e;\n")
	writeFile(t, hooksDir, "d.js", "exports.handler = async (e) => e.Records[0].cf.request;\n")
	cfg := writeFile(t, dir, "hookfront.yaml", `hooks_dir: hooks
origins:
  - id: a
    url: http://127.0.0.1:9
    conection_timeout: 2s
    connection_attempts: 7
behaviors:
  - path_pattern: /a/*
    target: a
    hooks: {viewer-request: a.js, origin-request: b.js, viewer-response: d.js}
  - path_pattern: "*"
    target: a
    hooks: {viewer-reqest: c.js}
`)
	_, errOut, code := runIn(t, "validate", "--config", cfg)
	if code != 1 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	wantAll(t, errOut,
		cfg+`:5: unknown field "conection_timeout" (did you mean "connection_timeout"?)`,
		cfg+":6: origins[0].connection_attempts: 7 is out of range (1 to 3)",
		cfg+`:13: behaviors[1].hooks.viewer-reqest: "viewer-reqest" is not a trigger (did you mean "viewer-request"?)`,
		filepath.Join(hooksDir, "a.js")+":2:12: SyntaxError",
		filepath.Join(hooksDir, "b.js")+`: the file does not export "handler"`,
		filepath.Join(hooksDir, "c.js")+":1:18: Error: Cannot find module './nope'",
		"6 problem(s)")
	if strings.Contains(errOut, "d.js") {
		t.Errorf("d.js is fine:\n%s", errOut)
	}
}

func TestValidateNamesTheLineOfAYAMLSyntaxError(t *testing.T) {
	cases := []struct {
		name, body string
		line       int
	}{
		{"indented too little", "origins:\n  - id: a\n    url: http://127.0.0.1:9\n   connection_attempts: 3\nbehaviors:\n  - {path_pattern: '*', target: a}\n", 4},
		{"indented too much", "origins:\n  - id: a\n    url: http://127.0.0.1:9\n      connection_attempts: 3\nbehaviors: []\n", 4},
		{"tab in a block", "origins:\n  - id: a\n    url: http://127.0.0.1:9\n    custom_headers:\n      x-a: b\n\tx-b: c\nbehaviors: []\n", 6},
		{"sequence item in a mapping", "origins:\n  - id: a\n    url: http://127.0.0.1:9\nbehaviors:\n  path_pattern: '*'\n  - target: a\n", 6},
		{"key at the wrong level", "cache:\n  max_size: 1MB\n  max_object: 1KB\n key: {headers: []}\n", 4},
		{"unclosed flow list", "origins: []\nbehaviors: [{path_pattern: '*', target: a}\nwatch: {}\n", 2},
		{"unknown alias", "origins: []\nbehaviors: *nope\n", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := writeFile(t, t.TempDir(), "hookfront.yaml", c.body)
			_, errOut, code := runIn(t, "validate", "--config", cfg)
			if want := fmt.Sprintf("error: %s:%d: ", cfg, c.line); code != 1 || !strings.Contains(errOut, want) {
				t.Fatalf("exit %d; want %q in:\n%s", code, want, errOut)
			}
		})
	}
}

func TestValidateSuggestsTheNearestField(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "hooks/a.js", "exports.handler = async (e) => e.Records[0].cf.request;\n")
	cfg := writeFile(t, dir, "hookfront.yaml", `hooks_dir: hooks
hook_timeout: {viewer: 1s}
origins:
  - {id: a, url: "http://127.0.0.1:9", listen: x}
behaviors:
  - path_pattern: "*"
    target: a
    hooks: {viewer-request: {file: a.js, handlr: main}}
watch: {pol: true}
`)
	_, errOut, code := runIn(t, "validate", "--config", cfg)
	if code != 1 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	wantAll(t, errOut,
		cfg+`:2: unknown field "hook_timeout" (did you mean "hook_timeouts"?)`,
		// Only the fields of an origin count: listen is a top-level field, not a near one here.
		cfg+`:4: unknown field "listen" (known here: id, url, connection_attempts, connection_timeout, response_timeout, keepalive_timeout, custom_headers, origin_protocol_policy, http_port, https_port, tls_ca, tls_server_name)`,
		cfg+`:8: unknown field "handlr" (did you mean "handler"?)`,
		cfg+`:9: unknown field "pol" (did you mean "poll"?)`,
		"4 problem(s)")
}

func TestValidateHooksFolder(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "viewer-request.js", "exports.handler = async (e) => e.Records[0].cf.request;\n")
	writeFile(t, dir, "viewer-reponse.js", "exports.handler = async (e) => e.Records[0].cf.response;\n")
	writeFile(t, dir, "origin_request.js", "exports.handler = async (e) => e.Records[0].cf.request;\n")
	writeFile(t, dir, "viewerRequest.ts", "export const handler = async (e: any) => e.Records[0].cf.request;\n")
	writeFile(t, dir, "helper.js", "module.exports = 1;\n")
	writeFile(t, dir, "lib/origin-reqest.js", "module.exports = 1;\n") // not at the top: never a hook
	writeFile(t, dir, "origin-respons.json", "{}\n")                   // data, not a hook
	writeFile(t, dir, "functions/viewer-reqest.js", "function handler(event) { return event.request; }\n")
	writeFile(t, dir, "functions/origin-reqest.js", "function handler(event) { return event.request; }\n") // no function runs there
	out, errOut, code := runIn(t, "validate", "--hooks", dir)
	if code != 0 || !strings.Contains(out, dir+": OK") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wantAll(t, errOut,
		"warning: "+filepath.Join(dir, "viewer-reponse.js")+": binds no trigger; did you mean viewer-response.js?",
		"warning: "+filepath.Join(dir, "origin_request.js")+": binds no trigger; did you mean origin-request.js?",
		"warning: "+filepath.Join(dir, "viewerRequest.ts")+": binds no trigger; did you mean viewer-request.ts?",
		"warning: "+filepath.Join(dir, "functions", "viewer-reqest.js")+": binds no trigger; did you mean functions/viewer-request.js?")
	if n := strings.Count(errOut, "warning:"); n != 4 {
		t.Errorf("%d warnings:\n%s", n, errOut)
	}

	// Every broken hook is reported, each with its position.
	writeFile(t, dir, "origin-response.js", "exports.handler = async (e) => {\n  return e.;\n};\n")
	writeFile(t, dir, "viewer-request.js", "exports.main = async (e) => e;\n")
	_, errOut, code = runIn(t, "validate", "--hooks", dir)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	wantAll(t, errOut,
		filepath.Join(dir, "origin-response.js")+":2:12: SyntaxError",
		filepath.Join(dir, "viewer-request.js")+`: the file does not export "handler"`,
		"2 problem(s)")

	for _, args := range [][]string{{"validate"}, {"validate", "--hooks", dir, "--config", "x.yaml"}} {
		if _, errOut, code := runIn(t, args...); code != 2 || !strings.Contains(errOut, "--config FILE or --hooks DIR") {
			t.Errorf("%v: exit %d\n%s", args, code, errOut)
		}
	}
}

// TestServeHooksWarnsOfNearTriggerNamesOnce: in --hooks mode a file named nearly like a trigger
// is warned about at start-up and when it appears, once per file, not at every reload.
func TestServeHooksWarnsOfNearTriggerNamesOnce(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "origin") }))
	defer o.Close()
	dir := t.TempDir()
	writeFile(t, dir, "viewer-request.js", "exports.handler = async (e) => ({status: '200', body: 'v1'});\n")
	writeFile(t, dir, "viewer-reponse.js", "exports.handler = async (e) => e.Records[0].cf.response;\n")
	r := runBackground(t, "serve", "--origin", o.URL, "--hooks", dir, "--listen", "127.0.0.1:0")
	r.err.wait(t, "msg=listening")
	r.err.wait(t, `file=viewer-reponse.js suggestion=viewer-response.js`)

	writeFile(t, dir, "Origin-Request.js", "exports.handler = async (e) => e.Records[0].cf.request;\n")
	r.err.wait(t, `file=Origin-Request.js suggestion=origin-request.js`)
	r.err.wait(t, `msg="hooks reloaded" generation=2`)
	writeFile(t, dir, "viewer-request.js", "exports.handler = async (e) => ({status: '200', body: 'v2'});\n")
	r.err.wait(t, `msg="hooks reloaded" generation=3`)
	if code := r.exit(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	logs := r.err.String()
	wantAll(t, logs, "file=viewer-reponse.js", "file=Origin-Request.js")
	if !strings.Contains(logs, `msg="a file in the hooks folder binds no trigger; is its name misspelt?"`) {
		t.Errorf("warning text:\n%s", logs)
	}
}
