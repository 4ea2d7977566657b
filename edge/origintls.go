package edge

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
)

// Origin protocol policies, as CloudFront's OriginProtocolPolicy.
const (
	OriginHTTPOnly    = "http-only"
	OriginHTTPSOnly   = "https-only"
	OriginMatchViewer = "match-viewer"
)

// prepareProtocol checks the origin's protocol policy against its URL and, for match-viewer,
// makes the URL that viewers on the other protocol are sent to.
func (o *Origin) prepareProtocol() error {
	switch o.ProtocolPolicy {
	case "":
	case OriginHTTPOnly, OriginHTTPSOnly:
		if want := o.ProtocolPolicy[:len(o.ProtocolPolicy)-len("-only")]; o.URL.Scheme != want {
			return fmt.Errorf("origin %s: origin_protocol_policy %s needs a %s:// url", o.ID, o.ProtocolPolicy, want)
		}
	case OriginMatchViewer:
	default:
		return fmt.Errorf("origin %s: origin_protocol_policy %q is not http-only, https-only or match-viewer", o.ID, o.ProtocolPolicy)
	}
	o.altURL, o.altEvent = nil, nil
	if o.ProtocolPolicy != OriginMatchViewer {
		return nil
	}
	alt := &url.URL{Scheme: "http", Path: o.URL.Path}
	port := o.HTTPPort
	if o.URL.Scheme == "http" {
		alt.Scheme, port = "https", o.HTTPSPort
	}
	alt.Host = hostPort(o.URL.Hostname(), port, alt.Scheme)
	o.altURL = alt
	ev := *o.eventOrigin
	ev.Protocol, ev.Port = alt.Scheme, port
	if port == 0 {
		ev.Port = map[string]int{"http": 80, "https": 443}[alt.Scheme]
	}
	o.altEvent = &ev
	return nil
}

// hostPort joins host and port for a URL, leaving out the scheme's default port (0 means it).
func hostPort(host string, port int, scheme string) string {
	if port == 0 || (scheme == "http" && port == 80) || (scheme == "https" && port == 443) {
		if net.ParseIP(host) != nil && net.ParseIP(host).To4() == nil {
			return "[" + host + "]"
		}
		return host
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// urlFor is the URL an attempt for a viewer on TLS (or not) goes to: the other protocol's for a
// match-viewer origin whose URL is not the viewer's protocol.
func (o *Origin) urlFor(viewerTLS bool) *url.URL {
	if o.altURL != nil && viewerTLS != (o.URL.Scheme == "https") {
		return o.altURL
	}
	return o.URL
}

// eventFor is request.origin for origin hooks, as urlFor chooses.
func (o *Origin) eventFor(viewerTLS bool) *event.Origin {
	if o.altURL != nil && viewerTLS != (o.URL.Scheme == "https") {
		return o.altEvent
	}
	return o.eventOrigin
}

// configureTLS gives t the origin's trust settings: its extra CA certificates beside the system
// roots, and the name its certificate is checked against (and sent as SNI) when that is not the
// URL's host. The name applies only to connections to the origin's own host: a hook or a
// function that points the request at another host gets that host's name checked.
func (o *Origin) configureTLS(t *http.Transport, connect time.Duration) {
	if o.TLSRootCAs == nil && o.TLSServerName == "" {
		return
	}
	base := &tls.Config{RootCAs: o.TLSRootCAs, MinVersion: tls.VersionTLS12}
	t.TLSClientConfig = base
	if o.TLSServerName == "" {
		return
	}
	plain, host := t.DialContext, o.URL.Hostname()
	t.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := plain(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cfg := base.Clone()
		cfg.ServerName = o.TLSServerName
		if h, _, _ := net.SplitHostPort(addr); h != host {
			cfg.ServerName = h
		}
		tc := tls.Client(c, cfg)
		hctx, cancel := context.WithTimeout(ctx, connect)
		defer cancel()
		if err := tc.HandshakeContext(hctx); err != nil {
			_ = c.Close()
			return nil, err
		}
		return tc, nil
	}
}

// isTLSFailure reports whether err is a failed TLS handshake with an origin: a certificate not
// trusted or not for the name, or no protocol or cipher in common.
func isTLSFailure(err error) bool {
	var cv *tls.CertificateVerificationError
	var ae tls.AlertError
	var rh tls.RecordHeaderError
	return errors.As(err, &cv) || errors.As(err, &ae) || errors.As(err, &rh)
}
