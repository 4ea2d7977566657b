package jsruntime

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

func benchPool(b *testing.B, src string) *Pool {
	b.Helper()
	bundle, err := Compile(Source{Files: map[string][]byte{"h.js": []byte(src)}}, []string{"h.js"}, Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return NewPool(bundle)
}

func BenchmarkCallFloorAsync(b *testing.B) {
	p := benchPool(b, `exports.handler = async (e) => 1;`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Call(ctx, Call{Entry: "h.js", Event: nil}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCallFloorSync(b *testing.B) {
	p := benchPool(b, `exports.handler = (e) => 1;`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Call(ctx, Call{Entry: "h.js", Event: nil}); err != nil {
			b.Fatal(err)
		}
	}
}

// What a CloudFront Function call pays to know its thread's CPU clock (budgetGuard.arm and
// disarm, without the timer): the thread is locked for the call, and its id read.
func BenchmarkFunctionThreadLock(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		lockThread()
		unlockThread()
	}
}
