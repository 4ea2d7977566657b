package sharedcache

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/edge/redistest"
)

// edgeReplica is an edge.Server with a Store of its own on the shared store at url.
func edgeReplica(t *testing.T, redisURL, origin string) *httptest.Server {
	t.Helper()
	r := newReplica(t, redisURL, func(o *Options) { o.Timeout = time.Second })
	waitUp(t, r)
	u, err := url.Parse(origin)
	if err != nil {
		t.Fatal(err)
	}
	star, _ := edge.ParsePattern("*")
	d := &edge.Distribution{DomainName: "d.test",
		Origins:   []*edge.Origin{{ID: "o", URL: u, ResponseTimeout: 10 * time.Second}},
		Behaviors: []*edge.Behavior{{Pattern: star, Target: "o"}}}
	s, err := edge.NewServer(d, edge.Options{Shared: r.Store, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); d.Close() })
	return ts
}

// When an entry expires, the replicas' concurrent requests for it still make one trip to the
// origin between them: the replica holding the fill lock asks, the others wait for what it
// stores. Before, a waiter's Wait returned at once with the expired value still in the store
// (kept there for revalidation and stale-on-error), so every replica asked the origin.
func TestExpiredEntryIsFetchedOnceAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	var hits atomic.Int64
	release := make(chan struct{})
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		if n > 1 {
			<-release // the refetch stays out until every replica has asked
		}
		w.Header().Set("Cache-Control", "max-age=2")
		fmt.Fprintf(w, "v%d", n)
	}))
	t.Cleanup(o.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	a, b := edgeReplica(t, srv.URL(), o.URL), edgeReplica(t, srv.URL(), o.URL)
	fetch := func(ts *httptest.Server) (string, string) {
		req, _ := http.NewRequest("GET", ts.URL+"/hot", nil)
		req.Host = "www.example.test" // as behind a load balancer: the Host is in the cache key
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("X-Cache"), string(body)
	}
	stored := time.Now()
	if xc, body := fetch(a); body != "v1" {
		t.Fatalf("A: %s %q", xc, body)
	}
	eventually(t, "A's entry is in the shared store", func() bool {
		keys, _ := srv.Do("KEYS", "test:e:*").AsStrSlice()
		return len(keys) > 0
	})
	if xc, body := fetch(b); xc != "Hit from hookfront" || body != "v1" {
		t.Fatalf("B: %s %q", xc, body)
	}

	time.Sleep(time.Until(stored.Add(2100 * time.Millisecond))) // max-age=2 runs out: a matter of time, not of an event
	var wg sync.WaitGroup
	bodies := make(chan string, 2)
	for _, ts := range []*httptest.Server{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, body := fetch(ts)
			bodies <- body
		}()
	}
	// Both replicas have asked: one is at the origin, the other waits on the fill lock (or, before
	// the fix, is at the origin too). Give the second one the time to get there, then let go.
	eventually(t, "a replica is at the origin", func() bool { return hits.Load() >= 2 })
	time.Sleep(300 * time.Millisecond) // room for a second origin request, which must not come
	close(release)
	wg.Wait()
	close(bodies)
	for body := range bodies {
		if body != "v2" {
			t.Errorf("a replica got %q, want the refetched v2", body)
		}
	}
	if n := hits.Load(); n != 2 {
		t.Fatalf("the expired entry was fetched %d times by two replicas; want once", n-1)
	}
}
