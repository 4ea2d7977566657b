package functions

import (
	"encoding/base64"
	"fmt"
	"net/textproto"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// maxURILength bounds uri and query string together, as CloudFront does.
const maxURILength = 8192

// obj reads an object the function returned: a plain map, or the Overlay of the lazy object it
// was given, whose untouched members keep their input values.
type obj struct {
	m  map[string]any
	ov *jsruntime.Overlay
}

// objOf makes an obj of v; base is the lazy object the function was given, whose Overlay is
// read where touched. Any other Overlay is read in full.
func objOf(v any, base jsruntime.Lazy) (obj, bool) {
	switch x := v.(type) {
	case map[string]any:
		return obj{m: x}, true
	case *jsruntime.Overlay:
		if x.Base == base {
			return obj{ov: x}, true
		}
		m, ok := jsruntime.Materialize(x).(map[string]any)
		return obj{m: m}, ok
	}
	return obj{}, false
}

func (o obj) get(k string) (any, bool) {
	if o.ov != nil {
		return o.ov.Get(k)
	}
	x, ok := o.m[k]
	return x, ok
}

// touched reports whether member k may differ from the input.
func (o obj) touched(k string) bool {
	if o.ov == nil {
		return true
	}
	_, t := o.ov.Touch(k)
	return t || o.ov.Deleted[k]
}

func (o obj) unchanged() bool { return o.ov != nil && o.ov.Unchanged() }

// unexpected names a member that is not one of allowed (CloudFront refuses the result then).
func (o obj) unexpected(allowed ...string) string {
	var keys []string
	if o.ov != nil {
		keys = o.ov.Order // members added to the object given; those given are all allowed
	} else {
		keys = make([]string, 0, len(o.m))
		for k := range o.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return k
		}
	}
	return ""
}

var requestFields = []string{"method", "uri", "querystring", "headers", "cookies", "rawQueryString"}

// requestResult reads what a viewer-request function returned: the request to go on with, or a
// response it generated (an object with a statusCode). Nothing changed gives in itself back.
func requestResult(data any, e *eventLazy, calls []jsruntime.OriginCall) (*event.Request, *event.Response, error) {
	in := e.req
	o, ok := objOf(data, &e.request)
	if !ok {
		return nil, nil, invalid("the function returned %s; it must return the request or a response object", describe(data))
	}
	if o.has("statusCode") {
		resp, err := responseResult(event.ViewerRequest, data, nil, e)
		return nil, resp, err
	}
	route, err := routeOf(calls)
	if err != nil {
		return nil, nil, err
	}
	if o.unchanged() && route == nil {
		return in, nil, nil
	}
	if f := o.unexpected(requestFields...); f != "" {
		return nil, nil, invalid("the request object has an unexpected field: %s", f)
	}
	out := *in
	out.Route = route
	changed := route != nil
	if o.touched("method") {
		if m, _ := o.get("method"); m != in.Method {
			return nil, nil, invalid("request.method is read-only")
		}
	}
	if o.touched("uri") {
		u, _ := o.get("uri")
		uri, ok := u.(string)
		if !ok || !strings.HasPrefix(uri, "/") {
			return nil, nil, invalid("request.uri must be a string that starts with /, not %s", describeValue(u))
		}
		if event.HasControl(uri) || strings.ContainsAny(uri, " #?") {
			return nil, nil, invalid("request.uri %q may not contain spaces, ?, # or control characters", uri)
		}
		changed = changed || uri != in.URI
		out.URI = uri
	}
	if o.touched("querystring") {
		q, _ := o.get("querystring")
		raw, qchanged, err := queryResult(q, in.QueryString)
		if err != nil {
			return nil, nil, err
		}
		if qchanged {
			out.QueryString, out.HasQuery, changed = raw, raw != "", true
		}
	}
	if len(out.URI)+len(out.QueryString) >= maxURILength {
		return nil, nil, invalid("request.uri and querystring are %d characters; the limit is %d", len(out.URI)+len(out.QueryString), maxURILength)
	}
	if o.touched("headers") || o.touched("cookies") {
		h, hchanged, err := headersAndCookies(o, in.Headers, "cookie", "request")
		if err != nil {
			return nil, nil, err
		}
		if hchanged {
			if err := checkHeaderRules(event.ViewerRequest, in.Headers, h); err != nil {
				return nil, nil, err
			}
			out.Headers, changed = h, true
		}
	}
	if !changed {
		return in, nil, nil
	}
	return &out, nil, nil
}

