package hooks

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// traceCall completes a call's trace once the call is over: where it failed, and with Full the
// event it got and the result it returned as JSON. It runs only for traced requests.
func traceCall(tr *event.CallTrace, ev *eventLazy, res any, err error) {
	if err != nil {
		var he *Error
		if errors.As(err, &he) {
			tr.ErrorClass = string(he.Kind)
			err = he.Err
		}
		tr.ErrorMessage = err.Error()
		var se *jsruntime.ScriptError
		if errors.As(err, &se) {
			tr.ErrorMessage = se.Message
			tr.ErrorFile, tr.ErrorLine, tr.ErrorColumn = se.File, se.Line, se.Col
		}
	}
	if !tr.Full {
		return
	}
	// Neither side changes any more: the lazy event only reads the immutable input, and the
	// result has been parsed already.
	tr.EventJSON = traceJSON(materialize(ev))
	if err == nil || res != nil {
		tr.ResultJSON = traceJSON(materialize(res))
	}
}

// traceJSON renders v with long strings (bodies) cut, so that a trace stays small.
func traceJSON(v any) []byte {
	b, err := json.Marshal(cutLong(v))
	if err != nil {
		return []byte(strconv.Quote("not representable as JSON: " + err.Error()))
	}
	return b
}

func cutLong(v any) any {
	switch x := v.(type) {
	case string:
		if len(x) > event.FullBodyLimit {
			return x[:event.FullBodyLimit] + "… (" + strconv.Itoa(len(x)-event.FullBodyLimit) + " more bytes elided)"
		}
	case map[string]any:
		for k, e := range x {
			x[k] = cutLong(e)
		}
	case []any:
		for i, e := range x {
			x[i] = cutLong(e)
		}
	}
	return v
}
