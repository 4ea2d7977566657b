package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge/redistest"
)

// countingOrigin is a loopback origin that counts its requests; body says what it answers.
type countingOrigin struct {
	*httptest.Server
	hits   atomic.Int64
	mu     sync.Mutex
	body   string
	delay  time.Duration
	byPath map[string]int
}

func newCountingOrigin(t *testing.T) *countingOrigin {
	o := &countingOrigin{body: "v1", byPath: map[string]int{}}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		o.mu.Lock()
		o.byPath[r.URL.Path]++
		body, delay := o.body, o.delay
		o.mu.Unlock()
		time.Sleep(delay)
		if strings.HasPrefix(r.URL.Path, "/nostore") {
			w.Header().Set("Cache-Control", "no-store")
		} else {
			w.Header().Set("Cache-Control", "max-age=300")
		}
		fmt.Fprintf(w, "%s %s", body, r.URL.Path)
	}))
	t.Cleanup(o.Close)
	return o
}

// under is how many requests the origin had for paths under prefix.
func (o *countingOrigin) under(prefix string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for p, c := range o.byPath {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

func (o *countingOrigin) set(body string, delay time.Duration) {
	o.mu.Lock()
	o.body, o.delay = body, delay
	o.mu.Unlock()
}

// edgeReplica is one hookfront process of a cluster.
type edgeReplica struct {
	*proc
	url, admin string
}

// startReplicas runs n hookfront processes in front of origin, sharing the store at redisURL.
func startReplicas(t *testing.T, n int, origin, redisURL string) []*edgeReplica {
	t.Helper()
	rs := startReplicasWaiting(t, n, origin, redisURL)
	for _, r := range rs {
		r.waitLog(t, "shared cache connected")
	}
	return rs
}

// startReplicasWaiting starts the replicas without waiting for the store.
func startReplicasWaiting(t *testing.T, n int, origin, redisURL string) []*edgeReplica {
	t.Helper()
	dir := t.TempDir()
	// The timeout is above the default 50ms: these binaries run with -race on a shared machine.
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`
origins:
  - {id: o, url: %s, response_timeout: 10s}
behaviors:
  - {path_pattern: "*", target: o}
cache:
  shared: {url: "%s", timeout: 500ms}
`, origin, redisURL))
	var rs []*edgeReplica
	for range n {
		p, admin := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
		rs = append(rs, &edgeReplica{proc: p, url: "http://" + p.addr, admin: admin})
	}
	return rs
}

// siteHost is the Host every replica is asked for, as behind a load balancer: it is part of
// the cache key.
const siteHost = "www.example.test"