func (o obj) has(k string) bool {
	_, ok := o.get(k)
	return ok
}

var responseFields = []string{"statusCode", "statusDescription", "headers", "cookies", "body"}

// responseResult reads a response: one a viewer-request function generated (in is nil), or what
// a viewer-response function returned (in is the response it was given).
func responseResult(t event.Trigger, data any, in *event.Response, e *eventLazy) (*event.Response, error) {
	o, ok := objOf(data, &e.response)
	if !ok {
		return nil, invalid("the function returned %s; it must return a response object", describe(data))
	}
	if o.unchanged() && in != nil {
		return in, nil
	}
	if f := o.unexpected(responseFields...); f != "" {
		return nil, invalid("the response object has an unexpected field: %s", f)
	}
	out := &event.Response{}
	changed := in == nil
	if in != nil {
		*out = *in
	}
	if in == nil || o.touched("statusCode") {
		sv, _ := o.get("statusCode")
		status, err := parseStatus(sv)
		if err != nil {
			return nil, err
		}
		changed = changed || status != out.Status
		out.Status = status
	}
	if in == nil || o.touched("statusDescription") {
		d, _ := o.get("statusDescription")
		ds, ok := d.(string)
		if d != nil && !ok {
			return nil, invalid("response.statusDescription must be a string, not %s", describeValue(d))
		}
		if event.HasControl(ds) {
			return nil, invalid("response.statusDescription may not contain control characters")
		}
		changed = changed || ds != out.StatusDescription
		out.StatusDescription = ds
	}
	var inHeaders event.Headers
	if in != nil {
		inHeaders = in.Headers
	}
	if in == nil || o.touched("headers") || o.touched("cookies") {
		h, hchanged, err := headersAndCookies(o, inHeaders, "set-cookie", "response")
		if err != nil {
			return nil, err
		}
		if hchanged {
			if in != nil {
				if err := checkHeaderRules(t, inHeaders, h); err != nil {
					return nil, err
				}
			} else if err := checkHeaderRules(t, nil, h); err != nil {
				return nil, err
			}
			out.Headers, changed = h, true
		}
	}
	if b, ok := o.get("body"); ok && b != nil {
		body, err := parseBody(b)
		if err != nil {
			return nil, err
		}
		out.Body, changed = &event.Body{Encoding: "text", Data: string(body)}, true
	}
	if !changed {
		return in, nil
	}
	if out.Headers == nil {
		out.Headers = event.Headers{}
	}
	if size := responseSize(out); in == nil && size > event.ViewerBodyLimit {
		return nil, invalid("the generated response is %d bytes with its headers; the limit is %d", size, event.ViewerBodyLimit)
	}
	return out, nil
}

func responseSize(r *event.Response) int {
	size := 0
	if r.Body != nil {
		size += len(r.Body.Data)
	}
	for n, list := range r.Headers {
		for _, hv := range list {
			size += len(n) + len(hv.Value) + 4
		}
	}
	return size
}

// parseStatus reads statusCode, which CloudFront Functions want as a number.
func parseStatus(v any) (int, error) {
	var n int
	switch x := v.(type) {
	case int64:
		n = int(x)
	case float64:
		return 0, invalid("statusCode %v is not a whole number", x)
	default:
		return 0, invalid("statusCode must be a number such as 200, not %s", describeValue(v))
	}
	if n < 200 || n > 599 {
		return 0, invalid("statusCode %d is outside 200-599", n)
	}
	return n, nil
}

// parseBody reads response.body: {data, encoding: 'text' | 'base64'}, or a string (text).
func parseBody(v any) ([]byte, error) {
	var data, enc any = v, "text"
	if m, ok := v.(map[string]any); ok {
		data, enc = m["data"], m["encoding"]
		if enc == nil {
			enc = "text"
		}
	}
	s, ok := data.(string)
	if !ok {
		return nil, invalid("response.body must be a string or {data, encoding}, and data a string, not %s", describeValue(data))
	}
	var body []byte
	switch enc {
	case "text":
		body = []byte(s)
	case "base64":
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, invalid("response.body is not valid base64: %v", err)
		}
		body = b
	default:
		return nil, invalid("response.body.encoding %v must be text or base64", enc)
	}
	if len(body) > event.ViewerBodyLimit {
		return nil, invalid("response.body is %d bytes; the limit is %d", len(body), event.ViewerBodyLimit)
	}
	return body, nil
}

