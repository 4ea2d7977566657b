package edge

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SharedTier is a second cache tier that several replicas share (cache.shared: Redis or Valkey,
// wired by cmd/hookfront). It holds entries as bytes (entrycodec.go). The edge asks it only
// after a local miss, so a local hit never waits on the network; the calls a request makes are
// bounded together by Timeout, and a tier that is down answers at once, as a miss: it never
// fails a request.
type SharedTier interface {
	// Timeout bounds what one request waits for the tier's answers (not for a Wait).
	Timeout() time.Duration
	// MaxObject is the largest value the tier takes; larger entries stay local.
	MaxObject() int64
	// Get returns the values stored under keys, in one round trip: nil for a key not there. An
	// error means the tier could not answer (down, slow).
	Get(ctx context.Context, keys ...string) ([][]byte, error)
	// Set stores the values in the background, in order. The fill locks this replica holds on
	// their keys are given up once all are stored, and the replicas waiting are woken.
	Set(values ...SharedValue)
	// Lock takes key's cluster-wide fill lock for at most ttl. False: another replica holds it
	// and is asking the origin. An error means the tier could not say; ask the origin then.
	Lock(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Unlock gives up key's fill lock when this replica still holds it (no Set took it), and
	// wakes the replicas waiting for it.
	Unlock(key string)
	// Wait waits, until ctx ends, for the replica holding key's fill lock to store a value or
	// give the lock up, and returns the value stored (nil: none).
	Wait(ctx context.Context, key string) []byte
	// Invalidate removes the keys match covers from the tier and has every other replica remove
	// paths from its local tier (Server.InvalidateLocal). It returns how many keys it removed.
	Invalidate(ctx context.Context, paths []string, match func(key string) bool) (int, error)
}

// SharedValue is one value for the shared tier and how long it is kept there.
type SharedValue struct {
	Key   string
	Value []byte
	TTL   time.Duration
}

// TierShared names the shared tier in the trace's cache steps (Tier is empty for the local tier
// alone).
const TierShared = "shared"

// sharedStaleGrace is how long an entry stays in the shared tier after it expires, for
// revalidation and stale-on-error on every replica.
const sharedStaleGrace = time.Hour

// minFillLock bounds a fill lock from below: a lock must outlive the round trips around it.
const minFillLock = time.Second

// SharedError is an invalidation that was done on this replica but did not reach the shared
// tier (it is down): it is applied there, and told to the other replicas, when the tier is back.
type SharedError struct {
	Removed int // removed from this replica's local tier
	Err     error
}

func (e *SharedError) Error() string {
	return fmt.Sprintf("removed %d here, but the shared cache was not reached (%v); it will be when the shared cache is back", e.Removed, e.Err)
}

func (e *SharedError) Unwrap() error { return e.Err }

// sharedEntry is what the shared tier holds for a key, decoded.
type sharedEntry struct {
	e    *Entry // nil: nothing usable
	pass bool   // a hit-for-miss marker until e.Expires
}

// missShared answers a local miss (or a stale entry) when there is a shared tier: from its entry,
// or through one replica's trip to the origin for all of them (the fill lock). It runs as the
// local leader of key, so concurrent misses on this replica ask the tier once.
func (s *Server) missShared(ctx context.Context, tx *exchange, vr *viewerRequest, base, key string, stale *Entry, withPages bool) *response {
	tctx, cancel := context.WithTimeout(ctx, s.shared.Timeout())
	defer cancel()
	key, se, why := s.sharedLookup(tctx, base, key, vr.ae)
	if why != "" {
		tx.cacheStepIn(key, lookupDecision(stale), why)
		return s.fromOrigin(ctx, tx, vr, base, key, stale, withPages)
	}
	if resp, newer := s.fromShared(tx, base, key, se, ""); resp != nil {
		return resp
	} else if se.pass {
		tx.cacheStepIn(key, lookupDecision(stale), "the last response for this key could not be stored on another replica (hit-for-miss)")
		return s.fromOrigin(ctx, tx, vr, base, key, stale, withPages)
	} else if newer != nil && (stale == nil || newer.Stored.After(stale.Stored)) {
		stale = newer // another replica kept a newer copy to revalidate or serve on error
	}
	wait := s.fillWait(tx)
	held, err := s.shared.Lock(tctx, key, wait)
	cancel()
	if err != nil {
		tx.cacheStepIn(key, lookupDecision(stale), "shared cache: "+err.Error())
		return s.fromOrigin(ctx, tx, vr, base, key, stale, withPages)
	}
	if held {
		// Given up with the local flight (respond made this request its leader): after the
		// fill, when the body streams.
		tx.flight.unlock = func() { s.shared.Unlock(key) }
		tx.cacheStepIn(key, lookupDecision(stale), "not in the shared tier either: this replica asks the origin for all of them")
		return s.fromOrigin(ctx, tx, vr, base, key, stale, withPages)
	}
	// Another replica is asking the origin: wait for its entry, at most as long as the origin
	// may take to answer, then ask the origin ourselves.
	wctx, wcancel := context.WithTimeout(ctx, wait)
	v := s.shared.Wait(wctx, key)
	wcancel()
	if ctx.Err() != nil {
		return nil
	}
	se = sharedEntry{}
	if v != nil {
		se = s.decodeShared(v)
		if se.e != nil && se.e.varyAE && key == base { // the response varies: read this viewer's variant
			tctx, cancel := context.WithTimeout(ctx, s.shared.Timeout())
			key, se, _ = s.sharedLookup(tctx, base, key, vr.ae)
			cancel()
		}
	}
	if resp, _ := s.fromShared(tx, base, key, se, "collapsed: waited for another replica's request for the same key"); resp != nil {
		tx.note = "collapsed"
		return resp
	}
	tx.cacheStepIn(key, lookupDecision(stale), "collapsed: another replica's response could not be shared")
	return s.fromOrigin(ctx, tx, vr, base, key, stale, withPages)
}

// sharedLookup reads the shared tier's entry for the request: under key, or, when the URL's
// responses vary on Accept-Encoding (key is then the viewer's variant), under the variant —
// both are asked at once when this replica does not know yet. why says why there is nothing to
// go by when the tier did not answer.
func (s *Server) sharedLookup(ctx context.Context, base, key string, ae acceptEncoding) (string, sharedEntry, string) {
	keys := []string{key}
	if key == base {
		keys = append(keys, variantKey(base, ae))
	}
	vals, err := s.shared.Get(ctx, keys...)
	if err != nil {
		return key, sharedEntry{}, "shared cache: " + err.Error()
	}
	if len(vals) > 1 && vals[1] != nil {
		return keys[1], s.decodeShared(vals[1]), ""
	}
	se := s.decodeShared(vals[0])
	if se.e != nil && se.e.varyAE {
		return key, sharedEntry{}, "" // the marker, without this viewer's variant
	}
	return key, se, ""
}

// fromShared serves a fresh entry of the shared tier and fills the local tier with it (the
// variant's marker too, so that the next lookup here stays local). A pass marker is kept
// locally. Otherwise it returns the entry, if any, as a stale copy.
func (s *Server) fromShared(tx *exchange, base, key string, se sharedEntry, why string) (*response, *Entry) {
	now := time.Now()
	switch {
	case se.e == nil:
		return nil, nil
	case se.pass:
		s.cache.MarkPass(key, se.e.Expires)
		return nil, nil
	case !se.e.Fresh(now):
		return nil, se.e
	}
	s.cache.Put(key, se.e)
	if key != base {
		s.markVaries(base, now)
	}
	tx.cacheStepIn(key, CacheHit, why)
	return hitResponse(se.e, xHit), nil
}

// decodeShared reads a value of the shared tier; a value it cannot read is a miss.
func (s *Server) decodeShared(v []byte) sharedEntry {
	if v == nil {
		return sharedEntry{}
	}
	e, pass, err := decodeEntry(v)
	if err != nil {
		if errors.Is(err, errUnknownVersion) { // a newer replica's: expected during an upgrade
			s.log.Debug("shared cache entry ignored", "error", err)
		} else {
			s.log.Warn("shared cache entry ignored", "error", err)
		}
		return sharedEntry{}
	}
	return sharedEntry{e: e, pass: pass}
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

// share writes an entry stored locally as plan says to the shared tier, with the variant marker
// after it, for as long as it is fresh and then a grace to revalidate it or serve it on errors.
// Bodies larger than the tier's max_object stay local.
func (s *Server) share(plan storePlan, e *Entry, now time.Time) {
	if s.shared == nil || int64(len(e.Body)) > s.shared.MaxObject() {
		return
	}
	v := encodeEntry(e, false)
	if int64(len(v)) > s.shared.MaxObject() {
		return
	}
	ttl := e.Expires.Sub(now) + sharedStaleGrace
	vals := []SharedValue{{Key: plan.key, Value: v, TTL: ttl}}
	if plan.base != "" {
		vals = append(vals, SharedValue{Key: plan.base, Value: encodeEntry(&Entry{varyAE: true, Stored: now}, false), TTL: ttl})
	}
	s.shared.Set(vals...)
}

// sharePass marks key as hit-for-miss for every replica until `until`.
func (s *Server) sharePass(key string, until time.Time) {
	if s.shared != nil {
		s.shared.Set(SharedValue{Key: key, Value: encodeEntry(&Entry{Expires: until}, true), TTL: time.Until(until)})
	}
}

// cacheStepIn records a cache decision made with the shared tier.
func (tx *exchange) cacheStepIn(key, decision, reason string) {
	if tx.rec != nil {
		tx.rec.Cache(CacheStep{Start: time.Now(), Key: key, Decision: decision, Reason: reason, Tier: TierShared, ForPage: tx.forPage})
	}
}

// sharedHead answers a HEAD that missed locally from the shared tier's fresh entry, if any.
func (s *Server) sharedHead(ctx context.Context, tx *exchange, vr *viewerRequest, base, key string) *response {
	tctx, cancel := context.WithTimeout(ctx, s.shared.Timeout())
	defer cancel()
	key, se, _ := s.sharedLookup(tctx, base, key, vr.ae)
	resp, _ := s.fromShared(tx, base, key, se, "")
	return resp
}
