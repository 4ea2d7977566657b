// Package sample makes complete, realistic Lambda@Edge events, as `sam local generate-event
// cloudfront` does but for every trigger and with every field CloudFront sends (the origin in
// origin events, the headers CloudFront adds), and CloudFront Functions events with the same
// example values. `hookfront event` prints them, and `hookfront test` completes the short events
// of its test files with them, so the two never disagree.
//
// Events are plain JSON data (map[string]any, []any, string, float64, bool), so that encoding
// them gives keys in the order CloudFront's own examples list them (which is alphabetical).
package sample

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"

	"github.com/hookfront/hookfront/hooks/event"
)

// Defaults are the values an event gets where the short form says nothing. The zero value
// means CloudFront's documented example values (lambda-event-structure.html).
type Defaults struct {
	DomainName     string // cf.config.distributionDomainName
	DistributionID string // cf.config.distributionId
	// Origin holds fields of request.origin.custom (domainName, port, protocol, path, …) laid
	// over the example origin in origin events.
	Origin map[string]any
}

// The values of CloudFront's example events.
const (
	exampleDomain    = "d111111abcdef8.cloudfront.net"
	exampleID        = "EDFDVBD6EXAMPLE"
	exampleRequestID = "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="
	exampleClientIP  = "203.0.113.178"
	exampleOrigin    = "example.org"
	exampleVia       = "2.0 2afae0d44e2540f472c0635ab62c232b.cloudfront.net (CloudFront)"
	exampleDate      = "Mon, 13 Jan 2025 20:12:38 GMT"
)

// Event completes short, the contents of a record's cf object ({config, request, response},
// each optional and partial), into a whole event for trigger t. A short form that already is a
// whole event (it has Records) comes back as it is: a whole event is passed exactly as given.
//
// In short forms a header may be written as a string (one value), a list of strings, or
// CloudFront's list of {key, value}; null removes a default header. A request body may be a
// string (it is base64-encoded as CloudFront shows bodies), a status a number.
func Event(t event.Trigger, short map[string]any, d Defaults) (map[string]any, error) {
	if !t.Valid() {
		return nil, fmt.Errorf("%q is not a trigger (viewer-request, origin-request, origin-response or viewer-response)", t)
	}
	if _, whole := short["Records"]; whole {
		return short, nil
	}
	for k := range short {
		if !slices.Contains(ShortFields[""], k) {
			return nil, fmt.Errorf("event: unknown field %q (an event is {request, response, config}, or a whole event with Records)", k)
		}
	}
	if d.DomainName == "" {
		d.DomainName = exampleDomain
	}
	if d.DistributionID == "" {
		d.DistributionID = exampleID
	}
	cfg := map[string]any{
		"distributionDomainName": d.DomainName,
		"distributionId":         d.DistributionID,
		"eventType":              string(t),
		"requestId":              exampleRequestID,
	}
	if err := overlay(cfg, short["config"], "config"); err != nil {
		return nil, err
	}
	req, err := request(t, short["request"], d)
	if err != nil {
		return nil, err
	}
	cf := map[string]any{"config": cfg, "request": req}
	if t == event.OriginResponse || t == event.ViewerResponse {
		if cf["response"], err = response(short["response"]); err != nil {
			return nil, err
		}
	} else if short["response"] != nil {
		return nil, fmt.Errorf("event: a %s event has no response", t)
	}
	return map[string]any{"Records": []any{map[string]any{"cf": cf}}}, nil
}

var requestFields = ShortFields["request"]

func request(t event.Trigger, v any, d Defaults) (map[string]any, error) {
	in, err := object(v, "request")
	if err != nil {
		return nil, err
	}
	for k := range in {
		if !slices.Contains(requestFields, k) {
			return nil, fmt.Errorf("event: request has no field %q (it has %s)", k, strings.Join(requestFields, ", "))
		}
	}
	origins := t == event.OriginRequest || t == event.OriginResponse
	req := map[string]any{"clientIp": exampleClientIP, "method": "GET", "querystring": "", "uri": "/"}
	for _, k := range []string{"clientIp", "method", "querystring", "uri"} {
		if x, ok := in[k]; ok {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("event: request.%s must be a string", k)
			}
			req[k] = s
		}
	}
	if uri := req["uri"].(string); strings.Contains(uri, "?") && in["querystring"] == nil {
		req["uri"], req["querystring"], _ = strings.Cut(uri, "?")
	}
	if q := req["querystring"].(string); strings.HasPrefix(q, "?") {
		req["querystring"] = q[1:] // CloudFront's querystring has no "?"
	}

	var origin map[string]any
	if origins {
		origin = map[string]any{"custom": map[string]any{
			"customHeaders":    map[string]any{},
			"domainName":       exampleOrigin,
			"keepaliveTimeout": 5.0,
			"path":             "",
			"port":             443.0,
			"protocol":         "https",
			"readTimeout":      30.0,
			"sslProtocols":     []any{"TLSv1", "TLSv1.1", "TLSv1.2"},
		}}
		if err := overlay(origin["custom"].(map[string]any), d.Origin, "origin defaults"); err != nil {
			return nil, err
		}
		if err := overlay(origin, in["origin"], "request.origin"); err != nil {
			return nil, err
		}
		req["origin"] = origin
	} else if in["origin"] != nil {
		return nil, fmt.Errorf("event: request.origin is only in origin-request and origin-response events")
	}

	// The headers CloudFront sends: the viewer's in viewer events; in origin events, Host is the
	// origin's and CloudFront adds Via and X-Forwarded-For and replaces User-Agent.
	ip := req["clientIp"].(string)
	h := map[string]any{}
	if origins {
		host := exampleOrigin
		if c, ok := origin["custom"].(map[string]any); ok {
			if dn, ok := c["domainName"].(string); ok {
				host = dn
			}
		}
		setHeader(h, "host", host)
		setHeader(h, "user-agent", "Amazon CloudFront")
		setHeader(h, "via", exampleVia)
		setHeader(h, "x-forwarded-for", ip)
	} else {
		setHeader(h, "host", d.DomainName)
		setHeader(h, "user-agent", "curl/8.5.0")
		setHeader(h, "accept", "*/*")
	}
	if err := mergeHeaders(h, in["headers"], "request.headers"); err != nil {
		return nil, err
	}
	req["headers"] = h

	if b, ok := in["body"]; ok && b != nil {
		if t != event.ViewerRequest && t != event.OriginRequest {
			return nil, fmt.Errorf("event: a %s event has no request body (Lambda@Edge shows bodies to request triggers only)", t)
		}
		body, err := requestBody(t, b)
		if err != nil {
			return nil, err
		}
		req["body"] = body
	}
	return req, nil
}

