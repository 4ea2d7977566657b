// Package writequeue keeps the writes that no member of an origin group processed and delivers
// them once a member is back (write_failover.queue): on disk in a bbolt file per group, or in
// Redis Streams shared by several replicas. A write is accepted only once it is on stable
// storage; each delivery is marked durably before it is sent and carries the write's idempotency
// key, so a crash at any point loses no accepted write and never sends one twice without it.
package writequeue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hookfront/hookfront/edge"
)

// Config is one group's queue.
type Config struct {
	Group       string
	Store       string // "disk", or a redis:// or rediss:// URL
	Dir         string // disk: the folder of <group>.db
	MaxBytes    int64
	MaxAge      time.Duration
	Interval    time.Duration // the first retry; doubled after each failed delivery …
	MaxInterval time.Duration // … up to this
	OrderBy     string        // a header: writes with the same value are delivered in order
}

// Options are what all queues share.
type Options struct {
	// StatusURL is the admin API's address of a write, shown in the receipt; nil: none.
	StatusURL func(id string) string
	Log       *slog.Logger
}

// Deliverer sends a queued write to its group: the edge (edge.Server).
type Deliverer interface {
	Deliver(ctx context.Context, id string, w *edge.QueuedWrite) edge.Delivery
}

// Manager holds the queues of all groups that have one; it is the edge's WriteQueue.
type Manager struct {
	opt    Options
	queues map[string]*queue
	order  []string // group ids, as configured
	stop   context.CancelFunc
	done   chan struct{}
}

// queue is one group's queue.
type queue struct {
	cfg  Config
	st   store
	log  *slog.Logger
	kick chan struct{}
	// counts of writes that ended here, by outcome (for metrics).
	delivered, rejected, expired atomic.Uint64
}

// Open opens the stores of cfgs. A store that cannot be used (a folder that is not writable, a
// damaged file, an unreachable Redis) is an error: the edge must not start on it.
func Open(ctx context.Context, cfgs []Config, opt Options) (*Manager, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	m := &Manager{opt: opt, queues: map[string]*queue{}}
	for _, c := range cfgs {
		q := &queue{cfg: c, log: opt.Log.With("group", c.Group), kick: make(chan struct{}, 1)}
		var err error
		if c.Store == "" || c.Store == "disk" {
			q.st, err = openDisk(c.Dir, c.Group)
		} else {
			q.st, err = openRedis(ctx, c.Store, c.Group, leaseFor(c.Interval), c.MaxAge, q.log)
		}
		if err != nil {
			m.Close()
			return nil, fmt.Errorf("write queue of origin group %q: %w", c.Group, err)
		}
		m.queues[c.Group] = q
		m.order = append(m.order, c.Group)
	}
	return m, nil
}

// leaseFor is how long a Redis replica leads after its last renewal: a replica that dies is
// replaced within it.
func leaseFor(interval time.Duration) time.Duration {
	return min(max(5*interval, time.Second), 30*time.Second)
}

// Start runs each group's delivery loop until Close.
func (m *Manager) Start(d Deliverer) {
	ctx, cancel := context.WithCancel(context.Background())
	m.stop, m.done = cancel, make(chan struct{})
	go func() {
		defer close(m.done)
		done := make(chan struct{})
		for _, q := range m.queues {
			go func() {
				q.run(ctx, d)
				done <- struct{}{}
			}()
		}
		for range m.queues {
			<-done
		}
	}()
}

// Close stops delivering (a delivery in flight is cut off and sent again later, with its key)
// and closes the stores.
func (m *Manager) Close() error {
	if m.stop != nil {
		m.stop()
		<-m.done
	}
	var errs []error
	for _, q := range m.queues {
		errs = append(errs, q.st.close())
	}
	return errors.Join(errs...)
}

