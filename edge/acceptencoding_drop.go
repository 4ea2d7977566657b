package edge

import "net/http"

// An origin custom header Accept-Encoding with an empty value is CloudFront's way to take the
// header out of the picture for that origin: "CloudFront removes the Accept-Encoding header from
// the cache key and doesn't include the header in origin requests" (cache-hit-ratio.html,
// "Remove Accept-Encoding header when compression is not needed"). Edge compression is not
// affected: it still answers the viewer's own Accept-Encoding.

// dropsAcceptEncoding reports whether custom (an origin's custom headers) asks for that.
func dropsAcceptEncoding(custom http.Header) bool {
	v, ok := custom["Accept-Encoding"]
	return ok && len(v) == 1 && v[0] == ""
}

// keysWithoutAcceptEncoding reports whether the cache key leaves Accept-Encoding out: only when
// every member drops it. A group whose members differ keeps the viewer's normalised value in the
// key, since a member that gets the header may answer with a variant per encoding; each member
// still gets (or does not get) the header as its own custom headers say.
func (b *Behavior) keysWithoutAcceptEncoding() bool {
	for _, m := range b.members {
		if !dropsAcceptEncoding(m.CustomHeaders) {
			return false
		}
	}
	return len(b.members) > 0
}
