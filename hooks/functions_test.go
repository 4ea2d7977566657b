package hooks

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// These tests run CloudFront Functions through the real edge, with real files and loopback
// origins (world: a group of origins 0 and 1, failing over on 503, responses cacheable).

func fnBind(file string, rt jsruntime.FunctionRuntime) Binding {
	return Binding{File: file, Runtime: rt}
}

func TestFunctionsChangeTheRequestInBothRuntimes(t *testing.T) {
	// The same function in both runtimes: 1.0 has var where 2.0 may use const, and no async.
	src := `DECL handler(event) {
  VAR r = event.request;
  r.uri = r.uri.replace(/\/$/, '/index.html');
  r.headers['x-fn'] = {value: 'v1'};
  r.querystring.added = {value: 'yes'};
  delete r.querystring.drop;
  r.cookies.session = {value: 'abc'};
  return r;
}`
	for rt, words := range map[jsruntime.FunctionRuntime][]string{
		jsruntime.Runtime10: {"DECL", "function", "VAR", "var"},
		jsruntime.Runtime20: {"DECL", "async function", "VAR", "const"},
	} {
		src := strings.NewReplacer(words...).Replace(src)
		t.Run(string(rt), func(t *testing.T) {
			w := newWorld(t, setup{files: map[string]string{"f.js": src}, functions: map[event.Trigger]Binding{event.ViewerRequest: fnBind("f.js", rt)}})
			r := w.get("/dir/?keep=1&drop=2", "Cookie", "a=1")
			if r.status != 200 || r.body != "origin0 /dir/index.html?keep=1&added=yes" {
				t.Fatalf("%d %q", r.status, r.body)
			}
			seen := w.lastReq.Load()
			if seen.Header.Get("X-Fn") != "v1" || seen.Header.Get("Cookie") != "a=1; session=abc" {
				t.Fatalf("origin saw %v", seen.Header)
			}
		})
	}
}

func TestFunctionGeneratedResponse(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{
		"gen.js": `function handler(event) {
  if (event.request.uri === '/text') {
    return {statusCode: 302, statusDescription: 'Found', headers: {location: {value: '/there'}},
            cookies: {a: {value: '1', attributes: 'Path=/; Secure'}, b: {value: 'x', multiValue: [{value: 'x'}, {value: 'y', attributes: 'HttpOnly'}]}}};
  }
  return {statusCode: 200, headers: {'content-type': {value: 'application/octet-stream'}}, body: {encoding: 'base64', data: 'aGVsbG8='}};
}`,
		"vres.js": `function handler(event) { event.response.headers['x-vres'] = {value: 'ran'}; return event.response; }`,
	}, functions: map[event.Trigger]Binding{event.ViewerRequest: fnBind("gen.js", jsruntime.Runtime20), event.ViewerResponse: fnBind("vres.js", jsruntime.Runtime20)}})
	for i := 0; i < 2; i++ { // never cached: both are generated
		r := w.get("/text")
		if r.status != 302 || r.header.Get("Location") != "/there" || r.header.Get("X-Cache") != "FunctionGeneratedResponse from hookfront" ||
			r.header.Get("X-Vres") != "" || strings.Join(r.header.Values("Set-Cookie"), "|") != "a=1; Path=/; Secure|b=x|b=y; HttpOnly" {
			t.Fatalf("%d %v", r.status, r.header)
		}
	}
	if r := w.get("/bin"); r.status != 200 || r.body != "hello" || r.header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("%d %q %v", r.status, r.body, r.header)
	}
	if n := w.hits[0].Load() + w.hits[1].Load(); n != 0 {
		t.Fatalf("origins were called %d times", n)
	}
}

