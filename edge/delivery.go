package edge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
)

// DeliveryOutcome is how one delivery attempt of a queued write ended.
type DeliveryOutcome uint8

const (
	// Answered: a member (or an origin-request hook) answered something that is not a failover
	// condition; that answer is the write's outcome.
	Answered DeliveryOutcome = iota
	// Unavailable: every member failed the way that sends a write on (no connection, a status in
	// write_failover.on, a timeout): try again later.
	Unavailable
	// Failed: the write could not be sent (a hook failed, its group is gone, hookfront is
	// stopping): try this write again later; others may go.
	Failed
)

// Delivery is the result of one delivery attempt.
type Delivery struct {
	Outcome DeliveryOutcome
	Status  int    // the answer's status (Answered)
	Origin  string // the member that answered, or failed last
	Header  http.Header
	Body    []byte // the first DeliveryBodyLimit bytes of the answer
	Error   string // why it was not answered
	// RequestID is the id of the delivery as a request (its trace and access-log line).
	RequestID string
}

// DeliveryBodyLimit is how much of an origin's answer to a queued write is kept.
const DeliveryBodyLimit = 16 << 10

// Deliver sends a queued write to its group as the edge sends any write: the current
// distribution and the current hook generation, origin-request and origin-response hooks on each
// attempt, the group's failover rules between members. Viewer hooks, the cache and error pages
// do not take part: the viewer had its answer (the receipt) long ago. Each delivery is a request
// of its own in the access log and the traces, noted "delivery of queued ID".
func (s *Server) Deliver(ctx context.Context, id string, w *QueuedWrite) Delivery {
	d := s.dist.Load()
	b := d.behavior(w.Behavior)
	if b == nil {
		b = d.match(pathOf(w.URI))
	}
	r := (&http.Request{Method: w.Method, URL: &url.URL{Path: pathOf(w.URI), RawPath: w.URI, RawQuery: w.RawQuery, ForceQuery: w.HasQuery && w.RawQuery == ""},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Host: w.Host, Header: w.Header.Clone(), RemoteAddr: net.JoinHostPort(w.ClientIP, "0")}).WithContext(ctx)
	tx := &exchange{id: newRequestID(), start: time.Now(), r: r, d: d, b: b, hooks: s.currentHooks(d)}
	out := Delivery{RequestID: tx.id}
	s.observe(tx)
	defer s.finish(tx)
	defer func() {
		tx.note = "delivery of queued " + id + ": " + out.summary()
	}()
	g := d.group(w.Group)
	if g == nil {
		out.Outcome, out.Error = Failed, fmt.Sprintf("the origin group %q is no longer in the config", w.Group)
		return out
	}
	tx.members, tx.group = g.Members, g
	vr := &viewerRequest{method: w.Method, uri: w.URI, rawQuery: w.RawQuery, host: w.Host, header: r.Header,
		bodyLen: int64(len(w.Body)), buffered: w.Body, ip: w.ClientIP, hasQuery: w.HasQuery}
	if vr.buffered == nil {
		vr.buffered = []byte{}
	}
	d.initPolicy(vr, b, r)
	if b.IncludeBody && tx.has(event.OriginRequest) {
		vr.prefix = vr.buffered
	}
	res, err := s.attempts(ctx, tx, vr, nil)
	var he *hookError
	var oe *originError
	switch {
	case ctx.Err() != nil:
		out.Outcome, out.Error = Failed, "hookfront stopped during the delivery"
	case errors.As(err, &he):
		status, class := he.status()
		tx.status = status
		out.Outcome, out.Error = Failed, fmt.Sprintf("%s (%s)", he.Error(), class)
	case errors.As(err, &oe):
		status, reason := oe.status()
		tx.status = status
		out.Outcome, out.Origin, out.Error = Unavailable, oe.origin, reason
	case err != nil:
		out.Outcome, out.Error = Failed, err.Error()
	default:
		out.Origin = res.member.ID
		if wf := g.WriteFailover; !res.generated && wf != nil { // a generated answer has no attempt
			if raw := tx.attempts[len(tx.attempts)-1].status; wf.OnStatus[raw] {
				res.close()
				tx.status = raw
				out.Outcome, out.Error = Unavailable, fmt.Sprintf("the origin %s answered %d (in write_failover.on)", out.Origin, raw)
				break
			}
		}
		tx.status = res.status
		out.Outcome, out.Status, out.Header, out.Body = Answered, res.status, res.header, res.bytes
		if res.body != nil {
			out.Body, _ = io.ReadAll(io.LimitReader(res.body, DeliveryBodyLimit))
			res.close()
		}
		if len(out.Body) > DeliveryBodyLimit {
			out.Body = out.Body[:DeliveryBodyLimit]
		}
	}
	return out
}

func (o *Delivery) summary() string {
	switch o.Outcome {
	case Answered:
		return fmt.Sprintf("answered %d", o.Status)
	case Unavailable:
		return "no member took it: " + o.Error
	}
	return "failed: " + o.Error
}

// pathOf is the decoded path of a percent-encoded one (the encoded one when it does not decode).
func pathOf(uri string) string {
	if p, err := url.PathUnescape(uri); err == nil {
		return p
	}
	return uri
}

// behavior finds a behavior by its id (its path pattern).
func (d *Distribution) behavior(id string) *Behavior {
	for _, b := range d.Behaviors {
		if b.ID() == id {
			return b
		}
	}
	return nil
}

// group finds an origin group by id.
func (d *Distribution) group(id string) *Group {
	for _, g := range d.Groups {
		if g.ID == id {
			return g
		}
	}
	return nil
}
