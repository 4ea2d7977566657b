package edge

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// cacheLog is an Observer that keeps each request's cache steps whole (key, decision, reason,
// TTL), which stepLog's lines leave out.
type cacheLog struct {
	detail Detail
	done   chan []CacheStep
}

func (l *cacheLog) Observe(string, time.Time, *http.Request) Recorder { return &cacheRec{log: l} }

// next waits (bounded) for the cache steps of the next finished request.
func (l *cacheLog) next(t *testing.T) []CacheStep {
	t.Helper()
	select {
	case s := <-l.done:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no request ended within 10s")
		return nil
	}
}

type cacheRec struct {
	log   *cacheLog
	steps []CacheStep
}

func (r *cacheRec) Detail() Detail    { return r.log.detail }
func (r *cacheRec) Hook(HookStep)     {}
func (r *cacheRec) Cache(s CacheStep) { r.steps = append(r.steps, s) }
func (r *cacheRec) Page(PageStep)     {}
func (r *cacheRec) End(*Summary)      { r.log.done <- r.steps }

func stepsText(steps []CacheStep) string {
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "  %s key=%q reason=%q ttl=%s\n", s.Decision, s.Key, s.Reason, s.TTL)
	}
	return b.String()
}

// wantSteps compares every field a trace shows of a cache step.
func wantSteps(t *testing.T, what string, got []CacheStep, want ...CacheStep) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		g, w := got[i], want[i]
		ok = g.Decision == w.Decision && g.Key == w.Key && g.Reason == w.Reason && g.TTL == w.TTL
	}
	if !ok {
		t.Fatalf("%s: cache steps\n%swant\n%s", what, stepsText(got), stepsText(want))
	}
}

// Each cache decision a trace shows carries its key, its reason and the TTL stored: a hit, a
// miss, an expired entry revalidated with 304 (refresh-hit), an expired entry served because
// the origin failed (stale-served), and responses that cannot be stored, with why.
func TestTraceCacheDecisionsCarryKeyReasonAndTTL(t *testing.T) {
	var mode atomic.Value // what the origin does next
	mode.Store("ok")
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/cookie":
			w.Header().Set("Set-Cookie", "session=1")
			w.Header().Set("Cache-Control", "max-age=60")
			fmt.Fprint(w, "personal")
		case r.URL.Path == "/nostore":
			w.Header().Set("Cache-Control", "no-store")
			fmt.Fprint(w, "fresh")
		case mode.Load() == "fail":
			w.WriteHeader(503)
		case r.Header.Get("If-None-Match") == `"v1"`:
			w.Header().Set("Cache-Control", "max-age=120")
			w.WriteHeader(http.StatusNotModified)
		default:
			w.Header().Set("Etag", `"v1"`)
			w.Header().Set("Cache-Control", "max-age=60")
			fmt.Fprint(w, "v1")
		}
	})
	log := &cacheLog{detail: DetailCalls, done: make(chan []CacheStep, 16)}
	s, ts := edgeServer(t, oneOrigin(t, o.URL), Options{Observers: []Observer{log}})
	u, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	key := func(path string) string { return strings.ToLower(u.Host) + path }
	k := key("/a?v=1")

	expect(t, get(t, ts.URL+"/a?v=1"), 200, xMiss)
	wantSteps(t, "miss", log.next(t),
		CacheStep{Decision: CacheMiss, Key: k},
		CacheStep{Decision: CacheStored, Key: k, TTL: 60 * time.Second})

	expect(t, get(t, ts.URL+"/a?v=1"), 200, xHit)
	wantSteps(t, "hit", log.next(t), CacheStep{Decision: CacheHit, Key: k})

	expire(s)
	expect(t, get(t, ts.URL+"/a?v=1"), 200, xRefresh)
	wantSteps(t, "revalidated", log.next(t),
		CacheStep{Decision: CacheStale, Key: k},
		CacheStep{Decision: CacheRefreshHit, Key: k, Reason: "the origin answered 304 Not Modified", TTL: 120 * time.Second})

	expire(s)
	mode.Store("fail")
	r := get(t, ts.URL+"/a?v=1")
	expect(t, r, 200, xHit)
	if r.body != "v1" {
		t.Fatalf("stale body %q", r.body)
	}
	wantSteps(t, "stale on error", log.next(t),
		CacheStep{Decision: CacheStale, Key: k},
		CacheStep{Decision: CacheStaleServed, Key: k, Reason: "origin answered 503"})

	expect(t, get(t, ts.URL+"/cookie"), 200, xMiss)
	wantSteps(t, "Set-Cookie", log.next(t),
		CacheStep{Decision: CacheMiss, Key: key("/cookie")},
		CacheStep{Decision: CacheNotStored, Key: key("/cookie"), Reason: "it sets a cookie (Set-Cookie)"})

	expect(t, get(t, ts.URL+"/nostore"), 200, xMiss)
	wantSteps(t, "no-store", log.next(t),
		CacheStep{Decision: CacheMiss, Key: key("/nostore")},
		CacheStep{Decision: CacheNotStored, Key: key("/nostore"), Reason: `TTL 0 for status 200 with Cache-Control: no-store (CloudFront's TTL rules)`})
	// The next request for a key just found uncacheable is not collapsed, and says why.
	expect(t, get(t, ts.URL+"/nostore"), 200, xMiss)
	wantSteps(t, "hit-for-miss", log.next(t),
		CacheStep{Decision: CacheMiss, Key: key("/nostore"), Reason: "the last response for this key could not be stored (hit-for-miss)"},
		CacheStep{Decision: CacheNotStored, Key: key("/nostore"), Reason: `TTL 0 for status 200 with Cache-Control: no-store (CloudFront's TTL rules)`})
}

// A request whose method is not cached, or any request with the cache off, is not cacheable,
// has no key, and says why.
func TestTraceNotCacheableSaysWhy(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "x")
	})
	log := &cacheLog{detail: DetailSteps, done: make(chan []CacheStep, 16)}
	d := oneOrigin(t, o.URL)
	d.Behaviors[0].AllowedMethods = []string{"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
	_, ts := edgeServer(t, d, Options{Observers: []Observer{log}})
	expect(t, do(t, http.MethodPost, ts.URL+"/p"), 200, xMiss)
	wantSteps(t, "POST", log.next(t), CacheStep{Decision: CacheNotCachable, Reason: "the method is not in the behavior's cached_methods"})

	off := &cacheLog{detail: DetailSteps, done: make(chan []CacheStep, 16)}
	_, ts = edgeServer(t, oneOrigin(t, o.URL), Options{Observers: []Observer{off}, CacheBytes: -1})
	expect(t, get(t, ts.URL+"/p"), 200, xMiss)
	wantSteps(t, "cache off", off.next(t), CacheStep{Decision: CacheNotCachable, Reason: "the cache is off"})
}
