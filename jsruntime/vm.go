package jsruntime

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/buffer"
)

// vm is one goja runtime with the bundle's modules instantiated lazily. It belongs to exactly
// one call at a time (the pool sees to that): goja runtimes are single-goroutine.
type vm struct {
	rt        *goja.Runtime
	b         *Bundle
	modules   map[string]*goja.Object // by path
	requires  map[string]goja.Value   // require function per module file
	resolved  map[resolveKey]string   // the file require found
	natives   map[string]goja.Value   // built-in module exports
	handlers  map[handlerKey]goja.Callable
	inspectJS *goja.Object  // js/inspect.js's exports, once console or util needed them
	formatJS  goja.Callable // its format
	stringify goja.Callable
	lctx      *goja.Object // the context argument (ctx), reused: see lambdaContext
	ctx       lambdaContext
	names     map[string]goja.Value // function names as JavaScript strings, made once
	lastID    string                // the request id of the last call, and as JavaScript
	lastIDVal goja.Value

	cur          *callState // the call running now
	state        callState  // storage for cur, reused
	timers       []*jsTimer
	nextID       int64
	watchdog     *time.Timer
	fired        chan struct{} // the watchdog has interrupted the runtime (for the goroutine running it)
	callback     goja.Value
	getRemaining goja.Value
	deps         vmDeps // requires seen on this runtime (see deps.go)

	fn *fnState // set on the runtimes of a CloudFront Function (function_vm.go)

	reading conv // the reading of a call's result, kept so that a call allocates none

	// A call runs on a worker goroutine (see Pool.Call); these carry it there and back.
	job     Call
	jobCtx  context.Context
	res     any
	err     error
	discard bool
	phase   atomic.Int32 // running, finished or abandoned
	signal  chan int8    // to the caller waiting on the worker: sigExpired, then sigDone
	overdue atomic.Bool  // the call is past its deadline: native loops of ours stop early
	pool    *Pool
}

type jsTimer struct {
	id   int64
	due  time.Time
	fn   goja.Callable
	args []goja.Value
}

func newVM(b *Bundle) *vm {
	rt := goja.New()
	rt.SetMaxCallStackSize(b.opt.MaxCallStack)
	v := &vm{rt: rt, b: b, modules: map[string]*goja.Object{}, requires: map[string]goja.Value{}, resolved: map[resolveKey]string{},
		natives: map[string]goja.Value{}, handlers: map[handlerKey]goja.Callable{},
		fired: make(chan struct{}, 1), signal: make(chan int8, 2)}
	v.watchdog = time.AfterFunc(time.Hour, func() {
		v.overdue.Store(true)
		rt.Interrupt(ErrTimeout)
		v.signal <- sigExpired
		v.fired <- struct{}{}
	})
	v.watchdog.Stop()
	stringify, _ := goja.AssertFunction(rt.Get("JSON").ToObject(rt).Get("stringify"))
	v.stringify = stringify
	if b.fn != nil {
		v.initFunction()
		return v
	}
	v.interruptibleFill()

	// Globals a Node.js Lambda function may rely on; there is deliberately no process, no
	// environment, no filesystem and no network.
	_ = rt.Set("console", v.console())
	buf := v.goModule(buffer.Require).ToObject(rt)
	v.natives["buffer"] = buf
	_ = rt.Set("Buffer", buf.Get("Buffer"))
	u, _ := v.require("/", "url")
	uo := u.ToObject(rt)
	_ = rt.Set("URL", uo.Get("URL"))
	_ = rt.Set("URLSearchParams", uo.Get("URLSearchParams"))
	_ = rt.Set("require", v.requireFrom("/"))
	_ = rt.Set("setTimeout", v.setTimeout)
	_ = rt.Set("setImmediate", func(call goja.FunctionCall) goja.Value {
		return v.setTimeout(goja.FunctionCall{This: call.This, Arguments: append([]goja.Value{call.Argument(0), rt.ToValue(0)}, call.Arguments[min(1, len(call.Arguments)):]...)})
	})
	clear := func(call goja.FunctionCall) goja.Value {
		id := call.Argument(0).ToInteger()
		for i, t := range v.timers {
			if t.id == id {
				v.timers = append(v.timers[:i], v.timers[i+1:]...)
				break
			}
		}
		return goja.Undefined()
	}
	_ = rt.Set("clearTimeout", clear)
	_ = rt.Set("clearImmediate", clear)

	// One callback and one getRemainingTimeInMillis per runtime, reading the current call.
	v.callback = rt.ToValue(func(call goja.FunctionCall) goja.Value {
		c := v.cur
		if c == nil {
			return goja.Undefined()
		}
		if c.settled {
			v.log(slog.LevelWarn, "callback called after the handler's result was taken; ignored")
			return goja.Undefined()
		}
		c.settled, c.viaCallback = true, true
		c.cbErr, c.cbRes = call.Argument(0), call.Argument(1)
		return goja.Undefined()
	})
	v.getRemaining = rt.ToValue(func(goja.FunctionCall) goja.Value {
		if v.cur == nil {
			return rt.ToValue(0)
		}
		return rt.ToValue(max(0, time.Until(v.cur.deadline).Milliseconds()))
	})
	v.ctx.fields = [...]goja.Value{rt.ToValue(""), rt.ToValue("$LATEST"), rt.ToValue(""), rt.ToValue("128"), rt.ToValue(true), v.getRemaining}
	v.lctx = rt.NewDynamicObject(&v.ctx)
	return v
}

