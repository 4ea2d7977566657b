package hooks

import (
	"maps"
	"sync"
)

// CacheGuard decides, reload by reload, whether the cache may hold responses that the new hooks
// would make differently: cached responses are made by origin-request and origin-response code
// (viewer hooks run on every request, hit or miss), so only a change to that code calls for
// emptying the cache (watch.invalidate_on_reload).
//
// What the origin code is comes from the module graph as the runtimes walked it (a require may
// sit inside a handler and run only for some requests): a file no origin hook has required could
// not have shaped a cached response. Since a reload that keeps the cache also keeps responses
// made by older generations, the origin code of every generation since the cache was last
// emptied counts, not only the last one's.
type CacheGuard struct {
	mu   sync.Mutex
	prev *Generation
	code map[string]bool
}

// NewCacheGuard starts from the generation serving now.
func NewCacheGuard(cur *Generation) *CacheGuard {
	return &CacheGuard{prev: cur, code: map[string]bool{}}
}

// Reloaded is told each new generation and the files the reload changed (added, changed or
// removed). It reports whether the cache must be emptied; the guard then starts afresh.
func (c *CacheGuard) Reloaded(next *Generation, changed []string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := c.prev
	c.prev = next
	_, nb := next.originEntries()
	_, pb := prev.originEntries()
	if !maps.Equal(pb, nb) { // an origin hook bound, unbound, or bound to another file or export
		clear(c.code)
		return true
	}
	for _, f := range prev.OriginCode() {
		c.code[f] = true
	}
	for _, f := range changed {
		if c.code[f] {
			clear(c.code)
			return true
		}
	}
	return false
}

// Replaced is told the generation of a new registry (a config reload rebuilt the hooks): there
// is no telling what its code shares with the old one, so any origin hook on either side calls
// for emptying the cache. next is nil when the config has no hooks any more.
func (c *CacheGuard) Replaced(next *Generation) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := c.prev
	c.prev = next
	clear(c.code)
	_, pb := prev.originEntries()
	_, nb := next.originEntries()
	return len(pb) > 0 || len(nb) > 0
}
