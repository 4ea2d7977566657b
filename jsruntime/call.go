package jsruntime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// Call is one handler invocation, Lambda style: handler(event, context, callback).
type Call struct {
	Entry        string        // the hook file, relative to the hooks folder
	Export       string        // the handler's export name; "" means "handler"
	Event        any           // plain Go data (see ToJS)
	Timeout      time.Duration // 0 means Options.DefaultTimeout
	FunctionName string        // context.functionName
	RequestID    string        // context.awsRequestId
	LogAttrs     []slog.Attr   // tags for console lines of this call (the request id is added)
	// EventJSON, when set, is the event as JSON text, parsed by JSON.parse in the runtime so that
	// it arrives exactly as given (key order, number types); Event is then ignored.
	EventJSON string
	// ContextJSON, when set, holds fields laid over the context object.
	ContextJSON string
	// JSON asks for the result as JSON text produced by JSON.stringify(result, null, 2) in the
	// runtime (what Lambda serialises), instead of plain Go data.
	JSON bool
	// Console, when set, also receives this call's console lines (a request trace keeps them).
	Console ConsoleSink
}

// callState is what the runtime's shared callback and context functions read.
type callState struct {
	deadline    time.Time
	attrs       []slog.Attr
	requestID   string
	entry       string // "/"-rooted: requires made while it runs are charged to it
	console     ConsoleSink
	settled     bool
	viaCallback bool
	cbErr       goja.Value
	cbRes       goja.Value
}

type handlerKey struct{ entry, export string }

// handler returns the exported function of entry, loading the module on first use.
func (v *vm) handler(entry, export string) (goja.Callable, error) {
	key := handlerKey{entry, export}
	if fn, ok := v.handlers[key]; ok {
		return fn, nil
	}
	m, err := v.loadModule("/" + entry)
	if err != nil {
		return nil, v.scriptError(err)
	}
	if m == nil {
		return nil, &ScriptError{File: entry, Message: "hook file not found"}
	}
	exp := m.Get("exports")
	var h goja.Value
	if o, ok := exp.(*goja.Object); ok {
		h = o.Get(export)
		if h == nil && export == "handler" {
			// export default function (ESM) arrives as exports.default.
			if d, ok := o.Get("default").(*goja.Object); ok {
				if _, isFn := goja.AssertFunction(d); isFn {
					h = d
				} else {
					h = d.Get("handler")
				}
			}
		}
	}
	if h == nil || goja.IsUndefined(h) {
		return nil, &ScriptError{File: entry, Message: fmt.Sprintf("the file does not export %q (write exports.%s = async (event) => { ... })", export, export)}
	}
	fn, ok := goja.AssertFunction(h)
	if !ok {
		return nil, &ScriptError{File: entry, Message: fmt.Sprintf("export %q is a %s, not a function", export, h.ExportType())}
	}
	v.handlers[key] = fn
	return fn, nil
}

// invoke runs one call on this runtime. It recovers Go panics (the runtime must then be dropped:
// discard reports that), and always leaves the runtime without a pending interrupt.
// c.Timeout is the call's limit (Pool.Call has applied the default and the ceiling).
func (v *vm) invoke(ctx context.Context, c *Call) (result any, err error, discard bool) {
	v.state = callState{deadline: time.Now().Add(c.Timeout), attrs: c.LogAttrs, requestID: c.RequestID, entry: "/" + c.Entry, console: c.Console}
	st := &v.state
	v.cur = st
	v.overdue.Store(false)
	v.watchdog.Reset(c.Timeout)
	defer func() {
		v.stopWatchdog()
		v.timers = v.timers[:0]
		v.ctx.reset()
		v.cur = nil
		if r := recover(); r != nil {
			result, err, discard = nil, recovered(r, c.Entry, v.scriptError), true
		}
		// An interrupt that lands inside an async function leaves goja's frames of it behind,
		// and every later call on the runtime then fails to settle: a timed-out runtime is not
		// reused (timeouts are rare; a new runtime costs little next to them).
		discard = discard || errors.Is(err, ErrTimeout)
		err = withLimit(err, c.Timeout)
	}()
	result, err = v.run(ctx, c, st)
	return result, err, false
}

