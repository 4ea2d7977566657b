package sharedcache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/redis/rueidis"
)

// health is whether the store is used (up), and the counters that metrics read. The request path
// reads only the atomic up flag; the rest changes under mu, and each change of state is logged
// once.
type health struct {
	s    *Store
	up   atomic.Bool
	kick chan struct{} // wakes the prober when the store goes off

	errors, hits, misses, writes, dropped atomic.Uint64

	mu    sync.Mutex
	state string // starting, up, down
	been  bool   // up once already
	full  bool
	fails int // failures in a row while up
	oks   int // probe answers in a row while down
}

// timeoutsDown is how many timeouts in a row turn the tier off; a connection error does at once.
const timeoutsDown = 3

func (h *health) init(s *Store) {
	h.s, h.state, h.kick = s, "starting", make(chan struct{}, 1)
}

// fail counts a failed command and turns the tier off when the store looks down or slow.
func (h *health) fail(err error) {
	if errors.Is(err, errDown) || errors.Is(err, context.Canceled) {
		return // nothing was asked of the store, or the viewer went away
	}
	h.errors.Add(1)
	if isFull(err) {
		h.setFull(true)
		return
	}
	if _, ok := rueidis.IsRedisErr(err); ok {
		return // the store answered: it is up, the command was wrong
	}
	h.down(err, "shared cache unreachable: serving from the local tier and the origins until it answers")
}

// failConnect counts a connection that could not be made. The store may have answered and
// refused it (a wrong password, an unknown user, a database that does not exist): that is said
// as the reason the tier stays off, where fail takes an answer for a store that is up.
func (h *health) failConnect(err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	h.errors.Add(1)
	msg := "shared cache unreachable: serving from the local tier and the origins until it answers"
	if _, ok := rueidis.IsRedisErr(err); ok {
		msg = "shared cache refused the connection: serving from the local tier and the origins until it accepts"
	}
	h.down(err, msg)
}

// down turns the tier off, saying why once per change of state: msg when it was starting.
func (h *health) down(err error, msg string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.oks = 0
	switch h.state {
	case "starting":
	case "up":
		h.fails++
		if errors.Is(err, context.DeadlineExceeded) && h.fails < timeoutsDown {
			return
		}
		msg = "shared cache down: serving from the local tier and the origins until it answers"
	default:
		return
	}
	h.state = "down"
	h.up.Store(false) // before the line: whoever reads it finds the tier off
	h.s.log.Warn(msg, "store", h.s.target, "error", h.s.describe(err))
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// ok resets the failures counted while up.
func (h *health) ok() {
	h.mu.Lock()
	h.fails = 0
	h.mu.Unlock()
}

// okProbe counts a probe answered while off and reports whether the tier may be on again: after
// upAfter answers in a row, or the first one when it was never on.
func (h *health) okProbe() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.oks++
	return h.oks >= upAfter || !h.been
}

func (h *health) setUp() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == "up" {
		return
	}
	been := h.been
	h.state, h.been, h.fails, h.oks = "up", true, 0, 0
	h.up.Store(true) // before the line: whoever reads it finds the tier on
	if !been {
		h.s.log.Info("shared cache connected", "store", h.s.target, "key_prefix", h.s.opt.KeyPrefix)
	} else {
		h.s.log.Info("shared cache up again", "store", h.s.target)
	}
}

// setFull records whether the store refuses writes for want of memory.
func (h *health) setFull(full bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.full == full {
		return
	}
	h.full = full
	if full {
		h.s.log.Warn("shared cache full: new entries stay local (give the store maxmemory-policy allkeys-lru)", "store", h.s.target)
	} else {
		h.s.log.Info("shared cache takes entries again", "store", h.s.target)
	}
}

// Stats is what the shared tier has done, for metrics.
type Stats struct {
	Up      bool   // the tier is in use (hookfront_shared_cache_up)
	Full    bool   // the store refuses writes for want of memory
	Errors  uint64 // commands that failed: connection, timeout, out of memory
	Hits    uint64 // lookups that found a value
	Misses  uint64 // lookups that found none
	Writes  uint64 // values stored
	Dropped uint64 // values not stored: the store was off, or too much was waiting to be written
}

// Stats returns the counters so far.
func (s *Store) Stats() Stats {
	h := &s.health
	h.mu.Lock()
	full := h.full
	h.mu.Unlock()
	return Stats{Up: h.up.Load(), Full: full, Errors: h.errors.Load(), Hits: h.hits.Load(), Misses: h.misses.Load(),
		Writes: h.writes.Load(), Dropped: h.dropped.Load()}
}
