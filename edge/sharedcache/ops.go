package sharedcache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/redis/rueidis"
)

// Get returns the value stored under key: nil and no error on a miss.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	c, err := s.conn()
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	v, err := s.get(ctx, c, key)
	if err != nil {
		return nil, s.describe(err)
	}
	return v, nil
}

func (s *Store) get(ctx context.Context, c rueidis.Client, key string) ([]byte, error) {
	v, err := c.Do(ctx, c.B().Get().Key(s.keyEntry+key).Build()).AsBytes()
	switch {
	case rueidis.IsRedisNil(err):
		s.health.ok()
		s.health.misses.Add(1)
		return nil, nil
	case err != nil:
		s.health.fail(err)
		return nil, err
	}
	s.health.ok()
	s.health.hits.Add(1)
	return v, nil
}

// bound gives ctx the request timeout, unless it has a deadline already (the edge's budget).
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.opt.Timeout)
}

// Set stores value under key for ttl in the background; with key's fill lock held, the lock is
// given up after the value is stored and the waiting replicas are woken.
func (s *Store) Set(key string, value []byte, ttl time.Duration) {
	s.mu.Lock()
	token := s.held[key]
	delete(s.held, key)
	s.mu.Unlock()
	c, err := s.conn()
	if err != nil {
		s.health.dropped.Add(1)
		return // a lock held expires by itself; the waiters poll
	}
	n := int64(len(value))
	if n > s.opt.MaxObject || s.pendingBytes.Add(n) > maxPendingBytes {
		if n <= s.opt.MaxObject {
			s.pendingBytes.Add(-n)
		}
		s.health.dropped.Add(1)
		if token != "" {
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.release(c, key, token)
			}()
		}
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.pendingBytes.Add(-n)
		ctx, cancel := context.WithTimeout(s.ctx, s.bgTimeout())
		err := c.Do(ctx, c.B().Set().Key(s.keyEntry+key).Value(rueidis.BinaryString(value)).PxMilliseconds(max(ttl.Milliseconds(), 1)).Build()).Error()
		cancel()
		if err != nil {
			s.health.fail(err)
			s.health.dropped.Add(1)
		} else {
			s.health.ok()
			s.health.setFull(false)
			s.health.writes.Add(1)
		}
		if token != "" {
			s.release(c, key, token)
		}
	}()
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
// the lock up, and returns the value stored (nil: none).
func (s *Store) Wait(ctx context.Context, key string) []byte {
	c, err := s.conn()
	if err != nil {
		return nil
	}
	for poll := pollFirst; ; poll = min(2*poll, pollMax) {
		w := s.listen(key)
		v, locked, err := s.look(ctx, c, key)
		if v != nil || !locked || err != nil {
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
