package edge

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// WriteQueue keeps writes that no member of their group processed, to deliver them once a
// member is back (write_failover.queue). It is declared here, where the edge calls it, and
// implemented by edge/writequeue.
type WriteQueue interface {
	// Enqueue stores w durably and only then returns the receipt the viewer gets. An error means
	// w is not stored: the viewer then gets the answer it would have got without a queue.
	Enqueue(ctx context.Context, w *QueuedWrite) (*QueueReceipt, error)
}

// QueueSettings is what the edge itself needs to know of a group's write queue; the queue's
// store, limits and retry schedule belong to the WriteQueue.
type QueueSettings struct {
	AcceptedStatus int // the status of the receipt; 202 when 0
}

// QueuedWrite is a write as it goes to the queue: the request after viewer-request, as its
// origin attempts were built from it.
type QueuedWrite struct {
	Group     string // the origin group it is delivered to
	Behavior  string // the behavior it matched (its origin hooks run on each delivery)
	RequestID string // the viewer's request (x-hookfront-request-id)
	Received  time.Time
	Method    string
	URI       string // path, percent-encoded as the viewer sent it (or viewer-request set it)
	RawQuery  string
	HasQuery  bool
	Host      string
	Header    http.Header
	Body      []byte
	ClientIP  string
	// KeyHeader is the idempotency key's header: the group's idempotency_key, or Idempotency-Key.
	// The queue adds it, with the write's ID, when the viewer sent none.
	KeyHeader string
}

// QueueReceipt is what the viewer gets for a queued write.
type QueueReceipt struct {
	ID          string
	ContentType string
	Body        []byte
}

// DefaultIdempotencyKey is the header a queued write carries its key in when the group names none.
const DefaultIdempotencyKey = "Idempotency-Key"

// ErrNoQueue is what a WriteQueue answers for a group it does not hold.
var ErrNoQueue = errors.New("no write queue for this group")

// SetWriteQueue gives the server the queue that groups with write_failover.queue put writes in.
// It is called once, before the server serves.
func (s *Server) SetWriteQueue(q WriteQueue) { s.queue = q }

// keyHeader is the header that carries a write's idempotency key.
func (wf *WriteFailover) keyHeader() string {
	if wf.IdempotencyKey != "" {
		return wf.IdempotencyKey
	}
	return DefaultIdempotencyKey
}

// mayQueue says whether a write that the last member of its group failed goes to the group's
// queue. It does when no member may have processed the write — each failed with (a) no
// connection (connect_failure in write_failover.on) or (b) a status in write_failover.on — or
// when a member that may have processed it (c: a timeout or a failure after the request was
// sent) is covered by the write's own idempotency key: sent again later, maybe long after, only
// the key lets the origin tell it from the first copy; PUT and DELETE need it too.
// A request a CloudFront Function routed elsewhere is not queued: its route is not kept.
func (tx *exchange) mayQueue(vr *viewerRequest, err error, status int) bool {
	g := tx.b.group
	if g == nil || tx.members != nil || tx.forPage {
		return false
	}
	wf := g.WriteFailover
	if wf == nil || wf.Queue == nil || !wf.applies(vr.method) || vr.buffered == nil {
		return false
	}
	var ce *ConnectError
	maybeApplied := err != nil && !errors.As(err, &ce)
	if ok, _ := wf.decide(vr, err, status); !ok && !maybeApplied {
		return false
	}
	for _, a := range tx.attempts {
		maybeApplied = maybeApplied || (a.err != "" && a.err != "connect_failure")
	}
	return !maybeApplied || vr.header.Get(wf.keyHeader()) != ""
}

// enqueue puts a write that no member took into its group's queue and returns the receipt for
// the viewer, or nil with the reason when it could not be stored.
func (s *Server) enqueue(ctx context.Context, tx *exchange, vr *viewerRequest) (*response, string) {
	if s.queue == nil {
		return nil, ErrNoQueue.Error()
	}
	g := tx.b.group
	w := &QueuedWrite{Group: g.ID, Behavior: tx.b.ID(), RequestID: tx.id, Received: tx.start, Method: vr.method,
		URI: vr.uri, RawQuery: vr.rawQuery, HasQuery: vr.hasQuery, Host: vr.host, Header: vr.header.Clone(),
		Body: vr.buffered, ClientIP: vr.ip, KeyHeader: g.WriteFailover.keyHeader()}
	rc, err := s.queue.Enqueue(ctx, w)
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "write not queued", slog.String("id", tx.id), slog.String("group", g.ID), slog.String("error", err.Error()))
		return nil, err.Error()
	}
	tx.note = "queued " + rc.ID
	status := g.WriteFailover.Queue.AcceptedStatus
	if status == 0 {
		status = http.StatusAccepted
	}
	h := http.Header{"Content-Type": {rc.ContentType}, "Cache-Control": {"no-store"}, "X-Hookfront-Queued": {rc.ID}}
	return &response{status: status, header: h, body: rc.Body, xcache: xMiss}, ""
}