// request makes a viewer request for path with the site's Host.
func (r *edgeReplica) request(path string) (*http.Response, string, error) {
	req, err := http.NewRequest("GET", r.url+path, nil)
	if err != nil {
		return nil, "", err
	}
	req.Host = siteHost
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

// get fetches path from the replica; the status, x-cache and body.
func (r *edgeReplica) get(t *testing.T, path string) (int, string, string) {
	t.Helper()
	resp, body, err := r.request(path)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("X-Cache"), body
}

// waitStored waits until the shared store holds an entry for path.
func waitStored(t *testing.T, srv *redistest.Server, path string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		keys, _ := srv.Do("KEYS", "hookfront:e:*").AsStrSlice()
		for _, k := range keys {
			if strings.HasSuffix(k, path) {
				return k
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no entry for %s in the store within 15s: %q", path, keys)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSharedMissOnOneReplicaIsAHitOnAnother(t *testing.T) {
	srv := redistest.Start(t)
	o := newCountingOrigin(t)
	rs := startReplicas(t, 2, o.URL, srv.URL())
	a, b := rs[0], rs[1]
	if status, xc, body := a.get(t, "/a.html"); status != 200 || xc != "Miss from hookfront" || body != "v1 /a.html" {
		t.Fatalf("A: %d %q %q", status, xc, body)
	}
	waitStored(t, srv, "/a.html")
	resp, body, err := b.request("/a.html")
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("X-Cache") != "Hit from hookfront" || body != "v1 /a.html" {
		t.Fatalf("B: %v %q %q", err, resp.Header.Get("X-Cache"), body)
	}
	if n := o.hits.Load(); n != 1 {
		t.Fatalf("the origin was asked %d times; want 1", n)
	}
	// B's trace says the shared tier answered.
	var tr struct {
		Steps []struct {
			Kind, Decision, Tier string
		} `json:"steps"`
	}
	getJSON(t, b.admin+"/api/requests/"+resp.Header.Get("X-Hookfront-Request-Id"), 200, &tr)
	found := false
	for _, s := range tr.Steps {
		found = found || (s.Kind == "cache" && s.Decision == "hit" && s.Tier == "shared")
	}
	if !found {
		t.Fatalf("no shared-tier hit in B's trace: %+v", tr.Steps)
	}

	// Now B holds it locally: its hits send nothing to the store.
	srv.Do("CONFIG", "RESETSTAT")
	for range 100 {
		if _, xc, _ := b.get(t, "/a.html"); xc != "Hit from hookfront" {
			t.Fatalf("x-cache %q", xc)
		}
	}
	for cmd, n := range srv.Calls() {
		if cmd != "ping" && cmd != "info" && cmd != "config|resetstat" && n > 0 {
			t.Fatalf("local hits sent %d %s to the store: %v", n, cmd, srv.Calls())
		}
	}
}

func TestSharedConcurrentMissesAcrossReplicasAskTheOriginOnce(t *testing.T) {
	srv := redistest.Start(t)
	o := newCountingOrigin(t)
	o.set("v1", time.Second) // long enough for every request to arrive while one is out
	rs := startReplicas(t, 3, o.URL, srv.URL())
	var wg sync.WaitGroup
	errs := make(chan string, 50)
	start := make(chan struct{})
	for i := range 50 {
		wg.Add(1)
		go func(r *edgeReplica) {
			defer wg.Done()
			<-start
			resp, _, err := r.request("/hot.js")
			if err != nil {
				errs <- err.Error()
			} else if resp.StatusCode != 200 {
				errs <- resp.Status
			}
		}(rs[i%3])
	}
	close(start)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := o.hits.Load(); n != 1 {
		t.Fatalf("50 concurrent misses on 3 replicas asked the origin %d times; want 1", n)
	}
}

func TestSharedInvalidationReachesEveryReplica(t *testing.T) {
	srv := redistest.Start(t)
	o := newCountingOrigin(t)
	rs := startReplicas(t, 3, o.URL, srv.URL())
	a := rs[0]
	fill := func(path string) {
		t.Helper()
		a.get(t, path)
		waitStored(t, srv, path)
		for _, r := range rs {
			if _, xc, _ := r.get(t, path); xc != "Hit from hookfront" {
				t.Fatalf("%s: %q", path, xc)
			}
		}
	}
	fill("/a.html")
	fill("/b.html")
	o.set("v2", 0)
	waitServes := func(r *edgeReplica, path, want string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			if _, _, body := r.get(t, path); body == want {
				return
			} else if time.Now().After(deadline) {
				t.Fatalf("%s still serves %q for %s", r.url, body, path)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	// The admin API on A.
	status, _, body := call(t, "POST", a.admin+"/api/invalidations", `{"paths": ["/a.html"]}`)
	if status != 200 {
		t.Fatalf("invalidation: %d %s", status, body)
	}
	for _, r := range rs {
		waitServes(r, "/a.html", "v2 /a.html")
		if _, _, body := r.get(t, "/b.html"); body != "v1 /b.html" {
			t.Fatalf("/b.html was invalidated too: %q", body)
		}
	}
	// hookfront invalidate on A: /* empties every replica and the shared tier (our prefix only).
	srv.Do("SET", "someone-else:key", "kept")
	if out, errOut, code := runBinary(t, "invalidate", "--admin", strings.TrimPrefix(a.admin, "http://"), "/*"); code != 0 {
		t.Fatalf("invalidate: %d %s %s", code, out, errOut)
	}
	for _, r := range rs {
		waitServes(r, "/b.html", "v2 /b.html")
	}
	if v, _ := srv.Do("GET", "someone-else:key").ToString(); v != "kept" {
		t.Fatal("/* removed a key outside the prefix")
	}
}

func TestSharedStoreKilledMidLoadIsNoOutage(t *testing.T) {
	srv := redistest.Start(t)
	o := newCountingOrigin(t)
	rs := startReplicas(t, 2, o.URL, srv.URL())
	a, b := rs[0], rs[1]

	// Background load on both replicas for the whole test: bounded in count and time.
	var failed, served atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(2 * time.Minute)
			for i := 0; i < 100000 && time.Now().Before(deadline); i++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, _, err := rs[w%2].request(fmt.Sprintf("/load/%d", i%50))
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
				} else {
					served.Add(1)
				}
			}
		}()
	}
	// phase asks A then B for fresh keys and returns how many origin requests that took.
	phase := func(name string, shared bool) int {
		t.Helper()
		for i := range 10 {
			path := fmt.Sprintf("/%s/%d", name, i)
			a.get(t, path)
			if shared {
				waitStored(t, srv, path)
			}
			if status, _, _ := b.get(t, path); status != 200 {
				t.Fatalf("%s: %d", path, status)
			}
		}
		return o.under("/" + name + "/")
	}
	if n := phase("up", true); n != 10 {
		t.Fatalf("with the store up, 10 objects on 2 replicas took %d origin requests; want 10", n)
	}
	waitMetricLine(t, a, "hookfront_shared_cache_up 1")
	srv.Kill()
	if n := phase("down", false); n != 20 {
		t.Fatalf("with the store down, 10 objects on 2 replicas took %d origin requests; want 20", n)
	}
	for _, r := range rs {
		r.waitLog(t, "shared cache down")
	}
	waitMetricLine(t, a, "hookfront_shared_cache_up 0")
	if _, _, m := call(t, "GET", a.admin+"/metrics", ""); strings.Contains(string(m), "hookfront_shared_cache_errors_total 0") {
		t.Fatalf("no error counted:\n%s", m)
	}
	srv.Restart()
	for _, r := range rs {
		r.waitLog(t, "shared cache up again")
	}
	if n := phase("back", true); n != 10 {
		t.Fatalf("with the store back, 10 objects on 2 replicas took %d origin requests; want 10", n)
	}
	close(stop)
	wg.Wait()
	if failed.Load() != 0 || served.Load() == 0 {
		t.Fatalf("%d viewer requests failed (%d served)", failed.Load(), served.Load())
	}
	for _, r := range rs {
		if n := strings.Count(r.logs(), "shared cache down"); n != 1 {
			t.Fatalf("%d 'down' lines; want one per state change:\n%s", n, r.logs())
		}
	}
}

func TestSharedCorruptOrNewerValueIsAMiss(t *testing.T) {
	srv := redistest.Start(t)
	o := newCountingOrigin(t)
	rs := startReplicas(t, 2, o.URL, srv.URL())
	a, b := rs[0], rs[1]
	for i, value := range []string{"garbage", "HFE\x02a newer hookfront's format"} {
		path := fmt.Sprintf("/c%d.css", i)
		a.get(t, path)
		key := waitStored(t, srv, path)
		srv.Do("SET", key, value)
		status, xc, body := b.get(t, path)
		if status != 200 || xc != "Miss from hookfront" || body != "v1 "+path {
			t.Fatalf("%q in the store: %d %q %q", value, status, xc, body)
		}
	}
	b.waitLog(t, "shared cache entry ignored")
}

// cacheReasons are the reasons of the cache steps in a request's trace.
func cacheReasons(t *testing.T, r *edgeReplica, resp *http.Response) []string {
	t.Helper()
	var tr struct {
		Steps []struct{ Kind, Reason string } `json:"steps"`
	}
	getJSON(t, r.admin+"/api/requests/"+resp.Header.Get("X-Hookfront-Request-Id"), 200, &tr)
	var out []string
	for _, s := range tr.Steps {
		if s.Kind == "cache" {
			out = append(out, s.Reason)
		}
	}
	return out
}

func TestSharedHitForMissIsClusterWide(t *testing.T) {
	srv := redistest.Start(t)
	o := newCountingOrigin(t)
	rs := startReplicas(t, 2, o.URL, srv.URL())
	a, b := rs[0], rs[1]
	a.get(t, "/nostore")
	waitStored(t, srv, "/nostore") // the marker: no content, only "do not wait for this key"
	resp, _, err := b.request("/nostore")
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(resp, err)
	}
	if reasons := strings.Join(cacheReasons(t, b, resp), "; "); !strings.Contains(reasons, "another replica (hit-for-miss)") {
		t.Fatalf("B did not learn that the key is uncacheable: %s\n%s", reasons, b.logs())
	}
	if n := o.under("/nostore"); n != 2 {
		t.Fatalf("origin asked %d times; want 2 (an uncacheable response is never shared)", n)
	}
}