// requestBody is request.body as CloudFront shows it with include_body: base64, cut at the
// trigger's limit.
func requestBody(t event.Trigger, v any) (map[string]any, error) {
	if s, ok := v.(string); ok {
		data, truncated := []byte(s), false
		if limit := event.BodyLimit(t); len(data) > limit {
			data, truncated = data[:limit], true
		}
		return map[string]any{"action": "read-only", "data": base64.StdEncoding.EncodeToString(data), "encoding": "base64", "inputTruncated": truncated}, nil
	}
	body := map[string]any{"action": "read-only", "data": "", "encoding": "base64", "inputTruncated": false}
	return body, overlay(body, v, "request.body")
}

func response(v any) (map[string]any, error) {
	in, err := object(v, "response")
	if err != nil {
		return nil, err
	}
	for k := range in {
		if !slices.Contains(ShortFields["response"], k) {
			return nil, fmt.Errorf("event: response has no field %q (it has headers, status, statusDescription; Lambda@Edge never shows the origin's body)", k)
		}
	}
	status := 200
	switch s := in["status"].(type) {
	case nil:
	case string:
		if status, err = strconv.Atoi(s); err != nil {
			return nil, fmt.Errorf("event: response.status %q is not a number", s)
		}
	case float64:
		status = int(s)
	case int:
		status = s
	default:
		return nil, fmt.Errorf("event: response.status must be a number or a string")
	}
	resp := map[string]any{"status": strconv.Itoa(status), "statusDescription": http.StatusText(status)}
	if d, ok := in["statusDescription"].(string); ok {
		resp["statusDescription"] = d
	}
	h := map[string]any{}
	setHeader(h, "cache-control", "max-age=60")
	setHeader(h, "content-length", "1270")
	setHeader(h, "content-type", "text/html; charset=UTF-8")
	setHeader(h, "date", exampleDate)
	setHeader(h, "etag", `"3147526947"`)
	setHeader(h, "last-modified", "Thu, 17 Oct 2024 07:18:26 GMT")
	setHeader(h, "server", "nginx")
	if err := mergeHeaders(h, in["headers"], "response.headers"); err != nil {
		return nil, err
	}
	resp["headers"] = h
	return resp, nil
}

func object(v any, where string) (map[string]any, error) {
	if v == nil {
		return map[string]any{}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("event: %s must be an object", where)
	}
	return m, nil
}

// overlay lays the fields of v (an object) over dst, recursively for objects.
func overlay(dst map[string]any, v any, where string) error {
	in, err := object(v, where)
	if err != nil {
		return err
	}
	for k, x := range in {
		sub, isObj := x.(map[string]any)
		cur, curObj := dst[k].(map[string]any)
		switch {
		case isObj && curObj && k != "customHeaders":
			if err := overlay(cur, sub, where+"."+k); err != nil {
				return err
			}
		case k == "customHeaders":
			h := map[string]any{}
			if err := mergeHeaders(h, x, where+".customHeaders"); err != nil {
				return err
			}
			dst[k] = h
		case x == nil:
			delete(dst, k)
		default:
			dst[k] = number(x)
		}
	}
	return nil
}

// number turns the integers a YAML decoder makes into JSON's numbers.
func number(v any) any {
	switch n := v.(type) {
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case uint64:
		return float64(n)
	}
	return v
}

func setHeader(h map[string]any, name, value string) {
	h[name] = []any{map[string]any{"key": textproto.CanonicalMIMEHeaderKey(name), "value": value}}
}

// mergeHeaders lays the headers of v over h, in any of the short forms.
func mergeHeaders(h map[string]any, v any, where string) error {
	in, err := object(v, where)
	if err != nil {
		return err
	}
	for name, x := range in {
		lower := strings.ToLower(name)
		key := textproto.CanonicalMIMEHeaderKey(lower)
		if lower != name {
			key = name // a name written with capitals is the spelling on the wire
		}
		switch x := x.(type) {
		case nil:
			delete(h, lower)
		case string:
			h[lower] = []any{map[string]any{"key": key, "value": x}}
		case []any:
			list := make([]any, 0, len(x))
			for _, item := range x {
				switch it := item.(type) {
				case string:
					list = append(list, map[string]any{"key": key, "value": it})
				case map[string]any:
					kv := map[string]any{"key": key}
					for k, val := range it {
						kv[k] = val
					}
					list = append(list, kv)
				default:
					return fmt.Errorf("event: %s[%q] must list strings or {key, value} objects", where, name)
				}
			}
			h[lower] = list
		default:
			return fmt.Errorf("event: %s[%q] must be a string, a list, or null", where, name)
		}
	}
	return nil
}