// headersAndCookies reads headers and cookies (request: Cookie headers; response: Set-Cookie
// headers) back into one header map; in is what the function was given.
func headersAndCookies(o obj, in event.Headers, cookie, where string) (event.Headers, bool, error) {
	var (
		out     = in
		changed bool
	)
	if in == nil || o.touched("headers") {
		hv, _ := o.get("headers")
		h, hchanged, err := headersResult(hv, in, cookie, where+".headers")
		if err != nil {
			return nil, false, err
		}
		out, changed = h, hchanged
	}
	if in == nil || o.touched("cookies") {
		cv, _ := o.get("cookies")
		var orig *pairs
		if cookie == "cookie" {
			orig = parseCookies(in[cookie])
		} else {
			orig = parseSetCookies(in[cookie])
		}
		p, cchanged, err := pairsResult(cv, orig, cookie == "set-cookie", where+".cookies")
		if err != nil {
			return nil, false, err
		}
		if cchanged {
			if !changed {
				out = in.Clone()
				if out == nil {
					out = event.Headers{}
				}
			}
			changed = true
			if list := cookieHeader(p, cookie); len(list) > 0 {
				out[cookie] = list
			} else {
				delete(out, cookie)
			}
		}
	}
	return out, changed, nil
}

// cookieHeader writes cookies back: one Cookie header, or one Set-Cookie header per cookie value.
func cookieHeader(p *pairs, cookie string) []event.HeaderValue {
	key := textproto.CanonicalMIMEHeaderKey(cookie)
	if cookie == "cookie" {
		var parts []string
		for _, n := range p.names {
			for _, v := range p.entries[n].values {
				parts = append(parts, n+"="+v)
			}
		}
		if len(parts) == 0 {
			return nil
		}
		return []event.HeaderValue{{Key: key, Value: strings.Join(parts, "; ")}}
	}
	var list []event.HeaderValue
	for _, n := range p.names {
		e := p.entries[n]
		for i, v := range e.values {
			line := n + "=" + v
			if a := e.attrs[i]; a != "" {
				line += "; " + a
			}
			list = append(list, event.HeaderValue{Key: key, Value: line})
		}
	}
	return list
}

// headersResult reads a header object back; in is what the function was given (nil for a
// generated response). Only the entries the function touched are read when it kept the object.
func headersResult(v any, in event.Headers, cookie, where string) (event.Headers, bool, error) {
	if ov, ok := v.(*jsruntime.Overlay); ok {
		if hl, ok := ov.Base.(*headersLazy); ok && sameMap(hl.h, in) {
			if ov.Unchanged() {
				return in, false, nil
			}
			out := in
			changed := false
			edit := func() {
				if !changed {
					out, changed = in.Clone(), true
				}
			}
			for name := range ov.Deleted {
				if _, ok := in[name]; ok {
					edit()
					delete(out, name)
				}
			}
			for _, tm := range ov.Touched {
				name, ev := tm.Key, tm.Value
				lower := strings.ToLower(name)
				orig := values(in[lower])
				e, err := entryResult(ev, &entry{values: orig}, false, where, name)
				if err != nil {
					return nil, false, err
				}
				if err := checkHeaderName(lower, where); err != nil {
					return nil, false, err
				}
				switch {
				case e == nil && orig != nil:
					edit()
					delete(out, lower)
				case e != nil && (lower != name || !slices.Equal(e.values, orig)):
					edit()
					out[lower] = headerValues(lower, e.values)
				}
			}
			return out, changed, nil
		}
	}
	m, ok := jsruntime.Materialize(v).(map[string]any)
	if v != nil && !ok {
		return nil, false, invalid("%s must be an object", where)
	}
	out := event.Headers{}
	if list := in[cookie]; len(list) > 0 {
		out[cookie] = list // shown as cookies, not headers
	}
	// "x-a" and "X-A" are one header, and the one in another case wins (as when a function sets
	// it on the object it was given): in the same order every time, not the map's.
	for _, name := range event.HeaderNamesInOrder(m) {
		ev := m[name]
		lower := strings.ToLower(name)
		if err := checkHeaderName(lower, where); err != nil {
			return nil, false, err
		}
		if lower == cookie {
			continue
		}
		e, err := entryResult(ev, &entry{values: values(in[lower])}, false, where, name)
		if err != nil {
			return nil, false, err
		}
		if e != nil {
			out[lower] = headerValues(lower, e.values)
		}
	}
	return out, true, nil
}

