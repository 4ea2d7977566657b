package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The binary with CloudFront Functions: config binding, key value stores reloaded from a file
// outside the hooks folder, bad input, validate, zero-config binding and invoke.

func TestServeFunctionsWithKeyValueStoreReload(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "origin "+r.URL.Path) }))
	defer o.Close()
	dir := t.TempDir()
	writeFile(t, dir, "hooks/redirects.js", `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  const r = event.request;
  if (r.uri === '/loop') { for (;;) {} }
  if (await kvs.exists(r.uri)) {
    return {statusCode: 302, headers: {location: {value: await kvs.get(r.uri)}}};
  }
  return r;
}`)
	store := writeFile(t, dir, "stores/redirects.json", `{"data": [{"key": "/a", "value": "/b"}]}`)
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`hooks_dir: hooks
watch: {debounce: 20ms}
hook_timeouts: {function: 100ms}
origins: [{id: o, url: %q}]
key_value_stores:
  - {name: redirects, file: stores/redirects.json}
behaviors:
  - path_pattern: "*"
    target: o
    functions:
      viewer-request: {file: redirects.js, key_value_store: redirects}
`, o.URL))
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	base := "http://" + p.addr
	location := func(path string) string {
		resp, _ := fetch(t, "GET", base+path)
		return resp.Header.Get("Location")
	}
	if got := location("/a"); got != "/b" {
		t.Fatalf("Location %q", got)
	}
	// Saving the store: the next requests see the new redirects.
	writeFile(t, dir, "stores/redirects.json", `{"data": [{"key": "/a", "value": "/c"}]}`)
	waitFor(t, func() bool { return location("/a") == "/c" })
	p.waitLog(t, `msg="hooks reloaded" generation=2 files=[`+store+`]`)

	// A malformed store is refused with file:line:column; the last good store keeps serving.
	writeFile(t, dir, "stores/redirects.json", "{\"data\": [\n  {\"key\": \"/a\", \"value\": \"/d\"},,\n]}")
	p.waitLog(t, store+":2:32: malformed JSON")
	if got := location("/a"); got != "/c" {
		t.Fatalf("after a broken store: Location %q", got)
	}
	// A function that loops costs its request (503 after the budget); the next one is served.
	if resp, body := fetch(t, "GET", base+"/loop"); resp.StatusCode != 503 || !strings.Contains(body, "FunctionThrottledError") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if _, body := fetch(t, "GET", base+"/x"); body != "origin /x" {
		t.Fatalf("after the loop: %q\n%s", body, p.logs())
	}
	// A function without a handler is refused, naming the file; the old one keeps serving.
	writeFile(t, dir, "stores/redirects.json", `{"data": [{"key": "/a", "value": "/c"}]}`)
	writeFile(t, dir, "hooks/redirects.js", `function main(event) { return event.request; }`)
	p.waitLog(t, "redirects.js: no top-level handler")
	if got := location("/a"); got != "/c" {
		t.Fatalf("after a broken function: Location %q", got)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestServeZeroConfigBindsFunctionsFolder(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "origin "+r.URL.Path) }))
	defer o.Close()
	dir := t.TempDir()
	writeFile(t, dir, "functions/viewer-request.js", `function handler(event) {
  if (event.request.uri === '/gen') return {statusCode: 200, body: 'from a function'};
  return event.request;
}`)
	writeFile(t, dir, "origin-request.js", `exports.handler = async (e) => { const r = e.Records[0].cf.request; r.uri = '/via-hook' + r.uri; return r; };`)
	p := start(t, "serve", "--origin", o.URL, "--hooks", dir, "--listen", "127.0.0.1:0")
	base := "http://" + p.addr
	resp, body := fetch(t, "GET", base+"/gen")
	if body != "from a function" || resp.Header.Get("X-Cache") != "FunctionGeneratedResponse from hookfront" {
		t.Fatalf("%q %v\n%s", body, resp.Header, p.logs())
	}
	if _, body := fetch(t, "GET", base+"/x"); body != "origin /via-hook/x" {
		t.Fatalf("%q", body)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestValidateFunctions(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "hooks/f.js", `function handler(event) { return event.request; }`)
	writeFile(t, dir, "hooks/h.js", `exports.handler = async (e) => e.Records[0].cf.response;`)
	writeFile(t, dir, "kvs.json", `{"data": []}`)
	bad := writeFile(t, dir, "bad.yaml", `hooks_dir: hooks
origins: [{id: a, url: "http://127.0.0.1:9"}]
key_value_stores: [{name: s, file: kvs.json}]
behaviors:
  - path_pattern: /mix/*
    target: a
    functions: {viewer-request: f.js}
    hooks: {viewer-response: h.js}
  - path_pattern: /origin/*
    target: a
    functions: {origin-request: f.js}
  - path_pattern: "*"
    target: a
    functions:
      viewer-request: {file: f.js, runtime: cloudfront-js-1.0, key_value_store: s}
      viewer-response: {file: f.js, key_value_store: nope}
`)
	_, errOut, code := runBinary(t, "validate", "--config", bad)
	for _, want := range []string{
		bad + ":8: behaviors[0].hooks.viewer-response: h.js is a Lambda@Edge viewer hook, and this behavior has CloudFront Functions (viewer-request); CloudFront does not combine",
		bad + ":11: behaviors[1].functions.origin-request: CloudFront Functions run only on viewer-request and viewer-response",
		bad + ":15: behaviors[2].functions.viewer-request.key_value_store: a key value store needs runtime cloudfront-js-2.0",
		bad + `:16: behaviors[2].functions.viewer-response.key_value_store: "nope" is not in key_value_stores (known: s)`,
	} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("exit %d; validate output lacks %q:\n%s", code, want, errOut)
		}
	}
	writeFile(t, dir, "hooks/nohandler.js", "function main(event) {\n  return require('./lib');\n}")
	broken := writeFile(t, dir, "broken.yaml", `hooks_dir: hooks
origins: [{id: a, url: "http://127.0.0.1:9"}]
behaviors:
  - {path_pattern: "*", target: a, functions: {viewer-request: nohandler.js}}
`)
	_, errOut, code = runBinary(t, "validate", "--config", broken)
	file := filepath.Join(dir, "hooks", "nohandler.js")
	for _, want := range []string{file + `:2:10: cannot require "./lib": a CloudFront Function is a single file`, file + ": no top-level handler", "2 problem(s)"} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("exit %d; validate output lacks %q:\n%s", code, want, errOut)
		}
	}
}

