package hooks

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

func isDisallowed(name string) bool { return event.Disallowed(name) }

// The event is built lazily: each level is a jsruntime.Lazy whose members become JavaScript only
// when the hook reads them, so a hook that reads one header pays for one header.

// eventLazy is the whole event: {Records: [{cf: {config, request, response}}]}. Its levels
// live in one allocation.
type eventLazy struct {
	cfg     event.Config
	req     *event.Request
	resp    *event.Response
	records recordsLazy
	record  recordLazy
	cf      cfLazy
	request requestLazy
}

func newEventLazy(cfg event.Config, req *event.Request, resp *event.Response) *eventLazy {
	e := &eventLazy{cfg: cfg, req: req, resp: resp}
	e.records.e, e.record.e, e.cf.e = e, e, e
	e.request = requestLazy{r: req, t: cfg.EventType}
	return e
}

var (
	recordsKeys = []string{"Records"}
	cfKey       = []string{"cf"}
)

func (e *eventLazy) Keys() []string     { return recordsKeys }
func (e *eventLazy) Has(k string) bool  { return k == "Records" }
func (e *eventLazy) Get(string) any     { return &e.records }
func (r *recordsLazy) Len() int         { return 1 }
func (r *recordsLazy) Index(int) any    { return &r.e.record }
func (r *recordLazy) Keys() []string    { return cfKey }
func (r *recordLazy) Has(k string) bool { return k == "cf" }
func (r *recordLazy) Get(string) any    { return &r.e.cf }
func (c *cfLazy) Has(k string) bool {
	return k == "config" || k == "request" || (k == "response" && c.e.resp != nil)
}
func (c *cfLazy) Keys() []string         { return cfKeys[c.e.resp != nil] }
func (h *headersLazy) Has(k string) bool { return len(h.h[k]) > 0 && !isDisallowed(k) }

type recordsLazy struct{ e *eventLazy }
type recordLazy struct{ e *eventLazy }
type cfLazy struct{ e *eventLazy }

var cfKeys = map[bool][]string{false: {"config", "request"}, true: {"config", "request", "response"}}

func (c *cfLazy) Get(k string) any {
	e := c.e
	switch k {
	case "config":
		return jsruntime.NewObject(4).
			Set("distributionDomainName", e.cfg.DistributionDomainName).
			Set("distributionId", e.cfg.DistributionID).
			Set("eventType", string(e.cfg.EventType)).
			Set("requestId", e.cfg.RequestID)
	case "request":
		return &e.request
	case "response":
		return &responseLazy{w: e.resp}
	}
	return nil
}

// requestLazy is cf.request.
type requestLazy struct {
	r *event.Request
	t event.Trigger
}

func (l *requestLazy) hasOrigin() bool {
	return l.r.Origin != nil && (l.t == event.OriginRequest || l.t == event.OriginResponse)
}

func (l *requestLazy) hasBody() bool {
	return l.r.Body != nil && (l.t == event.ViewerRequest || l.t == event.OriginRequest)
}

func (l *requestLazy) Keys() []string {
	keys := make([]string, 0, 7)
	keys = append(keys, "clientIp", "headers", "method")
	if l.hasOrigin() {
		keys = append(keys, "origin")
	}
	keys = append(keys, "querystring", "uri")
	if l.hasBody() {
		keys = append(keys, "body")
	}
	return keys
}

func (l *requestLazy) Has(k string) bool {
	switch k {
	case "clientIp", "headers", "method", "querystring", "uri":
		return true
	case "origin":
		return l.hasOrigin()
	case "body":
		return l.hasBody()
	}
	return false
}

func (l *requestLazy) Get(k string) any {
	r := l.r
	switch k {
	case "clientIp":
		return r.ClientIP
	case "headers":
		return &headersLazy{h: r.Headers}
	case "method":
		return r.Method
	case "querystring":
		return r.QueryString
	case "uri":
		return r.URI
	case "origin":
		if l.hasOrigin() {
			return originData(r.Origin)
		}
	case "body":
		if l.hasBody() {
			return jsruntime.NewObject(4).Set("inputTruncated", r.Body.InputTruncated).
				Set("action", "read-only").Set("encoding", "base64").Set("data", r.Body.Data)
		}
	}
	return nil
}

// responseLazy is cf.response.
type responseLazy struct{ w *event.Response }

var responseKeys = []string{"headers", "status", "statusDescription"}

func (l *responseLazy) Keys() []string { return responseKeys }
func (l *responseLazy) Has(k string) bool {
	return k == "headers" || k == "status" || k == "statusDescription"
}

func (l *responseLazy) Get(k string) any {
	switch k {
	case "headers":
		return &headersLazy{h: l.w.Headers}
	case "status":
		return strconv.Itoa(l.w.Status)
	case "statusDescription":
		return l.w.StatusDescription
	}
	return nil
}

// headersLazy is a Lambda@Edge header map: lower-case name → [{key, value}], names sorted so
// that every event enumerates the same way. Disallowed headers are not shown.
type headersLazy struct {
	h event.Headers
	// keys are made on first use, by the runtime or by the request reading the result: a hook
	// that kept the headers may list them in a later call, on another goroutine.
	keys atomic.Pointer[[]string]
}

func (l *headersLazy) Keys() []string {
	if k := l.keys.Load(); k != nil {
		return *k
	}
	keys := make([]string, 0, len(l.h))
	for _, n := range l.h.Names() {
		if !isDisallowed(n) {
			keys = append(keys, n)
		}
	}
	l.keys.Store(&keys)
	return keys
}

func (l *headersLazy) Get(k string) any {
	if !l.Has(k) {
		return nil
	}
	return &headerListLazy{l.h[k]}
}

// headerListLazy is one header's [{key, value}, ...]; like the map, it becomes JavaScript only
// where the hook reads it, and a list the hook only read needs no reading back.
type headerListLazy struct{ list []event.HeaderValue }

func (l *headerListLazy) Len() int { return len(l.list) }

// Index points into the event's own value (read only): no copy, no allocation.
func (l *headerListLazy) Index(i int) any { return (*headerValueLazy)(&l.list[i]) }

// headerValueLazy is one {key, value} entry.
type headerValueLazy event.HeaderValue

var headerValueKeys = []string{"key", "value"}

func (h *headerValueLazy) Keys() []string    { return headerValueKeys }
func (h *headerValueLazy) Has(k string) bool { return k == "key" || k == "value" }
func (h *headerValueLazy) Get(k string) any {
	switch k {
	case "key":
		return h.Key
	case "value":
		return h.Value
	}
	return nil
}

func originData(og *event.Origin) *jsruntime.Object {
	ssl := make([]any, len(og.SSLProtocols))
	for i, p := range og.SSLProtocols {
		ssl[i] = p
	}
	custom := jsruntime.NewObject(8).
		Set("customHeaders", &headersLazy{h: og.CustomHeaders}).
		Set("domainName", og.DomainName).
		Set("keepaliveTimeout", int64(og.KeepaliveTimeout/time.Second)).
		Set("path", og.Path).
		Set("port", int64(og.Port)).
		Set("protocol", og.Protocol).
		Set("readTimeout", int64(og.ReadTimeout/time.Second)).
		Set("sslProtocols", ssl)
	return jsruntime.NewObject(1).Set("custom", custom)
}
