package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/hooks/event/sample"
	"github.com/hookfront/hookfront/jsruntime"
)

// functionEventFlags are the flags of `hookfront event` that a CloudFront Functions event uses.
type functionEventFlags struct {
	uri, method, query string
	status             int
	clientIP           string
	headers            headerFlags
}

// functionEventCmd prints a complete CloudFront Functions event, for `invoke --runtime` or a
// function case of a test file. Both runtimes get the same event.
func functionEventCmd(stdout io.Writer, t event.Trigger, runtime string, set map[string]bool, f functionEventFlags) error {
	switch {
	case !jsruntime.FunctionRuntime(runtime).Valid():
		return usageError{fmt.Sprintf("--runtime %q: give cloudfront-js-1.0 or cloudfront-js-2.0", runtime)}
	case t != event.ViewerRequest && t != event.ViewerResponse:
		return usageError{fmt.Sprintf("CloudFront Functions run on viewer-request and viewer-response, not %s", t)}
	case set["body"]:
		return usageError{"--body: a CloudFront Functions event has no request body"}
	case set["origin"]:
		return usageError{"--origin applies to Lambda@Edge origin events"}
	case set["status"] && t != event.ViewerResponse:
		return usageError{"--status applies to viewer-response events"}
	}
	req := map[string]any{"method": strings.ToUpper(f.method), "uri": f.uri}
	if set["querystring"] {
		req["querystring"] = f.query
	}
	h, err := f.headers.byName()
	if err != nil {
		return err
	}
	req["headers"] = h
	short := map[string]any{"request": req}
	if f.clientIP != "" {
		short["viewer"] = map[string]any{"ip": f.clientIP}
	}
	if t == event.ViewerResponse {
		short["response"] = map[string]any{"statusCode": float64(f.status)}
	}
	ev, err := sample.FunctionEvent(t, short, sample.Defaults{})
	if err != nil {
		return usageError{err.Error()}
	}
	out, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the event: %w", err)
	}
	fmt.Fprintln(stdout, string(out))
	return nil
}
