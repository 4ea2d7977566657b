package functions

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// Class is a CloudFront Functions error class.
type Class string

// The three classes, with the statuses CloudFront answers them with.
const (
	ExecutionError  Class = "FunctionExecutionError"  // threw or rejected: 503
	ValidationError Class = "FunctionValidationError" // returned something invalid: 502
	ThrottledError  Class = "FunctionThrottledError"  // over the compute budget: 503
)

// Error is a failed function call. It satisfies edge.HookFailure.
type Error struct {
	Trigger event.Trigger
	File    string
	Kind    Class
	Err     error
	// Compute is what the call used: its CPU time, or its wall time where that is not known.
	Compute time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s function %s: %s: %v (compute utilization %d)", e.Trigger, e.File, e.Kind, e.Err, ComputeUtilization(e.Compute))
}

func (e *Error) Unwrap() error { return e.Err }

// HTTPStatus is what the viewer gets.
func (e *Error) HTTPStatus() int {
	if e.Kind == ValidationError {
		return http.StatusBadGateway
	}
	return http.StatusServiceUnavailable
}

// Class is the CloudFront error class.
func (e *Error) Class() string { return string(e.Kind) }

// classify maps a runtime error to its class.
func classify(err error) Class {
	var ve *invalidResult
	switch {
	case errors.Is(err, jsruntime.ErrTimeout), errors.Is(err, jsruntime.ErrPoolExhausted), errors.Is(err, jsruntime.ErrPoolClosed):
		return ThrottledError
	case errors.As(err, &ve):
		return ValidationError
	}
	return ExecutionError
}

// invalidResult is a result that breaks a CloudFront Functions rule.
type invalidResult struct{ msg string }

func (e *invalidResult) Error() string { return e.msg }

func invalid(format string, args ...any) error {
	return &invalidResult{msg: fmt.Sprintf(format, args...)}
}

// ComputeUtilization is CloudFront's measure of a call: the compute it used (CPU time) as a
// percentage of 1 ms (CloudFront throttles at 100; hookfront's budget is hook_timeouts.function).
func ComputeUtilization(d time.Duration) int {
	return int((d*100 + time.Millisecond/2) / time.Millisecond)
}
