package edge

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hookfront/hookfront/hooks/event"
)

// viewerRequest is the request as it goes on after viewer-request: what the cache key and the
// origin attempts are built from.
type viewerRequest struct {
	method   string
	uri      string // path as the viewer sent it (percent-encoded)
	rawQuery string
	host     string
	header   http.Header
	body     io.ReadCloser
	bodyLen  int64
	prefix   []byte // the first bytes of the body, read for hooks when the behavior includes it
	buffered []byte // the whole body, kept so that each origin attempt can send it (write failover)
	ip       string
	hasQuery bool           // the URL had a "?", even an empty query
	tls      bool           // the viewer came over TLS (match-viewer origins follow it)
	ev       *event.Request // built on first use by a hook
	pol      *policyState   // the request through its behavior's policies; nil without
	// ae is the viewer's Accept-Encoding as CloudFront normalises it; when aeNormal, the origin
	// gets that instead of what the viewer sent (a cacheable request).
	ae       acceptEncoding
	aeNormal bool
	timeout  *timedBody // on the viewer's body, when it has one: its timeout and failures

	// unbuffered says why a write's body that fits max_body was not buffered (writebuffer.go).
	unbuffered string
	connReused bool // an earlier request used the viewer's TLS connection (CloudFront-Viewer-TLS)
}

func newViewerRequest(r *http.Request) *viewerRequest {
	vr := &viewerRequest{
		method:   r.Method,
		uri:      r.URL.EscapedPath(),
		rawQuery: r.URL.RawQuery,
		host:     r.Host,
		header:   r.Header,
		bodyLen:  r.ContentLength,
		ip:       clientIP(r),
		hasQuery: r.URL.ForceQuery || r.URL.RawQuery != "",
		tls:      r.TLS != nil,
	}
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		vr.body = r.Body
	}
	return vr
}

// readPrefix reads up to the origin triggers' body limit for hooks (include_body); the origin
// still gets the whole body: what was read, then the rest.
func (vr *viewerRequest) readPrefix() error {
	if vr.buffered != nil {
		vr.prefix = vr.buffered
		return nil
	}
	if vr.body == nil || vr.prefix != nil {
		return nil
	}
	buf, err := io.ReadAll(io.LimitReader(vr.body, event.OriginBodyLimit+1))
	if err != nil {
		return err
	}
	vr.prefix = buf
	vr.body = readCloser{io.MultiReader(bytes.NewReader(buf), vr.body), vr.body}
	return nil
}

// eventBody is request.body for trigger t: base64, cut at the trigger's limit.
func (vr *viewerRequest) eventBody(t event.Trigger) *event.Body {
	if vr.prefix == nil {
		return nil
	}
	data, limit := vr.prefix, event.BodyLimit(t)
	truncated := len(data) > limit
	if truncated {
		data = data[:limit]
	}
	return &event.Body{InputTruncated: truncated, Action: "read-only", Encoding: "base64", Data: base64.StdEncoding.EncodeToString(data)}
}

// event returns the hook view of the request, built once.
func (vr *viewerRequest) event() *event.Request {
	if vr.ev == nil {
		vr.ev = &event.Request{
			ClientIP:    vr.ip,
			Method:      vr.method,
			URI:         vr.uri,
			QueryString: vr.rawQuery,
			HasQuery:    vr.hasQuery,
			Headers:     event.FromHTTPHeader(vr.header, vr.host),
			Body:        vr.eventBody(event.ViewerRequest),
		}
	}
	return vr.ev
}

// apply takes a viewer-request hook's result as the request from now on.
func (vr *viewerRequest) apply(er *event.Request) {
	vr.ev = er
	vr.uri, vr.rawQuery = er.URI, er.QueryString
	vr.header, vr.host = er.Headers.ToHTTPHeader()
	if b := replacedBody(er); b != nil {
		vr.setBody(b)
	}
}

// setBody makes b the body from now on (a hook replaced it).
func (vr *viewerRequest) setBody(b []byte) {
	vr.prefix = b
	vr.body = io.NopCloser(bytes.NewReader(b))
	vr.bodyLen = int64(len(b))
	if vr.buffered != nil {
		vr.buffered = b
	}
}

// replacedBody is the body a hook put in place ("action": "replace"), nil when it kept it.
func replacedBody(er *event.Request) []byte {
	if er.Body == nil || er.Body.Action != "replace" {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(er.Body.Data)
	if err != nil || b == nil {
		return []byte{}
	}
	return b
}

// originEvent is request.origin for an attempt on o.
func originEvent(o *Origin) *event.Origin {
	port := 80
	if o.URL.Scheme == "https" {
		port = 443
	}
	if p := o.URL.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	}
	return &event.Origin{
		ID:               o.ID,
		DomainName:       o.URL.Hostname(),
		Port:             port,
		Protocol:         o.URL.Scheme,
		Path:             strings.TrimSuffix(o.URL.Path, "/"),
		ReadTimeout:      o.ResponseTimeout,
		KeepaliveTimeout: o.KeepaliveTimeout,
		SSLProtocols:     []string{"TLSv1.2"},
		CustomHeaders:    event.FromHTTPHeader(o.CustomHeaders, ""),
	}
}

