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

func (e *Error) Error() string {
	return fmt.Sprintf("%s hook %s: %s: %v", e.Trigger, e.File, e.Kind, e.Err)
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
