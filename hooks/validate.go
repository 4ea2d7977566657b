package hooks

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

const (
	maxURILength       = 8192
	maxHeaderValueSize = 64 << 10
)

// parseRequestResult reads what a request hook returned: the request to go on with, or a
// generated response (an object with a status, as CloudFront tells them apart).
func parseRequestResult(t event.Trigger, data any, in *event.Request) (*event.Request, *event.Response, error) {
	v, ok := viewOf(data, func(l jsruntime.Lazy) bool { rl, ok := l.(*requestLazy); return ok && rl.r == in })
	if !ok {
		return nil, nil, invalid("the function returned %s; it must return the request or a response object", describe(data))
	}
	return parseRequestView(t, v, data, in)
}

// parseRequestView is parseRequestResult on a view made by the caller.
func parseRequestView(t event.Trigger, v view, data any, in *event.Request) (*event.Request, *event.Response, error) {
	if v.has("status") && !v.has("uri") {
		resp, err := parseResponse(t, materialize(data), nil)
		if err != nil {
			return nil, nil, err
		}
		if t == event.ViewerRequest && resp.Status == 204 && resp.Body != nil && resp.Body.Data != "" {
			return nil, nil, invalid("a 204 response may not have a body")
		}
		return nil, resp, nil
	}
	out, err := parseRequest(t, v, in)
	return out, nil, err
}

// parseRequest reads a returned request. Members the hook did not touch keep their input values.
func parseRequest(t event.Trigger, v view, in *event.Request) (*event.Request, error) {
	if v.ov != nil && v.ov.Unchanged() {
		return in, nil
	}
	out := *in
	// The method is read-only. A request returned without one keeps the viewer's, as CloudFront
	// does; one with another method is refused.
	if v.changed("method") {
		if m, has := v.get("method"); has && m != in.Method {
			if in.Method == "" {
				return nil, invalid("request.method is read-only: the event has none and the function set it to %s", describeValue(m))
			}
			return nil, invalid("request.method is read-only: the function changed it from %q to %s", in.Method, describeValue(m))
		}
	}
	if v.changed("uri") || v.changed("querystring") {
		u, _ := v.get("uri")
		uri, ok := u.(string)
		if !ok {
			return nil, invalid("request.uri must be a string")
		}
		if !strings.HasPrefix(uri, "/") {
			return nil, invalid("request.uri %q must start with /", uri)
		}
		q, _ := v.get("querystring")
		qs, ok := q.(string)
		if !ok && q != nil {
			return nil, invalid("request.querystring must be a string")
		}
		if strings.ContainsAny(qs, " #") || hasControl(qs) || hasControl(uri) {
			return nil, invalid("request.uri and querystring may not contain spaces, # or control characters")
		}
		if len(uri)+len(qs) >= maxURILength {
			return nil, invalid("request.uri and querystring are %d characters; the limit is %d", len(uri)+len(qs), maxURILength)
		}
		out.URI, out.QueryString = uri, qs
	}
	if v.changed("headers") {
		hv, _ := v.get("headers")
		h, touched, err := headersResult(hv, in.Headers, "request.headers")
		if err != nil {
			return nil, err
		}
		if err := checkHeaderRules(t, in.Headers, h, touched); err != nil {
			return nil, err
		}
		// CloudFront adds this header after viewer-request, and refuses it from a Lambda@Edge
		// viewer-request function ("Restrictions on Lambda@Edge", CloudFront headers).
		if t == event.ViewerRequest && len(h["cloudfront-viewer-country"]) > 0 && len(in.Headers["cloudfront-viewer-country"]) == 0 {
			return nil, invalid("a viewer-request function may not add cloudfront-viewer-country (CloudFront adds it after viewer-request)")
		}
		out.Headers = h
	}
	if v.changed("body") && in.Body != nil {
		bv, _ := v.get("body")
		if b, ok := materialize(bv).(map[string]any); ok && b["action"] == "replace" {
			body, err := parseBody(b["data"], b["encoding"], event.BodyLimit(t), "request.body")
			if err != nil {
				return nil, err
			}
			out.Body = &event.Body{Action: "replace", Encoding: "base64", Data: base64.StdEncoding.EncodeToString(body)}
		}
	}
	if t == event.OriginRequest && v.changed("origin") {
		if o, ok := v.get("origin"); ok {
			og, err := parseOrigin(materialize(o), in.Origin)
			if err != nil {
				return nil, err
			}
			out.Origin = og
		}
	}
	return &out, nil
}

// parseResponse reads a response object: one a request hook generated (in is nil) or one a
// response hook returned (in is the response it was given).
func parseResponse(t event.Trigger, data any, in *event.Response) (*event.Response, error) {
	v, ok := viewOf(data, func(l jsruntime.Lazy) bool { rl, ok := l.(*responseLazy); return ok && in != nil && rl.w == in })
	if !ok {
		return nil, invalid("the function returned %s; it must return a response object", describe(data))
	}
	return parseResponseView(t, v, in)
}

