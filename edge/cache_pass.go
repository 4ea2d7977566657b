package edge

import (
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// passes remembers the keys whose last response could not be stored (Varnish's hit-for-miss),
// apart from the cached content and bounded by a count and by bytes of its own: a flood of
// uncacheable URLs forgets the oldest marks, it never evicts content. It is used under the
// cache's mutex.
type passes struct {
	lru      *simplelru.LRU[string, time.Time]
	bytes    int64
	maxBytes int64
}

const (
	maxPasses = 16384
	// passOverhead is what a mark holds besides its key: the LRU's list element and map slot.
	passOverhead = 120
)

// init bounds the marks to 1/32 of the cache's size, between 64 KiB and 8 MiB.
func (p *passes) init(cacheBytes int64) {
	p.maxBytes = min(max(cacheBytes/32, 64<<10), 8<<20)
	lru, err := simplelru.NewLRU[string, time.Time](maxPasses, func(key string, _ time.Time) {
		p.bytes -= passSize(key)
	})
	if err != nil {
		panic(err) // only for a non-positive size
	}
	p.lru = lru
}

func passSize(key string) int64 { return passOverhead + allocSize(len(key)) }

func (p *passes) add(key string, until time.Time) {
	if passSize(key) > p.maxBytes {
		return
	}
	p.lru.Remove(key) // Add does not call onEvict when it replaces a key
	p.lru.Add(key, until)
	p.bytes += passSize(key)
	for p.bytes > p.maxBytes {
		if _, _, ok := p.lru.RemoveOldest(); !ok {
			break
		}
	}
}

func (p *passes) has(key string, now time.Time) bool {
	until, ok := p.lru.Get(key)
	if ok && !now.Before(until) {
		p.lru.Remove(key)
		return false
	}
	return ok
}

func (p *passes) remove(key string) { p.lru.Remove(key) }
