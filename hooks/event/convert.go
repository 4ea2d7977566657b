package event

import (
	"net/http"
	"net/textproto"
	"sort"
	"strings"
)

// FromHTTPHeader converts an http.Header into Lambda@Edge headers. Go's server has already
// canonicalised the names, so the key keeps that spelling (CloudFront keeps the viewer's own).
// host, when not empty, is added as the "host" header that net/http keeps outside the map.
func FromHTTPHeader(h http.Header, host string) Headers {
	out := make(Headers, len(h)+1)
	if host != "" {
		out["host"] = []HeaderValue{{Key: "Host", Value: host}}
	}
	for name, values := range h {
		lower := strings.ToLower(name)
		list := make([]HeaderValue, len(values))
		for i, v := range values {
			list[i] = HeaderValue{Key: name, Value: v}
		}
		out[lower] = list
	}
	return out
}

// ToHTTPHeader converts Lambda@Edge headers back. The "host" entry is returned separately, as
// net/http wants it in Request.Host. An empty Key falls back to the canonical form of the name,
// as CloudFront fills a missing key.
func (h Headers) ToHTTPHeader() (http.Header, string) {
	out := make(http.Header, len(h))
	host := ""
	for name, list := range h {
		if name == "host" {
			if len(list) > 0 {
				host = list[0].Value
			}
			continue
		}
		canon := textproto.CanonicalMIMEHeaderKey(name)
		for _, hv := range list {
			out[canon] = append(out[canon], hv.Value)
		}
	}
	return out, host
}

// Get returns the first value of the named (any case) header.
func (h Headers) Get(name string) string {
	if list := h[strings.ToLower(name)]; len(list) > 0 {
		return list[0].Value
	}
	return ""
}

// Set replaces the named header with one value.
func (h Headers) Set(name, value string) {
	h[strings.ToLower(name)] = []HeaderValue{{Key: textproto.CanonicalMIMEHeaderKey(name), Value: value}}
}

// Names returns the header names in sorted order, so that events are built in a stable order.
func (h Headers) Names() []string {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Clone returns a deep copy.
func (h Headers) Clone() Headers {
	if h == nil {
		return nil
	}
	out := make(Headers, len(h))
	for n, list := range h {
		out[n] = append([]HeaderValue(nil), list...)
	}
	return out
}

// Clone returns a deep copy of the request, so that each origin attempt starts from the same input.
func (r *Request) Clone() *Request {
	c := *r
	c.Headers = r.Headers.Clone()
	if r.Body != nil {
		b := *r.Body
		c.Body = &b
	}
	if r.Origin != nil {
		o := *r.Origin
		o.CustomHeaders = r.Origin.CustomHeaders.Clone()
		c.Origin = &o
	}
	return &c
}
