package edge

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Viewer protocol policies, as CloudFront's ViewerProtocolPolicy.
const (
	ViewerAllowAll        = "allow-all"
	ViewerRedirectToHTTPS = "redirect-to-https"
	ViewerHTTPSOnly       = "https-only"
)

// xRedirect is the x-cache of the edge's redirect to HTTPS ("Redirect from cloudfront").
const xRedirect = "Redirect from hookfront"

func init() { xcacheValues[xRedirect] = []string{xRedirect} }

func checkViewerProtocol(p string) error {
	switch p {
	case "", ViewerAllowAll, ViewerRedirectToHTTPS, ViewerHTTPSOnly:
		return nil
	}
	return fmt.Errorf("viewer_protocol_policy %q is not allow-all, redirect-to-https or https-only", p)
}

// viewerProtocol answers a plain-HTTP request that the behavior's viewer protocol policy does not
// let through, as CloudFront does (using-https-viewers-to-cloudfront.html): redirect-to-https
// sends GET and HEAD to the HTTPS URL with 301, other methods with 307 when the request is
// HTTP/1.1 or later (so that the method and body are sent again) and 403 below; https-only
// answers 403. nil lets the request through.
func (s *Server) viewerProtocol(tx *exchange) *response {
	r := tx.r
	policy := tx.b.ViewerProtocolPolicy
	if r.TLS != nil || policy == "" || policy == ViewerAllowAll {
		return nil
	}
	if policy == ViewerHTTPSOnly {
		return s.edgeError(http.StatusForbidden, "This distribution is configured to accept only HTTPS requests.", tx)
	}
	status := http.StatusMovedPermanently
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if !r.ProtoAtLeast(1, 1) {
			return s.edgeError(http.StatusForbidden, "This distribution redirects HTTP to HTTPS, which an HTTP/1.0 request with this method cannot follow.", tx)
		}
		status = http.StatusTemporaryRedirect
	}
	tx.note = "redirected to https"
	text := strconv.Itoa(status) + " " + http.StatusText(status)
	return &response{
		status: status,
		header: http.Header{"Location": {httpsURL(r, tx.d.HTTPSPort)}, "Content-Type": {"text/html"}},
		body: []byte("<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
			"</h1></center>\r\n<hr><center>hookfront</center>\r\n</body>\r\n</html>\r\n"),
		xcache:  xRedirect,
		noVResp: true,
	}
}

// httpsURL is the request's URL on the edge's HTTPS listener: the viewer's host name with the
// listener's port (none when it is 443 or not known), and the path and query the viewer sent
// (r.URL may hold the default root object already).
func httpsURL(r *http.Request, port int) string {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	uri := r.URL.RequestURI()
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && r.RequestURI != "*" {
		uri = u.RequestURI()
	}
	return "https://" + hostPort(host, port, "https") + uri
}