// parseResponseView is parseResponse on a view made by the caller.
func parseResponseView(t event.Trigger, v view, in *event.Response) (*event.Response, error) {
	if v.ov != nil && v.ov.Unchanged() {
		return in, nil
	}
	out := &event.Response{}
	if in != nil {
		*out = *in
	}
	if in == nil || v.changed("status") {
		sv, _ := v.get("status")
		status, err := parseStatus(sv)
		if err != nil {
			return nil, err
		}
		if t == event.ViewerResponse && in != nil && status != in.Status {
			return nil, invalid("viewer-response may not change the status (%d to %d)", in.Status, status)
		}
		out.Status = status
	}
	if in == nil || v.changed("statusDescription") {
		d, _ := v.get("statusDescription")
		ds, _ := d.(string)
		if hasControl(ds) {
			return nil, invalid("statusDescription may not contain control characters")
		}
		out.StatusDescription = ds
	}
	var inHeaders event.Headers
	if in != nil {
		inHeaders = in.Headers
	}
	if in == nil || v.changed("headers") {
		hv, _ := v.get("headers")
		h, touched, err := headersResult(hv, inHeaders, "response.headers")
		if err != nil {
			return nil, err
		}
		if err := checkHeaderRules(t, inHeaders, h, touched); err != nil {
			return nil, err
		}
		out.Headers = h
	}
	size := 0
	if b, ok := v.get("body"); ok && b != nil {
		enc, _ := v.get("bodyEncoding")
		body, err := parseBody(b, enc, event.BodyLimit(t), "response.body")
		if err != nil {
			return nil, err
		}
		out.Body = &event.Body{Encoding: "text", Data: string(body)}
		size += len(body)
	}
	if in == nil {
		for n, list := range out.Headers {
			for _, hv := range list {
				size += len(n) + len(hv.Value) + 4
			}
		}
		if size > event.BodyLimit(t) {
			return nil, invalid("the generated response is %d bytes with its headers; the %s limit is %d", size, t, event.BodyLimit(t))
		}
	}
	return out, nil
}

func parseStatus(v any) (int, error) {
	var n int
	switch x := v.(type) {
	case string:
		var err error
		if n, err = strconv.Atoi(strings.TrimSpace(x)); err != nil {
			return 0, invalid("status %q is not a number", x)
		}
	case int64:
		n = int(x)
	case float64:
		n = int(x)
		if float64(n) != x {
			return 0, invalid("status %v is not a whole number", x)
		}
	default:
		return 0, invalid("status must be a string such as \"200\", not %s", describe(v))
	}
	if n < 200 || n > 599 {
		return 0, invalid("status %d is outside 200-599", n)
	}
	return n, nil
}

func parseBody(data, encoding any, limit int, where string) ([]byte, error) {
	s, ok := data.(string)
	if !ok {
		return nil, invalid("%s must be a string, not %s", where, describe(data))
	}
	switch encoding {
	case nil, "text":
		if len(s) > limit {
			return nil, invalid("%s is %d bytes; the limit here is %d", where, len(s), limit)
		}
		return []byte(s), nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, invalid("%s is not valid base64: %v", where, err)
		}
		if len(b) > limit {
			return nil, invalid("%s is %d bytes; the limit here is %d", where, len(b), limit)
		}
		return b, nil
	}
	return nil, invalid("%s encoding %v must be text or base64", where, encoding)
}

// parseHeaders reads a Lambda@Edge header map. A missing key is filled from the name, as
// Lambda@Edge does.
func parseHeaders(v any, where string) (event.Headers, error) {
	out := event.Headers{}
	if v == nil {
		return out, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("%s must be an object", where)
	}
	// "X-A" and "x-a" are one header: the lower-case name's values first.
	for _, name := range event.HeaderNamesInOrder(m) {
		lower, list, err := parseHeaderList(name, m[name], where)
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			continue // no header, as when a hook empties a list of the event's
		}
		if prev, ok := out[lower]; ok {
			list = append(prev, list...)
		}
		out[lower] = list
	}
	return out, nil
}

// parseHeaderList reads one header's list of {key, value}: its lower-case name and its values.
func parseHeaderList(name string, lv any, where string) (string, []event.HeaderValue, error) {
	lower := strings.ToLower(name)
	if !validToken(lower) {
		return "", nil, invalid("%s: %q is not a valid header name", where, name)
	}
	list, ok := lv.([]any)
	if !ok {
		return "", nil, invalid("%s[%q] must be an array of {key, value}", where, name)
	}
	out := make([]event.HeaderValue, 0, len(list))
	for _, item := range list {
		im, ok := item.(map[string]any)
		if !ok {
			return "", nil, invalid("%s[%q] must be an array of {key, value}", where, name)
		}
		value, ok := im["value"].(string)
		if !ok {
			return "", nil, invalid("%s[%q]: value must be a string, not %s", where, name, describe(im["value"]))
		}
		key, _ := im["key"].(string)
		if key == "" {
			key = textproto.CanonicalMIMEHeaderKey(lower)
		}
		if strings.ToLower(key) != lower {
			return "", nil, invalid("%s[%q]: key %q does not match the header name", where, name, key)
		}
		if !event.ValidHeaderValue(value) || !event.ValidHeaderValue(key) {
			return "", nil, invalid("%s[%q]: the value contains a control character (CR, LF, NUL, …)", where, name)
		}
		if len(value) > maxHeaderValueSize {
			return "", nil, invalid("%s[%q]: the value is over %d bytes", where, name, maxHeaderValueSize)
		}
		out = append(out, event.HeaderValue{Key: key, Value: value})
	}
	return lower, out, nil
}

