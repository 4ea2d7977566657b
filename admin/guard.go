package admin

import (
	"fmt"
	"net"
	"net/http"
)

// Browsers are the admin listener's risk: a web page cannot read its answers (no CORS), but it
// can send requests to it, and reach it by a name of its own.

// crossOrigin refuses writes (POST, DELETE) a page of another origin makes a browser send. The
// /?token= cookie is SameSite=Strict, but every port of 127.0.0.1 is the same site (the edge's
// own viewer listener too), and without a token there is no cookie to withhold at all.
var crossOrigin = http.NewCrossOriginProtection()

// addressedHere refuses, when there is no token, a request addressed to a name other than a
// loopback one: that is DNS rebinding (a page's own name made to resolve to 127.0.0.1), which
// would let the page read every request's headers. With a token, a rebound page has neither the
// header nor the cookie, and any name may be used.
func (s *Server) addressedHere(w http.ResponseWriter, r *http.Request) bool {
	if s.opt.Token != "" || r.Host == "" {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if loopback(host) {
		return true
	}
	WriteError(w, http.StatusForbidden, fmt.Sprintf("this admin listener has no token, so it answers only requests to 127.0.0.1, [::1] or localhost, not to %q; set admin.token to reach it by another name", r.Host))
	return false
}

// sameOrigin refuses cross-origin writes.
func sameOrigin(w http.ResponseWriter, r *http.Request) bool {
	if err := crossOrigin.Check(r); err != nil {
		WriteError(w, http.StatusForbidden, "a write from a page of another origin is refused ("+err.Error()+")")
		return false
	}
	return true
}
