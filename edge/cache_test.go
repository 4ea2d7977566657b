package edge

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func oneOrigin(t *testing.T, u string) *Distribution {
	return &Distribution{Origins: []*Origin{org(t, "a", u)}, Behaviors: []*Behavior{behavior(t, "*", "a")}}
}

func TestCacheHitMissAndAge(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "body")
	})
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	expect(t, get(t, ts.URL+"/a?x=1"), 200, xMiss)
	r := get(t, ts.URL+"/a?x=1")
	expect(t, r, 200, xHit)
	if r.body != "body" || r.header.Get("Age") == "" {
		t.Fatalf("hit body %q age %q", r.body, r.header.Get("Age"))
	}
	expect(t, get(t, ts.URL+"/a?x=2"), 200, xMiss) // the whole query string is in the key
	h := do(t, "HEAD", ts.URL+"/a?x=1")            // HEAD is served from the GET entry
	expect(t, h, 200, xHit)
	if h.body != "" || o.hits.Load() != 2 {
		t.Fatalf("HEAD body %q, origin hits %d", h.body, o.hits.Load())
	}
}

func TestNoStoreIsNotCachedUnlessMinTTL(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, no-store")
	})
	d := oneOrigin(t, o.URL)
	_, ts := edgeServer(t, d, Options{})
	get(t, ts.URL+"/")
	expect(t, get(t, ts.URL+"/"), 200, xMiss)

	d2 := oneOrigin(t, o.URL)
	d2.Behaviors[0].TTL = TTL{Min: time.Minute, Default: time.Hour, Max: time.Hour}
	_, ts2 := edgeServer(t, d2, Options{})
	get(t, ts2.URL+"/")
	expect(t, get(t, ts2.URL+"/"), 200, xHit) // CloudFront: no-store with MinTTL>0 is cached for MinTTL
}

func TestTTLRules(t *testing.T) {
	now := time.Now()
	ttl := TTL{Min: 10 * time.Second, Default: time.Hour, Max: 2 * time.Hour}
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	cases := []struct {
		status int
		h      http.Header
		want   time.Duration
	}{
		{200, h(), time.Hour},
		{200, h("Cache-Control", "max-age=5"), 10 * time.Second},
		{200, h("Cache-Control", "max-age=999999"), 2 * time.Hour},
		{200, h("Cache-Control", "max-age=100, s-maxage=200"), 200 * time.Second},
		{200, h("Cache-Control", "no-cache"), 10 * time.Second},
		{200, h("Expires", now.Add(30*time.Minute).UTC().Format(http.TimeFormat)), 29 * time.Minute},
		{307, h(), 0},
		{307, h("Cache-Control", "max-age=60"), 60 * time.Second},
		{404, h(), 5 * time.Second},
		{404, h("Cache-Control", "max-age=60"), 60 * time.Second},
		{403, h(), 0},
		{403, h("Cache-Control", "max-age=60"), 60 * time.Second},
		{416, h("Cache-Control", "max-age=60"), 0},
		{206, h(), 0},
		{401, h(), 0},
	}
	for _, c := range cases {
		got := ttl.ttlFor(c.status, c.h, 5*time.Second, now)
		if c.want == 29*time.Minute {
			if got < 29*time.Minute || got > 30*time.Minute {
				t.Errorf("%d %v: ttl %v", c.status, c.h, got)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%d %v: ttl %v, want %v", c.status, c.h, got, c.want)
		}
	}
}

func TestErrorsAreCachedForErrorTTL(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) })
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	expect(t, get(t, ts.URL+"/missing"), 404, xError)
	expect(t, get(t, ts.URL+"/missing"), 404, xHit)
	if o.hits.Load() != 1 {
		t.Fatalf("origin hits = %d", o.hits.Load())
	}
}

// expire makes every entry of s stale without waiting.
func expire(s *Server) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	for _, k := range s.cache.lru.Keys() {
		e, _ := s.cache.lru.Peek(k)
		e.Expires = time.Now().Add(-time.Second)
	}
}

func TestStaleIsRevalidatedWith304(t *testing.T) {
	var conditional atomic.Int64
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Etag", `"v1"`)
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "v1 body")
	})
	s, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	get(t, ts.URL+"/")
	expire(s)
	r := get(t, ts.URL+"/")
	expect(t, r, 200, xRefresh)
	if r.body != "v1 body" || conditional.Load() != 1 {
		t.Fatalf("body %q, conditional requests %d", r.body, conditional.Load())
	}
	expect(t, get(t, ts.URL+"/"), 200, xHit) // the 304 renewed the TTL
}

func TestStaleServedOn5xxAndOnUnreachableOrigin(t *testing.T) {
	var fail atomic.Bool
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.WriteHeader(503)
			return
		}
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "good")
	})
	s, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	get(t, ts.URL+"/")
	expire(s)
	fail.Store(true)
	r := get(t, ts.URL+"/")
	expect(t, r, 200, xHit)
	if r.body != "good" {
		t.Fatalf("stale body %q", r.body)
	}
	before := o.hits.Load()
	expect(t, get(t, ts.URL+"/"), 200, xHit) // kept for the error TTL, origin not asked
	if o.hits.Load() != before {
		t.Fatal("origin asked again within the error TTL")
	}

	// Origin gone entirely.
	expire(s)
	o.Close()
	r = get(t, ts.URL+"/")
	expect(t, r, 200, xHit)

	// A 4xx is passed on, not the stale object.
	o2 := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.WriteHeader(403)
			return
		}
		w.Header().Set("Cache-Control", "max-age=60")
	})
	s2, ts2 := edgeServer(t, oneOrigin(t, o2.URL), Options{})
	get(t, ts2.URL+"/")
	expire(s2)
	expect(t, get(t, ts2.URL+"/"), 403, xError)
}

