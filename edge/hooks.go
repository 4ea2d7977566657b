package edge

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/hookfront/hookfront/hooks/event"
)

// HookSet runs the hooks bound to behaviors. It is declared here, where it is consumed, and
// satisfied by the hooks package; edge never sees JavaScript.
//
// A HookSet never changes the request or response it is given: it returns new values when a
// hook changed something, and the very value it was given when nothing changed, which lets the
// edge skip converting it back.
type HookSet interface {
	// Has reports whether a hook is bound to trigger t of the behavior, so that the edge can skip
	// building an event nobody reads.
	Has(behavior string, t event.Trigger) bool
	// Request runs a request trigger. It returns the request to continue with, or a response
	// the hook generated (then the request is nil).
	Request(ctx context.Context, behavior string, t event.Trigger, cfg event.Config, r *event.Request) (*event.Request, *event.Response, error)
	// Response runs a response trigger and returns the response to continue with.
	Response(ctx context.Context, behavior string, t event.Trigger, cfg event.Config, r *event.Request, w *event.Response) (*event.Response, error)
}

// HookSource hands out the hook set current when a request starts; a request keeps the one it
// got for all its hooks, so a reload never mixes code within a request.
type HookSource interface {
	Current() HookSet
}

// HookFailure is what a hook error may tell the edge: the status CloudFront would answer and the
// error class (LambdaExecutionError, LambdaValidationError, LambdaLimitExceeded).
type HookFailure interface {
	error
	HTTPStatus() int
	Class() string
}

// hookError wraps a failed hook call on its way to the viewer.
type hookError struct {
	trigger event.Trigger
	err     error
}

func (e *hookError) Error() string { return string(e.trigger) + " hook: " + e.err.Error() }
func (e *hookError) Unwrap() error { return e.err }

// status and class of a hook error: a hook error that says nothing is an execution error (503).
func (e *hookError) status() (int, string) {
	var hf HookFailure
	if errors.As(e.err, &hf) {
		return hf.HTTPStatus(), hf.Class()
	}
	return http.StatusServiceUnavailable, "LambdaExecutionError"
}

// eventResponse builds the hook view of a response (never its body: Lambda@Edge does not
// show origin bodies to functions).
func eventResponse(status int, h http.Header) *event.Response {
	return &event.Response{Status: status, StatusDescription: http.StatusText(status), Headers: event.FromHTTPHeader(h, "")}
}

// applyEventResponse turns a hook's response back into status, header and body. A nil body
// means "keep the one there was".
func applyEventResponse(er *event.Response) (int, http.Header, []byte) {
	h, _ := er.Headers.ToHTTPHeader()
	removeHopHeaders(h)
	if er.Body == nil {
		return er.Status, h, nil
	}
	body := []byte(er.Body.Data)
	if er.Body.Encoding == "base64" {
		// The hooks package validated the encoding; a failure here leaves the body empty.
		body, _ = base64.StdEncoding.DecodeString(er.Body.Data)
	}
	if body == nil {
		body = []byte{}
	}
	return er.Status, h, body
}
