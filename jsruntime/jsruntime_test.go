package jsruntime

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func pool(t *testing.T, files map[string]string, entries ...string) *Pool {
	t.Helper()
	return poolWith(t, Options{}, files, entries...)
}

// poolWith is pool with options (a log to io.Discard and MaxPool 2 unless set).
func poolWith(t *testing.T, opt Options, files map[string]string, entries ...string) *Pool {
	t.Helper()
	src := Source{Files: map[string][]byte{}}
	for k, v := range files {
		src.Files[k] = []byte(v)
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opt.MaxPool == 0 {
		opt.MaxPool = 2
	}
	b, err := Compile(src, entries, opt)
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool(b)
	t.Cleanup(p.Close)
	return p
}

func call(t *testing.T, p *Pool, entry string, event any, timeout time.Duration) (any, error) {
	t.Helper()
	return p.Call(context.Background(), Call{Entry: entry, Event: event, Timeout: timeout, RequestID: "r1", FunctionName: "f"})
}

func TestCallingStyles(t *testing.T) {
	p := pool(t, map[string]string{
		"sync.js":     `exports.handler = (e) => ({v: e.x + 1});`,
		"async.js":    `exports.handler = async (e) => { await null; return {v: e.x + 2}; };`,
		"cb.js":       `exports.handler = (e, ctx, cb) => { cb(null, {v: e.x + 3}); };`,
		"cblater.js":  `exports.handler = (e, ctx, cb) => { setTimeout(() => cb(null, {v: e.x + 4}), 5); };`,
		"promise.js":  `module.exports.handler = (e) => new Promise(r => setTimeout(() => r({v: e.x + 5}), 5));`,
		"cbfirst.js":  `exports.handler = (e, ctx, cb) => { cb(null, {v: 'callback'}); return {v: 'return'}; };`,
		"ctx.js":      `exports.handler = async (e, ctx) => ({id: ctx.awsRequestId, name: ctx.functionName, left: ctx.getRemainingTimeInMillis() > 0});`,
		"esm.mjs":     `export const handler = async (e) => ({v: e.x + 6});`,
		"esmjs.js":    "import qs from 'querystring';\nexport async function handler(e) { return {v: qs.stringify({a: e.x})}; }",
		"default.mjs": `export default async function (e) { return {v: 'default'}; }`,
		"typed.ts":    "interface E { x: number }\nexport const handler = async (e: E): Promise<{v: number}> => ({ v: e.x + 7 });\n",
	}, "sync.js")
	cases := map[string]any{
		"sync.js": int64(2), "async.js": int64(3), "cb.js": int64(4), "cblater.js": int64(5), "promise.js": int64(6),
		"cbfirst.js": "callback", "esm.mjs": int64(7), "esmjs.js": "a=1", "default.mjs": "default", "typed.ts": int64(8),
	}
	for entry, want := range cases {
		got, err := call(t, p, entry, map[string]any{"x": 1}, time.Second)
		if err != nil {
			t.Errorf("%s: %v", entry, err)
			continue
		}
		if got.(map[string]any)["v"] != want {
			t.Errorf("%s: got %#v, want %#v", entry, got, want)
		}
	}
	got, err := call(t, p, "ctx.js", nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if m := got.(map[string]any); m["id"] != "r1" || m["name"] != "f" || m["left"] != true {
		t.Errorf("context: %v", m)
	}
}

func TestModuleStatePersistsPerRuntime(t *testing.T) {
	p := pool(t, map[string]string{"count.js": `let n = 0; exports.handler = () => ({n: ++n});`})
	for want := int64(1); want <= 3; want++ {
		got, _ := call(t, p, "count.js", nil, time.Second)
		if got.(map[string]any)["n"] != want {
			t.Fatalf("n = %v, want %d", got, want)
		}
	}
}

func TestErrorsPointAtTheUsersFile(t *testing.T) {
	p := pool(t, map[string]string{
		"throws.js":   "exports.handler = () => {\n  const x = 1;\n  throw new Error('boom');\n};",
		"line1.js":    `exports.handler = () => { null.x; };`,
		"rejects.js":  "exports.handler = async () => {\n  throw new TypeError('bad');\n};",
		"cberr.js":    "exports.handler = (e, c, cb) => cb(new Error('via callback'));",
		"strthrow.js": "exports.handler = () => { throw 'a string'; };",
		"typed.ts":    "type T = {a: number};\n\nexport const handler = async (e: T) => {\n  throw new Error('from ts');\n};\n",
	})
	cases := []struct {
		entry, msg string
		line, col  int
	}{
		{"throws.js", "Error: boom", 3, 9},
		{"line1.js", "TypeError: Cannot read property 'x'", 1, 32},
		{"rejects.js", "TypeError: bad", 2, 9},
		{"cberr.js", "Error: via callback", 1, 36},
		{"strthrow.js", "a string", 0, 0},
		{"typed.ts", "Error: from ts", 4, 9},
	}
	for _, c := range cases {
		_, err := call(t, p, c.entry, nil, time.Second)
		var se *ScriptError
		if !errors.As(err, &se) {
			t.Errorf("%s: %v is not a ScriptError", c.entry, err)
			continue
		}
		if !strings.Contains(se.Message, c.msg) || (c.line != 0 && (se.File != c.entry || se.Line != c.line || se.Col != c.col)) {
			t.Errorf("%s: got %s:%d:%d %q, want %s:%d:%d %q", c.entry, se.File, se.Line, se.Col, se.Message, c.entry, c.line, c.col, c.msg)
		}
	}
}

func TestSyntaxErrorsAtLoad(t *testing.T) {
	cases := map[string]struct {
		src  string
		want string
	}{
		"a.js":  {"exports.handler = () => {\n  let x = ;\n};", "a.js:2:11: SyntaxError"},
		"b.js":  {"exports.handler = ) => 1;", "b.js:1:19: SyntaxError"},
		"c.ts":  {"export const handler = (e: number => 1;", "c.ts:1:"},
		"d.mjs": {"export const handler = async () => {\n  await await;\n};", "d.mjs:2:"},
	}
	for name, c := range cases {
		_, err := Compile(Source{Files: map[string][]byte{name: []byte(c.src)}}, []string{name}, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", name, err, c.want)
		}
	}
}

func TestMissingOrBadHandler(t *testing.T) {
	p := pool(t, map[string]string{"none.js": `exports.other = 1;`, "notfn.js": `exports.handler = 42;`, "named.js": `exports.main = () => ({ok: true});`})
	for entry, want := range map[string]string{"none.js": `does not export "handler"`, "notfn.js": `is a int64, not a function`} {
		if err := p.Check(context.Background(), []Export{{File: entry, Name: "handler"}}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", entry, err)
		}
	}
	got, err := p.Call(context.Background(), Call{Entry: "named.js", Export: "main"})
	if err != nil || got.(map[string]any)["ok"] != true {
		t.Fatalf("named export: %v %v", got, err)
	}
}

func TestTimeoutsAndTheRuntimeIsReused(t *testing.T) {
	p := pool(t, map[string]string{
		"loop.js":    `exports.handler = () => { while (true) {} };`,
		"never.js":   `exports.handler = () => new Promise(() => {});`,
		"slowcb.js":  `exports.handler = (e, c, cb) => { setTimeout(() => cb(null, {}), 10000); };`,
		"recurse.js": `function f(n) { return f(n + 1) + 1; } exports.handler = () => f(0);`,
		"ok.js":      `exports.handler = () => ({ok: true});`,
		"undef.js":   `exports.handler = () => {};`,
	})
	for entry, want := range map[string]error{"loop.js": ErrTimeout, "never.js": ErrNoResult, "slowcb.js": ErrTimeout, "recurse.js": ErrStackOverflow} {
		start := time.Now()
		_, err := call(t, p, entry, nil, 100*time.Millisecond)
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", entry, err, want)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("%s took %v", entry, time.Since(start))
		}
		// The same runtimes serve the next call: no interrupt left behind.
		if got, err := call(t, p, "ok.js", nil, time.Second); err != nil || got.(map[string]any)["ok"] != true {
			t.Fatalf("after %s: %v %v", entry, got, err)
		}
	}
	if got, err := call(t, p, "undef.js", nil, time.Second); err != nil || got != nil {
		t.Fatalf("undefined result: %#v %v", got, err)
	}
	// Runtimes are reused, except the two whose calls timed out (see invoke).
	if st := p.Stats(); st.Created > 2+2 {
		t.Fatalf("runtimes were not reused: %+v", st)
	}
}

func TestPanicInNativeHelperDropsTheRuntime(t *testing.T) {
	p := pool(t, map[string]string{"p.js": `exports.handler = () => __panic();`, "ok.js": `exports.handler = () => ({ok: 1});`})
	v, err := p.get(context.Background(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = v.rt.Set("__panic", func() { panic("native helper bug") })
	p.put(v)
	before := p.Stats().Created
	_, err = call(t, p, "p.js", nil, time.Second)
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a PanicError", err)
	}
	if p.Stats().Created != before-1 {
		t.Fatalf("the runtime that panicked was kept: %+v", p.Stats())
	}
	if _, err := call(t, p, "ok.js", nil, time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestModulesAndSandbox(t *testing.T) {
	p := pool(t, map[string]string{
		"lib/helper.js": `exports.greet = (n) => 'hi ' + n;`,
		"lib/data.json": `{"k": "v"}`,
		"uses.js": `const h = require('./lib/helper'); const d = require('./lib/data.json');
			const qs = require('querystring'), url = require('url'), path = require('node:path'), util = require('util');
			const crypto = require('crypto'), { Buffer: B } = require('buffer');
			exports.handler = async () => ({
				greet: h.greet('x'), data: d.k,
				qs: qs.parse('a=1&a=2&b=%20c'), qss: qs.stringify({x: [1, 2], y: 'a b'}),
				url: new URL('https://e.com/p?q=1').searchParams.get('q'), parsed: url.parse ? typeof url.parse : 'none',
				join: path.join('/a/b', '../c', 'd.js'), ext: path.extname('x.tar.gz'),
				fmt: util.format('%s=%d', 'n', 42),
				sha: crypto.createHash('sha256').update('abc').digest('hex'),
				hmac: crypto.createHmac('sha256', 'key').update('msg').digest('base64'),
				md5: crypto.createHash('md5').update(Buffer.from('abc')).digest('hex'),
				rnd: crypto.randomBytes(8).length, uuid: crypto.randomUUID().length,
				tse: crypto.timingSafeEqual(Buffer.from('ab'), Buffer.from('ab')),
				b64: Buffer.from('user:pass').toString('base64'), old: new Buffer('x').toString('hex'), same: B === Buffer,
			});`,
		"fs.js":      `const fs = require('fs'); exports.handler = () => ({});`,
		"cp.js":      `exports.handler = () => require('node:child_process');`,
		"escape.js":  `exports.handler = () => require('../../../etc/passwd');`,
		"process.js": `exports.handler = () => ({t: typeof process, env: typeof process !== 'undefined' && process.env});`,
	})
	got, err := call(t, p, "uses.js", nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m := got.(map[string]any)
	want := map[string]any{
		"greet": "hi x", "data": "v", "qss": "x=1&x=2&y=a%20b", "url": "1", "join": "/a/c/d.js", "ext": ".gz", "fmt": "n=42",
		"sha":  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"hmac": "LZPLwb4We8sWN6SiPL/wGnh48MUO6DOVTqUiG7G4xig=", "md5": "900150983cd24fb0d6963f7d28e17f72",
		"rnd": int64(8), "uuid": int64(36), "tse": true, "b64": "dXNlcjpwYXNz", "old": "78", "same": true,
	}
	for k, w := range want {
		if m[k] != w {
			t.Errorf("%s = %#v, want %#v", k, m[k], w)
		}
	}
	if q := m["qs"].(map[string]any); q["b"] != " c" || len(q["a"].([]any)) != 2 {
		t.Errorf("qs.parse = %v", q)
	}
	for entry, want := range map[string]string{
		"fs.js": "Cannot find module 'fs': fs is a Node.js built-in module that hookfront hooks do not have", "cp.js": "Cannot find module 'node:child_process'",
		"escape.js": "no such file in the hooks folder",
	} {
		if _, err := call(t, p, entry, nil, time.Second); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", entry, err)
		}
	}
	got, err = call(t, p, "process.js", nil, time.Second)
	if err != nil || got.(map[string]any)["t"] != "undefined" {
		t.Fatalf("process: %v %v", got, err)
	}
}

func TestEventAndResultConversion(t *testing.T) {
	p := pool(t, map[string]string{"echo.js": `exports.handler = (e) => ({e, d: new Date(0), f: () => 1, u: undefined, n: null, nan: NaN, big: 1.5, arr: [1, 'a', {b: true}]});`})
	ev := NewObject(2).Set("z", "last?").Set("a", []any{"x", int64(2)})
	got, err := call(t, p, "echo.js", ev, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m := got.(map[string]any)
	if _, has := m["f"]; has {
		t.Error("function member kept")
	}
	if _, has := m["u"]; has {
		t.Error("undefined member kept")
	}
	if m["d"] != "1970-01-01T00:00:00.000Z" || m["n"] != nil || m["big"] != 1.5 {
		t.Errorf("result %v", m)
	}
	js, err := p.Call(context.Background(), Call{Entry: "echo.js", Event: ev, JSON: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(strings.Join(strings.Fields(js.(string)), ""), `{"e":{"z":"last?","a":["x",2]}`) {
		t.Errorf("JSON result (key order kept) = %s", js)
	}
}

func TestConsoleIsTagged(t *testing.T) {
	var buf strings.Builder
	b, err := Compile(Source{Files: map[string][]byte{"log.js": []byte(`exports.handler = () => { console.log('hello %s', 'world', {a: 1}); console.error({x: 2}); return {}; };`)}},
		[]string{"log.js"}, Options{Log: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool(b)
	defer p.Close()
	if _, err := p.Call(context.Background(), Call{Entry: "log.js", LogAttrs: []slog.Attr{slog.String("hook", "log.js"), slog.String("request_id", "r9")}}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`text="hello world { a: 1 }"`, "hook=log.js request_id=r9", `level=ERROR msg=console text="{ x: 2 }"`} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %q:\n%s", want, out)
		}
	}
}

func TestPoolExhaustedAndClosed(t *testing.T) {
	src := Source{Files: map[string][]byte{"slow.js": []byte(`exports.handler = (e, c, cb) => { setTimeout(() => cb(null, {}), 300); };`)}}
	b, err := Compile(src, []string{"slow.js"}, Options{MaxPool: 1, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool(b)
	done := make(chan error)
	go func() {
		_, err := p.Call(context.Background(), Call{Entry: "slow.js", Timeout: 2 * time.Second})
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for p.Stats().Idle != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if _, err := p.Call(context.Background(), Call{Entry: "slow.js", Timeout: 20 * time.Millisecond}); !errors.Is(err, ErrPoolExhausted) {
		t.Fatalf("got %v, want ErrPoolExhausted", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p.Close()
	if _, err := p.Call(context.Background(), Call{Entry: "slow.js"}); !errors.Is(err, ErrPoolClosed) {
		t.Fatalf("got %v, want ErrPoolClosed", err)
	}
}

func TestBrokenUnboundFileMattersOnlyWhenRequired(t *testing.T) {
	files := map[string][]byte{
		"hook.js":  []byte(`exports.handler = () => ({ok: true});`),
		"wip.js":   []byte("exports.x = (;"),
		"uses.js":  []byte("const w = require('./wip');\nexports.handler = () => ({});"),
		"other.js": []byte(`exports.handler = () => ({});`),
	}
	b, err := Compile(Source{Files: files}, []string{"hook.js"}, Options{})
	if err != nil {
		t.Fatalf("an unbound broken file blocked the bundle: %v", err)
	}
	p := NewPool(b)
	defer p.Close()
	if err := p.Check(context.Background(), []Export{{File: "hook.js", Name: "handler"}}); err != nil {
		t.Fatal(err)
	}
	err = p.Check(context.Background(), []Export{{File: "uses.js", Name: "handler"}})
	if err == nil || !strings.Contains(err.Error(), "wip.js:1:") || !strings.Contains(err.Error(), "uses.js:1:") {
		t.Fatalf("requiring a broken file: %v", err)
	}
	if _, err := Compile(Source{Files: files}, []string{"wip.js"}, Options{}); err == nil {
		t.Fatal("a broken bound file compiled")
	}
}

// Calls go to the runtime used last, so that under load the same few runtimes stay warm in the
// CPU's caches instead of every runtime of the pool taking turns.
func TestPoolPrefersTheRuntimeUsedLast(t *testing.T) {
	p := poolWith(t, Options{MaxPool: 4, Prewarm: 3}, map[string]string{"n.js": `let n = 0; exports.handler = () => ++n;`}, "n.js")
	for want := int64(1); want <= 4; want++ {
		if got, err := call(t, p, "n.js", nil, time.Second); err != nil || got != want {
			t.Fatalf("call %d counted %v (%v): it did not run on the runtime used last", want, got, err)
		}
	}
}

// A call waiting for a runtime gets the one a finished call hands back.
func TestPoolWaiterGetsTheReturnedRuntime(t *testing.T) {
	p := poolWith(t, Options{MaxPool: 1}, map[string]string{"slow.js": `exports.handler = (e, c, cb) => { setTimeout(() => cb(null, 1), 50); };`}, "slow.js")
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() { _, err := call(t, p, "slow.js", nil, 5*time.Second); errs <- err }()
	}
	for i := 0; i < 3; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if st := p.Stats(); st.Created != 1 || st.Idle != 1 {
		t.Fatalf("stats %+v", st)
	}
}
