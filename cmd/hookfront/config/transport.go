package config

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/hookfront/hookfront/edge"
)

// Viewer protocol policies, as CloudFront's ViewerProtocolPolicy.
var viewerProtocolPolicies = []string{edge.ViewerAllowAll, edge.ViewerRedirectToHTTPS, edge.ViewerHTTPSOnly}

var originProtocolPolicies = []string{edge.OriginHTTPOnly, edge.OriginHTTPSOnly, edge.OriginMatchViewer}

// validateOriginTransport checks how an origin is reached: its protocol policy against its URL,
// the other protocol's port for match-viewer, and its TLS trust settings.
func (c *Config) validateOriginTransport(ck *checker, at string, o *Origin) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return // the url's own problem is reported already
	}
	p := o.OriginProtocolPolicy
	switch {
	case p == "":
	case !slices.Contains(originProtocolPolicies, p):
		ck.errorf(at+".origin_protocol_policy", "%q is not %s", p, strings.Join(originProtocolPolicies, ", "))
	case p == edge.OriginHTTPOnly && u.Scheme != "http", p == edge.OriginHTTPSOnly && u.Scheme != "https":
		ck.errorf(at+".origin_protocol_policy", "%s needs a %s:// url", p, strings.TrimSuffix(p, "-only"))
	}
	for _, port := range []struct {
		field  string
		v      int
		scheme string // the url's scheme that leaves this port to be given
	}{{"http_port", o.HTTPPort, "https"}, {"https_port", o.HTTPSPort, "http"}} {
		switch {
		case port.v == 0:
		case port.v < 1 || port.v > 65535:
			ck.errorf(at+"."+port.field, "%d is not a port (1 to 65535)", port.v)
		case p != edge.OriginMatchViewer || u.Scheme != port.scheme:
			ck.errorf(at+"."+port.field, "applies only with origin_protocol_policy: match-viewer and a %s:// url (the url gives its own port)", port.scheme)
		}
	}
	httpOnly := u.Scheme == "http" && p != edge.OriginMatchViewer
	if o.TLSCA != "" {
		if _, err := c.readCAs(o.TLSCA); err != nil {
			ck.errorf(at+".tls_ca", "%v", err)
		} else if httpOnly {
			ck.warnf(at+".tls_ca", "has no effect: the origin is reached over http only")
		}
	}
	if n := o.TLSServerName; n != "" {
		if strings.ContainsAny(n, ":/ \t") {
			ck.errorf(at+".tls_server_name", "%q is not a host name", n)
		} else if httpOnly {
			ck.warnf(at+".tls_server_name", "has no effect: the origin is reached over http only")
		}
	}
}

// readCAs reads a PEM file of CA certificates into a pool that also holds the system roots.
func (c *Config) readCAs(file string) (*x509.CertPool, error) {
	b, err := os.ReadFile(c.Resolve(file))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, unwrapPath(err))
	}
	if err := checkCertPEM(b); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	pool.AppendCertsFromPEM(b)
	return pool, nil
}

// edgeTransport gives eo the origin's protocol policy and TLS settings.
func (c *Config) edgeTransport(o *Origin, eo *edge.Origin) error {
	eo.ProtocolPolicy, eo.HTTPPort, eo.HTTPSPort, eo.TLSServerName = o.OriginProtocolPolicy, o.HTTPPort, o.HTTPSPort, o.TLSServerName
	if o.TLSCA != "" {
		pool, err := c.readCAs(o.TLSCA)
		if err != nil {
			return fmt.Errorf("origin %s: tls_ca: %w", o.ID, err)
		}
		eo.TLSRootCAs = pool
	}
	return nil
}

func (c *Config) validateViewerProtocol(ck *checker, at string, b *Behavior) {
	if p := b.ViewerProtocolPolicy; p != "" && !slices.Contains(viewerProtocolPolicies, p) {
		ck.errorf(at+".viewer_protocol_policy", "%q is not %s", p, strings.Join(viewerProtocolPolicies, ", "))
	}
}
