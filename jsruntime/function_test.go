package jsruntime

import (
	"context"
	"errors"

	"io"
	"log/slog"

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
