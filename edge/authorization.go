package edge

import (
	"net/http"
	"slices"
	"strings"
)

// unkeyedAuthorization reports whether the viewer's Authorization (as viewer-request left it)
// reaches the origin while it is not in the cache key: the response may then be for this viewer
// alone, and the key cannot tell the next viewer apart. Behaviors without policies forward every
// header; under policies Authorization reaches the origin from the cache key, by an
// all-viewer-headers origin request policy when caching is off, or by legacy settings that name
// it (then it is in the key).
func (vr *viewerRequest) unkeyedAuthorization(d *Distribution) bool {
	if _, ok := vr.header["Authorization"]; !ok {
		return false
	}
	ps := vr.pol
	if ps == nil {
		return !d.CacheKey.keyedHeader("Authorization")
	}
	if ps.keyedHeader("Authorization") {
		return false
	}
	f := ps.fwd
	if f.dropsAuthorization(vr.method) {
		return false
	}
	return (f.allHeaders && !f.except["Authorization"]) || slices.Contains(f.headers, "Authorization")
}

// sharedDespiteAuthorization reports whether a response to a request with Authorization may be
// stored for other viewers: only when the origin says so with public, s-maxage or
// must-revalidate (RFC 9111 §3.5).
func sharedDespiteAuthorization(h http.Header) bool {
	ok := false
	ccDirectives(h, func(name, _ string) {
		switch strings.ToLower(name) {
		case "public", "s-maxage", "must-revalidate":
			ok = true
		}
	})
	return ok
}