func TestFunctionViewerResponse(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{"sec.js": `function handler(event) {
  var res = event.response;
  res.headers['strict-transport-security'] = {value: 'max-age=63072000'};
  res.cookies.seen = {value: event.request.uri, attributes: 'Path=/'};
  if (event.request.uri === '/teapot') { res.statusCode = 418; res.statusDescription = "I'm a teapot"; }
  if (event.request.uri === '/replace') { res.body = 'replaced'; }
  return res;
}`}, functions: map[event.Trigger]Binding{event.ViewerResponse: fnBind("sec.js", jsruntime.Runtime20)}})
	for _, want := range []string{"Miss from hookfront", "Hit from hookfront"} {
		r := w.get("/page")
		if r.header.Get("X-Cache") != want || r.header.Get("Strict-Transport-Security") != "max-age=63072000" ||
			r.header.Get("Set-Cookie") != "seen=/page; Path=/" || r.body != "origin0 /page?" {
			t.Fatalf("%s: %d %v %q", want, r.status, r.header, r.body)
		}
	}
	if r := w.get("/teapot"); r.status != 418 {
		t.Fatalf("status change: %d", r.status)
	}
	if r := w.get("/replace"); r.body != "replaced" {
		t.Fatalf("body: %q", r.body)
	}
}

func TestFunctionViewerResponseSkipsErrors(t *testing.T) {
	w := newWorld(t, setup{primaryCode: 404, files: map[string]string{"sec.js": `function handler(event) {
  event.response.headers['x-ran'] = {value: '1'}; return event.response; }`},
		functions: map[event.Trigger]Binding{event.ViewerResponse: fnBind("sec.js", jsruntime.Runtime10)}})
	if r := w.get("/missing"); r.status != 404 || r.header.Get("X-Ran") != "" {
		t.Fatalf("%d %v", r.status, r.header)
	}
}

func TestFunctionErrorClasses(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{"f.js": `function handler(event) {
  var u = event.request.uri;
  if (u === '/throw') { throw new Error('boom'); }
  if (u === '/invalid') { event.request.headers.host = {value: 'other.example'}; }
  if (u === '/status') { return {statusCode: '200'}; }
  if (u === '/loop') { for (;;) {} }
  return event.request;
}`}, functions: map[event.Trigger]Binding{event.ViewerRequest: fnBind("f.js", jsruntime.Runtime10)}})
	for path, want := range map[string]struct {
		status int
		class  string
	}{
		"/throw": {503, "FunctionExecutionError"}, "/invalid": {502, "FunctionValidationError"},
		"/status": {502, "FunctionValidationError"}, "/loop": {503, "FunctionThrottledError"},
	} {
		for i := 0; i < 2; i++ { // never cached
			r := w.get(path)
			if r.status != want.status || r.header.Get("X-Cache") != "Error from hookfront" || !strings.Contains(r.body, want.class) ||
				!strings.Contains(r.body, "viewer-request function failed") {
				t.Fatalf("%s: %d %q", path, r.status, r.body)
			}
		}
	}
	if r := w.get("/fine"); r.status != 200 {
		t.Fatalf("after the errors: %d", r.status)
	}
	if n := w.hits[0].Load(); n != 1 {
		t.Fatalf("the origin was called %d times; only /fine should reach it", n)
	}
}

func TestFunctionErrorsNamePositionAndUtilization(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{"f.js": "function handler(event) {\n  null.x;\n}"},
		functions: map[event.Trigger]Binding{event.ViewerRequest: fnBind("f.js", jsruntime.Runtime20)}})
	g := w.reg.Current()
	_, _, err := g.Request(t.Context(), "*", event.ViewerRequest, event.Config{EventType: event.ViewerRequest, RequestID: "r"}, &event.Request{Method: "GET", URI: "/", Headers: event.Headers{}})
	var se *jsruntime.ScriptError
	if !errors.As(err, &se) || se.File != "f.js" || se.Line != 2 || !strings.Contains(err.Error(), "(compute utilization ") {
		t.Fatalf("%v", err)
	}
}

func TestFunctionBudgetIsTheFunctionTimeout(t *testing.T) {
	w := newWorld(t, setup{timeouts: Timeouts{Function: 30 * time.Millisecond}, files: map[string]string{
		"loop.js": `function handler(event) { for (;;) {} }`}, functions: map[event.Trigger]Binding{event.ViewerRequest: fnBind("loop.js", jsruntime.Runtime20)}})
	if r := w.get("/x"); r.status != 503 || !strings.Contains(w.edgeLogs.String(), "ran past its budget of 30ms (hook_timeouts.function)") {
		t.Fatalf("%d %s", r.status, w.edgeLogs.String())
	}
}