// setTimeout queues a callback for the call's mini event loop. Timers still pending when the
// call's result is taken are dropped (Lambda freezes the process at that point).
func (v *vm) setTimeout(call goja.FunctionCall) goja.Value {
	fn, ok := goja.AssertFunction(call.Argument(0))
	if !ok {
		panic(v.rt.NewTypeError("setTimeout: the callback must be a function"))
	}
	ms := call.Argument(1).ToInteger()
	v.nextID++
	t := &jsTimer{id: v.nextID, due: time.Now().Add(time.Duration(max(ms, 0)) * time.Millisecond), fn: fn}
	if len(call.Arguments) > 2 {
		t.args = append(t.args, call.Arguments[2:]...)
	}
	v.timers = append(v.timers, t)
	return v.rt.ToValue(t.id)
}

// runNextTimer waits for the earliest timer (bounded by the deadline and ctx) and runs it.
// It returns false when no timer is pending.
func (v *vm) runNextTimer(ctx context.Context) (bool, error) {
	if len(v.timers) == 0 {
		return false, nil
	}
	first := 0
	for i, t := range v.timers {
		if t.due.Before(v.timers[first].due) {
			first = i
		}
	}
	t := v.timers[first]
	if wait := time.Until(t.due); wait > 0 {
		if t.due.After(v.cur.deadline) {
			wait = time.Until(v.cur.deadline)
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return true, ctx.Err()
		}
		if time.Now().After(v.cur.deadline) {
			return true, ErrTimeout
		}
	}
	v.timers = append(v.timers[:first], v.timers[first+1:]...)
	_, err := t.fn(goja.Undefined(), t.args...)
	return true, err
}

// console is a per-runtime console whose lines carry the current call's attributes (hook file,
// trigger, request id), which a printer shared by all runtimes could not know.
func (v *vm) console() *goja.Object {
	o := v.rt.NewObject()
	for name, lvl := range map[string]slog.Level{"log": slog.LevelInfo, "info": slog.LevelInfo, "debug": slog.LevelDebug,
		"trace": slog.LevelDebug, "warn": slog.LevelWarn, "error": slog.LevelError} {
		_ = o.Set(name, func(call goja.FunctionCall) goja.Value {
			v.log(lvl, v.format(call.Arguments))
			return goja.Undefined()
		})
	}
	return o
}

func (v *vm) log(lvl slog.Level, msg string) {
	attrs := []slog.Attr{slog.String("text", msg)}
	if c := v.cur; c != nil {
		if c.console != nil {
			c.console.ConsoleLine(lvl, msg)
		}
		attrs = append(attrs, c.attrs...)
		if c.requestID != "" {
			attrs = append(attrs, slog.String("id", c.requestID))
		}
	}
	v.b.opt.Log.LogAttrs(context.Background(), lvl, "console", attrs...)
}

// format renders console arguments as Node's util.format does.
func (v *vm) format(args []goja.Value) string {
	if len(args) == 1 {
		if s, ok := args[0].Export().(string); ok {
			return s // the common case needs no JavaScript
		}
	}
	v.formatter()
	s, err := v.formatJS(goja.Undefined(), args...)
	if err != nil {
		panic(err) // an exception from a getter or toString the format called: the hook's own
	}
	return s.String()
}

// thrownText describes a thrown value that is not an Error: a string as is, anything else as JSON
// when it has a JSON form.
func (v *vm) thrownText(a goja.Value) string {
	if s, ok := a.Export().(string); ok {
		return s
	}
	if o, ok := a.(*goja.Object); ok {
		if _, isFn := goja.AssertFunction(o); !isFn {
			if s, err := v.stringify(goja.Undefined(), a); err == nil && !goja.IsUndefined(s) {
				return s.String()
			}
		}
	}
	return a.String()
}

// name returns a function name as a JavaScript string, made once per runtime: the same few names
// come with every call.
func (v *vm) name(s string) goja.Value {
	n, ok := v.names[s]
	if !ok {
		if v.names == nil {
			v.names = map[string]goja.Value{}
		}
		n = v.rt.ToValue(s)
		v.names[s] = n
	}
	return n
}
