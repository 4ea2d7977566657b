package edge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
)

// WebSocket pass-through. An upgrade request goes through the viewer protocol policy, the path
// and method checks and the viewer-request hook like any request, and through origin-request on
// each attempt; then net/http/httputil's ReverseProxy switches protocols and copies both ways.
// It is never cached. Until the origin answers 101 the group's failover rules for a GET apply;
// once switched, the connection belongs to that origin (no failover). Response hooks do not
// run: a 101 has nothing for them to change.

// isWebSocket reports whether r asks to switch to WebSocket (RFC 6455: a GET over HTTP/1.1 with
// Upgrade: websocket and Connection: upgrade).
func isWebSocket(r *http.Request) bool {
	up, ok := r.Header["Upgrade"]
	return ok && r.Method == http.MethodGet && r.ProtoAtLeast(1, 1) &&
		hasToken(up, "websocket") && hasToken(r.Header["Connection"], "upgrade")
}

// hasToken reports whether a comma-separated header lists token (case-insensitively).
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for len(v) > 0 {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// upgradeTransport is an origin's transport for WebSockets: no response timeout on reads (a
// socket may be quiet for as long as its ends like), no pooling (a switched connection is
// never reused).
type upgradeTransport struct {
	once sync.Once
	t    *http.Transport
}

func (o *Origin) upgradeTransport() *http.Transport {
	o.upgrades.once.Do(func() {
		t := &http.Transport{
			DialContext:            attemptDialer(o.ConnectionAttempts, o.ConnectionTimeout, 0, o.ID),
			TLSHandshakeTimeout:    o.ConnectionTimeout,
			ResponseHeaderTimeout:  o.ResponseTimeout,
			MaxResponseHeaderBytes: maxOriginHeaderBytes,
			DisableKeepAlives:      true,
			DisableCompression:     true,
		}
		o.configureTLS(t, o.ConnectionTimeout)
		o.upgrades.t = t
	})
	return o.upgrades.t
}

// errFailoverStatus stops a proxied upgrade whose answer sends it to the group's next member.
var errFailoverStatus = errors.New("failover status")

// webSocket proxies an upgrade request after viewer-request.
func (s *Server) webSocket(ctx context.Context, w http.ResponseWriter, tx *exchange, vr *viewerRequest) {
	tx.cacheStep("", CacheNotCachable, "a WebSocket upgrade is never cached", 0)
	members, group := tx.target()
	for i := range members {
		if !s.upgradeAttempt(ctx, w, tx, vr, members[i], group, i == len(members)-1) {
			return
		}
		tx.member = i + 1
	}
}

// upgradeAttempt sends the upgrade to m and serves what comes back; it reports whether the
// request goes on to the group's next member instead.
func (s *Server) upgradeAttempt(ctx context.Context, w http.ResponseWriter, tx *exchange, vr *viewerRequest, m *Origin, group *Group, last bool) (next bool) {
	var changed *event.Request
	if tx.has(event.OriginRequest) {
		c := vr.originEvent(m)
		c.Origin = m.eventFor(vr.tls)
		out, gen, err := tx.requestHook(ctx, event.OriginRequest, &c)
		if err != nil {
			s.write(w, tx, s.hookFailure(&hookError{trigger: event.OriginRequest, err: err}, tx))
			return false
		}
		if gen != nil {
			status, h, body := applyEventResponse(gen)
			s.write(w, tx, &response{status: status, header: h, body: body, xcache: xGenerated, noVResp: true})
			return false
		}
		if out != &c {
			changed = out
		}
	}
	out := s.outbound(ctx, tx, vr, changed, m, nil)
	tx.sentURL = out.URL
	a := attemptLog{origin: m.ID, start: time.Now(), url: out.URL}
	switched := false
	rp := &httputil.ReverseProxy{
		Transport: m.upgradeTransport(),
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL, pr.Out.Host, pr.Out.Header = out.URL, out.Host, out.Header
			// outbound removed the hop-by-hop headers; these two are the switch itself.
			pr.Out.Header["Connection"] = []string{"Upgrade"}
			pr.Out.Header["Upgrade"] = []string{"websocket"}
		},
		ModifyResponse: func(resp *http.Response) error {
			a.status, a.dur = resp.StatusCode, time.Since(a.start)
			if resp.StatusCode != http.StatusSwitchingProtocols && !last {
				if ok, _ := mayFailover(group, vr, nil, resp.StatusCode); ok {
					return errFailoverStatus
				}
			}
			switched = resp.StatusCode == http.StatusSwitchingProtocols
			tx.status, tx.xcache = resp.StatusCode, xMiss
			if resp.StatusCode >= 400 {
				tx.xcache = xError
			}
			h := resp.Header
			h["X-Cache"] = xcacheValues[tx.xcache]
			h["Via"] = viaValue
			h["X-Hookfront-Request-Id"] = []string{tx.id}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			switch {
			case switched: // the connection is the socket's already: nothing more can be said
				tx.note = "websocket: " + err.Error()
			case errors.Is(err, errFailoverStatus):
				a.next = fmt.Sprintf("status %d", a.status)
				next = true
			case ctx.Err() != nil:
				tx.status, tx.note = 499, "viewer went away"
			default:
				a.dur, a.err = time.Since(a.start), errorKind(err)
				if !last {
					if ok, _ := mayFailover(group, vr, err, 0); ok {
						a.next, next = a.err, true
						return
					}
				}
				status, reason := (&originError{origin: m.ID, err: err}).status()
				tx.note = reason
				s.write(w, tx, s.edgeError(status, reason, tx))
			}
		},
	}
	rp.ServeHTTP(w, tx.r)
	tx.attempts = append(tx.attempts, a)
	if switched && tx.note == "" {
		tx.note = "websocket closed"
	}
	return next
}
