package functions

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// TestResult is what CloudFront's TestFunction reports for one call.
type TestResult struct {
	// Output is the FunctionOutput: {"request": ...} or {"response": ...} as CloudFront
	// normalises it, indented, keys in the order the function left them. When the function
	// called origin helpers, "originCalls" lists them (hookfront's addition; CloudFront's test
	// does not apply origin changes).
	Output             []byte
	ComputeUtilization int
	Logs               []string
}

// Test runs a function once on an event given as JSON, as CloudFront's TestFunction does: the
// event is passed as given (no defaults filled in), and a result CloudFront would refuse is an
// error, as an exception is. now pins the function's clock (zero: the time of the call).
func Test(ctx context.Context, file string, src []byte, rt jsruntime.FunctionRuntime, eventJSON []byte, store *Store, now time.Time, opt Options) (TestResult, error) {
	var ev map[string]any
	if err := json.Unmarshal(eventJSON, &ev); err != nil {
		return TestResult{}, fmt.Errorf("the event is not a JSON object: %w", err)
	}
	in, err := eventFromJSON(ev)
	if err != nil {
		return TestResult{}, fmt.Errorf("the event: %w", err)
	}
	f, err := Load(ctx, file, src, rt, store, opt)
	if err != nil {
		return TestResult{}, err
	}
	defer f.Close()
	var logs []string
	res, err := f.pool.CallFunction(ctx, jsruntime.FunctionCall{EventJSON: string(eventJSON), Timeout: f.opt.Budget, Now: now,
		RequestID: in.cfg.RequestID, ViewerRequest: in.cfg.EventType == event.ViewerRequest, Console: &logs, Ordered: true,
		RequestMethods: map[string]jsruntime.Method{"rawQueryString": in.request.Get("rawQueryString").(jsruntime.Method)}})
	out := TestResult{ComputeUtilization: ComputeUtilization(compute(res)), Logs: logs}
	if err == nil {
		// Validate as the edge would; the result is plain data here, read in full.
		plain := jsruntime.Materialize(res.Value)
		if in.resp != nil {
			_, err = responseResult(event.ViewerResponse, plain, in.resp, in)
		} else {
			_, _, err = requestResult(plain, in, res.OriginCalls)
		}
	}
	if err = f.done(ctx, in.cfg, res, logs, err); err != nil {
		return out, err
	}
	out.Output = testOutput(res.Value, res.OriginCalls)
	return out, nil
}

// eventFromJSON reads a CloudFront Functions event given as JSON into the edge's model, as the
// input a result is validated against.
func eventFromJSON(ev map[string]any) (*eventLazy, error) {
	cfg := event.Config{EventType: event.ViewerRequest}
	if c, ok := ev["context"].(map[string]any); ok {
		cfg.DistributionDomainName, _ = c["distributionDomainName"].(string)
		cfg.DistributionID, _ = c["distributionId"].(string)
		cfg.RequestID, _ = c["requestId"].(string)
		if t, ok := c["eventType"].(string); ok {
			cfg.EventType = event.Trigger(t)
		}
	}
	if _, ok := ev["response"]; ok {
		if c, _ := ev["context"].(map[string]any); c == nil || c["eventType"] == nil {
			cfg.EventType = event.ViewerResponse
		}
	}
	if cfg.EventType != event.ViewerRequest && cfg.EventType != event.ViewerResponse {
		return nil, fmt.Errorf("context.eventType %q: CloudFront Functions run on viewer-request and viewer-response", cfg.EventType)
	}
	rm, _ := ev["request"].(map[string]any)
	switch {
	case rm == nil && ev["Records"] != nil:
		return nil, fmt.Errorf("this is a Lambda@Edge event (Records); a CloudFront Function takes {version, context, viewer, request}, as `hookfront event viewer-request --runtime cloudfront-js-2.0` prints it")
	case rm == nil:
		return nil, fmt.Errorf("there is no request object")
	}
	req := &event.Request{Headers: event.Headers{}}
	req.Method, _ = rm["method"].(string)
	req.URI, _ = rm["uri"].(string)
	if v, ok := ev["viewer"].(map[string]any); ok {
		req.ClientIP, _ = v["ip"].(string)
	}
	h, _, err := headersResult(rm["headers"], nil, "cookie", "request.headers")
	if err != nil {
		return nil, err
	}
	req.Headers = h
	if q, ok := rm["querystring"]; ok {
		if req.QueryString, _, err = queryResult(q, ""); err != nil {
			return nil, err
		}
		req.HasQuery = req.QueryString != ""
	}
	c, _, err := pairsResult(rm["cookies"], &pairs{}, false, "request.cookies")
	if err != nil {
		return nil, err
	}
	if list := cookieHeader(c, "cookie"); len(list) > 0 {
		req.Headers["cookie"] = list
	}
	var resp *event.Response
	if wm, ok := ev["response"].(map[string]any); ok && cfg.EventType == event.ViewerResponse {
		if _, ok := wm["statusCode"]; !ok {
			wm["statusCode"] = int64(200)
		}
		if resp, err = responseResult(event.ViewerRequest, jsonNumbers(wm), nil, &eventLazy{}); err != nil {
			return nil, fmt.Errorf("the response: %w", err)
		}
	}
	return newEventLazy(cfg, req, resp), nil
}

