package hooks

import (
	"errors"

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
		tr.ErrorMessage, tr.ErrorFile, tr.ErrorLine, tr.ErrorColumn = jsruntime.Where(err)
	}
	if !tr.Full {
		return
	}
	// Neither side changes any more: the lazy event only reads the immutable input, and the
	// result has been parsed already.
	tr.EventJSON = event.TraceJSON(materialize(ev))
	if err == nil || res != nil {
		tr.ResultJSON = event.TraceJSON(materialize(res))
	}
}