// recovered is the error of a call that panicked with r; file is the call's script, and
// interrupted describes the limit's interrupt.
func recovered(r any, file string, interrupted func(error) error) error {
	if ie, ok := r.(*goja.InterruptedError); ok {
		// The limit's interrupt in a getter the result's conversion called.
		return interrupted(ie)
	}
	switch r {
	case ErrTimeout: // the limit passed while a result large by sharing was read
		return ErrTimeout
	case ErrCircular:
		return &ScriptError{File: file, Message: ErrCircular.Error()}
	}
	return &PanicError{Value: r, Stack: debug.Stack()}
}

// stopWatchdog stops the call's watchdog and leaves the runtime without a pending interrupt.
func (v *vm) stopWatchdog() {
	if !v.watchdog.Stop() {
		<-v.fired // the interrupt has been delivered; now it can be cleared safely
	}
	v.rt.ClearInterrupt()
}

// withLimit makes a timeout say which limit it ran past.
func withLimit(err error, limit time.Duration) error {
	if err == nil {
		return nil
	}
	var te *TimeoutError
	switch {
	case errors.As(err, &te):
		te.Limit = limit
	case errors.Is(err, ErrTimeout):
		return &TimeoutError{Limit: limit}
	}
	return err
}

func (v *vm) run(ctx context.Context, c *Call, st *callState) (any, error) {
	export := c.Export
	if export == "" {
		export = "handler"
	}
	fn, err := v.handler(c.Entry, export)
	if err != nil {
		return nil, err
	}
	rt := v.rt
	event := ToJS(rt, c.Event)
	if c.EventJSON != "" {
		if event, err = v.parseJSON(c.EventJSON, "event"); err != nil {
			return nil, err
		}
	}
	lctx := v.lctx
	v.ctx.fields[0] = v.name(c.FunctionName)
	if c.RequestID != v.lastID || v.lastIDVal == nil {
		// The hooks of one request often run on the same runtime one after the other.
		v.lastID, v.lastIDVal = c.RequestID, rt.ToValue(c.RequestID)
	}
	v.ctx.fields[2] = v.lastIDVal
	if c.ContextJSON != "" {
		extra, err := v.parseJSON(c.ContextJSON, "context")
		if err != nil {
			return nil, err
		}
		if eo, ok := extra.(*goja.Object); ok {
			for _, k := range eo.Keys() {
				_ = lctx.Set(k, eo.Get(k))
			}
		}
	}

	ret, err := fn(goja.Undefined(), event, lctx, v.callback)
	if err != nil {
		return nil, v.scriptError(err)
	}
	value, err := v.settle(ctx, st, ret)
	if err != nil {
		return nil, err
	}
	if c.JSON {
		s, err := v.stringify(goja.Undefined(), value, goja.Null(), rt.ToValue(2))
		if err != nil {
			return nil, v.scriptError(err)
		}
		if goja.IsUndefined(s) {
			return "null", nil
		}
		return s.String(), nil
	}
	res := fromJS(rt, value, v.conv())
	if v.overdue.Load() {
		// The limit passed while the result was read: a toJSON of the hook's that the interrupt
		// stopped was read as a plain object, so the result may be cut short.
		return nil, ErrTimeout
	}
	return res, nil
}

// settle finds the call's result: whichever came first of the callback, the returned promise or
// the returned value. A pending promise or a missing callback is driven by the mini event loop.
func (v *vm) settle(ctx context.Context, st *callState, ret goja.Value) (goja.Value, error) {
	var promise *goja.Promise
	if o, ok := ret.(*goja.Object); ok && o.ExportType() == promiseType {
		promise = o.Export().(*goja.Promise)
	}
	for {
		if st.viaCallback {
			if !goja.IsUndefined(st.cbErr) && !goja.IsNull(st.cbErr) {
				return nil, v.thrown(st.cbErr)
			}
			return st.cbRes, nil
		}
		if promise != nil {
			switch promise.State() {
			case goja.PromiseStateFulfilled:
				st.settled = true
				return promise.Result(), nil
			case goja.PromiseStateRejected:
				st.settled = true
				return nil, v.thrown(promise.Result())
			}
		} else if ret != nil && !goja.IsUndefined(ret) {
			st.settled = true
			return ret, nil
		}
		ran, err := v.runNextTimer(ctx)
		switch {
		case err != nil:
			return nil, v.scriptError(err)
		case !ran && promise == nil:
			// Returned nothing and nothing is scheduled that could call the callback: as Lambda
			// ends the invocation when the event loop is empty, the result is undefined.
			st.settled = true
			return goja.Undefined(), nil
		case !ran:
			return nil, ErrNoResult
		}
	}
}

