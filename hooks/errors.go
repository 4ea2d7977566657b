// Package hooks runs Lambda@Edge-style JavaScript hooks: it translates between the edge's
// events and plain data for the JavaScript runtime, validates what hooks return by CloudFront's
// rules, binds hook files to behaviors and triggers, and keeps the current generation of a hooks
// folder.
package hooks

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// Class is a CloudFront Lambda error class.
type Class string

// The three classes and the statuses CloudFront answers them with.
const (
	ExecutionError  Class = "LambdaExecutionError"  // threw, rejected, callback(err): 503
	ValidationError Class = "LambdaValidationError" // an invalid result: 502
	LimitExceeded   Class = "LambdaLimitExceeded"   // timed out, no runtime free: 503
)

// Error is a failed hook call. It satisfies edge.HookFailure.
type Error struct {
	Trigger event.Trigger
	File    string
	Kind    Class
	Err     error
}

// Error is "file[:line:col]: class: reason", the position being where the hook failed when it
// is known (naming the hook file too when that is another file). It does not name the trigger:
// the edge's log lines and notes already do.
func (e *Error) Error() string {
	file, line, col, reason := e.File, 0, 0, e.Err.Error()
	var se *jsruntime.ScriptError
	var te *jsruntime.TimeoutError
	switch {
	case errors.As(e.Err, &se) && se.File != "":
		file, line, col, reason = se.File, se.Line, se.Col, se.Message
	case errors.As(e.Err, &te) && te.File != "":
		c := *te
		c.File = ""
		file, line, col, reason = te.File, te.Line, te.Col, c.Error()
	}
	if file != e.File {
		reason += " (in hook " + e.File + ")"
	}
	if line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s: %s", file, line, col, e.Kind, reason)
	}
	return fmt.Sprintf("%s: %s: %s", file, e.Kind, reason)
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

// classify maps a runtime error to CloudFront's class.
func classify(err error) Class {
	switch {
	case errors.Is(err, jsruntime.ErrTimeout), errors.Is(err, jsruntime.ErrPoolExhausted),
		errors.Is(err, jsruntime.ErrNoResult), errors.Is(err, jsruntime.ErrPoolClosed):
		return LimitExceeded
	}
	var ve *invalidResult
	if errors.As(err, &ve) {
		return ValidationError
	}
	return ExecutionError
}

// invalidResult is a hook result that breaks a Lambda@Edge rule.
type invalidResult struct{ msg string }

func (e *invalidResult) Error() string { return e.msg }

func invalid(format string, args ...any) error {
	return &invalidResult{msg: fmt.Sprintf(format, args...)}
}
