package jsruntime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/dlclark/regexp2/v2"
)

func TestMain(m *testing.M) {
	if regexp2.DefaultMatchTimeout != MaxTimeout {
		fmt.Println("regexp2's match timeout is not the longest call limit:", regexp2.DefaultMatchTimeout)
		os.Exit(1)
	}
	// Shorter here, so that a test can see an abandoned runtime come back without waiting a
	// minute; still longer than any call limit the tests use.
	regexp2.DefaultMatchTimeout = 3 * time.Second
	os.Exit(m.Run())
}

// callWithin runs a call and fails the test if it has not returned after bound (a test of the
// unfixed code would hang here instead).
func callWithin(t *testing.T, p *Pool, c Call, bound time.Duration) (any, error) {
	t.Helper()
	type result struct {
		v   any
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := p.Call(context.Background(), c)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(bound):
		t.Fatalf("%s: the call had not returned %v after its %v limit", c.Entry, bound, c.Timeout)
		return nil, nil
	}
}

func TestCatastrophicRegexEndsAtTheLimitAndItsCPUIsReleased(t *testing.T) {
	p := pool(t, map[string]string{
		"re.js": "exports.handler = () => {\n  return {m: /^(a+)+\\1$/.test('a'.repeat(35) + 'b')};\n};",
		"ok.js": `exports.handler = () => ({ok: /^(a+)\1$/.test('aa')});`,
	})
	_, err := callWithin(t, p, Call{Entry: "re.js", Timeout: 200 * time.Millisecond}, 20*time.Second)
	var te *TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, ErrTimeout) || !te.Abandoned || te.Limit != 200*time.Millisecond {
		t.Fatalf("got %v, want an abandoned TimeoutError (an error, not a silent false)", err)
	}
	if st := p.Stats(); st.Abandoned != 1 || st.Created < 1 {
		t.Fatalf("stats while the regex runs: %+v", st)
	}
	// The pool serves on with another runtime.
	if got, err := call(t, p, "ok.js", nil, time.Second); err != nil || got.(map[string]any)["ok"] != true {
		t.Fatalf("next call: %v %v", got, err)
	}
	// regexp2's own timeout ends the match; the runtime is then dropped and its CPU released.
	deadline := time.Now().Add(30 * time.Second)
	for p.Stats().Abandoned != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the abandoned runtime never came back: %+v", p.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := p.Stats(); st.Created != st.Idle {
		t.Fatalf("the abandoned runtime still counts: %+v", st)
	}
}

// patient gives an interrupted call time to stop even on a starved machine, so that a test can
// tell a call that stopped (at the position the interrupt hit) from one that was abandoned.
var patient = Options{StopGrace: 10 * time.Second}

func TestHugeArrayFillStopsAtTheLimit(t *testing.T) {
	// The built-in fill of 2e7 elements takes seconds (16 s on a busy 2-core machine); a fill
	// that stops at the limit is back well within the grace.
	p := poolWith(t, Options{StopGrace: 2 * time.Second}, map[string]string{
		"fill.js": "exports.handler = () => {\n  const a = new Array(2e7).fill(1);\n  return {n: a.length};\n};",
		"small.js": `exports.handler = () => ({
			a: [1, 2, 3, 4].fill(0, 1, -1), b: Array.prototype.fill.call({length: 3}, 'x', -2),
			c: new Array(20000).fill(7, 19998).filter(x => x === 7).length, d: Array.prototype.fill.name + Array.prototype.fill.length,
			e: (() => { try { Array.prototype.fill.call(null, 1); } catch (e) { return e.name; } })(),
		});`,
	})
	_, err := callWithin(t, p, Call{Entry: "fill.js", Timeout: 50 * time.Millisecond}, 20*time.Second)
	var te *TimeoutError
	if !errors.As(err, &te) || te.Abandoned || te.File != "fill.js" || te.Line != 2 {
		t.Fatalf("got %v, want a TimeoutError at fill.js:2 (fill stopped at the limit, the runtime kept)", err)
	}
	got, err := call(t, p, "small.js", nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := `map[a:[1 0 0 4] b:map[1:x 2:x length:3] c:2 d:fill1 e:TypeError]`
	if fmt.Sprint(got) != want {
		t.Fatalf("fill semantics: %v, want %s", got, want)
	}
}

func TestTimeoutNamesWhereTheInterruptHit(t *testing.T) {
	p := poolWith(t, patient, map[string]string{"loop.js": "exports.handler = () => {\n  let i = 0;\n  for (;;) { i++; }\n};"})
	_, err := call(t, p, "loop.js", nil, 50*time.Millisecond)
	var te *TimeoutError
	if !errors.As(err, &te) || te.File != "loop.js" || te.Line != 3 || te.Abandoned {
		t.Fatalf("got %#v", err)
	}
	if want := "loop.js:3:"; err.Error()[:len(want)] != want {
		t.Fatalf("message %q does not start with %q", err, want)
	}
}