// Enqueue stores w durably and returns the viewer's receipt.
func (m *Manager) Enqueue(ctx context.Context, w *edge.QueuedWrite) (*edge.QueueReceipt, error) {
	q := m.queues[w.Group]
	if q == nil {
		return nil, fmt.Errorf("%w %q (a queue added by a config reload needs a restart)", edge.ErrNoQueue, w.Group)
	}
	now := time.Now()
	id := newID(now)
	if w.Header.Get(w.KeyHeader) == "" {
		w.Header.Set(w.KeyHeader, id)
	}
	r := &Record{ID: id, Group: w.Group, State: Queued, Method: w.Method, URI: w.URI, RawQuery: w.RawQuery, HasQuery: w.HasQuery,
		Host: w.Host, Behavior: w.Behavior, Header: w.Header, KeyHeader: w.KeyHeader, ClientIP: w.ClientIP, RequestID: w.RequestID, BodyBytes: len(w.Body),
		Received: w.Received, Expires: w.Received.Add(q.cfg.MaxAge), NextAttempt: now.Add(q.cfg.Interval)}
	if q.cfg.OrderBy != "" {
		r.OrderKey = w.Header.Get(q.cfg.OrderBy)
	}
	r.Size = recordSize(r)
	if err := q.st.add(ctx, r, w.Body, q.cfg.MaxBytes); err != nil {
		return nil, err
	}
	q.wake()
	rc := struct {
		Queued    string `json:"queued"`
		StatusURL string `json:"status_url,omitempty"`
	}{Queued: id}
	if m.opt.StatusURL != nil {
		rc.StatusURL = m.opt.StatusURL(id)
	}
	body, _ := json.Marshal(rc)
	return &edge.QueueReceipt{ID: id, ContentType: "application/json", Body: append(body, '\n')}, nil
}

// recordSize is what a write counts toward max_bytes: its body and its request line and headers.
func recordSize(r *Record) int64 {
	n := len(r.Method) + len(r.URI) + len(r.RawQuery) + len(r.Host) + r.BodyBytes
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return int64(n)
}

func (q *queue) wake() {
	select {
	case q.kick <- struct{}{}:
	default:
	}
}

// find looks a write up in every group's store.
func (m *Manager) find(ctx context.Context, id string) (*queue, *Record, error) {
	if !validID(id) {
		return nil, nil, errUnknown
	}
	for _, g := range m.order {
		q := m.queues[g]
		r, err := q.st.get(ctx, id)
		if errors.Is(err, errUnknown) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading write %s from the queue of origin group %q (%s): %w", id, g, q.st.describe(), err)
		}
		return q, r, nil
	}
	return nil, nil, errUnknown
}

func validID(id string) bool {
	if len(id) != 26 {
		return false
	}
	return strings.Trim(id, "0123456789abcdefghjkmnpqrstvwxyz") == ""
}

// Get returns a write's record.
func (m *Manager) Get(ctx context.Context, id string) (*Record, error) {
	_, r, err := m.find(ctx, id)
	return r, err
}

// Retry sends a queued write at once, or gives an expired one another max_age.
func (m *Manager) Retry(ctx context.Context, id string) (*Record, error) {
	q, _, err := m.find(ctx, id)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	r, err := q.st.update(ctx, id, func(r *Record) error {
		switch r.State {
		case Delivering:
			return conflict("write %s is being delivered now", id)
		case Delivered, Rejected:
			return conflict("write %s is %s already (status %d); its body is gone", id, r.State, r.Status)
		case Expired:
			r.State, r.Expires = Queued, now.Add(q.cfg.MaxAge)
		}
		r.NextAttempt, r.RetryNow = now, true
		return nil
	})
	if err == nil {
		q.wake()
	}
	return r, err
}

// Delete removes a write that is not being delivered, whatever its state.
func (m *Manager) Delete(ctx context.Context, id string) error {
	q, _, err := m.find(ctx, id)
	if err != nil {
		return err
	}
	return q.st.remove(ctx, id, func(r *Record) error {
		if r.State == Delivering {
			return conflict("write %s is being delivered now", id)
		}
		return nil
	})
}
