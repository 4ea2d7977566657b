package edge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
)

// originResult is the final answer of the attempt loop.
type originResult struct {
	status    int
	header    http.Header
	body      io.ReadCloser // the origin's body, streaming; nil when bytes is set
	length    int64         // body's length as the origin declared it, -1 when unknown
	bytes     []byte        // a body a hook generated or replaced
	generated bool          // origin-request generated the response
	member    *Origin       // the origin that answered
}

// close releases an unused result.
func (res *originResult) close() {
	if res.body != nil {
		drainClose(res.body)
	}
}

var errClientGone = errors.New("viewer went away")

// originError is an attempt loop that ended with no usable response.
type originError struct {
	origin string
	err    error
}

func (e *originError) Error() string { return "origin " + e.origin + ": " + e.err.Error() }
func (e *originError) Unwrap() error { return e.err }

// status is the status CloudFront answers for an origin failure: 504 when the origin never
// answered in time, 502 otherwise (refused port, reset, malformed or oversized response).
func (e *originError) status() (int, string) {
	var ce *ConnectError
	if errors.As(e.err, &ce) {
		if isTimeout(ce.Err) {
			return http.StatusGatewayTimeout, fmt.Sprintf("The origin %s did not accept a connection in time (%d attempts).", e.origin, ce.Attempts)
		}
		return http.StatusBadGateway, fmt.Sprintf("The origin %s could not be reached (%d connection attempts failed).", e.origin, ce.Attempts)
	}
	if isTimeout(e.err) {
		return http.StatusGatewayTimeout, fmt.Sprintf("The origin %s did not respond within its response timeout.", e.origin)
	}
	if isTLSFailure(e.err) {
		return http.StatusBadGateway, fmt.Sprintf("The TLS handshake with the origin %s failed (its certificate is not trusted or not for its name).", e.origin)
	}
	return http.StatusBadGateway, fmt.Sprintf("The origin %s sent an incomplete or invalid response.", e.origin)
}

// errorKind names an attempt failure in the access log.
func errorKind(err error) string {
	var ce *ConnectError
	switch {
	case errors.As(err, &ce):
		return "connect_failure"
	case isTimeout(err):
		return "timeout"
	default:
		return "error"
	}
}

// attempts runs the origin attempts of one request: the primary first, then each further member
// while the raw answer calls for failover. Origin hooks run on every attempt.
func (s *Server) attempts(ctx context.Context, tx *exchange, vr *viewerRequest, stale *Entry) (*originResult, error) {
	members, group := tx.target()
	hasReq, hasResp := tx.has(event.OriginRequest), tx.has(event.OriginResponse)
	tx.planHealth(vr.method)
	hp := &tx.health
	for i, m := range members {
		if hp.skipped(i) {
			tx.attempts = append(tx.attempts, skippedAttempt(m, group))
			continue
		}
		last := hp.last(i, len(members))
		tx.member = i
		// ev is what origin hooks see; changed is the request as origin-request left it, nil when
		// it left it as it was (the outbound request is then built from vr, which is cheaper).
		var ev, changed *event.Request
		if hasReq || hasResp {
			// Every attempt starts from the same viewer request. A shallow copy is enough: the
			// hooks package never changes the request it is given.
			c := vr.originEvent(m)
			c.Origin = m.eventFor(vr.tls)
			c.Body = vr.eventBody(event.OriginRequest)
			ev = &c
		}
		if hasReq {
			out, gen, err := tx.requestHook(ctx, event.OriginRequest, ev)
			if err != nil {
				hp.unknown(i)
				return nil, &hookError{trigger: event.OriginRequest, err: err}
			}
			if gen != nil {
				hp.unknown(i)
				status, h, body := applyEventResponse(gen)
				return &originResult{status: status, header: h, length: -1, bytes: body, generated: true, member: m}, nil
			}
			if out != ev {
				ev, changed = out, out
			}
		}
		start := time.Now()
		resp, err := s.roundTrip(ctx, tx, vr, changed, m, stale)
		a := attemptLog{origin: m.ID, start: start, dur: time.Since(start), url: tx.sentURL}
		if group != nil {
			a.group = group.ID
		}
		if err != nil {
			if vr.bodyTimedOut() { // before the context, which net/http cancels on a read error
				hp.unknown(i)
				a.err = "viewer_body_timeout"
				tx.attempts = append(tx.attempts, a)
				return nil, errBodyTimeout
			}
			if ctx.Err() != nil {
				hp.unknown(i)
				return nil, errClientGone
			}
			if vr.bodyFailed() { // the viewer's body broke on its way: no failover, no health
				hp.unknown(i)
				a.err = "viewer_body_error"
				tx.attempts = append(tx.attempts, a)
				return nil, errViewerBody
			}
			hp.observed(i, group, vr.method, err, 0)
			a.err = errorKind(err)
			if !last {
				if ok, why := mayFailover(group, vr, err, 0); ok {
					a.next = a.err
					tx.attempts = append(tx.attempts, a)
					continue
				} else {
					a.stop = why
				}
			} else {
				tx.queueable = tx.mayQueue(vr, err, 0)
			}
			tx.attempts = append(tx.attempts, a)
			return nil, &originError{origin: m.ID, err: err}
		}
		a.status = resp.StatusCode
		hp.observed(i, group, vr.method, nil, resp.StatusCode)
		removeHopHeaders(resp.Header)
		res := &originResult{status: resp.StatusCode, header: resp.Header, body: resp.Body, length: resp.ContentLength, member: m}
		if hasResp {
			in := eventResponse(res.status, res.header)
			out, err := tx.responseHook(ctx, event.OriginResponse, ev, in)
			if err != nil {
				tx.attempts = append(tx.attempts, a)
				res.close()
				return nil, &hookError{trigger: event.OriginResponse, err: err}
			}
			if out != in { // the hook changed something
				status, h, body := applyEventResponse(out)
				res.status, res.header = status, h
				if body != nil {
					res.close()
					res.body, res.bytes = nil, body
				}
			}
		}
		// Failover looks at the origin's raw status, so a hook cannot suppress or force it.
		if !last {
			if ok, why := mayFailover(group, vr, nil, resp.StatusCode); ok {
				a.next = fmt.Sprintf("status %d", resp.StatusCode)
				tx.attempts = append(tx.attempts, a)
				res.close()
				continue
			} else {
				a.stop = why
			}
		} else {
			tx.queueable = tx.mayQueue(vr, nil, resp.StatusCode)
		}
		tx.attempts = append(tx.attempts, a)
		vr.pol.dropSetCookie(res.header)
		return res, nil
	}
	panic("unreachable: a behavior always has at least one member")
}

