package edge

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookfront/hookfront/hooks/event"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Entry is one cached response. It is immutable once stored: readers clone the header before
// changing anything, and share the body bytes read-only.
type Entry struct {
	Status  int
	Header  http.Header
	Body    []byte
	Stored  time.Time // when it was stored or last revalidated (Age counts from here)
	Expires time.Time
	size    int64
	// pass marks a key whose last response could not be stored (Varnish's "hit-for-miss"):
	// such an entry is never served; it only tells the edge not to collapse requests for the key.
	pass bool
	// evHeaders is Header in the hooks' form, made on first use by a viewer-response hook and
	// shared by every later hit (the entry is immutable, so it never goes stale).
	evHeaders atomic.Pointer[event.Headers]
}

// eventHeaders returns the entry's headers in the hooks' form.
func (e *Entry) eventHeaders() event.Headers {
	if h := e.evHeaders.Load(); h != nil {
		return *h
	}
	h := event.FromHTTPHeader(e.Header, "")
	e.evHeaders.Store(&h)
	return h
}

// Fresh reports whether the entry may be served without asking the origin.
func (e *Entry) Fresh(now time.Time) bool { return now.Before(e.Expires) }

// entryOverhead approximates the bookkeeping bytes of an entry, so that many small entries are
// not under-counted against the byte budget.
const entryOverhead = 200

func entrySize(key string, e *Entry) int64 {
	n := int64(len(key) + len(e.Body) + entryOverhead)
	for k, vs := range e.Header {
		n += int64(len(k))
		for _, v := range vs {
			n += int64(len(v)) + 16
		}
	}
	return n
}

// Cache is an LRU bounded by the bytes it holds, not by a count of entries. golang-lru counts
// entries only, so the byte totals are kept here, under one mutex (Get moves an entry, so a
// read lock would be wrong).
type Cache struct {
	mu        sync.Mutex
	lru       *simplelru.LRU[string, *Entry]
	maxBytes  int64
	maxObject int64
	curBytes  int64
	evictions int64
}

// maxEntries is only a backstop for the LRU's own count bound; bytes are the real limit.
const maxEntries = 1 << 24

// NewCache returns a cache holding at most maxBytes; objects larger than maxObject are never
// stored (0 means maxBytes/16).
func NewCache(maxBytes, maxObject int64) *Cache {
	if maxObject <= 0 {
		maxObject = maxBytes / 16
	}
	c := &Cache{maxBytes: maxBytes, maxObject: maxObject}
	// onEvict runs under c.mu (simplelru calls it synchronously): it only adjusts counters.
	lru, err := simplelru.NewLRU[string, *Entry](maxEntries, func(_ string, e *Entry) {
		c.curBytes -= e.size
		c.evictions++
	})
	if err != nil {
		panic(err) // only for a non-positive size, which maxEntries is not
	}
	c.lru = lru
	return c
}

// MaxObject is the largest body the cache stores.
func (c *Cache) MaxObject() int64 { return c.maxObject }

// Get returns the entry for key, fresh or stale: staleness is the caller's to decide, so that
// a stale entry can be revalidated or served when the origin fails.
func (c *Cache) Get(key string) (*Entry, bool) {
	c.mu.Lock()
	e, ok := c.lru.Get(key)
	c.mu.Unlock()
	return e, ok
}

// Put stores e under key and reports whether it was stored (it is not when too large).
func (c *Cache) Put(key string, e *Entry) bool {
	e.size = entrySize(key, e)
	if e.size > c.maxObject || e.size > c.maxBytes {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// simplelru.Add does not call onEvict when it replaces a key, so take the old size out first.
	if old, ok := c.lru.Peek(key); ok {
		c.curBytes -= old.size
	}
	c.lru.Add(key, e)
	c.curBytes += e.size
	for c.curBytes > c.maxBytes {
		if _, _, ok := c.lru.RemoveOldest(); !ok {
			break
		}
	}
	return true
}

// Stats is a snapshot of the cache's accounting.
type Stats struct {
	Entries   int
	Bytes     int64
	MaxBytes  int64
	Evictions int64
}

// Stats returns the current accounting.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Entries: c.lru.Len(), Bytes: c.curBytes, MaxBytes: c.maxBytes, Evictions: c.evictions}
}
