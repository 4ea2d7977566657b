package sample

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hookfront/hookfront/hooks/event"
)

// FunctionEvent completes short, a CloudFront Functions event in part ({context, viewer,
// request, response}, each optional and partial), into a whole event for trigger t (viewer-request
// or viewer-response), with the same example values as the Lambda@Edge events: the viewer's
// headers, the example distribution, GET /, an empty query string and no cookies; in
// viewer-response, a 200 with typical origin headers. A short form that already is a whole event
// (it has version) comes back as it is: a whole event is passed exactly as given, as CloudFront's
// TestFunction passes it.
//
// In short forms an entry of headers, querystring or cookies may be written as a string (one
// value), a list (several: value and multiValue are filled), or CloudFront's {value,
// multiValue, attributes}; null removes a default entry. A uri with ? sets querystring, and
// querystring may be a raw string. Cookie (request) and Set-Cookie (response) headers become
// cookies, as the event shows them.
func FunctionEvent(t event.Trigger, short map[string]any, d Defaults) (map[string]any, error) {
	if t != event.ViewerRequest && t != event.ViewerResponse {
		return nil, fmt.Errorf("%q: CloudFront Functions run on viewer-request and viewer-response", t)
	}
	if _, whole := short["version"]; whole {
		return short, nil
	}
	for k := range short {
		if !slices.Contains(FunctionShortFields[""], k) {
			return nil, fmt.Errorf("event: unknown field %q (a function event is {context, viewer, request, response}, or a whole event with version)", k)
		}
	}
	if d.DomainName == "" {
		d.DomainName = exampleDomain
	}
	if d.DistributionID == "" {
		d.DistributionID = exampleID
	}
	ctx := map[string]any{
		"distributionDomainName": d.DomainName,
		"distributionId":         d.DistributionID,
		"eventType":              string(t),
		"requestId":              exampleRequestID,
	}
	if err := overlay(ctx, short["context"], "context"); err != nil {
		return nil, err
	}
	viewer := map[string]any{"ip": exampleClientIP}
	if err := overlay(viewer, short["viewer"], "viewer"); err != nil {
		return nil, err
	}
	req, err := functionRequest(short["request"], d)
	if err != nil {
		return nil, err
	}
	ev := map[string]any{"version": "1.0", "context": ctx, "viewer": viewer, "request": req}
	switch {
	case t == event.ViewerResponse:
		if ev["response"], err = functionResponse(short["response"]); err != nil {
			return nil, err
		}
	case short["response"] != nil:
		return nil, fmt.Errorf("event: a %s event has no response", t)
	}
	return ev, nil
}

func functionRequest(v any, d Defaults) (map[string]any, error) {
	in, err := only(v, "request", FunctionShortFields["request"]...)
	if err != nil {
		return nil, err
	}
	req := map[string]any{"method": "GET", "uri": "/"}
	for _, k := range []string{"method", "uri"} {
		if x, ok := in[k]; ok {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("event: request.%s must be a string", k)
			}
			req[k] = s
		}
	}
	q := in["querystring"]
	if uri := req["uri"].(string); strings.Contains(uri, "?") {
		var raw string
		req["uri"], raw, _ = strings.Cut(uri, "?")
		if q == nil {
			q = raw
		}
	}
	if s, ok := q.(string); ok {
		q = rawQuery(strings.TrimPrefix(s, "?"))
	}
	if req["querystring"], err = entries(map[string]any{}, q, "request.querystring", false); err != nil {
		return nil, err
	}
	h := map[string]any{
		"host":       map[string]any{"value": d.DomainName},
		"user-agent": map[string]any{"value": "curl/8.5.0"},
		"accept":     map[string]any{"value": "*/*"},
	}
	if h, err = entries(h, in["headers"], "request.headers", false); err != nil {
		return nil, err
	}
	cookies := map[string]any{}
	if c, ok := h["cookie"].(map[string]any); ok {
		delete(h, "cookie")
		for _, line := range values(c) {
			for part := range strings.SplitSeq(line, ";") {
				if name, value, _ := strings.Cut(strings.TrimSpace(part), "="); name != "" {
					addValue(cookies, name, map[string]any{"value": value})
				}
			}
		}
	}
	req["headers"] = h
	if req["cookies"], err = entries(cookies, in["cookies"], "request.cookies", false); err != nil {
		return nil, err
	}
	return req, nil
}

func functionResponse(v any) (map[string]any, error) {
	in, err := only(v, "response", FunctionShortFields["response"]...)
	if err != nil {
		return nil, err
	}
	status := 200
	switch s := in["statusCode"].(type) {
	case nil:
	case float64:
		status = int(s)
	case int:
		status = s
	case string:
		if status, err = strconv.Atoi(s); err != nil {
			return nil, fmt.Errorf("event: response.statusCode %q is not a number", s)
		}
	default:
		return nil, fmt.Errorf("event: response.statusCode must be a number")
	}
	resp := map[string]any{"statusCode": float64(status), "statusDescription": http.StatusText(status)}
	if d, ok := in["statusDescription"].(string); ok {
		resp["statusDescription"] = d
	}
	h := map[string]any{
		"cache-control": map[string]any{"value": "max-age=60"},
		"content-type":  map[string]any{"value": "text/html; charset=UTF-8"},
		"date":          map[string]any{"value": exampleDate},
		"etag":          map[string]any{"value": `"3147526947"`},
		"last-modified": map[string]any{"value": "Thu, 17 Oct 2024 07:18:26 GMT"},
		"server":        map[string]any{"value": "nginx"},
	}
	if h, err = entries(h, in["headers"], "response.headers", false); err != nil {
		return nil, err
	}
	cookies := map[string]any{}
	if c, ok := h["set-cookie"].(map[string]any); ok {
		delete(h, "set-cookie")
		for _, line := range values(c) {
			first, attrs, _ := strings.Cut(line, ";")
			if name, value, _ := strings.Cut(strings.TrimSpace(first), "="); name != "" {
				addValue(cookies, name, map[string]any{"value": value, "attributes": strings.TrimSpace(attrs)})
			}
		}
	}
	resp["headers"] = h
	if resp["cookies"], err = entries(cookies, in["cookies"], "response.cookies", true); err != nil {
		return nil, err
	}
	return resp, nil
}

