package jsruntime

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// A result whose reading runs past the limit (a toJSON or getter of the hook's that loops or is
// slow) is a timeout. It came back as a success with the value cut short ({ok: true, slow: {}}:
// the interrupted toJSON read as a plain object), or, from a getter, as a Go panic.
func TestLimitPassedWhileTheResultIsReadIsATimeout(t *testing.T) {
	p := poolWith(t, patient, map[string]string{
		"tojson.js": `exports.handler = () => ({ok: true, slow: {toJSON() { for (;;) {} }}});`,
		"getter.js": `exports.handler = () => ({ok: true, get slow() { for (;;) {} }});`,
		"late.js":   `exports.handler = () => ({ok: true, slow: {toJSON() { const end = Date.now() + 400; while (Date.now() < end) {} return 'late'; }}});`,
	})
	for _, f := range []string{"tojson.js", "getter.js", "late.js"} {
		got, err := call(t, p, f, nil, 200*time.Millisecond)
		var te *TimeoutError
		if !errors.As(err, &te) || te.Limit != 200*time.Millisecond {
			t.Errorf("%s: got %v %v, want a TimeoutError", f, got, err)
		}
	}
	fp := fnPool(t, Runtime20, `function handler(event) { return {ok: true, slow: {toJSON() { for (;;) {} }}}; }`)
	if res, err := fnCall(t, fp, FunctionCall{Event: map[string]any{}, Timeout: 30 * time.Millisecond}); !errors.Is(err, ErrTimeout) {
		t.Errorf("function: got %v %v, want a timeout", res.Value, err)
	}
}

// A result that refers to itself is refused, as JSON.stringify refuses it. With two references
// to itself, reading it took 2^64 steps no interrupt reaches: the call was abandoned at its
// limit and its runtime span on for good, one core and one runtime lost per request.
func TestCircularResultIsAnErrorNotAnEndlessRead(t *testing.T) {
	p := poolWith(t, patient, map[string]string{
		"cycle.js":  `exports.handler = () => { const o = {}; o.a = o; o.b = o; return o; };`,
		"shared.js": `exports.handler = () => { const x = {v: 1}; return {a: x, b: [x, x]}; };`,
	})
	_, err := callWithin(t, p, Call{Entry: "cycle.js", Timeout: 5 * time.Second}, 20*time.Second)
	var se *ScriptError
	if !errors.As(err, &se) || se.Message != ErrCircular.Error() || se.File != "cycle.js" {
		t.Fatalf("got %v, want %v", err, ErrCircular)
	}
	if got, err := call(t, p, "shared.js", nil, time.Second); err != nil || fmt.Sprint(got) != "map[a:map[v:1] b:[map[v:1] map[v:1]]]" {
		t.Fatalf("an object used twice: %v %v", got, err)
	}
	fp := fnPool(t, Runtime20, `function handler(event) { const o = {}; o.a = o; o.b = o; return o; }`)
	for _, ordered := range []bool{false, true} {
		if _, err := fnCall(t, fp, FunctionCall{Event: map[string]any{}, Ordered: ordered}); err == nil || err.Error() != "f.js: "+ErrCircular.Error() {
			t.Fatalf("function (ordered %v): %v", ordered, err)
		}
	}
}

// A result large only by sharing ({a: o, b: o} forty levels deep: 2^40 nodes as a tree) stops
// being read at the limit, and the runtime comes back; it was abandoned, reading on for hours.
func TestResultTooLargeToReadStopsAtTheLimit(t *testing.T) {
	p := poolWith(t, patient, map[string]string{
		"dag.js": `exports.handler = () => { let o = {v: 1}; for (let i = 0; i < 40; i++) o = {a: o, b: o}; return o; };`,
	})
	_, err := callWithin(t, p, Call{Entry: "dag.js", Timeout: 200 * time.Millisecond}, 20*time.Second)
	var te *TimeoutError
	if !errors.As(err, &te) || te.Abandoned || te.Limit != 200*time.Millisecond {
		t.Fatalf("got %v, want a TimeoutError of a runtime that stopped", err)
	}
	if st := p.Stats(); st.Abandoned != 0 {
		t.Fatalf("stats %+v", st)
	}
	fp := fnPool(t, Runtime20, `function handler(event) { let o = {v: 1}; for (let i = 0; i < 40; i++) o = {a: o, b: o}; return o; }`)
	for _, ordered := range []bool{false, true} {
		if res, err := fnCall(t, fp, FunctionCall{Event: map[string]any{}, Ordered: ordered, Timeout: 30 * time.Millisecond}); !errors.Is(err, ErrTimeout) {
			t.Fatalf("function (ordered %v): got %v %v, want a timeout", ordered, res.Value, err)
		}
	}
}
