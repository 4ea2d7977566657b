package metrics

import (
	"sync"
	"sync/atomic"
)

// children caches the series of a metric vector by a comparable key, so that a request finds
// its counter or histogram with one map lookup and no allocation; WithLabelValues would hash
// the label values and allocate their slice on every call. Label combinations are few (they are
// bounded), so the map is copied on the rare miss and read without a lock.
type children[K comparable, V any] struct {
	m  atomic.Pointer[map[K]V]
	mu sync.Mutex
}

func (c *children[K, V]) get(k K, make func(K) V) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	n := map[K]V{}
	if old != nil {
		if v, ok := (*old)[k]; ok {
			return v
		}
		for ok, ov := range *old {
			n[ok] = ov
		}
	}
	v := make(k)
	n[k] = v
	c.m.Store(&n)
	return v
}

// reset forgets every cached series (after series were deleted from the vector).
func (c *children[K, V]) reset() {
	c.mu.Lock()
	c.m.Store(nil)
	c.mu.Unlock()
}
