package edge

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// flight collapses concurrent misses on one cache key: the first request goes to the origin and
// the others wait for it, then look in the cache again (CloudFront's request collapsing).
type flight struct {
	mu      sync.Mutex
	calls   map[string]*call
	waiting atomic.Int64 // followers parked right now (for stats and tests)
}

// call is one leader's trip to the origin.
type call struct {
	f         *flight
	key       string
	done      chan struct{} // closed when the response is stored or known not to be
	streaming chan struct{} // closed when the leader streams the body while keeping a copy
	once      sync.Once
	streamed  sync.Once
	// unlock gives up the shared tier's fill lock with the call, when the leader took one.
	unlock func()
}

// collapseStreamWait bounds how long followers wait for a leader that streams its body to its
// own viewer while filling the cache: a slow viewer must not hold up everyone else for long.
const collapseStreamWait = 2 * time.Second

// join makes the caller the leader for key (its call must then be released once the response
// is stored or known not to be), or returns the leader's call to wait on.
func (f *flight) join(key string) (leader bool, c *call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.calls[key]; ok {
		return false, c
	}
	if f.calls == nil {
		f.calls = make(map[string]*call)
	}
	c = &call{f: f, key: key, done: make(chan struct{}), streaming: make(chan struct{})}
	f.calls[key] = c
	return true, c
}

// release ends the call: followers look in the cache again. It may be called more than once,
// and on no call at all.
func (c *call) release() {
	if c == nil {
		return
	}
	c.once.Do(func() {
		c.f.mu.Lock()
		delete(c.f.calls, c.key)
		c.f.mu.Unlock()
		close(c.done)
		if c.unlock != nil {
			c.unlock()
		}
	})
}

// stream tells followers that the body now streams to the leader's viewer.
func (c *call) stream() { c.streamed.Do(func() { close(c.streaming) }) }

// wait parks a follower until the leader is done, or for at most collapseStreamWait once the
// leader streams. It reports false when the follower's own viewer went away.
func (c *call) wait(ctx context.Context) bool {
	c.f.waiting.Add(1)
	defer c.f.waiting.Add(-1)
	select {
	case <-c.done:
		return true
	case <-ctx.Done():
		return false
	case <-c.streaming:
	}
	t := time.NewTimer(collapseStreamWait)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
	case <-ctx.Done():
		return false
	}
	return true
}
