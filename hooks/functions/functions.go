// Package functions runs CloudFront Functions (cloudfront-js-1.0 and cloudfront-js-2.0) beside
// Lambda@Edge hooks: it translates between the edge's events and CloudFront Functions' event
// shape, validates results by CloudFront's rules, reads key value stores, and turns the calls of
// the origin helpers into a Route that the edge applies to the request's origin attempts.
package functions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// MaxSize is the largest function CloudFront accepts. AWS writes "10 KB"; hookfront reads it as
// 10,240 bytes, the looser reading, so that nothing CloudFront takes is refused here, and warns
// above 10,000 bytes, the stricter one.
const (
	MaxSize    = 10 << 10
	strictSize = 10_000
)

// DefaultBudget is the compute one call may use (hook_timeouts.function): CPU time where the
// OS can tell it, wall time elsewhere. CloudFront's budget is about 1 ms of its own engine's
// compute; goja is several times slower, so the budget is wider, and ComputeUtilization (compute
// as a percentage of 1 ms) shows where CloudFront's would end.
const DefaultBudget = 5 * time.Millisecond

// Options configure the functions of a generation.
type Options struct {
	Budget  time.Duration // 0 means DefaultBudget
	Log     *slog.Logger
	Runtime jsruntime.Options
	// Observe, when set, is given every call's CallInfo (traces use it); console lines are then
	// collected per call.
	Observe func(context.Context, *CallInfo)
}

// CallInfo is what one call did, for logs and traces.
type CallInfo struct {
	File     string
	Runtime  jsruntime.FunctionRuntime
	Trigger  event.Trigger
	Duration time.Duration // wall time
	Compute  time.Duration // CPU time, or wall time where the CPU time is not known
	// ComputeUtilization is CloudFront's measure: Compute as a percentage of 1 ms.
	ComputeUtilization int
	Console            []string
	OriginCalls        []jsruntime.OriginCall
	Err                error // nil on success; an *Error otherwise
}

// Function is one CloudFront Function of a generation: compiled once, with runtimes of its own.
type Function struct {
	File    string
	Runtime jsruntime.FunctionRuntime
	Store   *Store // the associated key value store; nil when none
	pool    *jsruntime.Pool
	opt     Options
}

