package hooks

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
)

// loadDir builds a registry over real files with the given bindings on "*".
func loadDir(t *testing.T, files map[string]string, bind map[event.Trigger]string) (*Registry, string) {
	t.Helper()
	dir := t.TempDir()
	for n, src := range files {
		writeHook(t, dir, n, src)
	}
	b := Bindings{"*": {}}
	for tr, f := range bind {
		b["*"][tr] = Binding{File: f}
	}
	reg := NewRegistry(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, Static(b))
	reload(t, reg, dir)
	return reg, dir
}

func reload(t *testing.T, reg *Registry, dir string) LoadResult {
	t.Helper()
	src, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := reg.Load(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func viewerReq(uri string) *event.Request {
	return &event.Request{Method: "GET", URI: uri, ClientIP: "203.0.113.1", Headers: event.Headers{"host": {{Key: "Host", Value: "example.test"}}}}
}

func TestCallTraceCarriesFileConsoleErrorAndJSON(t *testing.T) {
	reg, _ := loadDir(t, map[string]string{
		"vr.js": `exports.handler = async (e) => {
  const r = e.Records[0].cf.request;
  console.log('uri', r.uri);
  console.warn({n: 1});
  if (r.uri === '/flood') { for (let i = 0; i < 10; i++) console.log('x'.repeat(1024 * 1024)); }
  if (r.uri === '/throw') throw new Error('nope');
  if (r.uri === '/big') return {status: '200', body: 'b'.repeat(10000)};
  r.headers['x-added'] = [{key: 'X-Added', value: 'yes'}];
  return r;
};`,
	}, map[event.Trigger]string{event.ViewerRequest: "vr.js"})
	g := reg.Current()
	call := func(uri string, full bool) (*event.CallTrace, error) {
		tr := &event.CallTrace{Full: full}
		cfg := event.Config{EventType: event.ViewerRequest, RequestID: "r1", Trace: tr}
		_, _, err := g.Request(context.Background(), "*", event.ViewerRequest, cfg, viewerReq(uri))
		return tr, err
	}

	tr, err := call("/a", true)
	if err != nil {
		t.Fatal(err)
	}
	if tr.File != "vr.js" || tr.Handler != "handler" || len(tr.Console) != 2 || tr.Console[0] != (event.ConsoleLine{Level: "info", Text: "uri /a"}) ||
		tr.Console[1] != (event.ConsoleLine{Level: "warn", Text: `{ n: 1 }`}) {
		t.Fatalf("trace: %+v", tr)
	}
	if !strings.Contains(string(tr.EventJSON), `"uri":"/a"`) || strings.Contains(string(tr.EventJSON), "x-added") ||
		!strings.Contains(string(tr.ResultJSON), `"x-added":[{"key":"X-Added","value":"yes"}]`) {
		t.Fatalf("event %s\nresult %s", tr.EventJSON, tr.ResultJSON)
	}

	// A summary trace has no JSON.
	if tr, _ := call("/a", false); tr.EventJSON != nil || tr.ResultJSON != nil || len(tr.Console) != 2 {
		t.Fatalf("summary trace: %+v", tr)
	}

	// Ten megabytes of console output: cut, and counted.
	tr, _ = call("/flood", false)
	kept := 0
	for _, l := range tr.Console {
		kept += len(l.Text)
	}
	if kept > event.MaxConsoleBytes+100 || tr.ConsoleDropped < 9<<20 {
		t.Fatalf("kept %d bytes, dropped %d", kept, tr.ConsoleDropped)
	}

	// A throw: class, message and position.
	tr, err = call("/throw", true)
	if err == nil || tr.ErrorClass != "LambdaExecutionError" || tr.ErrorMessage != "Error: nope" || tr.ErrorFile != "vr.js" || tr.ErrorLine != 6 || tr.ErrorColumn == 0 {
		t.Fatalf("error trace: %+v (%v)", tr, err)
	}

	// Bodies are cut at 4 KiB in the JSON.
	tr, _ = call("/big", true)
	if len(tr.ResultJSON) > event.FullBodyLimit+200 || !strings.Contains(string(tr.ResultJSON), "more bytes elided") {
		t.Fatalf("result of %d bytes: %.200s", len(tr.ResultJSON), tr.ResultJSON)
	}
}

func TestCacheGuardFollowsOriginCode(t *testing.T) {
	reg, dir := loadDir(t, map[string]string{
		"vr.js":         `const h = require('./lib/vh'); exports.handler = async (e) => e.Records[0].cf.request;`,
		"or.js":         `const a = require('./lib/a'); exports.handler = async (e) => { if (e.Records[0].cf.request.uri === '/lazy') require('./lib/lazy'); return e.Records[0].cf.request; };`,
		"lib/a.js":      `module.exports = require('./b');`,
		"lib/b.js":      `module.exports = 1;`,
		"lib/vh.js":     `module.exports = require('./shared');`,
		"lib/lazy.js":   `module.exports = 1;`,
		"lib/shared.js": `module.exports = 1;`,
		"lib/none.js":   `module.exports = 1;`,
	}, map[event.Trigger]string{event.ViewerRequest: "vr.js", event.OriginRequest: "or.js"})
	guard := NewCacheGuard(reg.Current())
	originCall := func(uri string) {
		t.Helper()
		r := viewerReq(uri)
		cfg := event.Config{EventType: event.OriginRequest}
		if _, _, err := reg.Current().Request(context.Background(), "*", event.OriginRequest, cfg, r); err != nil {
			t.Fatal(err)
		}
	}
	originCall("/x")
	if got := strings.Join(reg.Current().OriginCode(), " "); got != "lib/a.js lib/b.js or.js" {
		t.Fatalf("origin code: %s", got)
	}
	step := func(file, src string, want bool) {
		t.Helper()
		writeHook(t, dir, file, src)
		res := reload(t, reg, dir)
		if got := guard.Reloaded(res.Generation, res.Files); got != want {
			t.Fatalf("%s changed: empty the cache = %v, want %v", file, got, want)
		}
	}
	step("lib/vh.js", `module.exports = 2;`, false)   // viewer-only
	step("lib/none.js", `module.exports = 2;`, false) // required by nothing
	step("lib/lazy.js", `module.exports = 2;`, false) // not required yet: no cached response used it
	step("lib/b.js", `module.exports = 2;`, true)     // required by the origin hook, through a.js (in an older generation)
	originCall("/lazy")                               // the new generation runs the lazy require
	step("vr.js", `exports.handler = async (e) => e.Records[0].cf.request; // 2`, false)
	step("lib/lazy.js", `module.exports = 3;`, true) // required two generations ago
	step("or.js", `exports.handler = async (e) => e.Records[0].cf.request;`, true)
}
