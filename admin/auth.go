package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// tokenCookie stands for the Authorization header in a browser, which cannot set headers on an
// EventSource or a page load.
const tokenCookie = "hookfront_admin"

// authorized checks the token rule and answers 401 when it fails. /?token=T sets the cookie
// and sends the browser on to the page without the token in its address bar and history.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	want := s.opt.Token
	if want == "" {
		return true
	}
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && sameToken(bearer, want) {
		return true
	}
	if q := r.URL.Query().Get("token"); q != "" && r.URL.Path == "/" && r.Method == http.MethodGet {
		if !sameToken(q, want) {
			unauthorized(w)
			return false
		}
		http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: q, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return false
	}
	if c, err := r.Cookie(tokenCookie); err == nil && sameToken(c.Value, want) {
		return true
	}
	unauthorized(w)
	return false
}

// sameToken compares in constant time; hashing first makes the time independent of the length
// too.
func sameToken(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="hookfront admin"`)
	WriteError(w, http.StatusUnauthorized, "this admin listener needs its token: Authorization: Bearer TOKEN (in a browser, open /?token=TOKEN once)")
}