func TestFunctionOriginHelpers(t *testing.T) {
	src := `import cf from 'cloudfront';
function handler(event) {
  const r = event.request;
  const port = Number(r.querystring.port ? r.querystring.port.value : 0);
  switch (r.uri) {
    case '/select': cf.selectRequestOriginById('b'); break;
    case '/select-host': cf.selectRequestOriginById('b', {hostHeader: 'virtual.example'}); break;
    case '/update': cf.updateRequestOrigin({domainName: '127.0.0.1', originPath: '/base',
        customOriginConfig: {port, protocol: 'http', sslProtocols: ['TLSv1.2']}, customHeaders: {'x-origin-key': 'k1'}}); break;
    case '/group': cf.createRequestOriginGroup({originIds: ['a', 'b'], failoverCriteria: {statusCodes: [503]}}); break;
    case '/group-no-503': cf.createRequestOriginGroup({originIds: [{originId: 'a'}, {originId: 'b'}], failoverCriteria: {statusCodes: [500]}}); break;
    case '/unknown': cf.selectRequestOriginById('nope'); break;
    case '/bad': cf.updateRequestOrigin({timeouts: {readTimeout: 500}}); break;
  }
  console.log('function ran for ' + r.uri);
  return r;
}`
	w := newWorld(t, setup{primaryCode: 503, files: map[string]string{"route.js": src, "oreq.js": `exports.handler = async (event) => {
  const r = event.Records[0].cf.request;
  r.headers['x-seen-origin'] = [{key: 'X-Seen-Origin', value: r.origin.custom.domainName + ':' + r.origin.custom.port + r.origin.custom.path}];
  return r;
}`}, bind: map[event.Trigger]string{event.OriginRequest: "oreq.js"},
		functions: map[event.Trigger]Binding{event.ViewerRequest: fnBind("route.js", jsruntime.Runtime20)}})
	bPort := mustURL(w.second.URL).Port()

	if r := w.get("/select"); r.status != 200 || r.body != "origin1 /select?" || w.hits[0].Load() != 0 {
		t.Fatalf("select: %d %q, primary hits %d", r.status, r.body, w.hits[0].Load())
	}
	if r := w.get("/select-host"); r.status != 200 || w.lastReq.Load().Host != "virtual.example" {
		t.Fatalf("select with hostHeader: %d, host %q", r.status, w.lastReq.Load().Host)
	}
	// updateRequestOrigin points the group's primary at origin 1 (with an origin path and a custom
	// header); the origin-request hook sees the updated origin in request.origin.
	r := w.get("/update?port=" + bPort)
	seen := w.lastReq.Load()
	if r.status != 200 || r.body != "origin1 /base/update?port="+bPort || seen.Header.Get("X-Origin-Key") != "k1" ||
		seen.Header.Get("X-Seen-Origin") != "127.0.0.1:"+bPort+"/base" || w.hits[0].Load() != 0 {
		t.Fatalf("update: %d %q %v", r.status, r.body, seen.Header)
	}
	// A created group fails over on its own statuses; the function ran once for the request.
	before := strings.Count(w.logs.String(), "function ran for /group")
	if r := w.get("/group"); r.status != 200 || r.body != "origin1 /group?" || w.hits[0].Load() != 1 {
		t.Fatalf("group: %d %q, primary hits %d", r.status, r.body, w.hits[0].Load())
	}
	if n := strings.Count(w.logs.String(), "function ran for /group") - before; n != 1 {
		t.Fatalf("the function ran %d times for one request with failover", n)
	}
	if r := w.get("/group-no-503"); r.status != 503 || w.hits[0].Load() != 2 {
		t.Fatalf("a group without 503 in its statuses: %d", r.status)
	}
	for path, want := range map[string]string{"/unknown": `which is not an origin of this distribution (origins: a, b)`, "/bad": "readTimeout must be a whole number from 1 to 120"} {
		if r := w.get(path); r.status != 502 || !strings.Contains(r.body, "FunctionValidationError") {
			t.Fatalf("%s: %d %q", path, r.status, r.body)
		}
		if !strings.Contains(w.edgeLogs.String(), want) {
			t.Fatalf("%s: the reason %q is not reported", path, want)
		}
	}
}