// only is v as an object, refusing fields other than those listed.
func only(v any, where string, fields ...string) (map[string]any, error) {
	in, err := object(v, where)
	if err != nil {
		return nil, err
	}
	for k := range in {
		if !slices.Contains(fields, k) {
			return nil, fmt.Errorf("event: %s has no field %q (it has %s)", where, k, strings.Join(fields, ", "))
		}
	}
	return in, nil
}

// rawQuery reads a raw query string into entries, names and values as sent (not
// percent-decoded), as CloudFront shows them.
func rawQuery(raw string) map[string]any {
	q := map[string]any{}
	for part := range strings.SplitSeq(raw, "&") {
		if part != "" {
			name, value, _ := strings.Cut(part, "=")
			addValue(q, name, map[string]any{"value": value})
		}
	}
	return q
}

// entries lays the entries of v, in any of the short forms, over dst (names lower-cased when
// they are headers). Response cookies always carry attributes, as the edge shows them.
func entries(dst map[string]any, v any, where string, attrs bool) (map[string]any, error) {
	in, err := object(v, where)
	if err != nil {
		return nil, err
	}
	for name, x := range in {
		if strings.HasSuffix(where, "headers") {
			name = strings.ToLower(name)
		}
		delete(dst, name)
		at := fmt.Sprintf("%s[%q]", where, name)
		var items []any
		switch x := x.(type) {
		case nil:
			continue
		case []any:
			items = x
		case map[string]any:
			mv, ok := x["multiValue"].([]any)
			if !ok {
				items = []any{x}
				break
			}
			// Written out: multiValue as given, value (else the first item's) beside it.
			e, err := entryValue(x, at)
			if err != nil {
				return nil, err
			}
			list := make([]any, len(mv))
			for i, item := range mv {
				if list[i], err = itemValue(item, at, attrs); err != nil {
					return nil, err
				}
				if i == 0 {
					for k, v := range list[i].(map[string]any) {
						if _, set := e[k]; !set {
							e[k] = v
						}
					}
				}
			}
			e["multiValue"] = list
			dst[name] = e
			continue
		default:
			items = []any{x}
		}
		for _, item := range items {
			if err := addItem(dst, name, item, at, attrs); err != nil {
				return nil, err
			}
		}
	}
	return dst, nil
}

func addItem(dst map[string]any, name string, item any, at string, attrs bool) error {
	e, err := itemValue(item, at, attrs)
	if err != nil {
		return err
	}
	addValue(dst, name, e)
	return nil
}

// itemValue is one value of an entry; response cookies always carry attributes.
func itemValue(item any, at string, attrs bool) (map[string]any, error) {
	e, err := entryValue(item, at)
	if err != nil {
		return nil, err
	}
	if _, ok := e["attributes"]; attrs && !ok {
		e["attributes"] = ""
	}
	return e, nil
}

// entryValue is one value of an entry: a scalar, or {value, attributes} (multiValue is read by
// the caller; multivalue, as AWS's own samples sometimes spell it, is kept: CloudFront ignores
// it).
func entryValue(v any, where string) (map[string]any, error) {
	switch x := v.(type) {
	case string:
		return map[string]any{"value": x}, nil
	case float64, bool:
		return map[string]any{"value": fmt.Sprint(x)}, nil
	case map[string]any:
		e := map[string]any{}
		for k, val := range x {
			switch k {
			case "value", "attributes", "multivalue":
				e[k] = val
			case "multiValue":
			default:
				return nil, fmt.Errorf("event: %s has no field %q (an entry is {value, multiValue, attributes})", where, k)
			}
		}
		return e, nil
	}
	return nil, fmt.Errorf("event: %s must be a string, a list, {value} or null", where)
}

// addValue adds a value to name's entry: the first is value; from the second on, multiValue
// lists all of them, as CloudFront shows a name that occurs more than once.
func addValue(dst map[string]any, name string, e map[string]any) {
	cur, ok := dst[name].(map[string]any)
	if !ok {
		dst[name] = e
		return
	}
	mv, ok := cur["multiValue"].([]any)
	if !ok {
		first := map[string]any{}
		for k, v := range cur {
			first[k] = v
		}
		mv = []any{first}
	}
	cur["multiValue"] = append(mv, e)
}

// values are the values of an entry, in order.
func values(e map[string]any) []string {
	var out []string
	if mv, ok := e["multiValue"].([]any); ok {
		for _, item := range mv {
			if m, ok := item.(map[string]any); ok {
				s, _ := m["value"].(string)
				out = append(out, s)
			}
		}
		return out
	}
	s, _ := e["value"].(string)
	return []string{s}
}
