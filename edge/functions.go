package edge

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
)

// What the edge knows of CloudFront Functions: that a response came from one, and where a
// viewer-request function sent the request with the origin helpers (event.Route). The functions
// themselves run behind the HookSet like hooks.

// xFunctionGenerated is the x-cache of a response a CloudFront Function generated.
const xFunctionGenerated = "FunctionGeneratedResponse from hookfront"

func init() { xcacheValues[xFunctionGenerated] = []string{xFunctionGenerated} }

// FunctionTeller is what a HookSet may also tell: whether trigger t of the behavior runs a
// CloudFront Function rather than a Lambda@Edge hook.
type FunctionTeller interface {
	IsFunction(behavior string, t event.Trigger) bool
}

// isFunction reports whether trigger t of the request's behavior is a CloudFront Function.
func (tx *exchange) isFunction(t event.Trigger) bool {
	ft, ok := tx.hooks.(FunctionTeller)
	return ok && ft.IsFunction(tx.b.ID(), t)
}

// generatedXCache is the x-cache of a response a viewer-request hook or function generated.
func (tx *exchange) generatedXCache() string {
	if tx.isFunction(event.ViewerRequest) {
		return xFunctionGenerated
	}
	return xGenerated
}

// target is where the request's origin attempts go: the behavior's members and group, or what a
// function's Route made of them.
func (tx *exchange) target() ([]*Origin, *Group) {
	if tx.members != nil {
		return tx.members, tx.group
	}
	return tx.b.members, tx.b.group
}

// routeError is a Route naming what the distribution does not have: the function's result is
// invalid, which CloudFront answers with a FunctionValidationError.
type routeError struct{ msg string }

func (e *routeError) Error() string   { return e.msg }
func (e *routeError) HTTPStatus() int { return http.StatusBadGateway }
func (e *routeError) Class() string   { return "FunctionValidationError" }

// route makes r the target of the request's origin attempts, as CloudFront applies the origin
// helpers: a created group is tried like a configured one (on its own failover statuses; no
// write failover); a selected origin is tried alone; an update changes the origin the behavior
// targets, and for a group only its primary.
func (tx *exchange) route(r *event.Route) error {
	resolve := func(ro event.RouteOrigin, assigned *Origin) (*Origin, error) {
		o := assigned
		if ro.ID != "" {
			if o = tx.d.origin(ro.ID); o == nil {
				ids := make([]string, len(tx.d.Origins))
				for i, x := range tx.d.Origins {
					ids[i] = x.ID
				}
				return nil, &routeError{fmt.Sprintf("the function chose origin %q, which is not an origin of this distribution (origins: %s)", ro.ID, strings.Join(ids, ", "))}
			}
		}
		if ro.Update == nil {
			return o, nil
		}
		return o.updated(ro.Update), nil
	}
	base, group := tx.b.members, tx.b.group
	members := make([]*Origin, len(r.Origins))
	for i, ro := range r.Origins {
		o, err := resolve(ro, base[min(i, len(base)-1)])
		if err != nil {
			return err
		}
		members[i] = o
	}
	switch {
	case r.Group:
		g := &Group{Members: members, FailoverOn: make(map[int]bool, len(r.FailoverOn))}
		for _, c := range r.FailoverOn {
			g.FailoverOn[c] = true
		}
		tx.members, tx.group = members, g
	case r.Origins[0].ID == "" && len(base) > 1:
		// An update of a group's origin: the primary changes, the others stay.
		tx.members, tx.group = append(members[:1:1], base[1:]...), group
	default:
		tx.members, tx.group = members, nil
	}
	return nil
}