func TestFunctionKeyValueStore(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{
		"kvs.json": `{"data": [{"key": "/old", "value": "/new"}, {"key": "cfg", "value": "{\"n\": 3}"}]}`,
		"r.js": `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  const r = event.request;
  if (await kvs.exists(r.uri)) {
    return {statusCode: 301, headers: {location: {value: await kvs.get(r.uri)}}};
  }
  const cfg = await kvs.get('cfg', {format: 'json'});
  const meta = await kvs.meta();
  let missing = 'no';
  try { await kvs.get('nothing'); } catch (e) { missing = e.message; }
  return {statusCode: 200, body: JSON.stringify({n: cfg.n, keys: meta.keyCount, missing})};
}`}, stores: map[string]string{"redirects": "kvs.json"},
		functions: map[event.Trigger]Binding{event.ViewerRequest: {File: "r.js", Runtime: jsruntime.Runtime20, KeyValueStore: "redirects"}}})
	if r := w.get("/old"); r.status != 301 || r.header.Get("Location") != "/new" {
		t.Fatalf("%d %v", r.status, r.header)
	}
	if r := w.get("/other"); r.body != `{"n":3,"keys":2,"missing":"KeyNotFound: the key \"nothing\" is not in the key value store"}` {
		t.Fatalf("%q", r.body)
	}
	// A changed store is a new generation; a broken one is refused with file:line and key, and
	// the last good store keeps serving.
	writeHook(t, w.dir, "kvs.json", `{"data": [{"key": "/old", "value": "/newer"}]}`)
	if _, err := w.load(); err != nil {
		t.Fatal(err)
	}
	if r := w.get("/old"); r.header.Get("Location") != "/newer" {
		t.Fatalf("after reload: %v", r.header)
	}
	for content, want := range map[string]string{
		"{\"data\": [\n  {\"key\": \"a\", \"value\": \"1\"},\n  {\"key\": \"b\" \"value\": \"2\"}\n]}": "kvs.json:3:15: malformed JSON",
		"{\"data\": [\n  {\"key\": \"big\", \"value\": \"" + strings.Repeat("x", 1025) + "\"}\n]}":     `kvs.json:2:3: the value of key "big" is 1025 bytes; the limit is 1024`,
		"{\"data\": [\n  {\"key\": \"" + strings.Repeat("k", 513) + "\", \"value\": \"1\"}\n]}":        "kvs.json:2:3: key \"kkkk",
		"{\"data\": [{\"key\": \"a\", \"value\": \"1\"},\n {\"key\": \"a\", \"value\": \"2\"}]}":       `kvs.json:2:2: key "a" is given twice (first at line 1)`,
	} {
		writeHook(t, w.dir, "kvs.json", content)
		_, err := w.load()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("want %q in %v", want, err)
		}
		if r := w.get("/old"); r.header.Get("Location") != "/newer" {
			t.Fatalf("the last good store is not serving: %v", r.header)
		}
	}
}

