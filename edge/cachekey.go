package edge

import (
	"net/http"
	"strings"
)

// CacheKeyPolicy says what besides host and path goes into the cache key.
type CacheKeyPolicy struct {
	// QueryStrings is "all" (the default: the whole query string, order and case kept, as
	// CloudFront keys it), "none", or "include" with QueryNames listing the parameters kept.
	QueryStrings string
	QueryNames   []string
	Headers      []string // header values in the key (names case-insensitive, values not)
	Cookies      []string // cookie values in the key
}

// keyedHeader reports whether the header name is part of the key.
func (p *CacheKeyPolicy) keyedHeader(name string) bool {
	for _, h := range p.Headers {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// key builds the cache key. OPTIONS is keyed apart from GET/HEAD, as CloudFront does.
func (p *CacheKeyPolicy) key(method, host, path, rawQuery string, h http.Header) string {
	var b strings.Builder
	b.Grow(len(host) + len(path) + len(rawQuery) + 16)
	if method == http.MethodOptions {
		b.WriteString("OPTIONS ")
	}
	b.WriteString(strings.ToLower(host))
	b.WriteString(path)
	switch p.QueryStrings {
	case "none":
	case "include":
		first := true
		for _, part := range strings.Split(rawQuery, "&") {
			name, _, _ := strings.Cut(part, "=")
			for _, want := range p.QueryNames {
				if name == want {
					if first {
						b.WriteByte('?')
						first = false
					} else {
						b.WriteByte('&')
					}
					b.WriteString(part)
					break
				}
			}
		}
	default:
		if rawQuery != "" {
			b.WriteByte('?')
			b.WriteString(rawQuery)
		}
	}
	for _, name := range p.Headers {
		b.WriteString("\x00h:")
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(strings.Join(h.Values(name), ","))
	}
	if len(p.Cookies) > 0 {
		req := http.Request{Header: h}
		for _, name := range p.Cookies {
			b.WriteString("\x00c:")
			b.WriteString(name)
			b.WriteByte('=')
			if c, err := req.Cookie(name); err == nil {
				b.WriteString(c.Value)
			}
		}
	}
	return b.String()
}
