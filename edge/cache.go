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
	size    int64 // bytes counted against the cache; changed only under the cache's mutex
	// varyAE marks the entry at a URL's own key when its responses vary on Accept-Encoding: it
	// is never served; the lookup goes on to the key with the viewer's normalised
	// Accept-Encoding appended, where the variants are.
	varyAE bool
	// evHeaders is Header in the hooks' form, made on first use by a viewer-response hook and
	// shared by every later hit (the entry is immutable, so it never goes stale).
	evHeaders atomic.Pointer[event.Headers]
	owner     *Cache // the cache holding the entry, told when evHeaders adds to what it holds
	key       string
}

// eventHeaders returns the entry's headers in the hooks' form.
func (e *Entry) eventHeaders() event.Headers {
	if h := e.evHeaders.Load(); h != nil {
		return *h
	}
	h := event.FromHTTPHeader(e.Header, "")
	if e.evHeaders.CompareAndSwap(nil, &h) && e.owner != nil {
		e.owner.grow(e, eventHeadersSize(h))
	}
	return h
}

// Fresh reports whether the entry may be served without asking the origin.
func (e *Entry) Fresh(now time.Time) bool { return now.Before(e.Expires) }

// Cache is an LRU bounded by the bytes it holds, not by a count of entries. golang-lru counts
// entries only, so the byte totals are kept here, under one mutex (Get moves an entry, so a
// read lock would be wrong). Keys whose last response could not be stored (hit-for-miss) are
// remembered apart, in a small structure of their own, so that they never evict content.
type Cache struct {
	mu        sync.Mutex
	lru       *simplelru.LRU[string, *Entry]
	maxBytes  int64
	maxObject int64
	curBytes  int64
	evictions int64
	passes    passes
	// filling is what the copies of bodies being filled hold (see fill), up to fillBudget.
	filling    atomic.Int64
	fillBudget int64
}

// maxEntries is only a backstop for the LRU's own count bound; bytes are the real limit.
const maxEntries = 1 << 24

// NewCache returns a cache holding at most maxBytes; objects larger than maxObject are never
// stored (0 means maxBytes/16).
func NewCache(maxBytes, maxObject int64) *Cache {
	if maxObject <= 0 {
		maxObject = maxBytes / 16
	}
	c := &Cache{maxBytes: maxBytes, maxObject: maxObject, fillBudget: fillBudgetFor(maxBytes, maxObject)}
	// onEvict runs under c.mu (simplelru calls it synchronously): it only adjusts counters.
	lru, err := simplelru.NewLRU[string, *Entry](maxEntries, func(_ string, e *Entry) {
		c.curBytes -= e.size
		c.evictions++
	})
	if err != nil {
		panic(err) // only for a non-positive size, which maxEntries is not
	}
	c.lru = lru
	c.passes.init(maxBytes)
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

// Put stores e under key and reports whether it was stored (it is not when too large). A key
// stored is no longer marked as uncacheable.
func (c *Cache) Put(key string, e *Entry) bool {
	e.size = entrySize(key, e)
	if int64(len(e.Body)) > c.maxObject || e.size > c.maxBytes {
		return false
	}
	e.owner, e.key = c, key
	c.mu.Lock()
	defer c.mu.Unlock()
	c.passes.remove(key)
	// simplelru.Add does not call onEvict when it replaces a key, so take the old size out first.
	if old, ok := c.lru.Peek(key); ok {
		c.curBytes -= old.size
	}
	c.lru.Add(key, e)
	c.curBytes += e.size
	c.evictOver()
	return true
}

// evictOver evicts the least recently used entries while the cache is over its budget; c.mu
// is held.
func (c *Cache) evictOver() {
	for c.curBytes > c.maxBytes {
		if _, _, ok := c.lru.RemoveOldest(); !ok {
			break
		}
	}
}

// grow counts n more bytes for e, if e is still the entry stored under its key.
func (c *Cache) grow(e *Entry, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.lru.Peek(e.key); ok && cur == e {
		e.size += n
		c.curBytes += n
		c.evictOver()
	}
}

// MarkPass remembers until `until` that key's last response could not be stored, and drops
// what was stored under it: an older version of what the origin now says not to keep.
func (c *Cache) MarkPass(key string, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key)
	c.passes.add(key, until)
}

// Passing reports whether key's last response could not be stored, lately: requests for it are
// then not collapsed.
func (c *Cache) Passing(key string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.passes.has(key, now)
}

// Stats is a snapshot of the cache's accounting.
type Stats struct {
	Entries   int
	Bytes     int64
	MaxBytes  int64
	Evictions int64
	Passes    int // keys remembered as uncacheable (hit-for-miss), held apart from Bytes
}

// Stats returns the current accounting.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Entries: c.lru.Len(), Bytes: c.curBytes, MaxBytes: c.maxBytes, Evictions: c.evictions, Passes: c.passes.lru.Len()}
}
