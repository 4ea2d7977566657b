package functions

import (
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// The event of a CloudFront Function:
//
//	{version: '1.0', context: {distributionDomainName, distributionId, eventType, requestId},
//	 viewer: {ip}, request: {method, uri, querystring, headers, cookies},
//	 response: {statusCode, statusDescription, headers, cookies}}   (viewer-response only)
//
// It is built lazily, as the Lambda@Edge event is: a level becomes JavaScript when the function
// reads it.

// eventLazy is the whole event; its levels live in one allocation.
type eventLazy struct {
	cfg      event.Config
	req      *event.Request
	resp     *event.Response
	request  requestLazy
	response responseLazy
}

func newEventLazy(cfg event.Config, req *event.Request, resp *event.Response) *eventLazy {
	e := &eventLazy{cfg: cfg, req: req, resp: resp}
	e.request.r = req
	e.response.w = resp
	return e
}

var eventKeys = map[bool][]string{
	false: {"version", "context", "viewer", "request"},
	true:  {"version", "context", "viewer", "request", "response"},
}

func (e *eventLazy) Keys() []string { return eventKeys[e.resp != nil] }

func (e *eventLazy) Has(k string) bool {
	switch k {
	case "version", "context", "viewer", "request":
		return true
	case "response":
		return e.resp != nil
	}
	return false
}

func (e *eventLazy) Get(k string) any {
	switch k {
	case "version":
		return "1.0"
	case "context":
		return jsruntime.NewObject(4).
			Set("distributionDomainName", e.cfg.DistributionDomainName).
			Set("distributionId", e.cfg.DistributionID).
			Set("eventType", string(e.cfg.EventType)).
			Set("requestId", e.cfg.RequestID)
	case "viewer":
		return jsruntime.NewObject(1).Set("ip", e.req.ClientIP)
	case "request":
		return &e.request
	case "response":
		if e.resp != nil {
			return &e.response
		}
	}
	return nil
}

// requestLazy is event.request. rawQueryString() is a member too, as CloudFront's general
// helpers make it, but not an enumerable one.
type requestLazy struct{ r *event.Request }

var requestKeys = []string{"method", "uri", "querystring", "headers", "cookies"}

func (l *requestLazy) Keys() []string { return requestKeys }

func (l *requestLazy) Has(k string) bool {
	switch k {
	case "method", "uri", "querystring", "headers", "cookies", "rawQueryString":
		return true
	}
	return false
}

func (l *requestLazy) Get(k string) any {
	r := l.r
	switch k {
	case "method":
		return r.Method
	case "uri":
		return r.URI
	case "querystring":
		return &pairsLazy{p: parseQuery(r.QueryString)}
	case "headers":
		return &headersLazy{h: r.Headers, cookie: "cookie"}
	case "cookies":
		return &pairsLazy{p: parseCookies(r.Headers["cookie"])}
	case "rawQueryString":
		return jsruntime.Method(func([]any) any {
			if !r.HasQuery && r.QueryString == "" {
				return jsruntime.Undefined
			}
			return r.QueryString
		})
	}
	return nil
}

// responseLazy is event.response.
type responseLazy struct{ w *event.Response }

var responseKeys = []string{"statusCode", "statusDescription", "headers", "cookies"}

func (l *responseLazy) Keys() []string { return responseKeys }

func (l *responseLazy) Has(k string) bool {
	switch k {
	case "statusCode", "statusDescription", "headers", "cookies":
		return true
	}
	return false
}

func (l *responseLazy) Get(k string) any {
	w := l.w
	switch k {
	case "statusCode":
		return int64(w.Status)
	case "statusDescription":
		return w.StatusDescription
	case "headers":
		return &headersLazy{h: w.Headers, cookie: "set-cookie"}
	case "cookies":
		return &pairsLazy{p: parseSetCookies(w.Headers["set-cookie"]), withAttrs: true}
	}
	return nil
}