// resetMidBody answers with a Content-Length it does not keep, then drops the connection.
func resetMidBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "1000")
	w.Header().Set("Cache-Control", "max-age=60")
	w.WriteHeader(200)
	fmt.Fprint(w, "partial")
	w.(http.Flusher).Flush()
	conn, _, _ := w.(http.Hijacker).Hijack()
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
}

func TestPartialBodyIsNeverCached(t *testing.T) {
	var good atomic.Bool
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if good.Load() {
			w.Header().Set("Cache-Control", "max-age=60")
			fmt.Fprint(w, "whole")
			return
		}
		resetMidBody(w, r)
	})
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	expect(t, get(t, ts.URL+"/"), 502, xError)
	good.Store(true)
	r := get(t, ts.URL+"/")
	expect(t, r, 200, xMiss)
	if r.body != "whole" {
		t.Fatalf("body %q", r.body)
	}
}

func TestLargeObjectsStreamUncached(t *testing.T) {
	big := strings.Repeat("z", 64<<10)
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		if r.URL.Path == "/chunked" {
			w.(http.Flusher).Flush() // unknown length
		}
		fmt.Fprint(w, big)
	})
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{CacheBytes: 1 << 20, MaxObjectBytes: 16 << 10})
	for _, p := range []string{"/sized", "/chunked"} {
		r := get(t, ts.URL+p)
		expect(t, r, 200, xMiss)
		if r.body != big {
			t.Fatalf("%s: body of %d bytes", p, len(r.body))
		}
		expect(t, get(t, ts.URL+p), 200, xMiss)
	}
}

func TestConcurrentMissesCollapse(t *testing.T) {
	release := make(chan struct{})
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "once")
	})
	s, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	const n = 10
	var wg sync.WaitGroup
	bodies := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bodies <- get(t, ts.URL+"/same").body
		}()
	}
	// Wait until all but the leader are parked on the flight, then let the origin answer.
	deadline := time.Now().Add(10 * time.Second)
	for s.flight.waiting.Load() < n-1 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests waiting on the leader", s.flight.waiting.Load())
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(bodies)
	for b := range bodies {
		if b != "once" {
			t.Fatalf("body %q", b)
		}
	}
	if o.hits.Load() != 1 {
		t.Fatalf("origin hits = %d, want 1", o.hits.Load())
	}
}

func TestCacheByteAccounting(t *testing.T) {
	c := NewCache(4000, 2000)
	mk := func(n int) *Entry { return &Entry{Status: 200, Header: http.Header{}, Body: make([]byte, n)} }
	if !c.Put("a", mk(1000)) || !c.Put("b", mk(1000)) || !c.Put("c", mk(1000)) {
		t.Fatal("put refused")
	}
	if c.Put("huge", mk(3000)) {
		t.Fatal("an object over maxObject was stored")
	}
	// Replacing a key keeps the totals exact (simplelru.Add does not call onEvict on replace).
	c.Put("a", mk(500))
	want := entrySize("a", mk(500)) + entrySize("b", mk(1000)) + entrySize("c", mk(1000))
	if st := c.Stats(); st.Bytes != want || st.Entries != 3 {
		t.Fatalf("stats %+v, want %d bytes", st, want)
	}
	c.Get("b") // b is now the most recently used; the oldest is c
	c.Put("d", mk(1500))
	if _, ok := c.Get("c"); ok {
		t.Fatal("least recently used entry survived")
	}
	if _, ok := c.Get("b"); !ok {
		t.Fatal("recently used entry evicted")
	}
	if st := c.Stats(); st.Bytes > 4000 {
		t.Fatalf("over budget: %+v", st)
	}
}

func TestCacheConcurrentAccountingUnderRace(t *testing.T) {
	c := NewCache(50_000, 5_000)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				k := fmt.Sprintf("k%d", (g*31+i)%97)
				c.Put(k, &Entry{Header: http.Header{}, Body: make([]byte, i%3000)})
				c.Get(k)
			}
		}(g)
	}
	wg.Wait()
	var sum int64
	for _, k := range c.lru.Keys() {
		e, _ := c.lru.Peek(k)
		sum += e.size
	}
	if st := c.Stats(); st.Bytes != sum || st.Bytes > 50_000 {
		t.Fatalf("accounted %d, actual %d", st.Bytes, sum)
	}
}

// After an uncacheable response, requests for the key are not collapsed: they would only wait
// for a response they cannot share (Varnish's hit-for-miss).
func TestUncacheableKeysAreNotCollapsed(t *testing.T) {
	const n = 5
	var arrived atomic.Int64
	all := make(chan struct{})
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.URL.Query().Get("first") != "" {
			return
		}
		if arrived.Add(1) == n {
			close(all)
		}
		select { // answer only once all n are in the origin at the same time
		case <-all:
		case <-time.After(5 * time.Second):
			w.WriteHeader(http.StatusGatewayTimeout)
		}
	})
	d := oneOrigin(t, o.URL)
	d.CacheKey = CacheKeyPolicy{QueryStrings: "none"}
	_, ts := edgeServer(t, d, Options{})
	get(t, ts.URL+"/api?first=1") // uncacheable: the key is marked
	var wg sync.WaitGroup
	statuses := make(chan int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- get(t, ts.URL+"/api").status
		}()
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != 200 {
			t.Fatalf("status %d: the requests were queued behind each other", s)
		}
	}
}
