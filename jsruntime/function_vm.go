package jsruntime

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/buffer"
)

// fnState is what the globals and modules of a CloudFront Function's runtime read: the runtime's
// own objects, and the state of the call running now.
type fnState struct {
	script  *functionScript
	handler goja.Callable // the top level's handler
	loadErr error         // why the top level did not give one
	modules map[string]goja.Value
	guard   *budgetGuard

	// Per call.
	now         time.Time // what Date sees: frozen for the whole call
	viewerReq   bool      // the origin helpers and cf.edgeLocation work only in viewer-request
	originCalls []OriginCall
	console     *[]string
	byteStrings map[string]bool // 1.0: strings the byte-string helpers made (crypto reads them as bytes)
}

// handlerRef reads the handler binding of the global scope, which also finds a top-level
// `const handler = ...` (not a property of the global object).
var handlerRef = goja.MustCompile("handler", "typeof handler === 'undefined' ? undefined : handler", true)

// initFunction gives a runtime the globals of a CloudFront Function: console.log, require of the
// built-in modules, Buffer (2.0), the byte-string helpers (1.0), no eval, no timers, no process,
// and a Date frozen at the start of each call.
func (v *vm) initFunction() {
	rt := v.rt
	fn := &fnState{script: v.b.fn, modules: map[string]goja.Value{}, byteStrings: map[string]bool{}, guard: newBudgetGuard(rt, &v.overdue)}
	v.fn = fn
	v.interruptibleFill()
	rt.SetTimeSource(func() time.Time { return fn.now })
	console := rt.NewObject()
	_ = console.Set("log", func(call goja.FunctionCall) goja.Value {
		line := v.format(call.Arguments)
		v.log(slog.LevelInfo, line)
		if fn.console != nil {
			*fn.console = append(*fn.console, line)
		}
		return goja.Undefined()
	})
	_ = rt.Set("console", console)
	_ = rt.Set("eval", func(goja.FunctionCall) goja.Value {
		panic(v.jsError("eval is not available in CloudFront Functions (no dynamic code)", ""))
	})
	_ = rt.Set("require", func(call goja.FunctionCall) goja.Value {
		return v.fnModule(call.Argument(0).String())
	})
	if fn.script.runtime == Runtime20 {
		_ = rt.Set("Buffer", v.fnModule("buffer").ToObject(rt).Get("Buffer"))
	} else {
		v.byteStringHelpers()
	}
	fn.loadErr = v.loadFunction()
}

// fnModule returns a built-in module of the function's runtime, made once per runtime.
func (v *vm) fnModule(name string) goja.Value {
	fn := v.fn
	if m, ok := fn.modules[name]; ok {
		return m
	}
	if !slices.Contains(fn.script.runtime.Modules(), name) {
		panic(v.jsError(moduleRule(name, fn.script.runtime), "MODULE_NOT_FOUND"))
	}
	var m goja.Value
	switch name {
	case "crypto":
		m = v.fnCrypto()
	case "querystring":
		m = v.runBuiltin(querystringPrg)
	case "buffer":
		m = v.goModule(buffer.Require)
	case "cloudfront":
		m = v.cloudfrontModule()
	}
	fn.modules[name] = m
	return m
}

// FunctionLoadLimit bounds the run of a function's top level, once per runtime, outside any
// call's budget (a large script's top level may take longer than a call on a slow machine).
const FunctionLoadLimit = time.Second

// loadFunction runs the script's top level and finds its handler.
func (v *vm) loadFunction() (err error) {
	fn := v.fn
	fn.now = time.Now()
	v.watchdog.Reset(FunctionLoadLimit) // a top level that never ends
	func() {
		defer func() {
			// A Go panic in a built-in the top level called (Buffer.from({length: -1})): this
			// runs when a runtime is made, at a reload, where nothing else would recover it.
			if r := recover(); r != nil {
				err = &ScriptError{File: fn.script.file, Message: fmt.Sprintf("the top-level code failed inside a built-in function: %v", r)}
			}
		}()
		_, err = v.rt.RunProgram(fn.script.prg)
	}()
	v.stopWatchdog()
	if _, ok := err.(*ScriptError); ok {
		return err
	}
	if errors.Is(err, ErrTimeout) || isInterrupt(err) {
		return &ScriptError{File: fn.script.file, Message: "the top-level code ran past " + FunctionLoadLimit.String()}
	}
	if err != nil {
		return v.fnError(err)
	}
	h, err := v.rt.RunProgram(handlerRef)
	if err != nil {
		return v.fnError(err)
	}
	call, ok := goja.AssertFunction(h)
	if !ok {
		return &ScriptError{File: fn.script.file, Message: errNoHandler.Error()}
	}
	fn.handler = call
	return nil
}

// fnError is scriptError for a function script.
func (v *vm) fnError(err error) error { return v.fnPos(v.scriptError(err)) }

// fnPos gives back the columns that the position helpers take off line 1 for the CommonJS
// wrapper, which a function script does not have.
func (v *vm) fnPos(err error) error {
	switch e := err.(type) {
	case *ScriptError:
		if e.Line == 1 && e.File == v.fn.script.file {
			e.Col += len(wrapPrefix)
		}
	case *TimeoutError: // where the budget's interrupt stopped the function
		if e.Line == 1 && e.File == v.fn.script.file {
			e.Col += len(wrapPrefix)
		}
	}
	return err
}

func isInterrupt(err error) bool {
	var ie *goja.InterruptedError
	return errors.As(err, &ie)
}
