package edge

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
)

// Origin is one configured origin server.
type Origin struct {
	ID string
	// URL is scheme://host[:port][/origin-path]; the path is prefixed to every request path.
	URL                *url.URL
	ConnectionAttempts int           // dials per request before the origin counts as unreachable
	ConnectionTimeout  time.Duration // per dial
	ResponseTimeout    time.Duration // to the first response byte, and the longest gap while reading
	KeepaliveTimeout   time.Duration // how long an idle pooled connection is kept
	CustomHeaders      http.Header   // set on every request to this origin, replacing viewer values
	// ProtocolPolicy is CloudFront's origin protocol policy; "" follows the URL's scheme. With
	// match-viewer, viewers on the other protocol go to HTTPPort or HTTPSPort (0: 80 / 443).
	ProtocolPolicy      string
	HTTPPort, HTTPSPort int
	TLSRootCAs          *x509.CertPool // trusted beside the system roots; nil: the system roots only
	TLSServerName       string         // the name the origin's certificate must have; "": the URL's host

	transport   *http.Transport
	eventOrigin *event.Origin // request.origin for hooks, made once (hooks never change it)
	hostHeader  string        // the Host sent instead of the URL's (a function's hostHeader)
	variants    variants      // transports of updated forms (functions.go)
	altURL      *url.URL      // match-viewer: where viewers on the URL's other protocol go
	altEvent    *event.Origin // request.origin for those
	upgrades    upgradeTransport
}

// Defaults from CloudFront's origin settings.
const (
	DefaultConnectionAttempts = 3
	DefaultConnectionTimeout  = 10 * time.Second
	DefaultResponseTimeout    = 30 * time.Second
	DefaultKeepaliveTimeout   = 5 * time.Second
	maxOriginHeaderBytes      = 256 << 10
)

// ConnectError means every connection attempt to an origin failed: the request never reached it.
type ConnectError struct {
	Origin   string
	Attempts int
	Err      error
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("origin %s unreachable after %d connection attempt(s): %v", e.Origin, e.Attempts, e.Err)
}

func (e *ConnectError) Unwrap() error { return e.Err }

// prepare fills defaults and builds the origin's own keep-alive transport.
func (o *Origin) prepare() error {
	if o.URL == nil || (o.URL.Scheme != "http" && o.URL.Scheme != "https") || o.URL.Host == "" {
		return fmt.Errorf("origin %s: url must be http:// or https:// with a host", o.ID)
	}
	if o.ConnectionAttempts <= 0 {
		o.ConnectionAttempts = DefaultConnectionAttempts
	}
	if o.ConnectionTimeout <= 0 {
		o.ConnectionTimeout = DefaultConnectionTimeout
	}
	if o.ResponseTimeout <= 0 {
		o.ResponseTimeout = DefaultResponseTimeout
	}
	if o.KeepaliveTimeout <= 0 {
		o.KeepaliveTimeout = DefaultKeepaliveTimeout
	}
	o.transport = newTransport(o.ConnectionAttempts, o.ConnectionTimeout, o.ResponseTimeout, o.KeepaliveTimeout, o.ID)
	o.configureTLS(o.transport, o.ConnectionTimeout)
	o.eventOrigin = originEvent(o)
	return o.prepareProtocol()
}

// newTransport builds a keep-alive transport whose dials are ours to count: the Transport makes
// one DialContext call per new connection, and that call tries up to attempts times. The
// response timeout lives on the connection (see deadlineConn), so no request pays for a timer.
func newTransport(attempts int, connect, response, keepalive time.Duration, id string) *http.Transport {
	return &http.Transport{
		DialContext:            attemptDialer(attempts, connect, response, id),
		MaxIdleConns:           0,
		MaxIdleConnsPerHost:    512,
		IdleConnTimeout:        keepalive,
		TLSHandshakeTimeout:    connect,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: maxOriginHeaderBytes,
		// Pass Accept-Encoding through untouched: the origin's encoding is what we cache and send.
		DisableCompression: true,
	}
}

// attemptDialer dials up to attempts times, each within connect. With a response timeout, the
// connection's reads may wait at most that long (deadlineConn); 0 lets them wait (a WebSocket).
func attemptDialer(attempts int, connect, response time.Duration, id string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var last error
		for i := 0; i < attempts; i++ {
			c, err := d.DialContext(ctx, network, addr)
			if err == nil {
				if response > 0 {
					c = &deadlineConn{Conn: c, timeout: response}
				}
				return c, nil
			}
			last = err
			if ctx.Err() != nil {
				break
			}
		}
		return nil, &ConnectError{Origin: id, Attempts: attempts, Err: last}
	}
}

// Close drops the origin's idle connections (after a reload replaced it).
func (o *Origin) Close() {
	if o.transport != nil {
		o.transport.CloseIdleConnections()
	}
	o.variants.close()
}

// Group is an origin group: members tried in order, the first being the primary.
type Group struct {
	ID            string
	Members       []*Origin
	FailoverOn    map[int]bool   // raw origin statuses that send the request to the next member
	WriteFailover *WriteFailover // nil: writes never fail over (CloudFront's rule)
	Health        *Health        // nil: no origin health, failover exactly as CloudFront's (health.go)

	health []*memberHealth // per member, when Health is set (filled by the Server)
}

// FailoverStatusCodes are the statuses CloudFront lets an origin group fail over on.
var FailoverStatusCodes = []int{400, 403, 404, 416, 500, 502, 503, 504}

// DefaultFailoverStatusCodes are used when a group lists none (as the CDK does).
var DefaultFailoverStatusCodes = []int{500, 502, 503, 504}

// failoverMethod reports whether CloudFront lets a request with this method fail over.
func failoverMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// deadlineConn is an origin connection whose reads may wait at most timeout: the deadline moves
// forward when a request is written and before every read. That is CloudFront's response
// timeout — the time to the first byte and the longest gap between packets — at the cost of a
// deadline update per read, not a timer per request. An idle pooled connection therefore lives
// at most min(keepalive, response timeout).
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(p []byte) (int, error) {
	_ = c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(p)
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	_ = c.Conn.SetReadDeadline(time.Now().Add(c.timeout)) // also moves a read already waiting
	return c.Conn.Write(p)
}

// isTimeout reports whether err is a response timeout (headers or a stalled body).
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
