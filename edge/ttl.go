package edge

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// TTL is a behavior's min/default/max TTL, as CloudFront's cache policy has them.
type TTL struct{ Min, Default, Max time.Duration }

// CloudFront's defaults.
var DefaultTTL = TTL{Min: 0, Default: 24 * time.Hour, Max: 365 * 24 * time.Hour}

// DefaultErrorCachingTTL is how long an error is cached when no error page says otherwise.
const DefaultErrorCachingTTL = 10 * time.Second

// cacheControl holds the directives of a Cache-Control header that decide a TTL.
type cacheControl struct {
	present         bool
	noCache         bool // no-cache, no-store or private: CloudFront uses the min TTL
	maxAge, sMaxAge time.Duration
	hasMaxAge       bool
	hasSMaxAge      bool
}

func parseCacheControl(h http.Header) cacheControl {
	var cc cacheControl
	ccDirectives(h, func(name, val string) {
		cc.present = true
		switch strings.ToLower(name) {
		case "no-cache":
			// no-cache="Set-Cookie" (a field list) only keeps those fields out of the stored
			// copy (RFC 9111 §5.2.2.4); the response itself may be stored.
			if val == "" {
				cc.noCache = true
			}
		case "no-store", "private":
			cc.noCache = true
		case "max-age":
			if s, ok := seconds(val); ok {
				cc.maxAge, cc.hasMaxAge = s, true
			}
		case "s-maxage":
			if s, ok := seconds(val); ok {
				cc.sMaxAge, cc.hasSMaxAge = s, true
			}
		}
	})
	return cc
}

// ccDirectives calls f with each Cache-Control directive's name and value (unquoted). A comma
// inside a quoted value (no-cache="Set-Cookie, X-Id") does not end the directive.
func ccDirectives(h http.Header, f func(name, value string)) {
	for _, line := range h["Cache-Control"] {
		for line != "" {
			end, quoted := 0, false
			for ; end < len(line); end++ {
				if c := line[end]; c == '"' {
					quoted = !quoted
				} else if c == ',' && !quoted {
					break
				}
			}
			d := strings.TrimSpace(line[:end])
			if end < len(line) {
				end++
			}
			line = line[end:]
			if d == "" {
				continue
			}
			name, val, _ := strings.Cut(d, "=")
			f(strings.TrimSpace(name), strings.Trim(strings.TrimSpace(val), `"`))
		}
	}
}

func seconds(v string) (time.Duration, bool) {
	n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	const hundredYears = 100 * 365 * 24 * 3600
	if n > hundredYears {
		n = hundredYears
	}
	return time.Duration(n) * time.Second, true
}

// originTTL is what the origin asked for: s-maxage, then max-age, then Expires.
func originTTL(h http.Header, cc cacheControl, now time.Time) (time.Duration, bool) {
	switch {
	case cc.hasSMaxAge:
		return cc.sMaxAge, true
	case cc.hasMaxAge:
		return cc.maxAge, true
	}
	if exp := h.Get("Expires"); exp != "" {
		t, err := http.ParseTime(exp)
		if err != nil {
			return 0, true // an invalid Expires means "already expired"
		}
		if d := t.Sub(now); d > 0 {
			return d.Truncate(time.Second), true
		}
		return 0, true
	}
	return 0, false
}

// successTTL is CloudFront's TTL rule for a cacheable non-error response.
func (t TTL) successTTL(h http.Header, now time.Time) time.Duration {
	cc := parseCacheControl(h)
	if cc.noCache {
		return t.Min
	}
	v, ok := originTTL(h, cc, now)
	if !ok {
		return max(t.Default, t.Min)
	}
	return min(max(v, t.Min), t.Max)
}

// errorTTL is how long an error response is kept: at least the error-caching TTL, longer when the
// origin's max-age/s-maxage/Expires says so (capped by the behavior's max TTL).
func (t TTL) errorTTL(h http.Header, minTTL time.Duration, now time.Time) time.Duration {
	cc := parseCacheControl(h)
	if cc.noCache {
		return minTTL
	}
	if v, ok := originTTL(h, cc, now); ok {
		return max(minTTL, min(v, t.Max))
	}
	return minTTL
}

// ttlFor decides whether a response to a cacheable request may be stored, and for how long.
// errMin is the error-caching TTL that applies to this status (an error page's cache_ttl or the
// default). A zero duration means "do not store".
func (t TTL) ttlFor(status int, h http.Header, errMin time.Duration, now time.Time) time.Duration {
	switch status {
	case 200, 203, 204, 300, 301, 302, 303:
		return t.successTTL(h, now)
	case 307, 308:
		// CloudFront caches these only when the origin sent Cache-Control.
		if len(h.Values("Cache-Control")) == 0 {
			return 0
		}
		return t.successTTL(h, now)
	case 404, 414, 500, 501, 502, 503, 504:
		return t.errorTTL(h, errMin, now)
	case 400, 403, 405, 412, 415:
		cc := parseCacheControl(h)
		if !cc.hasMaxAge && !cc.hasSMaxAge {
			return 0
		}
		return t.errorTTL(h, errMin, now)
	}
	// 206 (a partial body under a whole-object key), 304, 416 (never, says CloudFront) and
	// statuses CloudFront does not document (401, 409, 410, 429, ...) are not stored.
	return 0
}
