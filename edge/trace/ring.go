// Package trace keeps request traces: it implements the edge's Observer, holds the last N
// requests in a fixed-size ring (so memory stays bounded however long the edge runs), hands new
// ones to live subscribers without ever making a request wait for them, and renders traces as
// JSON for the admin API and the inspector.
package trace

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookfront/hookfront/edge"
)

// DefaultSize is how many requests a ring keeps unless told otherwise (admin.trace_requests).
const DefaultSize = 1000

// Ring is an edge.Observer that keeps the last requests' traces.
type Ring struct {
	detail edge.Detail

	mu   sync.Mutex
	buf  []*Trace // a circle; next is the slot the next trace takes
	next int
	n    int // traces held (at most len(buf))

	subMu sync.Mutex
	subs  atomic.Pointer[[]*Subscription] // replaced whole on change, read without a lock

	// free holds traces that left the ring and that nothing else can reach: the memory of
	// the next ones. A trace was 1.5 KB allocated per request, and collections under load
	// came a third more often with traces on. List and Get hand out copies so that this
	// stays true; a trace offered to subscribers is never reused.
	free sync.Pool
}

// NewRing keeps the last size traces (DefaultSize when size <= 0), each with the given detail.
func NewRing(size int, detail edge.Detail) *Ring {
	if size <= 0 {
		size = DefaultSize
	}
	return &Ring{detail: detail, buf: make([]*Trace, size)}
}

// Size is how many traces the ring keeps.
func (r *Ring) Size() int { return len(r.buf) }

// Observe starts a trace for a request, in the memory of one the ring let go when it can.
func (r *Ring) Observe(string, time.Time, *http.Request) edge.Recorder {
	t, _ := r.free.Get().(*Trace)
	if t == nil {
		t = new(Trace)
	} else {
		*t = Trace{} // no step of the request it held stays reachable
	}
	t.ring = r
	t.HookSteps, t.CacheSteps = t.hookBuf[:0], t.cacheBuf[:0]
	return t
}

// Trace is one request: its summary and its steps by kind (Steps merges them in time order).
// It is filled by the request's goroutine and never changes once in the ring.
type Trace struct {
	ring       *Ring
	Summary    *edge.Summary
	HookSteps  []edge.HookStep
	CacheSteps []edge.CacheStep
	PageSteps  []edge.PageStep

	shared bool // offered to subscribers: never reused

	// Room for the summary and the steps of a common request, so that a trace is one allocation.
	summary    edge.Summary
	attemptBuf [1]edge.AttemptStep
	hookBuf    [4]edge.HookStep
	cacheBuf   [2]edge.CacheStep
}

// Detail is the ring's: summary or full.
func (t *Trace) Detail() edge.Detail { return t.ring.detail }

// Hook, Cache and Page record steps (edge.Recorder).
func (t *Trace) Hook(s edge.HookStep)   { t.HookSteps = append(t.HookSteps, s) }
func (t *Trace) Cache(s edge.CacheStep) { t.CacheSteps = append(t.CacheSteps, s) }
func (t *Trace) Page(s edge.PageStep)   { t.PageSteps = append(t.PageSteps, s) }

// BorrowsSummary: End copies what a trace shows, so that the edge can reuse its Summaries.
func (t *Trace) BorrowsSummary() {}

// End puts the finished trace in the ring, in place of the oldest, and offers it to subscribers.
// It keeps a copy of the summary without the response headers, which no trace shows: every
// pointer a held trace keeps is marked at every collection, and a header map is a dozen objects
// (1,000 held traces with their summaries and headers cost a request 4 % more instructions).
func (t *Trace) End(s *edge.Summary) {
	t.summary = *s
	t.summary.Header = nil
	t.summary.Attempts = append(t.attemptBuf[:0], s.Attempts...)
	t.Summary = &t.summary
	r := t.ring
	subs := r.subs.Load()
	t.shared = subs != nil && len(*subs) > 0
	r.mu.Lock()
	old := r.buf[r.next]
	r.buf[r.next] = t
	r.next = (r.next + 1) % len(r.buf)
	r.n = min(r.n+1, len(r.buf))
	r.mu.Unlock()
	if old != nil && !old.shared {
		r.free.Put(old)
	}
	if t.shared {
		for _, sub := range *subs {
			sub.offer(t)
		}
	}
}

// clone copies a trace held in the ring, which may be reused once it leaves the ring. The
// steps' call traces are shared: a reused trace replaces them and never changes them.
func (t *Trace) clone() *Trace {
	c := &Trace{ring: t.ring, shared: true}
	c.summary = t.summary
	c.summary.Attempts = append([]edge.AttemptStep(nil), t.summary.Attempts...)
	c.Summary = &c.summary
	c.HookSteps = append(c.hookBuf[:0], t.HookSteps...)
	c.CacheSteps = append(c.cacheBuf[:0], t.CacheSteps...)
	c.PageSteps = append([]edge.PageStep(nil), t.PageSteps...)
	return c
}

// Query selects traces.
type Query struct {
	Limit  int    // at most this many (0: all held)
	Path   string // the path (with query string) contains this
	Status string // "503", or a class: "5xx"
}

func (q Query) match(t *Trace) bool {
	s := t.Summary
	if q.Path != "" && !strings.Contains(s.Path, q.Path) {
		return false
	}
	switch st := strconv.Itoa(s.Status); {
	case q.Status == "":
	case len(q.Status) == 3 && strings.HasSuffix(q.Status, "xx"):
		return st[0] == q.Status[0]
	default:
		return st == q.Status
	}
	return true
}

// List returns copies of the traces q selects, newest first.
func (r *Ring) List(q Query) []*Trace {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*Trace
	for i := 1; i <= r.n; i++ {
		t := r.buf[(r.next-i+len(r.buf))%len(r.buf)]
		if !q.match(t) {
			continue
		}
		out = append(out, t.clone())
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
	}
	return out
}

// Get returns a copy of the trace of request id, or nil when it is not (or no longer) held.
func (r *Ring) Get(id string) *Trace {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := 1; i <= r.n; i++ {
		if t := r.buf[(r.next-i+len(r.buf))%len(r.buf)]; t.Summary.ID == id {
			return t.clone()
		}
	}
	return nil
}

// Subscription receives each new trace on C. A subscriber that does not keep up loses traces
// rather than slowing requests down; Dropped says how many.
type Subscription struct {
	C       chan *Trace
	ring    *Ring
	dropped atomic.Int64
}

// Subscribe starts a subscription with room for buffer traces not yet taken.
func (r *Ring) Subscribe(buffer int) *Subscription {
	s := &Subscription{C: make(chan *Trace, buffer), ring: r}
	r.subMu.Lock()
	defer r.subMu.Unlock()
	var next []*Subscription
	if cur := r.subs.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, s)
	r.subs.Store(&next)
	return s
}

// Close ends the subscription.
func (s *Subscription) Close() {
	r := s.ring
	r.subMu.Lock()
	defer r.subMu.Unlock()
	cur := r.subs.Load()
	if cur == nil {
		return
	}
	next := make([]*Subscription, 0, len(*cur))
	for _, o := range *cur {
		if o != s {
			next = append(next, o)
		}
	}
	r.subs.Store(&next)
}

// Dropped returns how many traces were lost since the last call, and starts counting afresh.
func (s *Subscription) Dropped() int64 { return s.dropped.Swap(0) }

func (s *Subscription) offer(t *Trace) {
	select {
	case s.C <- t:
	default:
		s.dropped.Add(1)
	}
}
