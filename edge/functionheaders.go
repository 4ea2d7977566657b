package edge

import (
	"strings"

	"github.com/hookfront/hookfront/hooks/event"
)

// CloudFront adds the CloudFront headers a behavior's policies name before its CloudFront
// Functions run: a viewer-request function reads cloudfront-viewer-country once a policy names
// it (AWS's samples redirect-based-on-country and select-origin-based-on-country: "for the
// geolocation or device detection headers to appear in the request object within a function,
// you must allow these headers … in an origin request policy or cache policy"). Lambda@Edge's
// viewer-request sees the request as the viewer sent it; the headers come after it.

// viewerEvent is the request viewer trigger t sees: with the CloudFront headers the policies
// name when t runs a CloudFront Function.
func (tx *exchange) viewerEvent(vr *viewerRequest, t event.Trigger) *event.Request {
	if vr.pol == nil || !tx.isFunction(t) {
		return vr.event()
	}
	return vr.withCloudFrontHeaders()
}

// withCloudFrontHeaders makes the request's event carry the CloudFront headers its policies
// name, with the edge's values in place of any the viewer sent under those names, once: the
// event stays the request's, so that a function that returns it unchanged changed nothing.
// What a function then does to these headers does not reach the origin or the cache key,
// which take the edge's values as for every request (a viewer cannot forge them, nor a function).
func (vr *viewerRequest) withCloudFrontHeaders() *event.Request {
	ev, ps := vr.event(), vr.pol
	if ps.cfAdded {
		return ev
	}
	ps.cfAdded = true
	named := ps.fwd.generated // what the cache key names is forwarded too: all are here
	if len(named) == 0 {
		return ev
	}
	c := *ev
	c.Headers = ev.Headers.Clone()
	if c.Headers == nil {
		c.Headers = event.Headers{}
	}
	for _, g := range named {
		name := cfHeaderNames[g]
		lower := strings.ToLower(name)
		delete(c.Headers, lower)
		if v := ps.facts.value(g); v != nil {
			c.Headers[lower] = []event.HeaderValue{{Key: name, Value: v[0]}}
		}
	}
	vr.ev = &c
	return vr.ev
}