// outbound builds the request for one attempt on origin o. ev, when not nil, is the request as
// an origin-request hook left it (uri, query, headers and origin may differ from vr).
func (s *Server) outbound(ctx context.Context, tx *exchange, vr *viewerRequest, ev *event.Request, o *Origin, stale *Entry) *http.Request {
	uri, query := vr.uri, vr.rawQuery
	ou := o.urlFor(vr.tls)
	scheme, hostport, prefix := ou.Scheme, ou.Host, strings.TrimSuffix(ou.Path, "/")
	custom := o.CustomHeaders
	host := ""
	var header http.Header
	if ev != nil {
		uri, query = ev.URI, ev.QueryString
		header, host = ev.Headers.ToHTTPHeader()
		if vr.pol == nil && host == vr.host {
			host = "" // the viewer's, as the event showed it: without policies the origin gets its own
		}
		if eo := ev.Origin; eo != nil {
			scheme, prefix = eo.Protocol, eo.Path
			hostport = net.JoinHostPort(eo.DomainName, strconv.Itoa(eo.Port))
			if (scheme == "http" && eo.Port == 80) || (scheme == "https" && eo.Port == 443) {
				hostport = eo.DomainName
			}
			custom, _ = eo.CustomHeaders.ToHTTPHeader()
		}
	} else if vr.pol != nil {
		header, query = vr.pol.originHeader(vr), vr.pol.originQuery(vr.rawQuery)
		if vr.pol.fwd.host {
			host = vr.host
		}
	} else {
		header = vr.header.Clone()
	}
	if host == "" {
		host = hostport // the origin's own, unless policies forward the viewer's (or a hook set one)
	}
	removeHopHeaders(header)
	// Client-sent forwarding headers other than X-Forwarded-For are not trusted (Rewrite
	// semantics); X-Forwarded-For gets the peer appended, as CloudFront does.
	delete(header, "Forwarded")
	delete(header, "X-Forwarded-Host")
	delete(header, "X-Forwarded-Proto")
	if prior := header["X-Forwarded-For"]; len(prior) > 0 {
		header["X-Forwarded-For"] = []string{strings.Join(prior, ", ") + ", " + vr.ip}
	} else {
		header["X-Forwarded-For"] = []string{vr.ip}
	}
	header["Via"] = append(header["Via"], "1.1 hookfront")
	header["X-Hookfront-Request-Id"] = []string{tx.id}
	for k, v := range custom {
		header[k] = v
	}
	if vr.aeNormal {
		header["Accept-Encoding"] = aeToOrigin[vr.ae]
	}
	if dropsAcceptEncoding(custom) {
		delete(header, "Accept-Encoding") // acceptencoding_drop.go
	}
	if stale != nil {
		// Revalidate our copy: these validators replace any the viewer sent.
		delete(header, "If-None-Match")
		delete(header, "If-Modified-Since")
		if etag := stale.Header.Get("Etag"); etag != "" {
			header["If-None-Match"] = []string{etag}
		}
		if lm := stale.Header.Get("Last-Modified"); lm != "" {
			header["If-Modified-Since"] = []string{lm}
		}
	}
	if _, ok := header["User-Agent"]; !ok {
		header["User-Agent"] = nil // keep Go from adding its own
	}
	u := &url.URL{Scheme: scheme, Host: hostport, RawQuery: query}
	raw := prefix + uri
	if strings.IndexByte(raw, '%') >= 0 {
		if p, err := url.PathUnescape(raw); err == nil {
			u.Path, u.RawPath = p, raw
		} else {
			u.Path = raw
		}
	} else {
		u.Path = raw
	}
	req := (&http.Request{
		Method:     vr.method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     header,
		Host:       host,
	}).WithContext(ctx)
	if o.hostHeader != "" {
		req.Host = o.hostHeader
	}
	if ev != nil {
		if b := replacedBody(ev); b != nil {
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
			return req
		}
	}
	switch {
	case len(vr.buffered) > 0: // every attempt sends the same bytes
		b := vr.buffered
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	case vr.body != nil:
		req.Body = io.NopCloser(vr.body) // the server owns and closes the viewer's body
		req.ContentLength = vr.bodyLen
	}
	return req
}
