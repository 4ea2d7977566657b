package jsruntime

import (
	"errors"
	"testing"
	"time"
)

// TestAsyncHandlerTimedOutLeavesAWorkingRuntime: an async handler interrupted at its limit must
// not leave its runtime failing the calls that come after (goja's async machinery kept the
// interrupted frame).
func TestAsyncHandlerTimedOutLeavesAWorkingRuntime(t *testing.T) {
	p := poolWith(t, Options{MaxPool: 1}, map[string]string{
		"a.js": `exports.handler = async (e) => { if (e.loop) { for (;;) {} } await null; return {ok: true}; };`,
	}, "a.js")
	if _, err := call(t, p, "a.js", map[string]any{"loop": true}, 50*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("looping call: %v, want a timeout", err)
	}
	for i := 0; i < 3; i++ {
		res, err := call(t, p, "a.js", map[string]any{"loop": false}, 5*time.Second)
		if err != nil {
			t.Fatalf("call %d after the timeout: %v", i, err)
		}
		if m, _ := res.(map[string]any); m["ok"] != true {
			t.Fatalf("call %d after the timeout: %v", i, res)
		}
	}
}
