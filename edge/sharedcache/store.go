// Package sharedcache is the second cache tier that several hookfront replicas share, on Redis
// or Valkey (edge.SharedTier): entries under a key prefix, a fill lock per key (SET NX PX) so
// that one replica asks the origin for all of them, and invalidations published to every
// replica. It is built so that the store failing is never an outage: a store that is down, slow
// or full turns the tier off (the edge serves from its local tier and the origins), the state
// changes are logged once each, and the store is probed until it answers again.
//
// The client is github.com/redis/rueidis: it pipelines concurrent commands over one connection
// by itself (misses from many requests cost one round trip, not one connection each), it
// reconnects by itself, and its URL form covers TLS, ACL users, Sentinel and Cluster with no
// code of ours.
package sharedcache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"
)

// Defaults of cache.shared.
const (
	DefaultKeyPrefix = "hookfront:"
	DefaultMaxObject = 1 << 20
	DefaultTimeout   = 50 * time.Millisecond
	MinTimeout       = 10 * time.Millisecond
	MaxTimeout       = 5 * time.Second
)

// Options configure a Store.
type Options struct {
	URL       string // redis://, rediss://, valkey://, unix://; see ParseURL
	KeyPrefix string
	MaxObject int64
	// Timeout bounds what one request waits for the store; background work waits a few times it.
	Timeout time.Duration
	Logger  *slog.Logger
	// OnInvalidate removes paths from this replica's local tier: called with what another replica
	// invalidated, and with "/*" when invalidations may have been missed (the connection was
	// lost while others invalidated).
	OnInvalidate func(paths []string)
}

// Store is the shared tier on one Redis or Valkey deployment.
type Store struct {
	opt    Options
	copt   rueidis.ClientOption
	target string // the URL without its password, for logs
	id     string // this replica, in the invalidations it publishes
	log    *slog.Logger

	keyEntry, keyLock string // key prefixes of entries and fill locks
	keySeq            string // counter of invalidations, to find ones missed
	chFill, chInv     string // pub/sub channels

	client atomic.Pointer[clientRef] // nil until the first connection
	health health

	mu       sync.Mutex
	held     map[string]string  // key → token of a fill lock this replica holds
	waiters  map[string]*waiter // key → replicas' fills this one waits for
	pending  []pendingInvalidation
	flushAll bool           // invalidations were dropped while down: flush all when back
	seenSeq  int64          // invalidations seen here in a row (see seen)
	ahead    map[int64]bool // seen, after a gap
	seqKnown bool

	pendingBytes atomic.Int64 // bytes of values being written in the background
	ctx          context.Context
	stop         context.CancelFunc
	wg           sync.WaitGroup
}

type clientRef struct{ c rueidis.Client }

// pendingInvalidation is an invalidation made while the store was down, applied when it is back.
type pendingInvalidation struct {
	paths []string
	match func(string) bool
}

// maxPendingInvalidations bounds what is kept while the store is down; past it, everything
// under the prefix is flushed when the store is back.
const maxPendingInvalidations = 64

// maxPendingBytes bounds the values waiting to be written; past it, writes are dropped (the
// entries stay local).
const maxPendingBytes = 64 << 20

// New checks the options and starts connecting in the background: an unreachable store is not
// an error (the tier stays off and is retried), a malformed URL is.
func New(opt Options) (*Store, error) {
	copt, err := ParseURL(opt.URL)
	if err != nil {
		return nil, err
	}
	if opt.KeyPrefix == "" {
		opt.KeyPrefix = DefaultKeyPrefix
	}
	if opt.MaxObject <= 0 {
		opt.MaxObject = DefaultMaxObject
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	// Commands are bounded by their contexts; the connection-level limits only find dead
	// connections in the background.
	copt.DisableCache = true // the local tier is the near cache; no CLIENT TRACKING
	copt.DisableRetry = true // a retry could outlast the request's budget
	copt.Dialer.Timeout = max(4*opt.Timeout, time.Second)
	copt.ConnWriteTimeout = max(10*opt.Timeout, 2*time.Second)
	if copt.ClientName == "" {
		copt.ClientName = "hookfront"
	}
	var idb [6]byte
	_, _ = rand.Read(idb[:])
	p := opt.KeyPrefix
	s := &Store{opt: opt, copt: copt, target: Redacted(opt.URL), id: hex.EncodeToString(idb[:]), log: opt.Logger,
		keyEntry: p + "e:", keyLock: p + "l:", keySeq: p + "invalidations", chFill: p + "fill", chInv: p + "invalidate",
		held: map[string]string{}, waiters: map[string]*waiter{}}
	s.health.init(s)
	s.ctx, s.stop = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.run()
	return s, nil
}

// Close stops the background work and closes the connections.
func (s *Store) Close() {
	s.stop()
	s.wg.Wait()
	if ref := s.client.Load(); ref != nil {
		ref.c.Close()
	}
}

// Timeout bounds what one request waits for the store.
func (s *Store) Timeout() time.Duration { return s.opt.Timeout }

// MaxObject is the largest value stored.
func (s *Store) MaxObject() int64 { return s.opt.MaxObject }

// errDown answers calls while the store is off: nothing is sent.
var errDown = errors.New("down")

// conn returns the client when the store is up.
func (s *Store) conn() (rueidis.Client, error) {
	if !s.health.up.Load() {
		return nil, errDown
	}
	return s.client.Load().c, nil
}

// bgTimeout bounds a command no request waits for.
func (s *Store) bgTimeout() time.Duration { return max(4*s.opt.Timeout, 250*time.Millisecond) }

// run connects, keeps the subscription to the other replicas, and probes a store that is off
// until it answers again, until Close.
func (s *Store) run() {
	defer s.wg.Done()
	var c rueidis.Client
	for backoff := 100 * time.Millisecond; c == nil; backoff = min(2*backoff, 2*time.Second) {
		var err error
		if c, err = rueidis.NewClient(s.copt); err != nil {
			s.health.failConnect(err)
			if !sleep(s.ctx, backoff) {
				return
			}
		}
	}
	s.client.Store(&clientRef{c})
	s.wg.Add(1)
	go s.subscribe(c)
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	for {
		if !s.health.up.Load() {
			s.probe(c)
		}
		select {
		case <-s.ctx.Done():
			return
		case <-tick.C:
		case <-s.health.kick:
		}
	}
}

// probeEvery is how often a store that is off is asked whether it answers again.
const probeEvery = 500 * time.Millisecond

// probe asks a store that is off for a PING within the request timeout; once it answers
// (okProbe) it catches up (invalidations made meanwhile) and is on again.
func (s *Store) probe(c rueidis.Client) {
	ctx, cancel := context.WithTimeout(s.ctx, s.opt.Timeout)
	err := c.Do(ctx, c.B().Ping().Build()).Error()
	cancel()
	if err != nil {
		s.health.fail(err)
		return
	}
	if !s.health.okProbe() {
		return
	}
	if err := s.catchUp(c); err != nil {
		s.health.fail(err)
		return
	}
	s.health.setUp()
}

// upAfter is how many answers in a row bring a store that was off back: one fast answer from a
// struggling store should not turn the tier on and off.
const upAfter = 2

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// describe says what went wrong in words for the trace and the log.
func (s *Store) describe(err error) error {
	switch {
	case errors.Is(err, errDown):
		return errDown
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("no answer within %v", s.opt.Timeout)
	}
	return err
}

// isFull reports a store out of memory (maxmemory with a noeviction policy).
func isFull(err error) bool {
	re, ok := rueidis.IsRedisErr(err)
	return ok && strings.HasPrefix(re.Error(), "OOM")
}