func TestSharedSlowStoreCostsAtMostItsTimeout(t *testing.T) {
	srv := redistest.Start(t)
	o := newCountingOrigin(t)
	a := startReplicas(t, 1, o.URL, srv.URL())[0]
	srv.Do("CLIENT", "PAUSE", "20000", "ALL") // the store stops answering for 20 s
	for i := range 5 {
		start := time.Now()
		if status, _, _ := a.get(t, fmt.Sprintf("/slow/%d", i)); status != 200 {
			t.Fatalf("status %d", status)
		}
		// timeout is 500ms here: far below the pause, with room for a loaded machine.
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("request %d took %v with the store paused", i, d)
		}
	}
	a.waitLog(t, "shared cache down")
}

func TestSharedStoreUnreachableAtStartOrMalformed(t *testing.T) {
	o := newCountingOrigin(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "redis://" + l.Addr().String() + "/0"
	l.Close()
	a := startReplicasWaiting(t, 1, o.URL, closed)[0]
	a.waitLog(t, "shared cache unreachable")
	if status, xc, _ := a.get(t, "/x"); status != 200 || xc != "Miss from hookfront" {
		t.Fatalf("%d %q", status, xc)
	}

	dir := t.TempDir()
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`
origins: [{id: o, url: %s}]
behaviors: [{path_pattern: "*", target: o}]
cache:
  shared: {url: "http://u:secret@h:6379", timeout: 1ms}
`, o.URL))
	_, errOut, code := runBinary(t, "validate", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "hookfront.yaml:5: cache.shared.url:") || !strings.Contains(errOut, "cache.shared.timeout:") || strings.Contains(errOut, "secret") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
}

// waitMetricLine waits until the replica's /metrics has line.
func waitMetricLine(t *testing.T, r *edgeReplica, line string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, _, b := call(t, "GET", r.admin+"/metrics", "")
		if strings.Contains(string(b), "\n"+line+"\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in /metrics within 15s:\n%s", line, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