// origin finds a configured origin by id.
func (d *Distribution) origin(id string) *Origin {
	for _, o := range d.Origins {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// updated is o with a function's changes: another host, port, protocol, path, custom headers,
// Host header, connection attempts or timeouts. Connections are not shared with o when the
// connection settings differ (see variants).
func (o *Origin) updated(u *event.OriginUpdate) *Origin {
	c := &Origin{ID: o.ID, URL: &url.URL{Scheme: o.URL.Scheme, Host: o.URL.Host, Path: o.URL.Path},
		ConnectionAttempts: o.ConnectionAttempts, ConnectionTimeout: o.ConnectionTimeout,
		ResponseTimeout: o.ResponseTimeout, KeepaliveTimeout: o.KeepaliveTimeout, CustomHeaders: o.CustomHeaders,
		ProtocolPolicy: o.ProtocolPolicy, HTTPPort: o.HTTPPort, HTTPSPort: o.HTTPSPort, TLSRootCAs: o.TLSRootCAs,
		TLSServerName: o.TLSServerName, hostHeader: o.hostHeader}
	host, port := o.URL.Hostname(), o.URL.Port()
	if u.DomainName != "" && u.DomainName != host {
		host, c.TLSServerName = u.DomainName, "" // another host: its own name is checked
	}
	if u.Protocol != "" {
		c.ProtocolPolicy = "" // the function chose the protocol
	}
	if u.Protocol != "" && u.Protocol != c.URL.Scheme {
		c.URL.Scheme = u.Protocol
		if u.Port == 0 {
			port = "" // the new protocol's default port
		}
	}
	if u.Port != 0 {
		port = strconv.Itoa(u.Port)
	}
	c.URL.Host = host
	if port != "" {
		c.URL.Host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		c.URL.Host = "[" + host + "]"
	}
	if u.Path != nil {
		c.URL.Path = *u.Path
	}
	if u.HostHeader != "" {
		c.hostHeader = u.HostHeader
	}
	if u.CustomHeaders != nil {
		c.CustomHeaders, _ = u.CustomHeaders.ToHTTPHeader()
	}
	if u.ConnectionAttempts != 0 {
		c.ConnectionAttempts = u.ConnectionAttempts
	}
	if u.ConnectionTimeout != 0 {
		c.ConnectionTimeout = u.ConnectionTimeout
	}
	if u.ReadTimeout != 0 {
		c.ResponseTimeout = u.ReadTimeout
	}
	if u.KeepaliveTimeout != 0 {
		c.KeepaliveTimeout = u.KeepaliveTimeout
	}
	c.transport = o.variants.get(o, c)
	c.eventOrigin = originEvent(c)
	_ = c.prepareProtocol() // only match-viewer is left to prepare, and it cannot fail
	return c
}

// variants are the transports of an origin's updated forms whose connection settings differ
// from its own. They are kept (at most maxVariants) so that keep-alive connections are reused
// across requests, as they are for the origin itself.
type variants struct {
	mu sync.Mutex
	m  map[transportKey]*http.Transport
}

type transportKey struct {
	attempts                     int
	connect, response, keepalive time.Duration
}

// maxVariants bounds the transports kept per origin; functions normally use a few constant
// settings. Past the bound, further settings use the origin's own connections (and timeouts).
const maxVariants = 16

func (vs *variants) get(o, c *Origin) *http.Transport {
	k := transportKey{c.ConnectionAttempts, c.ConnectionTimeout, c.ResponseTimeout, c.KeepaliveTimeout}
	if k == (transportKey{o.ConnectionAttempts, o.ConnectionTimeout, o.ResponseTimeout, o.KeepaliveTimeout}) {
		return o.transport
	}
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if t, ok := vs.m[k]; ok {
		return t
	}
	if len(vs.m) >= maxVariants {
		return o.transport
	}
	if vs.m == nil {
		vs.m = map[transportKey]*http.Transport{}
	}
	t := newTransport(k.attempts, k.connect, k.response, k.keepalive, o.ID)
	o.configureTLS(t, k.connect)
	vs.m[k] = t
	return t
}

// close drops the variants' idle connections.
func (vs *variants) close() {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	for _, t := range vs.m {
		t.CloseIdleConnections()
	}
}
