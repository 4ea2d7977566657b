package edge

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SharedTier is a second cache tier that several replicas share (cache.shared: Redis or Valkey,
// wired by cmd/hookfront). It holds entries as bytes (EncodeEntry). The edge asks it only after a
// local miss, so a local hit never waits on the network; the calls a request makes are bounded
// together by Timeout, and a tier that is down answers at once, as a miss: it never fails a
// request.
type SharedTier interface {
	// Timeout bounds what one request waits for the tier's answers (not for a Wait).
	Timeout() time.Duration
	// MaxObject is the largest value the tier takes; larger entries stay local.
	MaxObject() int64
	// Get returns the value stored under key: nil and no error on a miss, an error when the
	// tier could not answer (down, slow).
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key for ttl, in the background. When this replica holds key's fill
	// lock, the lock is given up once the value is stored and the replicas waiting are woken.
	Set(key string, value []byte, ttl time.Duration)
	// Lock takes key's cluster-wide fill lock for at most ttl. False: another replica holds it
	// and is asking the origin. An error means the tier could not say; ask the origin then.
	Lock(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Unlock gives up key's fill lock when this replica still holds it (no Set came), and wakes
	// the replicas waiting for it.
	Unlock(key string)
	// Wait waits, until ctx ends, for the replica holding key's fill lock to store a value or
	// give the lock up, and returns the value stored (nil: none).
	Wait(ctx context.Context, key string) []byte
	// Invalidate removes the keys match covers from the tier and has every other replica remove
	// paths from its local tier (Server.InvalidateLocal). It returns how many keys it removed.
	Invalidate(ctx context.Context, paths []string, match func(key string) bool) (int, error)
}

// Tier names for the trace's cache steps.
const (
	TierLocal  = "local"
	TierShared = "shared"
)

// sharedStaleGrace is how long an entry stays in the shared tier after it expires, for
// revalidation and stale-on-error on every replica.
const sharedStaleGrace = time.Hour

// minFillLock bounds a fill lock from below: a lock must outlive the round trips around it.
const minFillLock = time.Second

// SharedError is an invalidation that was done on this replica but did not reach the shared
// tier (it is down): the other replicas keep what they hold.
type SharedError struct {
	Removed int // removed from this replica's local tier
	Err     error
}

func (e *SharedError) Error() string {
	return fmt.Sprintf("removed %d here, but the shared cache was not reached: %v", e.Removed, e.Err)
}

func (e *SharedError) Unwrap() error { return e.Err }

// missShared answers a local miss (or a stale entry) when there is a shared tier: from its entry,
// or through one replica's trip to the origin for all of them (the fill lock). It runs as the
// local leader of the key, so concurrent misses on this replica ask the tier once.
func (s *Server) missShared(ctx context.Context, tx *exchange, vr *viewerRequest, key string, stale *Entry, withPages bool) *response {
	tctx, cancel := context.WithTimeout(ctx, s.shared.Timeout())
	defer cancel()
	se, why := s.sharedEntry(tctx, key)
	now := time.Now()
	switch {
	case se != nil && se.pass:
		s.cache.Put(key, se) // hit-for-miss here too, until the marker expires
		tx.cacheStepIn(key, lookupDecision(stale), "the last response for this key could not be stored on another replica (hit-for-miss)", TierShared)
		return s.fromOrigin(ctx, tx, vr, key, stale, withPages)
	case se != nil && se.Fresh(now):
		s.cache.Put(key, se)
		tx.cacheStepIn(key, CacheHit, "", TierShared)
		return hitResponse(se, xHit)
	case se != nil && (stale == nil || se.Stored.After(stale.Stored)):
		stale = se // another replica kept a newer copy to revalidate or serve on error
	}
	if why != "" {
		tx.cacheStepIn(key, lookupDecision(stale), why, TierShared)
		return s.fromOrigin(ctx, tx, vr, key, stale, withPages)
	}
	wait := s.fillWait(tx)
	held, err := s.shared.Lock(tctx, key, wait)
	cancel()
	if err != nil {
		tx.cacheStepIn(key, lookupDecision(stale), "shared cache: "+err.Error(), TierShared)
		return s.fromOrigin(ctx, tx, vr, key, stale, withPages)
	}
	if held {
		defer s.shared.Unlock(key)
		tx.cacheStepIn(key, lookupDecision(stale), "", TierShared)
		return s.fromOrigin(ctx, tx, vr, key, stale, withPages)
	}
	// Another replica is asking the origin: wait for its entry, at most as long as the origin
	// may take to answer, then ask the origin ourselves.
	wctx, wcancel := context.WithTimeout(ctx, wait)
	v := s.shared.Wait(wctx, key)
	wcancel()
	if ctx.Err() != nil {
		return nil
	}
	if e := s.decodeShared(v); e != nil {
		if e.pass {
			s.cache.Put(key, e)
		} else if e.Fresh(time.Now()) {
			s.cache.Put(key, e)
			tx.note = "collapsed"
			tx.cacheStepIn(key, CacheHit, "collapsed: waited for another replica's request for the same key", TierShared)
			return hitResponse(e, xHit)
		}
	}
	tx.cacheStepIn(key, lookupDecision(stale), "collapsed: another replica's response could not be shared", TierShared)
	return s.fromOrigin(ctx, tx, vr, key, stale, withPages)
}

// sharedEntry reads key's entry from the shared tier; why says why there is none to go by when
// the tier did not answer.
func (s *Server) sharedEntry(ctx context.Context, key string) (*Entry, string) {
	v, err := s.shared.Get(ctx, key)
	if err != nil {
		return nil, "shared cache: " + err.Error()
	}
	return s.decodeShared(v), ""
}

// decodeShared reads a value of the shared tier; a value it cannot read is a miss.
func (s *Server) decodeShared(v []byte) *Entry {
	if v == nil {
		return nil
	}
	e, err := DecodeEntry(v)
	if err != nil {
		if errors.Is(err, errUnknownVersion) {
			s.log.Debug("shared cache entry ignored", "error", err)
		} else {
			s.log.Warn("shared cache entry ignored", "error", err)
		}
		return nil
	}
	return e
}

// fillWait is how long the other replicas wait for this request's origin trip: the response
// timeout of the origin asked first.
func (s *Server) fillWait(tx *exchange) time.Duration {
	members, _ := tx.target()
	if len(members) == 0 {
		return minFillLock
	}
	return max(members[0].ResponseTimeout, minFillLock)
}

// share writes an entry stored locally to the shared tier, for as long as it is fresh and then
// a grace to revalidate it or serve it on errors; pass markers only while they last. Bodies
// larger than the tier's max_object stay local.
func (s *Server) share(key string, e *Entry, now time.Time) {
	if s.shared == nil || key == "" || int64(len(e.Body)) > s.shared.MaxObject() {
		return
	}
	ttl := e.Expires.Sub(now)
	if !e.pass {
		ttl += sharedStaleGrace
	}
	if ttl > 0 {
		s.shared.Set(key, EncodeEntry(e), ttl)
	}
}

// cacheStepIn records a cache decision made with the shared tier.
func (tx *exchange) cacheStepIn(key, decision, reason, tier string) {
	if tx.rec != nil {
		tx.rec.Cache(CacheStep{Start: time.Now(), Key: key, Decision: decision, Reason: reason, Tier: tier, ForPage: tx.forPage})
	}
}

// sharedHead answers a HEAD that missed locally from the shared tier's fresh entry, if any.
func (s *Server) sharedHead(ctx context.Context, tx *exchange, key string) *response {
	tctx, cancel := context.WithTimeout(ctx, s.shared.Timeout())
	defer cancel()
	se, _ := s.sharedEntry(tctx, key)
	if se == nil || se.pass || !se.Fresh(time.Now()) {
		return nil
	}
	s.cache.Put(key, se)
	tx.cacheStepIn(key, CacheHit, "", TierShared)
	return hitResponse(se, xHit)
}