// scriptError converts what a call failed with into our error types.
func (v *vm) scriptError(err error) error {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		// Where the interrupt stopped the JavaScript: the line that ran too long.
		te := &TimeoutError{}
		te.File, te.Line, te.Col, _ = v.userFrame(ie.Stack())
		return te
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return ErrStackOverflow
	}
	if errors.Is(err, ErrTimeout) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		se := v.thrown(ex.Value()).(*ScriptError)
		if file, line, col, ok := v.userFrame(ex.Stack()); ok {
			se.File, se.Line, se.Col = file, line, col
		}
		return se
	}
	var se *ScriptError
	if errors.As(err, &se) {
		return se
	}
	return &ScriptError{Message: err.Error()}
}

// thrown describes a thrown or rejected value (an Error, or anything else).
func (v *vm) thrown(val goja.Value) error {
	se := &ScriptError{}
	if val == nil || goja.IsUndefined(val) || goja.IsNull(val) {
		se.Message = "the handler failed with " + fmt.Sprint(val)
		return se
	}
	if o, ok := val.(*goja.Object); ok {
		if st := o.Get("stack"); st != nil && !goja.IsUndefined(st) {
			se.Stack = st.String()
			se.File, se.Line, se.Col = v.stackPos(se.Stack)
		}
		name, msg := o.Get("name"), o.Get("message")
		if msg != nil && !goja.IsUndefined(msg) {
			n := "Error"
			if name != nil && !goja.IsUndefined(name) {
				n = name.String()
			}
			se.Message = n + ": " + msg.String()
			return se
		}
	}
	se.Message = v.thrownText(val)
	return se
}

// userFrame is the position of the innermost frame in the user's own files.
func (v *vm) userFrame(stack []goja.StackFrame) (file string, line, col int, ok bool) {
	for _, f := range stack {
		if name := f.SrcName(); name != "" && name != "<native>" && !strings.HasPrefix(name, "node:") {
			p := f.Position()
			file, line, col = v.userPos(p.Filename, p.Line, p.Column)
			return file, line, col, true
		}
	}
	return "", 0, 0, false
}

// userPos turns a runtime position into one in the user's file: source-mapped columns are
// 0-based, and on line 1 of a plain file the CommonJS wrapper shifts columns.
func (v *vm) userPos(file string, line, col int) (string, int, int) {
	file = strings.TrimPrefix(file, "/")
	switch {
	case v.b.mapped(file):
		col++
	case line == 1:
		col -= len(wrapPrefix)
	}
	return file, line, col
}

var stackFrame = regexp.MustCompile(`at (?:.*? \()?/?([^\s():]+):(\d+):(\d+)`)

// stackPos finds the first user frame in an Error's stack text.
func (v *vm) stackPos(stack string) (string, int, int) {
	for _, m := range stackFrame.FindAllStringSubmatch(stack, -1) {
		if strings.HasPrefix(m[1], "node:") {
			continue
		}
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		return v.userPos(m[1], line, col)
	}
	return "", 0, 0
}

// parseJSON parses text with the runtime's JSON.parse.
func (v *vm) parseJSON(text, what string) (goja.Value, error) {
	parse, _ := goja.AssertFunction(v.rt.Get("JSON").ToObject(v.rt).Get("parse"))
	val, err := parse(goja.Undefined(), v.rt.ToValue(text))
	if err != nil {
		return nil, &ScriptError{Message: "the " + what + " is not valid JSON: " + v.scriptError(err).Error()}
	}
	return val, nil
}
