package writequeue

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/hookfront/hookfront/edge"
)

// run delivers the group's writes until ctx ends: oldest first, one at a time (a member that
// comes back is not flooded), each after its own backoff. A write with an order_by value waits
// until every earlier write with that value has ended. When no member took a write, the others
// wait too (the origins look down for all of them), and when the wait is over one write probes
// whether a member is back: the oldest, unless it found them down twice in a row (see probe).
func (q *queue) run(ctx context.Context, d Deliverer) {
	q.log.Info("write queue", "store", q.st.describe(), "max_bytes", q.cfg.MaxBytes, "max_age", q.cfg.MaxAge)
	var p pause
	nextPurge := time.Now()
	for ctx.Err() == nil {
		wait := q.cfg.MaxInterval
		if q.st.leading() {
			wait = time.Until(q.round(ctx, d, &p))
		}
		if _, remote := q.st.(*redisStore); remote {
			// Other replicas add writes, and the lease may change hands: look again soon.
			wait = min(wait, q.cfg.Interval)
		}
		if now := time.Now(); now.After(nextPurge) {
			if err := q.st.purge(ctx, now.Add(-q.cfg.MaxAge)); err != nil {
				q.log.Warn("write queue: removing old finished records failed", "error", err)
			}
			nextPurge = now.Add(max(q.cfg.MaxAge/10, time.Minute))
		}
		t := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
		case <-q.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// pause is the queue's wait after deliveries that found every member down.
type pause struct {
	until  time.Time // no delivery before this (zero: none)
	downs  int       // deliveries in a row that found every member down
	failed string    // the write whose delivery found them down last,
	again  int       // and how many of those deliveries in a row were its
}

// down starts (or lengthens) the pause after a delivery that found every member down: interval,
// doubled with each such delivery in a row, up to max_interval.
func (p *pause) down(q *queue, id string) {
	p.downs++
	if id == p.failed {
		p.again++
	} else {
		p.failed, p.again = id, 1
	}
	p.until = time.Now().Add(q.backoff(p.downs))
}

// round goes through the writes not finished once, delivers those that are due and returns when
// the next round is due.
func (q *queue) round(ctx context.Context, d Deliverer, p *pause) time.Time {
	now := time.Now()
	next := now.Add(q.cfg.MaxInterval)
	recs, err := q.st.pending(ctx)
	if err != nil {
		q.log.Warn("write queue: reading the queue failed", "store", q.st.describe(), "error", err)
		return now.Add(q.cfg.Interval)
	}
	probed, probeDone := "", false
	if !p.until.IsZero() {
		if i := probe(recs, now, !now.Before(p.until), p.poisoned()); i >= 0 {
			// The first delivery after a pause tells whether a member is back.
			probed = recs[i].ID
			switch done, down, r := q.deliver(ctx, d, recs[i]); {
			case done:
				*p, probeDone = pause{}, true
			case down:
				p.down(q, r.ID)
				return earliest(next, p.until, r.NextAttempt)
			case r == nil: // the store failed; it says why in the log
				return time.Now().Add(q.cfg.Interval)
			}
		}
	}
	waiting := map[string]bool{} // order_by values with an earlier write not ended
	for _, r := range recs {
		if ctx.Err() != nil || !q.st.leading() {
			break
		}
		if r.ID == probed { // delivered above; a later write with its value waits unless it ended
			if r.OrderKey != "" && !probeDone {
				waiting[r.OrderKey] = true
			}
			continue
		}
		if r.State == Expired || (r.OrderKey != "" && waiting[r.OrderKey]) {
			continue
		}
		if r.State == Delivering {
			// A delivery cut off by a crash, a stop or a replica that died: the origin may have it.
			if r = q.interrupted(ctx, r); r == nil {
				continue
			}
		}
		now = time.Now()
		if !now.Before(r.Expires) {
			q.expire(ctx, r)
			continue
		}
		if r.OrderKey != "" {
			waiting[r.OrderKey] = true
		}
		due := r.NextAttempt
		if p.until.After(due) {
			due = p.until
		}
		if due.After(now) {
			next = earliest(next, due, r.Expires)
			continue
		}
		done, down, r2 := q.deliver(ctx, d, r)
		switch {
		case done:
			*p = pause{}
			if r.OrderKey != "" {
				waiting[r.OrderKey] = false
			}
		case r2 == nil: // the store failed; it says why in the log
			next = earliest(next, time.Now().Add(q.cfg.Interval))
		default:
			if down {
				p.down(q, r.ID)
				next = earliest(next, p.until)
			}
			next = earliest(next, r2.NextAttempt, r2.Expires)
		}
	}
	return next
}

// poisoned is the write that found every member down twice in a row, if one did: it may be
// one an origin fails by itself every time.
func (p *pause) poisoned() string {
	if p.again >= 2 {
		return p.failed
	}
	return ""
}

// probe picks the write that probes the members after a pause: of the writes due and free to
// go (queued, not expired, first of their order_by value), a write the operator asked to retry,
// else the oldest but a poisoned one. So the oldest write goes first when the members come back,
// and a write an origin fails by itself every time takes at most every other probe, not all of
// them until it expires. -1 when none is due.
func probe(recs []*Record, now time.Time, waitOver bool, poisoned string) int {
	best := -1
	seen := map[string]bool{}
	for i, r := range recs {
		if r.State == Expired {
			continue
		}
		if r.OrderKey != "" {
			if seen[r.OrderKey] {
				continue
			}
			seen[r.OrderKey] = true
		}
		if r.State != Queued || now.After(r.Expires) {
			continue
		}
		if r.RetryNow {
			return i
		}
		if !waitOver || r.NextAttempt.After(now) {
			continue
		}
		if best < 0 || recs[best].ID == poisoned {
			best = i
		}
	}
	return best
}

// send delivers w; a panic costs this delivery (the write is tried again), never the process.
func (q *queue) send(ctx context.Context, d Deliverer, id string, w *edge.QueuedWrite) (res edge.Delivery) {
	defer func() {
		if p := recover(); p != nil {
			q.log.Error("write queue: a delivery panicked; the write is tried again", "queued", id, "panic", p, "stack", string(debug.Stack()))
			res = edge.Delivery{Outcome: edge.Failed, Error: fmt.Sprintf("the delivery failed inside hookfront: %v", p)}
		}
	}()
	return d.Deliver(ctx, id, w)
}

func earliest(ts ...time.Time) time.Time {
	m := ts[0]
	for _, t := range ts[1:] {
		if t.Before(m) {
			m = t
		}
	}
	return m
}

// backoff is the wait after the n-th failed delivery: interval, doubled each time, up to
// max_interval.
func (q *queue) backoff(n int) time.Duration {
	d := q.cfg.Interval
	for i := 1; i < n && d < q.cfg.MaxInterval; i++ {
		d *= 2
	}
	return min(d, q.cfg.MaxInterval)
}

var (
	errSkip      = errors.New("skip")
	errTakenOver = errors.New("taken over by another replica")
)

// interrupted puts a write found mid-delivery back in the queue; it is sent again with the
// idempotency key it always carries.
func (q *queue) interrupted(ctx context.Context, r *Record) *Record {
	id := r.ID
	r, err := q.st.update(ctx, id, func(r *Record) error {
		if r.State != Delivering {
			return errSkip
		}
		r.State, r.Interrupted = Queued, r.Interrupted+1
		r.LastError = "a delivery was cut off (hookfront stopped or crashed, or its replica died); it is sent again with its idempotency key, " + r.key()
		return nil
	})
	if err != nil {
		q.logFailed(id, "re-queueing an interrupted delivery", err)
		return nil
	}
	q.log.Warn("write queue: a delivery was cut off; sending it again with its idempotency key", "queued", r.ID, "interrupted", r.Interrupted)
	return r
}

func (q *queue) expire(ctx context.Context, r *Record) {
	id := r.ID
	r, err := q.st.update(ctx, id, func(r *Record) error {
		if r.State != Queued {
			return errSkip
		}
		r.State = Expired
		r.LastError = "not delivered within max_age; kept with its body: POST /api/queue/" + r.ID + "/retry sends it again"
		return nil
	})
	if err != nil {
		q.logFailed(id, "expiring", err)
		return
	}
	q.expired.Add(1)
	q.log.Warn("write queue: a write expired (not delivered within max_age)", "queued", r.ID, "received", r.Received, "attempts", r.Attempts, "last_error", r.LastError)
}

// logFailed says why a change to write id was not stored. (The record a failed update returns
// is nil: the id is the caller's.)
func (q *queue) logFailed(id, doing string, err error) {
	if !errors.Is(err, errSkip) && !errors.Is(err, errUnknown) {
		q.log.Warn("write queue: "+doing+" failed", "queued", id, "error", err)
	}
}

// deliver sends one write: marked delivering on stable storage first, so that a crash during
// the send is seen at restart, then sent, then its outcome stored. done: the write ended; down:
// no member took it.
func (q *queue) deliver(ctx context.Context, d Deliverer, r *Record) (done, down bool, out *Record) {
	id := r.ID
	r, err := q.st.update(ctx, id, func(r *Record) error {
		if r.State != Queued {
			return errSkip
		}
		r.State, r.Attempts, r.LastAttempt, r.RetryNow = Delivering, r.Attempts+1, time.Now(), false
		if rs, ok := q.st.(*redisStore); ok {
			r.Owner = rs.consumer
		}
		return nil
	})
	if err != nil {
		q.logFailed(id, "marking a delivery", err)
		return false, false, nil
	}
	attempt := r.Attempts
	body, err := q.st.body(ctx, r)
	res := edge.Delivery{Outcome: edge.Failed}
	if err != nil {
		res.Error = "reading the body: " + err.Error()
	} else {
		res = q.send(ctx, d, id, r.write(body))
	}
	// The outcome is stored even when stopping: a write left "delivering" would count as cut off.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	stopped := ctx.Err() != nil
	now := time.Now()
	r, err = q.st.update(sctx, id, func(r *Record) error {
		if r.State != Delivering {
			return errSkip
		}
		if r.Attempts != attempt {
			// Another replica took the write over meanwhile (this one's Redis lease ran out) and
			// is sending it again: the outcome is that delivery's to store, whatever this one's.
			return errTakenOver
		}
		r.LastDelivery = res.RequestID
		switch {
		case res.Outcome == edge.Answered:
			r.State, r.Status, r.Origin, r.Finished, r.Response, r.LastError = Delivered, res.Status, res.Origin, now, answer(&res), ""
			if res.Status >= 400 {
				r.State = Rejected
			}
		case stopped:
			r.State, r.Interrupted, r.NextAttempt = Queued, r.Interrupted+1, now
			r.LastError = "a delivery was cut off (hookfront stopped); it is sent again with its idempotency key, " + r.key()
		default:
			r.State, r.LastError, r.NextAttempt = Queued, res.Error, now.Add(q.backoff(r.Attempts))
			r.Origin = res.Origin
		}
		return nil
	})
	if errors.Is(err, errTakenOver) {
		q.log.Warn("write queue: this delivery's outcome is not stored: another replica took it over (this one's lease ran out) and sends it again",
			"queued", id, "attempt", attempt, "status", res.Status, "error", res.Error, "request", res.RequestID)
		return false, false, nil
	}
	if err != nil {
		q.logFailed(id, "storing a delivery's outcome", err)
		return false, false, nil
	}
	switch r.State {
	case Delivered:
		q.delivered.Add(1)
	case Rejected:
		q.rejected.Add(1)
	}
	q.log.Info("write queue: delivery", "queued", id, "state", r.State, "attempt", r.Attempts, "status", r.Status, "origin", r.Origin, "error", r.LastError, "request", res.RequestID)
	return finished(r.State), res.Outcome == edge.Unavailable, r
}
