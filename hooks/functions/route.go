package functions

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// The origin helpers of the cloudfront module (CloudFront's "Helper methods for origin
// modification") are recorded while the function runs and read here, in the order they were
// called, into the Route the edge applies to every origin attempt of the request:
//   - updateRequestOrigin({...}) changes the origin the request goes to; fields left out keep
//     that origin's settings; for an origin group only the primary changes.
//   - selectRequestOriginById(id[, {hostHeader, ...}]) sends the request to another configured
//     origin, with that origin's settings (no failover).
//   - createRequestOriginGroup({originIds: [a, b], failoverCriteria: {statusCodes}}) makes the
//     two configured origins a group for this request: b is tried when a answers one of the
//     statuses, cannot be reached or times out (GET, HEAD and OPTIONS, as for every group).

// failoverCodes are the statuses an origin group may fail over on.
var failoverCodes = []int{400, 403, 404, 416, 500, 502, 503, 504}

func routeOf(calls []jsruntime.OriginCall) (*event.Route, error) {
	if len(calls) == 0 {
		return nil, nil
	}
	r := &event.Route{Origins: []event.RouteOrigin{{}}}
	for _, c := range calls {
		p := &argParser{call: c}
		switch c.Method {
		case "updateRequestOrigin":
			u := p.update(p.object(0, true), false)
			if p.err != nil {
				return nil, p.err
			}
			r.Origins[0].Update = merge(r.Origins[0].Update, u)
		case "selectRequestOriginById":
			id := p.originID(p.arg(0), "the origin id")
			u := p.update(p.object(1, false), true)
			if p.err != nil {
				return nil, p.err
			}
			r.Origins, r.Group, r.FailoverOn = []event.RouteOrigin{{ID: id, Update: u}}, false, nil
		case "createRequestOriginGroup":
			origins, codes := p.group(p.object(0, true))
			if p.err != nil {
				return nil, p.err
			}
			r.Origins, r.Group, r.FailoverOn = origins, true, codes
		}
	}
	return r, nil
}

// merge lays a later updateRequestOrigin over an earlier one.
func merge(prev, u *event.OriginUpdate) *event.OriginUpdate {
	if prev == nil || u == nil {
		if u == nil {
			return prev
		}
		return u
	}
	out := *prev
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&out.DomainName, u.DomainName)
	set(&out.Protocol, u.Protocol)
	set(&out.HostHeader, u.HostHeader)
	if u.Port != 0 {
		out.Port = u.Port
	}
	if u.Path != nil {
		out.Path = u.Path
	}
	if u.CustomHeaders != nil {
		out.CustomHeaders = u.CustomHeaders
	}
	if u.ConnectionAttempts != 0 {
		out.ConnectionAttempts = u.ConnectionAttempts
	}
	for _, d := range []struct{ dst, v *time.Duration }{{&out.ConnectionTimeout, &u.ConnectionTimeout}, {&out.ReadTimeout, &u.ReadTimeout}, {&out.KeepaliveTimeout, &u.KeepaliveTimeout}} {
		if *d.v != 0 {
			*d.dst = *d.v
		}
	}
	return &out
}

// argParser reads the arguments of one helper call, keeping the first problem, which names the
// call and where it was made. Problems are validation errors: the function's result is invalid.
type argParser struct {
	call jsruntime.OriginCall
	err  error
}

func (p *argParser) fail(format string, args ...any) {
	if p.err == nil {
		at := p.call.At
		if at != "" {
			at += ": "
		}
		p.err = invalid("%scf.%s(): %s", at, p.call.Method, fmt.Sprintf(format, args...))
	}
}

func (p *argParser) arg(i int) any {
	if i < len(p.call.Args) {
		return p.call.Args[i]
	}
	return nil
}

func (p *argParser) object(i int, required bool) map[string]any {
	v := p.arg(i)
	if v == nil {
		if required {
			p.fail("an object argument is required")
		}
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		p.fail("argument %d must be an object, not %s", i+1, describeValue(v))
	}
	return m
}

func (p *argParser) originID(v any, what string) string {
	s, ok := v.(string)
	if !ok || s == "" {
		p.fail("%s must be a non-empty string, not %s", what, describeValue(v))
	}
	return s
}

// known checks that m has only the given fields.
func (p *argParser) known(m map[string]any, where string, fields ...string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(fields, k) {
			p.fail("%sunknown field %q (known: %s)", where, k, strings.Join(fields, ", "))
		}
	}
}

func (p *argParser) str(m map[string]any, k string) (string, bool) {
	v, ok := m[k]
	if !ok || v == nil {
		return "", false
	}
	s, isStr := v.(string)
	if !isStr {
		p.fail("%s must be a string, not %s", k, describeValue(v))
	}
	return s, true
}

func (p *argParser) num(m map[string]any, k string, lo, hi int) (int, bool) {
	v, ok := m[k]
	if !ok || v == nil {
		return 0, false
	}
	n, isInt := v.(int64)
	if !isInt || int(n) < lo || int(n) > hi {
		p.fail("%s must be a whole number from %d to %d, not %s", k, lo, hi, describeValue(v))
	}
	return int(n), true
}

// Fields of updateRequestOrigin that configure what hookfront does not have (Origin Shield,
// origin access control, TLS details): accepted, and without effect locally.
var ignoredOriginFields = []string{"originShield", "originAccessControlConfig", "ipAddressType", "sni", "allowedCertificateNames"}

