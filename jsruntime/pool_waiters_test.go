package jsruntime

import (
	"errors"
	"testing"
	"time"
)

// A call waiting for a runtime gets a new one when a runtime is dropped (a call that timed out or
// panicked) rather than waiting out its own limit: it failed as LambdaLimitExceeded with the pool
// below its bound.
func TestPoolWaiterGetsARuntimeWhenOneIsDropped(t *testing.T) {
	opt := patient
	opt.MaxPool = 1
	p := poolWith(t, opt, map[string]string{
		"loop.js": "exports.handler = () => { for (;;) {} };",
		"ok.js":   "exports.handler = () => ({ok: true});",
	})
	looping := make(chan error, 1)
	go func() { _, err := call(t, p, "loop.js", nil, 300*time.Millisecond); looping <- err }()
	deadline := time.Now().Add(10 * time.Second)
	for p.Stats().Idle != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the looping call never took the runtime")
		}
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	got, err := call(t, p, "ok.js", nil, 10*time.Second) // waits: the pool's one runtime is busy
	if err != nil || got.(map[string]any)["ok"] != true {
		t.Fatalf("the waiting call: %v %v after %v", got, err, time.Since(start))
	}
	if err := <-looping; !errors.Is(err, ErrTimeout) {
		t.Fatalf("the looping call: %v", err)
	}
	if st := p.Stats(); st.Created != 1 {
		t.Fatalf("stats %+v", st)
	}
}