func TestInvokeFunction(t *testing.T) {
	dir := t.TempDir()
	ev := writeFile(t, dir, "event.json", `{"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "198.51.100.11"},
  "request": {"method": "GET", "uri": "/old", "querystring": {}, "headers": {"host": {"value": "example.com"}}, "cookies": {}}}`)
	kvs := writeFile(t, dir, "kvs.json", `{"data": [{"key": "/old", "value": "/new"}]}`)
	fn := writeFile(t, dir, "fn.js", `import cf from 'cloudfront';
async function handler(event) {
  const r = event.request;
  const token = Date.now() > Date.UTC(2030, 0, 1) ? 'expired' : 'valid';
  if (r.uri === '/old') {
    return {statusCode: 301, headers: {location: {value: await cf.kvs().get(r.uri), note: 'dropped'}, 'x-token': {value: token}}, body: 'moved'};
  }
  cf.selectRequestOriginById('canary');
  return r;
}`)
	out, errOut, code := runBinary(t, "invoke", fn, "--event", ev, "--runtime", "cloudfront-js-2.0", "--kvs", kvs, "--now", "2030-06-01T00:00:00Z")
	want := `{
  "response": {
    "statusCode": 301,
    "headers": {
      "location": {
        "value": "/new"
      },
      "x-token": {
        "value": "expired"
      }
    },
    "body": {
      "encoding": "text",
      "data": "moved"
    },
    "cookies": {}
  }
}
`
	if code != 0 || out != want || !strings.Contains(errOut, "compute utilization: ") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// The origin helper calls are listed; --now before 2030 makes the token valid.
	ev2 := writeFile(t, dir, "event2.json", strings.Replace(readFile(t, ev), "/old", "/shop", 1))
	out, errOut, code = runBinary(t, "invoke", fn, "--event", ev2, "--runtime", "cloudfront-js-2.0", "--kvs", kvs)
	if code != 0 || !strings.Contains(out, "\"request\": {\n    \"method\": \"GET\",\n    \"uri\": \"/shop\",") ||
		!strings.Contains(out, "\"originCalls\": [\n    {\n      \"method\": \"selectRequestOriginById\",\n      \"args\": [\n        \"canary\"\n      ]") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// An error prints {"error": ...} and exits 1.
	throws := writeFile(t, dir, "throws.js", "function handler(event) {\n  throw new Error('nope');\n}")
	out, _, code = runBinary(t, "invoke", throws, "--event", ev, "--runtime", "cloudfront-js-1.0")
	if code != 1 || !strings.Contains(out, `"error": "FunctionExecutionError: `+filepath.Join(dir, "throws.js")+`:2:9: Error: nope"`) {
		t.Fatalf("exit %d\n%s", code, out)
	}
	invalid := writeFile(t, dir, "invalid.js", "function handler(event) { return {statusCode: '200'}; }")
	out, _, code = runBinary(t, "invoke", invalid, "--event", ev, "--runtime", "cloudfront-js-1.0")
	if code != 1 || !strings.Contains(out, "FunctionValidationError: statusCode must be a number") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if _, errOut, code := runBinary(t, "invoke", fn, "--event", ev, "--runtime", "cloudfront-js-3.0"); code != 2 || !strings.Contains(errOut, "--runtime") {
		t.Fatalf("a bad runtime: exit %d\n%s", code, errOut)
	}
}

// waitFor polls cond until it holds (bounded).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the condition did not hold within 15s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