// jsonNumbers turns encoding/json's float64 numbers into int64 where whole, as the runtime does.
func jsonNumbers(v any) any {
	switch x := v.(type) {
	case float64:
		if x == float64(int64(x)) {
			return int64(x)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = jsonNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = jsonNumbers(e)
		}
	}
	return v
}

// testOutput is the FunctionOutput of a result, normalised as CloudFront's TestFunction shows
// results (observed, not documented): wrapped in {"request": ...} or {"response": ...}; missing
// headers, querystring and cookies shown as {}; entries keep only value, multiValue and
// attributes; a string body becomes {"encoding": "text", "data": ...}.
func testOutput(v any, calls []jsruntime.OriginCall) []byte {
	o, _ := v.(*jsruntime.Object)
	if o == nil {
		o = jsruntime.NewObject(0)
	}
	out := jsruntime.NewObject(2)
	if _, isResponse := o.Values["statusCode"]; isResponse {
		for _, k := range []string{"headers", "cookies"} {
			normaliseEntries(o, k)
		}
		if b, ok := o.Values["body"].(string); ok {
			o.Set("body", jsruntime.NewObject(2).Set("encoding", "text").Set("data", b))
		}
		out.Set("response", o)
	} else {
		for _, k := range []string{"querystring", "headers", "cookies"} {
			if _, isString := o.Values[k].(string); !isString {
				normaliseEntries(o, k)
			}
		}
		out.Set("request", o)
	}
	if len(calls) > 0 {
		list := make([]any, len(calls))
		for i, c := range calls {
			list[i] = jsruntime.NewObject(2).Set("method", c.Method).Set("args", c.Args)
		}
		out.Set("originCalls", list)
	}
	var b bytes.Buffer
	writeJSON(&b, out, "")
	b.WriteByte('\n')
	return b.Bytes()
}

// normaliseEntries makes o[k] an object of entries with only value, multiValue and attributes.
func normaliseEntries(o *jsruntime.Object, k string) {
	src, _ := o.Values[k].(*jsruntime.Object)
	clean := jsruntime.NewObject(0)
	if src != nil {
		for _, name := range src.Keys {
			e, ok := src.Values[name].(*jsruntime.Object)
			if !ok {
				clean.Set(name, src.Values[name])
				continue
			}
			ce := jsruntime.NewObject(3)
			for _, f := range e.Keys {
				switch f {
				case "value", "attributes":
					ce.Set(f, e.Values[f])
				case "multiValue":
					items, _ := e.Values[f].([]any)
					for i, it := range items {
						if io, ok := it.(*jsruntime.Object); ok {
							ci := jsruntime.NewObject(2)
							for _, ff := range io.Keys {
								if ff == "value" || ff == "attributes" {
									ci.Set(ff, io.Values[ff])
								}
							}
							items[i] = ci
						}
					}
					ce.Set(f, items)
				}
			}
			clean.Set(name, ce)
		}
	}
	o.Set(k, clean)
}

// writeJSON writes v as indented JSON, objects with their keys in order.
func writeJSON(b *bytes.Buffer, v any, indent string) {
	inner := indent + "  "
	switch x := v.(type) {
	case *jsruntime.Object:
		if len(x.Keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, k := range x.Keys {
			key, _ := json.Marshal(k)
			b.WriteString(inner)
			b.Write(key)
			b.WriteString(": ")
			writeJSON(b, x.Values[k], inner)
			if i < len(x.Keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	case map[string]any: // from plain data (origin helper arguments): sorted keys
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := jsruntime.NewObject(len(keys))
		for _, k := range keys {
			o.Set(k, x[k])
		}
		writeJSON(b, o, indent)
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range x {
			b.WriteString(inner)
			writeJSON(b, e, inner)
			if i < len(x)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
	default:
		enc, err := json.Marshal(x)
		if err != nil {
			enc = []byte("null")
		}
		b.Write(bytes.TrimSpace(enc))
	}
}

// FormatTestError is the JSON TestFunction's failure is printed as.
func FormatTestError(err error) []byte {
	b, _ := json.MarshalIndent(map[string]string{"error": strings.TrimSpace(err.Error())}, "", "  ")
	return append(b, '\n')
}
