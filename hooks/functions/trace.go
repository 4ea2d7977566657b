package functions

import (
	"errors"
	"log/slog"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// trace fills a traced call's record (the edge's "function" step): what ran, what it printed,
// the compute it used and the origin helpers it called, where it failed, and with Full the event
// and the result as JSON. It runs only for traced requests.
func (f *Function) trace(tr *event.CallTrace, ev *eventLazy, res jsruntime.FunctionResult, console []string, err error) {
	tr.File, tr.Handler, tr.Runtime = f.File, "handler", string(f.Runtime)
	tr.ComputeUtilization = ComputeUtilization(compute(res))
	for _, line := range console {
		tr.ConsoleLine(slog.LevelInfo, line) // CloudFront Functions have console.log only
	}
	for _, c := range res.OriginCalls {
		tr.OriginCalls = append(tr.OriginCalls, "cf."+c.Method+" at "+c.At)
	}
	if err != nil {
		var fe *Error
		if errors.As(err, &fe) {
			tr.ErrorClass = string(fe.Kind)
			err = fe.Err
		}
		tr.ErrorMessage, tr.ErrorFile, tr.ErrorLine, tr.ErrorColumn = jsruntime.Where(err)
	}
	if !tr.Full {
		return
	}
	tr.EventJSON = event.TraceJSON(jsruntime.Materialize(ev))
	if err == nil && res.Value != nil {
		tr.ResultJSON = event.TraceJSON(jsruntime.Materialize(res.Value))
	}
}
