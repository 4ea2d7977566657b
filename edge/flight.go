package edge

import (
	"sync"
	"sync/atomic"
)

// flight collapses concurrent misses on one cache key: the first request goes to the origin and
// the others wait for it, then look in the cache again (CloudFront's request collapsing).
type flight struct {
	mu      sync.Mutex
	calls   map[string]chan struct{}
	waiting atomic.Int64 // followers parked right now (for stats and tests)
}

// join makes the caller the leader for key (release must then be called once the response is
// stored or known not to be), or returns the channel that closes when the leader is done.
func (f *flight) join(key string) (leader bool, done <-chan struct{}, release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ch, ok := f.calls[key]; ok {
		f.waiting.Add(1)
		return false, ch, nil
	}
	if f.calls == nil {
		f.calls = make(map[string]chan struct{})
	}
	ch := make(chan struct{})
	f.calls[key] = ch
	return true, ch, func() {
		f.mu.Lock()
		delete(f.calls, key)
		f.mu.Unlock()
		close(ch)
	}
}
