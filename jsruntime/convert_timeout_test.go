package jsruntime

import (
	"errors"
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
