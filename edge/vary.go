package edge

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// acceptEncoding is a viewer's Accept-Encoding normalised as CloudFront does for its cache key
// and origin request: only gzip and br count.
type acceptEncoding uint8

const (
	aeNone acceptEncoding = iota // neither
	aeGzip
	aeBr
	aeBoth
)

// only keeps the formats a cache policy enables (its gzip and brotli settings).
func (a acceptEncoding) only(gzip, brotli bool) acceptEncoding {
	if !gzip {
		a &^= aeGzip
	}
	if !brotli {
		a &^= aeBr
	}
	return a
}

// String is the normalised header value ("" for aeNone).
func (a acceptEncoding) String() string { return [...]string{"", "gzip", "br", "br,gzip"}[a] }

// aeToOrigin is the Accept-Encoding sent to the origin for each normalised value (CloudFront
// asks for identity when the viewer accepts neither); made once, net/http only reads them.
var aeToOrigin = [...][]string{aeNone: {"identity"}, aeGzip: {"gzip"}, aeBr: {"br"}, aeBoth: {"br,gzip"}}

// normAcceptEncoding normalises a viewer's Accept-Encoding. A coding with q=0 is refused, so
// it does not count. It runs on every cacheable request, so it does not allocate.
func normAcceptEncoding(h http.Header) acceptEncoding { return normAEValues(h["Accept-Encoding"]) }

// normAEValues normalises the values of an Accept-Encoding header.
func normAEValues(values []string) acceptEncoding {
	gzip, br := false, false
	for _, line := range values {
		for line != "" {
			var item string
			item, line, _ = strings.Cut(line, ",")
			name, params, _ := strings.Cut(item, ";")
			name = strings.TrimSpace(name)
			if refusedByQ(params) {
				continue
			}
			switch {
			case strings.EqualFold(name, "gzip"):
				gzip = true
			case strings.EqualFold(name, "br"):
				br = true
			}
		}
	}
	switch {
	case gzip && br:
		return aeBoth
	case gzip:
		return aeGzip
	case br:
		return aeBr
	}
	return aeNone
}

// refusedByQ reports whether a coding's parameters say q=0 (q=0, q=0.0, q=0.000…).
func refusedByQ(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			v = strings.TrimSpace(v)
			return v == "0" || strings.HasPrefix(v, "0.") && strings.Trim(v[2:], "0") == ""
		}
	}
	return false
}

// accepts reports whether every coding of a Content-Encoding is one the viewer accepts.
func (a acceptEncoding) accepts(contentEncoding string) bool {
	for _, c := range strings.Split(contentEncoding, ",") {
		switch c = strings.ToLower(strings.TrimSpace(c)); c {
		case "", "identity":
		case "gzip":
			if a != aeGzip && a != aeBoth {
				return false
			}
		case "br":
			if a != aeBr && a != aeBoth {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// variantKey is where the response for key is stored when it varies on Accept-Encoding.
func variantKey(key string, ae acceptEncoding) string { return key + "\x00ae=" + ae.String() }

// lookup finds the entry for a request: under key, or, when the responses for key vary on
// Accept-Encoding, under the variant for the viewer's normalised Accept-Encoding ae. It returns
// the key it used.
func (s *Server) lookup(key string, ae acceptEncoding) (string, *Entry, bool) {
	e, ok := s.cache.Get(key)
	if ok && e.varyAE {
		key = variantKey(key, ae)
		e, ok = s.cache.Get(key)
	}
	return key, e, ok
}

// storePlan says where and what to store of a response, decided from its headers before its
// body is read.
type storePlan struct {
	key    string      // "" when nothing is stored
	header http.Header // what is stored: the response's headers, copied
	ttl    time.Duration
	// base is the URL's own key when the response varies on Accept-Encoding and key is its
	// variant: base then gets the marker that sends lookups on to the variants.
	base string
}

// planStore decides whether a response for the request keyed base (looked up under key, the
// variant when the URL is known to vary) may be stored for ttl, and where. why says what kept
// it out of the cache, when something in the response did (not when the TTL did).
//
// The rules, so that nothing meant for one viewer reaches another:
//   - Set-Cookie: not stored, unless the origin lists it in Cache-Control no-cache="Set-Cookie"
//     (then stored without it, as CloudFront does). Any field named in a qualified no-cache is
//     left out of the stored copy.
//   - Vary: * is never stored. Vary on Accept-Encoding, or a Content-Encoding, stores the
//     response as the variant for the viewer's normalised Accept-Encoding (a Content-Encoding
//     outside it is not stored). Vary on a header in cache.key.headers is covered by the key.
//     Vary on any other header is not stored: hookfront forwards every viewer header, so the
//     response may differ for viewers the key does not tell apart.
func planStore(keyed func(header string) bool, base, key string, ae acceptEncoding, h http.Header, ttl time.Duration) (p storePlan, why string) {
	if key == "" || ttl <= 0 {
		return storePlan{}, ""
	}
	omit := noCacheFields(h)
	if _, ok := h["Set-Cookie"]; ok && !omit["set-cookie"] {
		return storePlan{}, "it sets a cookie (Set-Cookie)"
	}
	varies := key != base
	for _, line := range h["Vary"] {
		for _, name := range strings.Split(line, ",") {
			switch name = strings.TrimSpace(name); {
			case name == "":
			case name == "*":
				return storePlan{}, "Vary: *"
			case strings.EqualFold(name, "Accept-Encoding"):
				varies = true
			case !keyed(name):
				return storePlan{}, fmt.Sprintf("it varies on %s, which is not in the cache key's headers", name)
			}
		}
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		if !ae.accepts(ce) {
			return storePlan{}, fmt.Sprintf("its Content-Encoding %s is not one the viewer accepts", ce)
		}
		varies = true
	}
	p = storePlan{key: key, header: compactHeader(h), ttl: ttl}
	for name := range omit {
		p.header.Del(name)
	}
	if varies {
		p.base = base
		if key == base {
			p.key = variantKey(base, ae)
		}
	}
	return p, ""
}

// noCacheFields are the header names (lower case) a qualified Cache-Control no-cache lists,
// which a cache may store the response without; nil when there are none.
func noCacheFields(h http.Header) map[string]bool {
	var fields map[string]bool
	ccDirectives(h, func(name, value string) {
		if !strings.EqualFold(name, "no-cache") || value == "" {
			return
		}
		for _, f := range strings.Split(value, ",") {
			if f = strings.ToLower(strings.TrimSpace(f)); f != "" {
				if fields == nil {
					fields = map[string]bool{}
				}
				fields[f] = true
			}
		}
	})
	return fields
}