func TestFunctionLoadErrors(t *testing.T) {
	for name, c := range map[string]struct {
		src  string
		rt   jsruntime.FunctionRuntime
		want string
	}{
		"no handler":    {`function main(event) { return event.request; }`, jsruntime.Runtime20, "f.js: no top-level handler"},
		"require file":  {"function handler(event) {\n  var x = require('./x');\n  return event.request;\n}", jsruntime.Runtime20, `f.js:2:11: cannot require "./x": a CloudFront Function is a single file`},
		"import file":   {"import x from './x.js';\nfunction handler(event) { return event.request; }", jsruntime.Runtime20, `f.js:1:1: cannot require "./x.js"`},
		"let in 1.0":    {"function handler(event) {\n  let r = event.request;\n  return r;\n}", jsruntime.Runtime10, "f.js:2:3: let is not supported in cloudfront-js-1.0"},
		"async in 1.0":  {"async function handler(event) { return event.request; }", jsruntime.Runtime10, "f.js:1:1: async functions are not supported in cloudfront-js-1.0"},
		"kvs in 1.0":    {"function handler(event) { return event.request; }", jsruntime.Runtime10, "a key value store needs runtime cloudfront-js-2.0"},
		"module":        {"const fs = require('fs');\nfunction handler(event) { return event.request; }", jsruntime.Runtime20, `f.js:1:12: module "fs" is not available in cloudfront-js-2.0`},
		"eval":          {"function handler(event) { eval('1'); return event.request; }", jsruntime.Runtime20, "f.js:1:27: eval is not available"},
		"syntax":        {"function handler(event) {\n  return event.request\n", jsruntime.Runtime20, "f.js:3:1: SyntaxError"},
		"top-level err": {"null.x;\nfunction handler(event) { return event.request; }", jsruntime.Runtime20, "f.js:1:6: TypeError"},
		"too big":       {"function handler(event) { return event.request; }\n//" + strings.Repeat("x", 10189), jsruntime.Runtime20, "f.js: the function is 10241 bytes; CloudFront's limit is 10 KB (10240 bytes)"},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, setup{files: map[string]string{"f.js": `function handler(event) { return event.request; }`, "kvs.json": `{"data": []}`},
				functions: map[event.Trigger]Binding{event.ViewerRequest: fnBind("f.js", c.rt)}, stores: map[string]string{"s": "kvs.json"}})
			if name == "kvs in 1.0" {
				w.reg.bind = Static(Bindings{"*": {event.ViewerRequest: {File: "f.js", Runtime: c.rt, KeyValueStore: "s"}}})
			}
			writeHook(t, w.dir, "f.js", c.src)
			_, err := w.load()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want %q in %v", c.want, err)
			}
			if r := w.get("/still"); r.status != 200 {
				t.Fatalf("the previous generation does not serve: %d", r.status)
			}
		})
	}
}

func TestFunctionOfRealSizeLoads(t *testing.T) {
	// A real function of 9,967 bytes (under both readings of "10 KB") loads.
	src := "function handler(event) { return event.request; }\n"
	src += "//" + strings.Repeat("x", 9967-len(src)-3) + "\n"
	if len(src) != 9967 {
		t.Fatalf("%d bytes", len(src))
	}
	newWorld(t, setup{files: map[string]string{"f.js": src}, functions: map[event.Trigger]Binding{event.ViewerRequest: fnBind("f.js", jsruntime.Runtime10)}})
}

func TestFunctionsAndViewerHooksDoNotMix(t *testing.T) {
	reg := NewRegistry(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, Static(Bindings{"*": {
		event.ViewerRequest:  fnBind("f.js", jsruntime.Runtime20),
		event.ViewerResponse: {File: "h.js"},
	}}))
	dir := t.TempDir()
	writeHook(t, dir, "f.js", `function handler(event) { return event.request; }`)
	writeHook(t, dir, "h.js", `exports.handler = async (e) => e.Records[0].cf.response;`)
	src, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Load(t.Context(), src); err == nil || !strings.Contains(err.Error(), "does not combine the two on viewer triggers") {
		t.Fatalf("%v", err)
	}
	// A function on viewer-request and a hook on origin-request are fine.
	reg = NewRegistry(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, Static(Bindings{"*": {
		event.ViewerRequest: fnBind("f.js", jsruntime.Runtime20),
		event.OriginRequest: {File: "h.js"},
	}}))
	if _, err := reg.Load(t.Context(), src); err != nil {
		t.Fatal(err)
	}
}

