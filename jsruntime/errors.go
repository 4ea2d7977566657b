package jsruntime

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors a call can end with besides a ScriptError.
var (
	// ErrTimeout means the call ran past its deadline and was interrupted.
	ErrTimeout = errors.New("hook ran past its time limit")
	// ErrPoolExhausted means no runtime became free before the call's deadline.
	ErrPoolExhausted = errors.New("no hook runtime free before the deadline")
	// ErrPoolClosed means the pool's generation was replaced and closed.
	ErrPoolClosed = errors.New("hook runtime pool closed")
	// ErrNoResult means the handler neither returned a value nor called the callback before the
	// deadline.
	ErrNoResult = errors.New("handler neither returned a result nor called the callback in time")
	// ErrStackOverflow means the call went deeper than the call-stack limit.
	ErrStackOverflow = errors.New("maximum call stack size exceeded")
)

// ScriptError is a JavaScript error: a syntax error at load time, or an exception thrown (or a
// promise rejected, or an error passed to the callback) during a call. File, Line and Col point at
// the user's own source, after source maps.
type ScriptError struct {
	File      string
	Line, Col int
	Message   string
	Stack     string
}

func (e *ScriptError) Error() string {
	if e.File == "" {
		return e.Message
	}
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Message)
}

// TimeoutError is a call that ran past its time limit. File, Line and Col are where the
// interrupt stopped the JavaScript (empty when it was waiting for a timer or was abandoned).
// Abandoned means the call had not stopped soon after the interrupt (Options.StopGrace): it was
// inside a built-in function no interrupt reaches (a regular expression that backtracks, a huge
// string or array operation), or the machine was too busy to run it. The caller got this error at
// the limit; the runtime finishes on its own and is then dropped.
type TimeoutError struct {
	Limit     time.Duration
	File      string
	Line, Col int
	Abandoned bool
}

func (e *TimeoutError) Error() string {
	msg := fmt.Sprintf("hook ran past its time limit (%v)", e.Limit)
	if e.Abandoned {
		msg += " and had not stopped shortly after: it was inside a built-in function that cannot be interrupted (a regular expression that backtracks, a huge string or array operation) or the machine was too busy; its runtime was abandoned"
	}
	if e.File == "" {
		return msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, msg)
}

// Is makes every TimeoutError an ErrTimeout.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// PanicError is a Go panic inside a call (a bug in a native helper). The runtime that panicked is
// discarded, never reused.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic in hook runtime: %v", e.Value) }

// LoadError collects the problems of a bundle that could not be built, one per file.
type LoadError struct{ Problems []error }

func (e *LoadError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "\n")
}

func (e *LoadError) Unwrap() []error { return e.Problems }

// Where says what went wrong in err and, when it is a ScriptError, where: the message without
// the position, and the position in the user's file (empty and zero otherwise).
func Where(err error) (message, file string, line, col int) {
	var se *ScriptError
	if errors.As(err, &se) {
		return se.Message, se.File, se.Line, se.Col
	}
	return err.Error(), "", 0, 0
}