func checkHeaderName(lower, where string) error {
	if !event.ValidHeaderName(lower) {
		return invalid("%s: %q is not a valid header name", where, lower)
	}
	if event.Disallowed(lower) {
		return invalid("the function tried to add the disallowed header %s", lower)
	}
	return nil
}

// pairsResult reads a query string or cookies object back; orig is what the function was given.
func pairsResult(v any, orig *pairs, withAttrs bool, where string) (*pairs, bool, error) {
	if ov, ok := v.(*jsruntime.Overlay); ok {
		if _, ok := ov.Base.(*pairsLazy); ok && sameEntries(ov, orig, withAttrs, where) {
			return orig, false, nil // read, not changed: most functions only read
		}
	}
	m := map[string]any{}
	var names []string
	switch x := v.(type) {
	case nil:
	case *jsruntime.Overlay:
		// Keep the order of the names: those given first, then those the function added.
		for _, k := range x.Base.Keys() {
			if val, ok := x.Get(k); ok && !slices.Contains(x.Order, k) { // one added again goes last
				names = append(names, k)
				m[k] = jsruntime.Materialize(val)
			}
		}
		for _, k := range x.Order {
			names = append(names, k)
			v, _ := x.Touch(k)
			m[k] = jsruntime.Materialize(v)
		}
	case map[string]any:
		m = x
		for k := range x {
			names = append(names, k)
		}
		sort.Strings(names) // a new object: JavaScript's own order is not known here
	default:
		return nil, false, invalid("%s must be an object", where)
	}
	out := &pairs{}
	for _, name := range names {
		e, err := entryResult(m[name], orig.entries[name], withAttrs, where, name)
		if err != nil {
			return nil, false, err
		}
		if e == nil {
			continue
		}
		for i, val := range e.values {
			a := ""
			if withAttrs {
				a = e.attrs[i]
			}
			out.add(name, val, a, withAttrs)
		}
	}
	return out, !samePairs(out, orig), nil
}

// sameEntries reports whether the function left the entries of a pairs object as it was given
// them (orig), reading only those it touched.
func sameEntries(ov *jsruntime.Overlay, orig *pairs, withAttrs bool, where string) bool {
	if len(ov.Order) > 0 {
		return false
	}
	for name := range ov.Deleted {
		if _, ok := orig.entries[name]; ok {
			return false
		}
	}
	for _, tm := range ov.Touched {
		name, v := tm.Key, tm.Value
		e, err := entryResult(v, orig.entries[name], withAttrs, where, name)
		o := orig.entries[name]
		if err != nil || e == nil || o == nil || !slices.Equal(e.values, o.values) || (withAttrs && !slices.Equal(e.attrs, o.attrs)) {
			return false
		}
	}
	return true
}

func samePairs(a, b *pairs) bool {
	if !slices.Equal(a.names, b.names) {
		return false
	}
	for _, n := range a.names {
		ea, eb := a.entries[n], b.entries[n]
		if !slices.Equal(ea.values, eb.values) || !slices.Equal(ea.attrs, eb.attrs) {
			return false
		}
	}
	return true
}

// queryResult reads request.querystring back into a raw query string: an object of entries, or
// (as CloudFront accepts) a string.
func queryResult(v any, raw string) (string, bool, error) {
	if s, ok := v.(string); ok {
		s = strings.TrimPrefix(s, "?")
		if err := checkQuery(s); err != nil {
			return "", false, err
		}
		return s, s != raw, nil
	}
	p, changed, err := pairsResult(v, parseQuery(raw), false, "request.querystring")
	if err != nil || !changed {
		return raw, false, err
	}
	var parts []string
	for _, n := range p.names {
		for _, val := range p.entries[n].values {
			if val == "" {
				parts = append(parts, n)
			} else {
				parts = append(parts, n+"="+val)
			}
		}
	}
	s := strings.Join(parts, "&")
	if err := checkQuery(s); err != nil {
		return "", false, err
	}
	return s, s != raw, nil
}

