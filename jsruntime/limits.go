package jsruntime

import (
	"time"

	"github.com/dlclark/regexp2/v2"
	"github.com/dop251/goja"
)

// MaxTimeout is the longest time limit a call may have (the config's ceiling for origin hooks);
// longer ones are cut to it.
const MaxTimeout = 60 * time.Second

// goja runs the regular expressions Go's regexp cannot (backreferences, lookaround) with
// regexp2, a backtracking engine that can take exponential time. Its only bound is a match
// timeout, copied from this process-wide default into each pattern when goja compiles it (when a
// generation compiles, or when new RegExp runs in a call), so it cannot follow each call's
// deadline. It is set once, before any goroutine compiles, to the longest limit a call can have:
// a match that times out has then always outlived its call, whose interrupt ends the call at the
// next instruction — never a silent "no match" in a call with time left. The call itself has
// been answered at its limit (see Pool.Call); this bounds the CPU its abandoned runtime burns.
func init() { regexp2.DefaultMatchTimeout = MaxTimeout }

// fillChunk is how many elements Array.prototype.fill sets between checks of the deadline.
const fillChunk = 8192

// interruptibleFill replaces Array.prototype.fill, a goja built-in that loops natively over the
// array's length: `new Array(2e8).fill(1)` ran for a minute past its limit and took gigabytes.
// The replacement calls the built-in in chunks and stops once the call is overdue; the pending
// interrupt then ends the call at the next instruction, so JavaScript never sees the array
// half-filled.
func (v *vm) interruptibleFill() {
	rt := v.rt
	proto := rt.Get("Array").ToObject(rt).Get("prototype").ToObject(rt)
	builtin, _ := goja.AssertFunction(proto.Get("fill"))
	fill := rt.ToValue(func(call goja.FunctionCall) goja.Value {
		o := call.This.ToObject(rt) // a TypeError for null and undefined, as the built-in
		n := o.Get("length").ToInteger()
		if n <= fillChunk {
			return must(builtin(o, call.Arguments...))
		}
		k, end := relIndex(call.Argument(1), n, 0), relIndex(call.Argument(2), n, n)
		for k < end && !v.overdue.Load() {
			next := min(end, k+fillChunk)
			must(builtin(o, call.Argument(0), rt.ToValue(k), rt.ToValue(next)))
			k = next
		}
		return o
	}).ToObject(rt)
	_ = fill.DefineDataProperty("name", rt.ToValue("fill"), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = fill.DefineDataProperty("length", rt.ToValue(1), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = proto.DefineDataProperty("fill", fill, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// relIndex is the spec's relative index into a length n (undefined means def).
func relIndex(arg goja.Value, n, def int64) int64 {
	if goja.IsUndefined(arg) {
		return def
	}
	i := arg.ToInteger()
	if i < 0 {
		return max(n+i, 0)
	}
	return min(i, n)
}

// must rethrows an exception of a built-in called from a native function as JavaScript's own.
func must(v goja.Value, err error) goja.Value {
	if err != nil {
		panic(err)
	}
	return v
}