// update reads updateRequestOrigin's properties, or (overrides) the origin overrides that
// selectRequestOriginById and createRequestOriginGroup accept: hostHeader, sni,
// allowedCertificateNames.
func (p *argParser) update(m map[string]any, overrides bool) *event.OriginUpdate {
	if m == nil {
		return nil
	}
	if overrides {
		p.known(m, "", "hostHeader", "sni", "allowedCertificateNames")
	} else {
		p.known(m, "", append([]string{"domainName", "hostHeader", "originPath", "customHeaders", "connectionAttempts", "timeouts", "customOriginConfig"}, ignoredOriginFields...)...)
	}
	u := &event.OriginUpdate{}
	if h, ok := p.str(m, "hostHeader"); ok {
		if h == "" || strings.ContainsAny(h, " /") || event.HasControl(h) || len(h) > 253 {
			p.fail("hostHeader %q must be a host name (up to 253 characters)", h)
		}
		u.HostHeader = h
	}
	if overrides {
		if u.HostHeader == "" {
			return nil
		}
		return u
	}
	if d, ok := p.str(m, "domainName"); ok {
		// Unlike CloudFront, an IP address is fine: local origins live there.
		if d == "" || strings.ContainsAny(d, ":/ ") || event.HasControl(d) || len(d) > 253 {
			p.fail("domainName %q must be a host name or IP address without a port (up to 253 characters)", d)
		}
		u.DomainName = d
	}
	if op, ok := p.str(m, "originPath"); ok {
		if op != "" && (!strings.HasPrefix(op, "/") || strings.HasSuffix(op, "/") || len(op) > 255) {
			p.fail("originPath %q must start with / and not end with / (up to 255 characters)", op)
		}
		u.Path = &op
	}
	if v, ok := m["customHeaders"]; ok {
		ch, isObj := v.(map[string]any)
		if !isObj {
			p.fail("customHeaders must be an object of name: value, not %s", describeValue(v))
		}
		u.CustomHeaders = event.Headers{}
		for name, val := range ch {
			s, isStr := val.(string)
			switch {
			case name != strings.ToLower(name) || !event.ValidHeaderName(name):
				p.fail("customHeaders: %q must be a lower-case header name", name)
			case event.Disallowed(name):
				p.fail("customHeaders: %s is a disallowed header", name)
			case !isStr || !event.ValidHeaderValue(s):
				p.fail("customHeaders[%q] must be a string without control characters", name)
			}
			u.CustomHeaders[name] = headerValues(name, []string{s})
		}
	}
	u.ConnectionAttempts, _ = p.num(m, "connectionAttempts", 1, 3)
	if v, ok := m["timeouts"]; ok {
		t, isObj := v.(map[string]any)
		if !isObj {
			p.fail("timeouts must be an object, not %s", describeValue(v))
		}
		p.known(t, "timeouts: ", "readTimeout", "responseCompletionTimeout", "keepAliveTimeout", "connectionTimeout")
		secs := func(k string, hi int) time.Duration {
			n, _ := p.num(t, k, 1, hi)
			return time.Duration(n) * time.Second
		}
		u.ReadTimeout = secs("readTimeout", 120)
		u.KeepaliveTimeout = secs("keepAliveTimeout", 120)
		u.ConnectionTimeout = secs("connectionTimeout", 10)
		if rc, ok := p.num(t, "responseCompletionTimeout", 1, 1<<31-1); ok && u.ReadTimeout > 0 && time.Duration(rc)*time.Second < u.ReadTimeout {
			p.fail("timeouts.responseCompletionTimeout must be at least readTimeout")
		}
	}
	if v, ok := m["customOriginConfig"]; ok {
		c, isObj := v.(map[string]any)
		if !isObj {
			p.fail("customOriginConfig must be an object, not %s", describeValue(v))
		}
		p.known(c, "customOriginConfig: ", "port", "protocol", "sslProtocols")
		port, hasPort := p.num(c, "port", 1, 65535)
		proto, hasProto := p.str(c, "protocol")
		_, hasSSL := c["sslProtocols"]
		switch {
		case !hasPort || !hasProto || !hasSSL:
			p.fail("customOriginConfig needs port, protocol and sslProtocols")
		case proto != "http" && proto != "https":
			p.fail("customOriginConfig.protocol must be http or https, not %q", proto)
		}
		u.Port, u.Protocol = port, proto
	}
	return u
}

// group reads createRequestOriginGroup's properties.
func (p *argParser) group(m map[string]any) ([]event.RouteOrigin, []int) {
	if m == nil {
		return nil, nil
	}
	p.known(m, "", "originIds", "selectionCriteria", "failoverCriteria")
	ids, ok := m["originIds"].([]any)
	if !ok || len(ids) != 2 {
		p.fail("originIds must list two origins: the primary, then the one to fail over to")
		return nil, nil
	}
	origins := make([]event.RouteOrigin, 2)
	for i, v := range ids {
		if o, isObj := v.(map[string]any); isObj {
			p.known(o, "originIds: ", "originId", "originOverrides")
			origins[i].ID = p.originID(o["originId"], "originIds[].originId")
			ov, _ := o["originOverrides"].(map[string]any)
			origins[i].Update = p.update(ov, true)
			continue
		}
		origins[i].ID = p.originID(v, "each of originIds")
	}
	if sc, ok := p.str(m, "selectionCriteria"); ok && sc != "default" && sc != "media-quality-score" {
		p.fail("selectionCriteria must be default or media-quality-score, not %q", sc)
	}
	fc, _ := m["failoverCriteria"].(map[string]any)
	codes, _ := fc["statusCodes"].([]any)
	if len(codes) == 0 {
		p.fail("failoverCriteria.statusCodes must list the statuses to fail over on")
	}
	var out []int
	for _, c := range codes {
		n, ok := c.(int64)
		if !ok || !slices.Contains(failoverCodes, int(n)) {
			p.fail("failoverCriteria.statusCodes: %s cannot trigger failover (allowed: 400 403 404 416 500 502 503 504)", describeValue(c))
		}
		out = append(out, int(n))
	}
	return origins, out
}
