package sharedcache

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/redis/rueidis"
)

// Get returns the values stored under keys, in one round trip: nil for a key not there.
func (s *Store) Get(ctx context.Context, keys ...string) ([][]byte, error) {
	c, err := s.conn()
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	cmds := make(rueidis.Commands, len(keys))
	for i, k := range keys {
		cmds[i] = c.B().Get().Key(s.keyEntry + k).Build()
	}
	vals := make([][]byte, len(keys))
	for i, r := range c.DoMulti(ctx, cmds...) {
		v, err := r.AsBytes()
		switch {
		case rueidis.IsRedisNil(err):
			s.health.misses.Add(1)
		case err != nil:
			s.health.fail(err)
			return nil, s.describe(err)
		default:
			s.health.hits.Add(1)
			vals[i] = v
		}
	}
	s.health.ok()
	return vals, nil
}

// bound gives ctx the request timeout, unless it has a deadline already (the edge's budget).
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.opt.Timeout)
}

// Set stores the values in the background, in order; the fill locks held on their keys are
// given up after all are stored, and the waiting replicas woken.
func (s *Store) Set(values ...edge.SharedValue) {
	var tokens map[string]string
	size, tooBig := int64(0), false
	s.mu.Lock()
	for _, v := range values {
		tooBig = tooBig || int64(len(v.Value)) > s.opt.MaxObject
		if t, ok := s.held[v.Key]; ok {
			if tokens == nil {
				tokens = map[string]string{}
			}
			tokens[v.Key] = t
			delete(s.held, v.Key)
		}
		size += int64(len(v.Value))
	}
	s.mu.Unlock()
	c, err := s.conn()
	if err != nil {
		s.health.dropped.Add(uint64(len(values)))
		return // a lock held expires by itself; the waiters poll
	}
	s.wg.Add(1)
	if tooBig || s.pendingBytes.Add(size) > maxPendingBytes {
		if !tooBig {
			s.pendingBytes.Add(-size)
		}
		s.health.dropped.Add(uint64(len(values)))
		go func() {
			defer s.wg.Done()
			s.releaseAll(c, tokens)
		}()
		return
	}
	go func() {
		defer s.wg.Done()
		defer s.pendingBytes.Add(-size)
		ctx, cancel := context.WithTimeout(s.ctx, s.bgTimeout())
		defer cancel()
		for _, v := range values { // one after the other: a cluster would run a batch's in any order
			err := c.Do(ctx, c.B().Set().Key(s.keyEntry+v.Key).Value(rueidis.BinaryString(v.Value)).PxMilliseconds(max(v.TTL.Milliseconds(), 1)).Build()).Error()
			if err != nil {
				s.health.fail(err)
				s.health.dropped.Add(1)
				break
			}
			s.health.ok()
			s.health.setFull(false)
			s.health.writes.Add(1)
		}
		s.releaseAll(c, tokens)
	}()
}

func (s *Store) releaseAll(c rueidis.Client, tokens map[string]string) {
	for k, t := range tokens {
		s.release(c, k, t)
	}
}

// Lock takes key's fill lock for ttl: false when another replica holds it.
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	c, err := s.conn()
	if err != nil {
		return false, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var b [12]byte
	_, _ = rand.Read(b[:])
	token := s.id + hex.EncodeToString(b[:])
	err = c.Do(ctx, c.B().Set().Key(s.keyLock+key).Value(token).Nx().PxMilliseconds(max(ttl.Milliseconds(), 1)).Build()).Error()
	switch {
	case rueidis.IsRedisNil(err):
		s.health.ok()
		return false, nil
	case err != nil:
		s.health.fail(err)
		return false, s.describe(err)
	}
	s.health.ok()
	s.mu.Lock()
	s.held[key] = token
	s.mu.Unlock()
	return true, nil
}

// Unlock gives up key's fill lock if this replica still holds it, in the background.
func (s *Store) Unlock(key string) {
	s.mu.Lock()
	token, ok := s.held[key]
	delete(s.held, key)
	s.mu.Unlock()
	if !ok {
		return
	}
	if c, err := s.conn(); err == nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.release(c, key, token)
		}()
	}
}

// unlockScript deletes a fill lock only when it still holds our token: a lock that expired and
// was taken by another replica is theirs.
var unlockScript = rueidis.NewLuaScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// release gives up a fill lock and tells the replicas waiting for it to look again.
func (s *Store) release(c rueidis.Client, key, token string) {
	ctx, cancel := context.WithTimeout(s.ctx, s.bgTimeout())
	defer cancel()
	if err := unlockScript.Exec(ctx, c, []string{s.keyLock + key}, []string{token}).Error(); err != nil {
		s.health.fail(err)
		return // the lock expires by itself; the waiters poll
	}
	if err := c.Do(ctx, c.B().Publish().Channel(s.chFill).Message(rueidis.BinaryString([]byte(key))).Build()).Error(); err != nil {
		s.health.fail(err)
	}
}

// waiter is the replicas' fills this one waits for on one key; ch closes when a fill notice
// comes.
type waiter struct {
	ch chan struct{}
	n  int
}

// Poll intervals while waiting for another replica's fill: a backstop for a notice lost with a
// connection, so they start short and grow.
const (
	pollFirst = 20 * time.Millisecond
	pollMax   = 250 * time.Millisecond
)

// Wait waits, until ctx ends, for the replica holding key's fill lock to store a value or give
// the lock up, and returns the value stored (nil: none). A value already there when the wait
// begins is an expired one, kept for revalidation: only a new value ends the wait early.
func (s *Store) Wait(ctx context.Context, key string) []byte {
	c, err := s.conn()
	if err != nil {
		return nil
	}
	var first []byte
	for poll, i := pollFirst, 0; ; poll, i = min(2*poll, pollMax), i+1 {
		w := s.listen(key)
		v, locked, err := s.look(ctx, c, key)
		if i == 0 {
			first = v
		}
		if (v != nil && !bytes.Equal(v, first)) || !locked || err != nil {
			s.unlisten(key, w)
			return v
		}
		t := time.NewTimer(poll)
		select {
		case <-w.ch:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		s.unlisten(key, w)
		if ctx.Err() != nil {
			return nil
		}
	}
}

// look reads key's value and whether its fill lock is still held, in one round trip.
func (s *Store) look(ctx context.Context, c rueidis.Client, key string) (v []byte, locked bool, err error) {
	cctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	res := c.DoMulti(cctx, c.B().Get().Key(s.keyEntry+key).Build(), c.B().Exists().Key(s.keyLock+key).Build())
	v, err = res[0].AsBytes()
	if rueidis.IsRedisNil(err) {
		v, err = nil, nil
	}
	if err == nil {
		var n int64
		n, err = res[1].AsInt64()
		locked = n > 0
	}
	if err != nil {
		if ctx.Err() == nil {
			s.health.fail(err)
		}
		return nil, false, err
	}
	s.health.ok()
	return v, locked, nil
}

func (s *Store) listen(key string) *waiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.waiters[key]
	if w == nil {
		w = &waiter{ch: make(chan struct{})}
		s.waiters[key] = w
	}
	w.n++
	return w
}

// unlisten stops waiting on w; a w already woken is no longer in the map.
func (s *Store) unlisten(key string, w *waiter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.n--; w.n == 0 && s.waiters[key] == w {
		delete(s.waiters, key)
	}
}

// filled wakes the requests waiting for key.
func (s *Store) filled(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.waiters[key]; w != nil {
		close(w.ch)
		delete(s.waiters, key)
	}
}
