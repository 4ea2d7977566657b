package jsruntime

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/dop251/goja"
)

// FunctionCall is one call of a CloudFront Function: handler(event), with no context and no
// callback.
type FunctionCall struct {
	Event     any    // plain data or Lazy (see ToJS)
	EventJSON string // or the event as JSON text, parsed by JSON.parse (Event is then ignored)
	// RequestMethods are added to event.request of an EventJSON event, not enumerable (such as
	// CloudFront's request.rawQueryString()).
	RequestMethods map[string]Method
	Timeout        time.Duration
	// Now is what Date reports during the call (frozen, as in CloudFront); zero means the time
	// the call starts.
	Now       time.Time
	RequestID string
	LogAttrs  []slog.Attr
	// ViewerRequest enables the origin helpers and cf.edgeLocation (viewer-request only).
	ViewerRequest bool
	// Console, when not nil, also collects the call's console.log lines.
	Console *[]string
	// Ordered asks for objects in the result as *Object, keys in the order the function left
	// them (for output that shows the result as written), instead of maps.
	Ordered bool
}

// FunctionResult is what a call returned.
type FunctionResult struct {
	Value       any // plain data; a Lazy event member comes back as an *Overlay
	OriginCalls []OriginCall
	Duration    time.Duration // wall time of the call, runtime hand-over excluded
	// CPU is the compute the call used, counted for calls longer than a fifth of their budget
	// (see budgetGuard); -1 for shorter ones, whose Duration is their compute.
	CPU time.Duration
}

// ErrUnsettled means the handler's promise was still pending when it returned: a function has
// no timers or I/O that could settle it later.
var ErrUnsettled = errors.New("the handler's promise did not settle (a CloudFront Function has no timers or I/O to wait for)")

// CallFunction runs a CloudFront Function on a free runtime of the pool (made by
// CompileFunction). A runtime that panicked is dropped, not returned.
func (p *Pool) CallFunction(ctx context.Context, c FunctionCall) (FunctionResult, error) {
	v, err := p.get(ctx, c.Timeout)
	if err != nil {
		return FunctionResult{}, err
	}
	res, err, discard := v.invokeFunction(ctx, &c)
	if discard {
		p.drop()
	} else {
		p.put(v)
	}
	return res, err
}

// CheckFunction makes sure the script's top level ran and defined a handler function (on the
// pool's first runtime); it is how a new generation is validated before it serves.
func (p *Pool) CheckFunction(ctx context.Context) error {
	v, err := p.get(ctx, FunctionLoadLimit)
	if err != nil {
		return err
	}
	defer p.put(v)
	return v.fn.loadErr
}

func (v *vm) invokeFunction(ctx context.Context, c *FunctionCall) (res FunctionResult, err error, discard bool) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = v.b.opt.DefaultTimeout
	}
	start := time.Now()
	fn := v.fn
	fn.now = c.Now
	if fn.now.IsZero() {
		fn.now = start
	}
	fn.viewerReq, fn.console, fn.originCalls = c.ViewerRequest, c.Console, nil
	clear(fn.byteStrings)
	v.state = callState{deadline: start.Add(timeout), attrs: c.LogAttrs, requestID: c.RequestID}
	v.cur = &v.state
	fn.guard.arm(timeout)
	defer func() {
		res.CPU = fn.guard.disarm()
		v.rt.ClearInterrupt() // no interrupt can come after disarm
		v.cur = nil
		res.Duration = time.Since(start)
		if r := recover(); r != nil {
			res.Value, err, discard = nil, recovered(r, v.fn.script.file, v.fnError), true
		}
		err = withLimit(err, timeout)
	}()
	res.Value, err = v.runFunction(c)
	res.OriginCalls = fn.originCalls
	// A runtime interrupted mid-call may hold half-run state (an async function's pending jobs
	// then never run again): it is dropped, and the next call gets a fresh one, as CloudFront
	// starts every invocation fresh.
	return res, err, errors.Is(err, ErrTimeout)
}

func (v *vm) runFunction(c *FunctionCall) (any, error) {
	fn := v.fn
	if fn.loadErr != nil {
		return nil, fn.loadErr
	}
	rt := v.rt
	event := ToJS(rt, c.Event)
	if c.EventJSON != "" {
		var err error
		if event, err = v.parseJSON(c.EventJSON, "event"); err != nil {
			return nil, err
		}
		if req, ok := event.ToObject(rt).Get("request").(*goja.Object); ok {
			for name, m := range c.RequestMethods {
				_ = req.DefineDataProperty(name, m.toJS(rt), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
			}
		}
	}
	ret, err := fn.handler(goja.Undefined(), event)
	if err != nil {
		return nil, v.fnError(err)
	}
	if o, ok := ret.(*goja.Object); ok && o.ExportType() == promiseType {
		// An async handler: pure JavaScript and the store's promises are settled by now.
		switch p := o.Export().(*goja.Promise); p.State() {
		case goja.PromiseStateFulfilled:
			ret = p.Result()
		case goja.PromiseStateRejected:
			return nil, v.fnPos(v.thrown(p.Result()))
		default:
			return nil, ErrUnsettled
		}
	}
	var res any
	if c.Ordered {
		res = ordered(rt, ret, v.conv())
	} else {
		res = fromJS(rt, ret, v.conv())
	}
	if v.overdue.Load() {
		// The budget ran out while the result was read: a toJSON of the function's that the
		// interrupt stopped was read as a plain object, so the result may be cut short.
		return nil, ErrTimeout
	}
	return res, nil
}

// ordered reads a result like FromJS, but objects become *Object with their keys in order.
func ordered(rt *goja.Runtime, v goja.Value, c *conv) any {
	o, ok := v.(*goja.Object)
	if !ok || c.deep() {
		return fromJS(rt, v, c)
	}
	if _, isFn := goja.AssertFunction(o); isFn {
		return nil
	}
	if o.ExportType() == lazyType || (o.ClassName() != "Object" && o.ClassName() != "Array") {
		return fromJS(rt, v, c) // lazy event members and Date, Buffer, … (toJSON) as FromJS reads them
	}
	c.enter(o)
	defer c.leave()
	if o.ClassName() == "Array" {
		n := int(o.Get("length").ToInteger())
		out := make([]any, n)
		for i := range out {
			out[i] = ordered(rt, o.Get(itoa(i)), c)
		}
		return out
	}
	keys := o.Keys()
	out := NewObject(len(keys))
	for _, k := range keys {
		val := o.Get(k)
		if val == nil || goja.IsUndefined(val) {
			continue
		}
		if vo, isObj := val.(*goja.Object); isObj {
			if _, isFn := goja.AssertFunction(vo); isFn {
				continue
			}
		}
		out.Set(k, ordered(rt, val, c))
	}
	return out
}
