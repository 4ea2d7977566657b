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
	n := 0
	for _, values := range h {
		n += len(values)
	}
	if host != "" {
		n++
	}
	// One backing array for every value: a request's headers cost two allocations, not one per
	// header. Each list is capped at its length, so appending to one never overwrites the next.
	all := make([]HeaderValue, 0, n)
	if host != "" {
		all = append(all, HeaderValue{Key: "Host", Value: host})
		out["host"] = all[0:1:1]
	}
	for name, values := range h {
		start := len(all)
		for _, v := range values {
			all = append(all, HeaderValue{Key: name, Value: v})
		}
		out[lowerName(name)] = all[start:len(all):len(all)]
	}
	return out
}

// commonLower holds the lower-case form of common header names, so that converting a request's
// headers does not allocate a string per header.
var commonLower = map[string]string{}

func init() {
	for _, n := range []string{"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges",
		"Age", "Authorization", "Cache-Control", "Cdn-Loop", "Content-Encoding", "Content-Language", "Content-Length",
		"Content-Type", "Cookie", "Date", "Dnt", "Etag", "Expires", "Forwarded", "Host", "If-Match",
		"If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since", "Last-Modified", "Location",
		"Origin", "Pragma", "Priority", "Range", "Referer", "Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform",
		"Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User", "Server", "Set-Cookie",
		"Strict-Transport-Security", "Upgrade-Insecure-Requests", "User-Agent", "Vary", "Via", "Warning",
		"X-Cache", "X-Content-Type-Options", "X-Forwarded-For", "X-Forwarded-Host", "X-Frame-Options",
		"X-Hookfront-Request-Id", "X-Request-Id"} {
		commonLower[n] = strings.ToLower(n)
	}
}

// lowerName lower-cases a header name, without allocating for common or lower-case names.
func lowerName(name string) string {
	if l, ok := commonLower[name]; ok {
		return l
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(name)
		}
	}
	return name
}

// ToHTTPHeader converts Lambda@Edge headers back. The "host" entry is returned separately, as
// net/http wants it in Request.Host. An empty Key falls back to the canonical form of the name,
// as CloudFront fills a missing key.
func (h Headers) ToHTTPHeader() (http.Header, string) {
	out := make(http.Header, len(h))
	host := ""
	n := 0
	for _, list := range h {
		n += len(list)
	}
	all := make([]string, 0, n) // one backing array, as in FromHTTPHeader
	for name, list := range h {
		if name == "host" {
			if len(list) > 0 {
				host = list[0].Value
			}
			continue
		}
		start := len(all)
		for _, hv := range list {
			all = append(all, hv.Value)
		}
		canon := canonicalName(name, list)
		if prev, ok := out[canon]; ok { // "X-A" and "x-a" from a hook: one header
			out[canon] = append(prev[:len(prev):len(prev)], all[start:]...)
			continue
		}
		out[canon] = all[start:len(all):len(all)]
	}
	return out, host
}

// canonicalName is textproto.CanonicalMIMEHeaderKey(name) without building a string when the
// list's first key already is that form, as keys made from Go's own headers are.
func canonicalName(name string, list []HeaderValue) string {
	if len(list) > 0 && isCanonicalOf(list[0].Key, name) {
		return list[0].Key
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}

// isCanonicalOf reports whether key is the canonical form of name, for names of letters, digits
// and hyphens (anything else is left to textproto).
func isCanonicalOf(key, name string) bool {
	if len(key) != len(name) {
		return false
	}
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		default:
			return false
		}
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if key[i] != c {
			return false
		}
		upper = c == '-'
	}
	return true
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
