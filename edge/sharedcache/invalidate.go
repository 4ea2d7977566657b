package sharedcache

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/redis/rueidis"
)

// invalidateTimeout bounds one invalidation of the shared tier: a scan of every key under the
// prefix, which an operator waits for.
const invalidateTimeout = time.Minute

// scanCount is how many keys one SCAN step looks at.
const scanCount = 1000

// notice is an invalidation as published to the other replicas. Seq numbers invalidations, so
// that a replica that lost its subscription can tell whether it missed one.
type notice struct {
	From  string   `json:"from"`
	Seq   int64    `json:"seq"`
	Paths []string `json:"paths"`
}

// Invalidate removes the keys match covers (given a cache key without the prefix) and has every
// other replica remove paths from its local tier. While the store is off the invalidation is
// kept and applied when it is back, and the error says it did not reach the store now.
func (s *Store) Invalidate(ctx context.Context, paths []string, match func(key string) bool) (int, error) {
	c, err := s.conn()
	if err == nil {
		var n int
		if n, err = s.invalidate(ctx, c, paths, match); err == nil {
			return n, nil
		}
		s.health.fail(err)
	}
	s.mu.Lock()
	if len(s.pending) < maxPendingInvalidations {
		s.pending = append(s.pending, pendingInvalidation{paths: paths, match: match})
	} else {
		s.flushAll, s.pending = true, nil
	}
	s.mu.Unlock()
	return 0, s.describe(err)
}

func (s *Store) invalidate(ctx context.Context, c rueidis.Client, paths []string, match func(string) bool) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, invalidateTimeout)
	defer cancel()
	seq, err := c.Do(ctx, c.B().Incr().Key(s.keySeq).Build()).AsInt64()
	if err != nil {
		return 0, err
	}
	s.seen(seq)
	n, err := s.removeMatching(ctx, c, match)
	if err != nil {
		return n, err
	}
	msg, _ := json.Marshal(notice{From: s.id, Seq: seq, Paths: paths})
	return n, c.Do(ctx, c.B().Publish().Channel(s.chInv).Message(rueidis.BinaryString(msg)).Build()).Error()
}

// removeMatching scans every node for the entries under the prefix (SCAN, never KEYS: the store
// keeps serving) and unlinks those match covers, one key a command so that a cluster routes
// each to its slot.
func (s *Store) removeMatching(ctx context.Context, c rueidis.Client, match func(string) bool) (int, error) {
	pattern := globEscape(s.keyEntry) + "*"
	removed := 0
	for _, node := range c.Nodes() {
		for cursor := uint64(0); ; {
			e, err := node.Do(ctx, node.B().Scan().Cursor(cursor).Match(pattern).Count(scanCount).Build()).AsScanEntry()
			if err != nil {
				return removed, err
			}
			var dels rueidis.Commands
			for _, k := range e.Elements {
				if match(strings.TrimPrefix(k, s.keyEntry)) {
					dels = append(dels, c.B().Unlink().Key(k).Build())
				}
			}
			if len(dels) > 0 {
				for _, r := range c.DoMulti(ctx, dels...) {
					n, err := r.AsInt64()
					if err != nil {
						return removed, err
					}
					removed += int(n) // a key seen on a replica node too is unlinked once
				}
			}
			if cursor = e.Cursor; cursor == 0 {
				break
			}
		}
	}
	return removed, nil
}

// globEscape escapes what SCAN's MATCH would read as a pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// subscribe keeps a subscription to the other replicas' fills and invalidations, on a connection
// of its own, until Close.
func (s *Store) subscribe(c rueidis.Client) {
	defer s.wg.Done()
	for backoff := 100 * time.Millisecond; ; backoff = min(2*backoff, 2*time.Second) {
		if s.subscribeOnce(c) {
			backoff = 100 * time.Millisecond
		}
		if !sleep(s.ctx, backoff) {
			return
		}
	}
}

// subscribeOnce subscribes and returns when the connection is lost (or on Close); true when the
// subscription had been made.
func (s *Store) subscribeOnce(c rueidis.Client) bool {
	dc, release := c.Dedicate()
	defer release()
	lost := dc.SetPubSubHooks(rueidis.PubSubHooks{OnMessage: func(m rueidis.PubSubMessage) {
		switch m.Channel {
		case s.chFill:
			s.filled(m.Message)
		case s.chInv:
			s.invalidated(m.Message)
		}
	}})
	ctx, cancel := context.WithTimeout(s.ctx, s.bgTimeout())
	err := dc.Do(ctx, dc.B().Subscribe().Channel(s.chFill, s.chInv).Build()).Error()
	cancel()
	if err == nil {
		ctx, cancel := context.WithTimeout(s.ctx, s.bgTimeout())
		err = s.resync(ctx, c)
		cancel()
	}
	if err != nil {
		s.health.fail(err)
		return false
	}
	select {
	case <-lost:
	case <-s.ctx.Done():
	}
	return true
}

// invalidated applies another replica's invalidation to the local tier.
func (s *Store) invalidated(msg string) {
	var n notice
	if err := json.Unmarshal([]byte(msg), &n); err != nil {
		s.log.Warn("shared cache: an invalidation notice could not be read", "error", err)
		return
	}
	s.seen(n.Seq)
	if n.From != s.id && s.opt.OnInvalidate != nil {
		s.opt.OnInvalidate(n.Paths)
	}
}

// seen records that invalidation seq was applied here. seenSeq counts those seen in a row, and
// ahead holds later ones that came first.
func (s *Store) seen(seq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seqKnown || seq <= s.seenSeq {
		return
	}
	if s.ahead == nil {
		s.ahead = map[int64]bool{}
	}
	s.ahead[seq] = true
	for s.ahead[s.seenSeq+1] {
		delete(s.ahead, s.seenSeq+1)
		s.seenSeq++
	}
}

// resync compares the invalidations made so far with those seen here: when some were missed
// (the subscription was lost while another replica invalidated), the local tier is emptied,
// since what they removed cannot be known.
func (s *Store) resync(ctx context.Context, c rueidis.Client) error {
	cur, err := c.Do(ctx, c.B().Get().Key(s.keySeq).Build()).AsInt64()
	if rueidis.IsRedisNil(err) {
		cur, err = 0, nil
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	missed := s.seqKnown && cur > s.seenSeq
	if !s.seqKnown || missed {
		s.seenSeq, s.ahead, s.seqKnown = cur, nil, true
	}
	s.mu.Unlock()
	if missed && s.opt.OnInvalidate != nil {
		s.log.Warn("shared cache: invalidations were made while this replica was disconnected; its local tier was emptied", "store", s.target)
		s.opt.OnInvalidate([]string{"/*"})
	}
	return nil
}

// catchUp applies the invalidations made while the store was off, and finds those other
// replicas made meanwhile, before the tier is on again.
func (s *Store) catchUp(c rueidis.Client) error {
	s.mu.Lock()
	pending, flushAll := s.pending, s.flushAll
	s.pending, s.flushAll = nil, false
	s.mu.Unlock()
	if flushAll {
		pending = []pendingInvalidation{{paths: []string{"/*"}, match: func(string) bool { return true }}}
	}
	for i, p := range pending {
		if _, err := s.invalidate(s.ctx, c, p.paths, p.match); err != nil {
			s.mu.Lock()
			s.pending = append(pending[i:], s.pending...)
			s.flushAll = s.flushAll || flushAll
			s.mu.Unlock()
			return err
		}
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.bgTimeout())
	defer cancel()
	return s.resync(ctx, c)
}