// checkHeaderRules refuses disallowed headers and any change to the trigger's read-only ones.
// before is nil for a generated response (read-only rules do not apply to it). touched, when
// not nil, names (lower case) the only headers that may differ from before: the others were
// copied from it, and a header the viewer sent that functions are not shown is not the
// function's doing.
func checkHeaderRules(t event.Trigger, before, after event.Headers, touched []string) error {
	if before != nil && sameHeaders(before, after) {
		return nil // untouched: nothing can have been added or changed
	}
	if touched != nil {
		for _, name := range touched {
			if _, ok := after[name]; ok && isDisallowed(name) {
				return invalid("the function tried to add the disallowed header %s", name)
			}
		}
	} else {
		for name := range after {
			if isDisallowed(name) {
				return invalid("the function tried to add the disallowed header %s", name)
			}
		}
	}
	if before == nil {
		return nil
	}
	for _, name := range event.ReadOnly(t) {
		if touched != nil && !slices.Contains(touched, name) {
			continue
		}
		if !sameValues(before[name], after[name]) {
			return invalid("the function tried to add, delete, or change the read-only header %s", name)
		}
	}
	return nil
}

func sameValues(a, b []event.HeaderValue) bool {
	return slices.EqualFunc(a, b, func(x, y event.HeaderValue) bool { return x.Value == y.Value })
}

// parseOrigin reads request.origin as an origin-request hook left it.
func parseOrigin(v any, in *event.Origin) (*event.Origin, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("request.origin must be an object")
	}
	if _, s3 := m["s3"]; s3 {
		return nil, invalid("request.origin.s3 is not supported by hookfront; use origin.custom")
	}
	c, ok := m["custom"].(map[string]any)
	if !ok {
		return nil, invalid("request.origin must have custom")
	}
	out := &event.Origin{}
	if in != nil {
		*out = *in
	}
	// An IPv6 address is written without brackets, as the event shows an IPv6 origin.
	if out.DomainName, ok = c["domainName"].(string); !ok || out.DomainName == "" || strings.ContainsAny(out.DomainName, "/ ") ||
		(strings.Contains(out.DomainName, ":") && net.ParseIP(out.DomainName) == nil) {
		return nil, invalid("request.origin.custom.domainName must be a host name or IP address without a port")
	}
	port, err := asInt(c["port"], "port")
	if err != nil {
		return nil, err
	}
	if port < 1 || port > 65535 {
		return nil, invalid("request.origin.custom.port %d is out of range", port)
	}
	out.Port = port
	proto, _ := c["protocol"].(string)
	if proto != "http" && proto != "https" {
		return nil, invalid("request.origin.custom.protocol must be http or https")
	}
	out.Protocol = proto
	p, _ := c["path"].(string)
	if p != "" && (!strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/")) {
		return nil, invalid("request.origin.custom.path %q must start with / and not end with /", p)
	}
	out.Path = p
	for _, f := range []struct {
		key string
		dst *time.Duration
	}{{"readTimeout", &out.ReadTimeout}, {"keepaliveTimeout", &out.KeepaliveTimeout}} {
		if v, ok := c[f.key]; ok {
			n, err := asInt(v, f.key)
			if err != nil {
				return nil, err
			}
			if n < 1 || n > 120 {
				return nil, invalid("request.origin.custom.%s %d is out of range (1-120)", f.key, n)
			}
			*f.dst = time.Duration(n) * time.Second
		}
	}
	ch, err := parseHeaders(c["customHeaders"], "request.origin.custom.customHeaders")
	if err != nil {
		return nil, err
	}
	for n := range ch {
		if isDisallowed(n) {
			return nil, invalid("request.origin.custom.customHeaders: %s is not allowed", n)
		}
	}
	out.CustomHeaders = ch
	return out, nil
}

func asInt(v any, field string) (int, error) {
	switch x := v.(type) {
	case int64:
		return int(x), nil
	case float64:
		return int(x), nil
	case string:
		if n, err := strconv.Atoi(x); err == nil {
			return n, nil
		}
	}
	return 0, invalid("request.origin.custom.%s must be a number", field)
}

func validToken(s string) bool { return event.ValidHeaderName(s) }
func hasControl(s string) bool { return event.HasControl(s) }

// describeValue shows a value a hook set, for a message.
func describeValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return describe(v)
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "undefined or null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}