func checkQuery(s string) error {
	if strings.ContainsAny(s, " #") || event.HasControl(s) {
		return invalid("request.querystring %q may not contain spaces, # or control characters", s)
	}
	return nil
}

// entryResult reads one {value, multiValue, attributes} entry; orig holds what the function was
// given under that name (nil or empty when it is new). A multiValue the function changed wins
// and value is ignored; otherwise a changed value replaces the first value and the others stay.
// Members other than value, multiValue and attributes are ignored (a lower-case multivalue
// too, which AWS's own sample events spell so). nil means the entry was removed.
func entryResult(v any, orig *entry, withAttrs bool, where, name string) (*entry, error) {
	if v == nil {
		return nil, nil
	}
	if orig == nil {
		orig = &entry{}
	}
	m, ok := jsruntime.Materialize(v).(map[string]any)
	if !ok {
		return nil, invalid("%s[%q] must be an object such as {value: \"...\"}, not %s", where, name, describeValue(v))
	}
	str := func(x any, field string) (string, error) {
		s, ok := x.(string)
		if !ok {
			return "", invalid("%s[%q].%s must be a string, not %s", where, name, field, describeValue(x))
		}
		if !event.ValidHeaderValue(s) {
			return "", invalid("%s[%q].%s contains a control character (CR, LF, NUL, …)", where, name, field)
		}
		return s, nil
	}
	if mv, ok := m["multiValue"].([]any); ok && len(mv) > 0 {
		e := &entry{}
		for _, item := range mv {
			im, ok := item.(map[string]any)
			if !ok {
				return nil, invalid("%s[%q].multiValue must be a list of {value}", where, name)
			}
			val, err := str(im["value"], "multiValue[].value")
			if err != nil {
				return nil, err
			}
			e.values = append(e.values, val)
			if withAttrs {
				a, _ := im["attributes"].(string)
				e.attrs = append(e.attrs, a)
			}
		}
		if !slices.Equal(e.values, orig.values) || (withAttrs && !slices.Equal(e.attrs, orig.attrs)) {
			return e, nil
		}
	}
	val, err := str(m["value"], "value")
	if err != nil {
		return nil, err
	}
	attrs := ""
	if withAttrs {
		if a, ok := m["attributes"]; ok && a != nil {
			if attrs, err = str(a, "attributes"); err != nil {
				return nil, err
			}
		}
	}
	if len(orig.values) == 0 {
		return &entry{values: []string{val}, attrs: []string{attrs}}, nil
	}
	e := &entry{values: slices.Clone(orig.values), attrs: slices.Clone(orig.attrs)}
	e.values[0] = val
	if withAttrs {
		if len(e.attrs) == 0 {
			e.attrs = make([]string, len(e.values))
		}
		e.attrs[0] = attrs
	}
	return e, nil
}

func values(list []event.HeaderValue) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for i, hv := range list {
		out[i] = hv.Value
	}
	return out
}

// headerValues are the wire form of values: header names are sent title-cased, as CloudFront does.
func headerValues(lower string, vals []string) []event.HeaderValue {
	key := textproto.CanonicalMIMEHeaderKey(lower)
	out := make([]event.HeaderValue, len(vals))
	for i, v := range vals {
		out[i] = event.HeaderValue{Key: key, Value: v}
	}
	return out
}

// checkHeaderRules refuses any change to the trigger's read-only headers; before is nil for a
// generated response (the rule is about the message the function was given).
func checkHeaderRules(t event.Trigger, before, after event.Headers) error {
	if before == nil {
		return nil
	}
	for _, name := range event.ReadOnly(t) {
		if !slices.Equal(values(before[name]), values(after[name])) {
			return invalid("the function tried to add, delete, or change the read-only header %s", name)
		}
	}
	return nil
}

// sameMap reports whether a and b are the same map (not merely equal).
func sameMap(a, b event.Headers) bool {
	return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
}

// describe names what a function returned instead of an object.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "undefined or null"
	case []any:
		return "an array"
	}
	return describeValue(v)
}

func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "undefined or null"
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return "a boolean"
	case int64, float64:
		return fmt.Sprintf("the number %v", x)
	case []any:
		return "an array"
	}
	return "an object"
}