// mayFailover decides whether the request goes on to the group's next member after an attempt
// that failed with err or answered status. GET, HEAD and OPTIONS follow CloudFront's rules;
// writes fail over only with the group's write_failover and its safety rules. why names the rule
// that kept a request from failing over, when the same outcome would have failed over a GET.
func mayFailover(g *Group, vr *viewerRequest, err error, status int) (ok bool, why string) {
	if g == nil {
		return false, ""
	}
	wouldGET := err != nil || g.FailoverOn[status]
	if failoverMethod(vr.method) {
		return wouldGET, ""
	}
	wf := g.WriteFailover
	if !wf.applies(vr.method) {
		switch {
		case !wouldGET:
			return false, ""
		case wf == nil:
			return false, vr.method + " does not fail over without write_failover"
		default:
			return false, vr.method + " is not in write_failover.methods"
		}
	}
	ok, why = wf.decide(vr, err, status)
	if !ok && !wouldGET {
		why = ""
	}
	return ok, why
}

// roundTrip sends one attempt to o. For GET and HEAD a response timeout is retried up to the
// origin's connection attempts, as CloudFront does; other methods are sent once. The response
// timeout is enforced by the origin's connections (deadlineConn), for the headers and for every
// read of the body.
func (s *Server) roundTrip(ctx context.Context, tx *exchange, vr *viewerRequest, ev *event.Request, o *Origin, stale *Entry) (*http.Response, error) {
	tries := 1
	if vr.method == http.MethodGet || vr.method == http.MethodHead {
		tries = o.ConnectionAttempts
	}
	var err error
	for i := 0; i < tries; i++ {
		var resp *http.Response
		req := s.outbound(ctx, tx, vr, ev, o, stale)
		tx.sentURL = req.URL
		if resp, err = o.transport.RoundTrip(req); err == nil {
			return resp, nil
		}
		var ce *ConnectError
		if ctx.Err() != nil || errors.As(err, &ce) || !isTimeout(err) {
			break
		}
	}
	return nil, err
}

// bodyFailed records that the answering origin's body broke off after its headers: in its
// attempt, and in passive health, which counted the headers as a success; a member that breaks
// off every body fails every request, as one that refuses connections does. A body cut because
// the viewer went away says nothing about the origin.
func (tx *exchange) bodyFailed(err error) {
	tx.attempts[len(tx.attempts)-1].err = "body_" + errorKind(err)
	if tx.r.Context().Err() == nil {
		tx.health.observed(tx.member, tx.b.group, tx.r.Method, err, 0)
	}
}

// drainClose reads a little of a discarded body so that its connection can be reused, then closes.
func drainClose(rc io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, rc, 64<<10)
	_ = rc.Close()
}
