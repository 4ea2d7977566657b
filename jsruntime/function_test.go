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

func fnPool(t testing.TB, rt FunctionRuntime, src string) *Pool {
	t.Helper()
	b, err := CompileFunction("f.js", []byte(src), rt, nil, Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxPool: 2})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool(b)
	t.Cleanup(p.Close)
	if err := p.CheckFunction(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

func fnCall(t testing.TB, p *Pool, c FunctionCall) (FunctionResult, error) {
	t.Helper()
	if c.Timeout == 0 {
		c.Timeout = time.Second
	}
	return p.CallFunction(context.Background(), c)
}

func TestFunctionBasics(t *testing.T) {
	p := fnPool(t, Runtime20, `import cf from 'cloudfront';
const crypto = require('crypto');
async function handler(event) {
  const h = crypto.createHash('sha256').update('x').digest('hex');
  const d = crypto.createHmac('sha1', 'k').update('m').digest();
  return {h, dlen: d.length, now: Date.now(), b64: Buffer.from('hi').toString('base64'), cf: typeof cf.kvs};
}`)
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	res, err := fnCall(t, p, FunctionCall{Event: map[string]any{}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Value.(map[string]any)
	if m["h"] != "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" || m["dlen"] != int64(20) ||
		m["now"] != now.UnixMilli() || m["b64"] != "aGk=" || m["cf"] != "function" {
		t.Fatalf("%v", m)
	}
}

func TestFunctionRuntimeInterruptedIsNotReused(t *testing.T) {
	p := fnPool(t, Runtime20, `async function handler(event) {
  if (event.loop) { for (;;) {} }
  return await Promise.resolve('ok');
}`)
	if _, err := fnCall(t, p, FunctionCall{Event: map[string]any{"loop": true}, Timeout: 20 * time.Millisecond}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("%v", err)
	}
	for i := 0; i < 3; i++ {
		res, err := fnCall(t, p, FunctionCall{Event: map[string]any{}})
		if err != nil || res.Value != "ok" {
			t.Fatalf("call %d after the timeout: %v %v", i, res.Value, err)
		}
	}
}

func TestFunctionRuntime10Helpers(t *testing.T) {
	p := fnPool(t, Runtime10, `var crypto = require('crypto');
var qs = require('querystring');
function handler(event) {
  var key = String.bytesFrom('00ff10', 'hex');
  return {
    bytes: String.bytesFrom([104, 105]),
    b64: String.bytesFrom('aGk', 'base64'),
    utf8: '£'.toUTF8().length,
    back: '£'.toUTF8().fromUTF8(),
    latin: '£'.toBytes().length,
    wide: '€'.toBytes(),
    bad: String.bytesFrom([0xff]).fromUTF8(),
    slice: 'hello'.toBytes(1, 3),
    hmacBinaryKey: crypto.createHmac('sha256', key).update('m').digest('hex'),
    hmacTextKey: crypto.createHmac('sha256', 'é').update('é').digest('base64url'),
    digestBytes: crypto.createHash('md5').update('x').digest().length,
    qs: qs.stringify({a: '1 2'}),
    buffer: typeof Buffer,
  };
}`)
	res, err := fnCall(t, p, FunctionCall{Event: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Value.(map[string]any)
	// The HMACs were computed with Python's hmac: a byte-string key is its bytes, text is UTF-8.
	want := map[string]any{"bytes": "hi", "b64": "hi", "utf8": int64(2), "back": "£", "latin": int64(1), "wide": nil, "bad": nil,
		"slice": "el", "hmacBinaryKey": "24afb76e618f00cc6ab521444a15a07bca3a5ef7431f161e4597639b352cdfa9",
		"hmacTextKey": "z7n1rs0hs1fvtSkbHjMiWjVhx1ul5F9ztA4ujRypktY", "digestBytes": int64(16), "qs": "a=1%202", "buffer": "undefined"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %#v, want %#v", k, m[k], v)
		}
	}
}

func TestFunctionRestrictions(t *testing.T) {
	p := fnPool(t, Runtime20, `async function handler(event) {
  const out = {};
  for (const [name, f] of Object.entries({
    evalCall: () => (0, eval)('1'),
    requireFile: () => require(event.name),
    md4: () => require('crypto').createHash('md4'),
    setTimeout: () => setTimeout(() => 1, 1),
    process: () => process.env,
    consoleWarn: () => console.warn('x'),
  })) {
    try { f(); out[name] = 'ran'; } catch (e) { out[name] = e.message; }
  }
  console.log('logged', {a: 1});
  return out;
}`)
	var lines []string
	res, err := fnCall(t, p, FunctionCall{Event: map[string]any{"name": "./x"}, Console: &lines})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Value.(map[string]any)
	for k, want := range map[string]string{
		"evalCall":    "eval is not available in CloudFront Functions",
		"requireFile": `cannot require "./x": a CloudFront Function is a single file`,
		"md4":         "Digest method not supported: md4",
		"setTimeout":  "setTimeout is not defined",
		"process":     "process is not defined",
		"consoleWarn": "has no member 'warn'",
	} {
		if s, _ := m[k].(string); !strings.Contains(s, want) {
			t.Errorf("%s: %q, want %q", k, s, want)
		}
	}
	if len(lines) != 1 || lines[0] != `logged { a: 1 }` { // formatted as Node does (CloudFront does not document its own)
		t.Errorf("console: %q", lines)
	}
}

func TestFunctionEdgeLocationAndOriginHelpers(t *testing.T) {
	p := fnPool(t, Runtime20, `import cf from 'cloudfront';
function handler(event) {
  if (event.vr) cf.updateRequestOrigin({domainName: 'x'});
  return {name: cf.edgeLocation.name || 'none'};
}`)
	res, err := fnCall(t, p, FunctionCall{Event: map[string]any{"vr": true}, ViewerRequest: true})
	if err != nil || res.Value.(map[string]any)["name"] != "HKF" || len(res.OriginCalls) != 1 || res.OriginCalls[0].Method != "updateRequestOrigin" {
		t.Fatalf("%v %+v %v", res.Value, res.OriginCalls, err)
	}
	res, err = fnCall(t, p, FunctionCall{Event: map[string]any{}})
	if err != nil || res.Value.(map[string]any)["name"] != "none" || len(res.OriginCalls) != 0 {
		t.Fatalf("viewer-response: %v %+v %v", res.Value, res.OriginCalls, err)
	}
}

// A function stopped by its budget says where (a one-line script has no CommonJS wrapper whose
// columns come off: the column was negative) and which budget (it said 0s).
func TestFunctionTimeoutSaysWhereAndItsBudget(t *testing.T) {
	p := fnPool(t, Runtime20, `function handler(event) { for (;;) {} }`)
	_, err := fnCall(t, p, FunctionCall{Event: map[string]any{}, Timeout: 30 * time.Millisecond})
	var te *TimeoutError
	if !errors.As(err, &te) || te.File != "f.js" || te.Line != 1 || te.Col < 1 || te.Limit != 30*time.Millisecond {
		t.Fatalf("got %v", err)
	}
}

// Array.prototype.fill stops at a function's budget as it does at a hook's limit: the built-in
// fill of 2e7 elements ran 9.5 s past a 30 ms budget (16 s on a busy machine); stopped, the call
// is back within its wall-time cap of 1 s, and the bound below leaves room for a busy machine.
func TestFunctionHugeArrayFillStopsAtTheBudget(t *testing.T) {
	p := fnPool(t, Runtime20, "function handler(event) {\n  return {n: new Array(2e7).fill(1).length};\n}")
	start := time.Now()
	_, err := fnCall(t, p, FunctionCall{Event: map[string]any{}, Timeout: 30 * time.Millisecond})
	var te *TimeoutError
	if !errors.As(err, &te) || te.Line != 2 {
		t.Fatalf("got %v, want a TimeoutError at line 2", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the call took %v: fill ran on past the budget", took)
	}
}