func TestFunctionsBindByNameUnderFunctionsFolder(t *testing.T) {
	dir := t.TempDir()
	writeHook(t, dir, "functions/viewer-request.js", `function handler(event) { return {statusCode: 200, body: 'fn'}; }`)
	writeHook(t, dir, "origin-request.js", `exports.handler = async (e) => e.Records[0].cf.request;`)
	src, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ByTriggerName("*")(src)
	if err != nil {
		t.Fatal(err)
	}
	if got := b["*"][event.ViewerRequest]; got.File != "functions/viewer-request.js" || got.Runtime != jsruntime.Runtime20 {
		t.Fatalf("%+v", got)
	}
	if got := b["*"][event.OriginRequest]; got.File != "origin-request.js" || got.Runtime != "" {
		t.Fatalf("%+v", got)
	}
	writeHook(t, dir, "viewer-response.js", `exports.handler = async (e) => e.Records[0].cf.response;`)
	src, _ = ReadDir(dir)
	if _, err := ByTriggerName("*")(src); err == nil || !strings.Contains(err.Error(), "does not combine") {
		t.Fatalf("a viewer hook beside a viewer function: %v", err)
	}
	for _, f := range []string{"viewer-response.js", "origin-request.js"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	writeHook(t, dir, "functions/origin-request.js", `function handler(event) { return event.request; }`)
	src, _ = ReadDir(dir)
	if _, err := ByTriggerName("*")(src); err == nil || !strings.Contains(err.Error(), "CloudFront Functions run only on viewer-request and viewer-response") {
		t.Fatalf("a function on an origin trigger: %v", err)
	}
}

func TestFunctionClockAndHelpers(t *testing.T) {
	w := newWorld(t, setup{files: map[string]string{"f.js": `import cf from 'cloudfront';
function handler(event) {
  const t0 = Date.now();
  let spin = 0;
  for (let i = 0; i < 300000; i++) { spin += i; } // some milliseconds: Date does not move
  return {statusCode: 200, body: JSON.stringify({frozen: Date.now() === t0 && new Date().getTime() === t0,
    raw: event.request.rawQueryString() === undefined ? 'undefined' : event.request.rawQueryString(),
    edge: cf.edgeLocation.name})};
}`}, functions: map[event.Trigger]Binding{event.ViewerRequest: fnBind("f.js", jsruntime.Runtime20)}})
	for path, want := range map[string]string{
		"/a":     `{"frozen":true,"raw":"undefined","edge":"HKF"}`,
		"/a?":    `{"frozen":true,"raw":"","edge":"HKF"}`,
		"/a?x=1": `{"frozen":true,"raw":"x=1","edge":"HKF"}`,
	} {
		if r := w.get(path); r.body != want {
			t.Errorf("%s: %q", path, r.body)
		}
	}
}

func TestFunctionOriginUpdateAppliesTimeouts(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		select { // answers only when the test ends: the edge's read timeout must end the attempt
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	w := newWorld(t, setup{files: map[string]string{"f.js": `import cf from 'cloudfront';
function handler(event) {
  cf.selectRequestOriginById('a');
  cf.updateRequestOrigin({domainName: '127.0.0.1', timeouts: {readTimeout: 1}, connectionAttempts: 1,
    customOriginConfig: {port: ` + mustURL(slow.URL).Port() + `, protocol: 'http', sslProtocols: ['TLSv1.2']}});
  return event.request;
}`}, functions: map[event.Trigger]Binding{event.ViewerRequest: fnBind("f.js", jsruntime.Runtime20)}})
	start := time.Now()
	r := w.get("/slow")
	if took := time.Since(start); r.status != 504 || took < time.Second || took > 20*time.Second {
		t.Fatalf("%d after %v (the origin's own response timeout is 30s)", r.status, took)
	}
}

// A CloudFront Function sees the CloudFront headers the behavior's policies name, with the
// edge's values (AWS's samples redirect-based-on-country and select-origin-based-on-country
// rely on it); a Lambda@Edge viewer-request hook does not (they are added after it). Before,
// the function saw no cloudfront-viewer-country at all, and one the viewer sent under that
// name as the viewer sent it: a country redirect could be steered by any viewer.
func TestFunctionSeesCloudFrontHeadersThePoliciesName(t *testing.T) {
	vreq := `function handler(event) {
  var h = event.request.headers;
  var seen = (h['cloudfront-viewer-country'] || {value: '-'}).value + ' ' + (h['cloudfront-is-mobile-viewer'] || {value: '-'}).value +
    ' ' + (h['cloudfront-viewer-city'] ? 'city' : 'no-city');
  if (event.request.uri === '/show') {
    return {statusCode: 200, headers: {'x-seen': {value: seen}}};
  }
  h['cloudfront-viewer-country'] = {value: 'ZZ'}; // the origin still gets the edge's value
  h['x-seen'] = {value: seen};
  return event.request;
}`
	vres := `function handler(event) {
  var c = event.request.headers['cloudfront-viewer-country'];
  event.response.headers['x-vres-seen'] = {value: c ? c.value : '-'};
  return event.response;
}`
	policies := func(b *edge.Behavior) {
		b.CachePolicy = &edge.CachePolicy{Headers: edge.NameFilter{Behavior: edge.FilterWhitelist, Items: []string{"CloudFront-Is-Mobile-Viewer"}}}
		b.OriginRequestPolicy = &edge.OriginRequestPolicy{Headers: edge.NameFilter{Behavior: edge.FilterWhitelist, Items: []string{"CloudFront-Viewer-Country", "X-Seen"}}}
	}
	w := newWorld(t, setup{files: map[string]string{"vreq.js": vreq, "vres.js": vres}, behavior: policies,
		functions: map[event.Trigger]Binding{event.ViewerRequest: fnBind("vreq.js", jsruntime.Runtime20), event.ViewerResponse: fnBind("vres.js", jsruntime.Runtime10)}})
	iPhone := "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
	// The viewer's own CloudFront-Viewer-Country is replaced by the edge's (the configured viewer,
	// US by default); the development override sets it.
	if r := w.get("/show", "CloudFront-Viewer-Country", "XX", "User-Agent", iPhone); r.header.Get("X-Seen") != "US true no-city" {
		t.Fatalf("the function saw %q (%d)", r.header.Get("X-Seen"), r.status)
	}
	if r := w.get("/show", "X-Hookfront-Viewer-Country", "DE"); r.header.Get("X-Seen") != "DE false no-city" {
		t.Fatalf("with the override the function saw %q", r.header.Get("X-Seen"))
	}
	r := w.get("/page", "CloudFront-Viewer-Country", "XX")
	seen := w.lastReq.Load()
	// viewer-response sees the request as viewer-request left it.
	if r.status != 200 || seen.Header.Get("X-Seen") != "US false no-city" || seen.Header.Get("Cloudfront-Viewer-Country") != "US" ||
		r.header.Get("X-Vres-Seen") != "ZZ" {
		t.Fatalf("%d: origin got %v; viewer-response saw %q", r.status, seen.Header, r.header.Get("X-Vres-Seen"))
	}
	// A viewer-response function alone sees them too.
	w = newWorld(t, setup{files: map[string]string{"vres.js": vres}, behavior: policies,
		functions: map[event.Trigger]Binding{event.ViewerResponse: fnBind("vres.js", jsruntime.Runtime20)}})
	if r := w.get("/page", "CloudFront-Viewer-Country", "XX", "X-Hookfront-Viewer-Country", "FR"); r.header.Get("X-Vres-Seen") != "FR" {
		t.Fatalf("viewer-response alone saw %q", r.header.Get("X-Vres-Seen"))
	}
}

// A Lambda@Edge viewer-request hook on the same policies sees the request as the viewer sent it.
func TestViewerRequestHookDoesNotSeeTheFunctionsCloudFrontHeaders(t *testing.T) {
	hook := `exports.handler = async (event) => {
  const h = event.Records[0].cf.request.headers;
  return {status: '200', headers: {'x-seen': [{key: 'X-Seen', value: h['cloudfront-viewer-country'] ? h['cloudfront-viewer-country'][0].value : '-'}]}};
};`
	w := newWorld(t, setup{files: map[string]string{"vreq.js": hook}, bind: map[event.Trigger]string{event.ViewerRequest: "vreq.js"},
		behavior: func(b *edge.Behavior) {
			b.CachePolicy = &edge.CachePolicy{}
			b.OriginRequestPolicy = &edge.OriginRequestPolicy{Headers: edge.NameFilter{Behavior: edge.FilterWhitelist, Items: []string{"CloudFront-Viewer-Country"}}}
		}})
	if r := w.get("/x"); r.header.Get("X-Seen") != "-" {
		t.Fatalf("the hook saw %q", r.header.Get("X-Seen"))
	}
}