// Load compiles a function and checks that its top level defines a handler. It refuses what
// CloudFront refuses when a function is created (see jsruntime.CompileFunction), and a script
// over MaxSize.
func Load(ctx context.Context, file string, src []byte, rt jsruntime.FunctionRuntime, store *Store, opt Options) (*Function, error) {
	if opt.Budget <= 0 {
		opt.Budget = DefaultBudget
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if len(src) > MaxSize {
		return nil, &jsruntime.ScriptError{File: file, Message: fmt.Sprintf("the function is %d bytes; CloudFront's limit is 10 KB (%d bytes)", len(src), MaxSize)}
	}
	if len(src) > strictSize {
		opt.Log.Warn("function close to CloudFront's size limit", "file", file, "bytes", len(src),
			"note", "within 10 KB read as 10,240 bytes (hookfront's limit), over 10,000 bytes")
	}
	if store != nil && rt != jsruntime.Runtime20 {
		return nil, &jsruntime.ScriptError{File: file, Message: "a key value store needs runtime cloudfront-js-2.0"}
	}
	ropt := opt.Runtime
	ropt.Log = opt.Log
	if ropt.DefaultTimeout <= 0 {
		ropt.DefaultTimeout = opt.Budget
	}
	var kvs jsruntime.KeyValueStore
	if store != nil {
		kvs = store
	}
	b, err := jsruntime.CompileFunction(file, src, rt, kvs, ropt)
	if err != nil {
		return nil, err
	}
	pool := jsruntime.NewPool(b)
	if err := pool.CheckFunction(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return &Function{File: file, Runtime: rt, Store: store, pool: pool, opt: opt}, nil
}

// Close releases the function's idle runtimes.
func (f *Function) Close() { f.pool.Close() }

// Request runs a viewer-request function. It returns the request to go on with (r itself when
// nothing changed), or the response the function generated.
func (f *Function) Request(ctx context.Context, cfg event.Config, r *event.Request, attrs []slog.Attr) (*event.Request, *event.Response, error) {
	ev := newEventLazy(cfg, r, nil)
	res, console, err := f.call(ctx, cfg, ev, attrs)
	var (
		out *event.Request
		gen *event.Response
	)
	if err == nil {
		out, gen, err = requestResult(res.Value, ev, res.OriginCalls)
	}
	err = f.done(ctx, cfg, res, console, err)
	if cfg.Trace != nil {
		f.trace(cfg.Trace, ev, res, console, err)
	}
	return out, gen, err
}

// Response runs a viewer-response function and returns the response to go on with (w itself
// when nothing changed).
func (f *Function) Response(ctx context.Context, cfg event.Config, r *event.Request, w *event.Response, attrs []slog.Attr) (*event.Response, error) {
	ev := newEventLazy(cfg, r, w)
	res, console, err := f.call(ctx, cfg, ev, attrs)
	var out *event.Response
	if err == nil {
		out, err = responseResult(event.ViewerResponse, res.Value, w, ev)
	}
	err = f.done(ctx, cfg, res, console, err)
	if cfg.Trace != nil {
		f.trace(cfg.Trace, ev, res, console, err)
	}
	return out, err
}

// call runs the function; its console lines are collected only when calls are observed.
func (f *Function) call(ctx context.Context, cfg event.Config, ev *eventLazy, attrs []slog.Attr) (jsruntime.FunctionResult, []string, error) {
	c := jsruntime.FunctionCall{Event: ev, Timeout: f.opt.Budget, RequestID: cfg.RequestID, LogAttrs: attrs,
		ViewerRequest: cfg.EventType == event.ViewerRequest}
	var console []string
	if f.opt.Observe != nil || cfg.Trace != nil {
		c.Console = &console
	}
	res, err := f.pool.CallFunction(ctx, c)
	return res, console, err
}

// done classifies err, and reports the call to the observer and the debug log.
func (f *Function) done(ctx context.Context, cfg event.Config, res jsruntime.FunctionResult, console []string, err error) error {
	if err != nil {
		if errors.Is(err, jsruntime.ErrTimeout) {
			err = fmt.Errorf("ran past its budget of %v (hook_timeouts.function): %w", f.opt.Budget, err)
		}
		err = &Error{Trigger: cfg.EventType, File: f.File, Kind: classify(err), Err: err, Compute: compute(res)}
	}
	debug := f.opt.Log.Enabled(ctx, slog.LevelDebug)
	if f.opt.Observe == nil && !debug {
		return err
	}
	info := &CallInfo{File: f.File, Runtime: f.Runtime, Trigger: cfg.EventType, Duration: res.Duration, Compute: compute(res),
		ComputeUtilization: ComputeUtilization(compute(res)), Console: console, OriginCalls: res.OriginCalls, Err: err}
	if f.opt.Observe != nil {
		f.opt.Observe(ctx, info)
	}
	if debug {
		attrs := []slog.Attr{slog.String("file", f.File), slog.String("trigger", string(cfg.EventType)), slog.String("id", cfg.RequestID),
			slog.Duration("duration", res.Duration), slog.Duration("cpu", info.Compute), slog.Int("compute_utilization", info.ComputeUtilization)}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		f.opt.Log.LogAttrs(ctx, slog.LevelDebug, "function", attrs...)
	}
	return err
}

// compute is what a call used: its CPU time, or its wall time where that is not known.
func compute(res jsruntime.FunctionResult) time.Duration {
	if res.CPU >= 0 {
		return res.CPU
	}
	return res.Duration
}
