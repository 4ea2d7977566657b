package testrun

import (
	"context"
	"testing"

	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/jsruntime"
)

// The two ways to give a hook case a fresh runtime, on the example hooks: a pool of its own
// over the run's compiled folder (what hook cases do), and a compile of the folder per case
// (what a generation per case would cost).

var benchEntries = []string{"ab-origin.js", "basic-auth.js", "cache-control.js", "redirect-by-header.js", "request-id.ts", "security-headers.js", "spa-rewrite.js"}

const benchEvent = `{"Records":[{"cf":{"config":{"eventType":"viewer-request","requestId":"x"},"request":{"clientIp":"203.0.113.178","headers":{},"method":"GET","querystring":"","uri":"/app/x"}}}]}`

func benchCase(b *testing.B, bundle *jsruntime.Bundle) {
	p := jsruntime.NewPool(bundle)
	defer p.Close()
	if _, err := p.Call(context.Background(), jsruntime.Call{Entry: "spa-rewrite.js", EventJSON: benchEvent, JSON: true}); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkHookCaseFreshPool(b *testing.B) {
	src, err := hooks.ReadDir("../../../examples/hooks")
	if err != nil {
		b.Fatal(err)
	}
	rt := newHookRuntime(src, benchEntries)
	for b.Loop() {
		benchCase(b, rt.bundle)
	}
}

func BenchmarkHookCaseCompilePerCase(b *testing.B) {
	src, err := hooks.ReadDir("../../../examples/hooks")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		rt := newHookRuntime(src, benchEntries)
		benchCase(b, rt.bundle)
	}
}
