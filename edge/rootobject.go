package edge

import "net/http"

// applyRootObject serves the default root object for a request of the root URL, as CloudFront's
// DefaultRootObject does: only "/" itself (a subfolder's "/" is not rewritten), for every method,
// with the query string kept. The rewrite happens before the behavior is chosen and before the
// viewer-request hook, which sees the object's path.
func (d *Distribution) applyRootObject(r *http.Request) {
	if d.DefaultRootObject == "" || r.URL.Path != "/" {
		return
	}
	r.URL.Path, r.URL.RawPath = "/"+d.DefaultRootObject, ""
}
