package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge/redistest"
	"github.com/redis/rueidis"
)

// switchOrigin answers each path with the Cache-Control its query asks for (?cc=...), or fails
// with 503 once told to; it counts its requests per path.
type switchOrigin struct {
	*httptest.Server
	mu     sync.Mutex
	fail   bool
	byPath map[string]int
}

func newSwitchOrigin(t *testing.T) *switchOrigin {
	o := &switchOrigin{byPath: map[string]int{}}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.byPath[r.URL.Path]++
		fail := o.fail
		o.mu.Unlock()
		if fail {
			w.WriteHeader(503)
			fmt.Fprint(w, "origin down")
			return
		}
		cc := r.URL.Query().Get("cc")
		if cc == "" {
			cc = "max-age=300"
		}
		w.Header().Set("Cache-Control", cc)
		fmt.Fprintf(w, "v1 %s", r.URL.Path)
	}))
	t.Cleanup(o.Close)
	return o
}

func (o *switchOrigin) failing(fail bool) {
	o.mu.Lock()
	o.fail = fail
	o.mu.Unlock()
}

func (o *switchOrigin) asked(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.byPath[path]
}

// startSharedReplica runs one hookfront process in front of origin with the shared tier at
// redisURL and the origin's response timeout given.
func startSharedReplica(t *testing.T, origin, redisURL, responseTimeout string) *edgeReplica {
	t.Helper()
	cfg := writeFile(t, t.TempDir(), "hookfront.yaml", fmt.Sprintf(`
origins:
  - {id: o, url: %s, response_timeout: %s}
behaviors:
  - {path_pattern: "*", target: o}
cache:
  shared: {url: "%s", timeout: 500ms}
`, origin, responseTimeout, redisURL))
	p, admin := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	return &edgeReplica{proc: p, url: "http://" + p.addr, admin: admin}
}

func pttl(t *testing.T, srv *redistest.Server, key string) int64 {
	t.Helper()
	ms, err := srv.Do("PTTL", key).AsInt64()
	if err != nil {
		t.Fatalf("PTTL %s: %v", key, err)
	}
	return ms
}

// The edge keeps a shared entry in Redis for its remaining freshness plus the stale grace (one
// hour), so that every replica can still revalidate it or serve it when the origin fails.
func TestSharedEntryTTLIsFreshnessPlusStaleGrace(t *testing.T) {
	srv := redistest.Start(t)
	o := newSwitchOrigin(t)
	a := startSharedReplica(t, o.URL, srv.URL(), "10s")
	a.waitLog(t, "shared cache connected")
	const grace = int64(time.Hour / time.Millisecond)
	for _, c := range []struct {
		path   string
		maxAge int64
	}{{"/long", 300}, {"/short", 30}} {
		path := fmt.Sprintf("%s?cc=max-age=%d", c.path, c.maxAge)
		if status, _, _ := a.get(t, path); status != 200 {
			t.Fatalf("%s: %d", path, status)
		}
		key := waitStored(t, srv, path)
		got, want := pttl(t, srv, key), c.maxAge*1000+grace
		// Written right after the response, read right after it is there: a few seconds of
		// slack for a loaded machine, far below the grace the test is about.
		if got > want || got < want-10_000 {
			t.Errorf("%s (max-age=%d): PTTL %d ms, want about %d (freshness + 1h grace)", c.path, c.maxAge, got, want)
		}
	}
}

// An entry that expired in the shared tier is still served by a replica that never had it,
// when that replica's origin fails (stale-if-error, cluster-wide).
func TestSharedExpiredEntryServedStaleOnErrorByAnotherReplica(t *testing.T) {
	srv := redistest.Start(t)
	o := newSwitchOrigin(t)
	a := startSharedReplica(t, o.URL, srv.URL(), "10s")
	b := startSharedReplica(t, o.URL, srv.URL(), "10s")
	a.waitLog(t, "shared cache connected")
	b.waitLog(t, "shared cache connected")
	const path = "/stale.html?cc=max-age=1"
	if status, xc, body := a.get(t, path); status != 200 || xc != "Miss from hookfront" || body != "v1 /stale.html" {
		t.Fatalf("A: %d %q %q", status, xc, body)
	}
	key := waitStored(t, srv, "/stale.html?cc=max-age=1")
	// Expired when what is left of its TTL is the grace alone.
	deadline := time.Now().Add(15 * time.Second)
	for pttl(t, srv, key) > int64(time.Hour/time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the entry did not expire within 15s (PTTL %d)", pttl(t, srv, key))
		}
		time.Sleep(20 * time.Millisecond)
	}
	o.failing(true)
	resp, body, err := b.request(path)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || body != "v1 /stale.html" {
		t.Fatalf("B with its origin failing: %d %q; want A's expired entry served stale", resp.StatusCode, body)
	}
	if n := o.asked("/stale.html"); n != 2 {
		t.Fatalf("the origin was asked %d times; want 2 (A's miss, B's failed refresh)", n)
	}
	var tr struct {
		Steps []struct{ Kind, Decision string } `json:"steps"`
	}
	getJSON(t, b.admin+"/api/requests/"+resp.Header.Get("X-Hookfront-Request-Id"), 200, &tr)
	served := false
	for _, s := range tr.Steps {
		served = served || s.Kind == "cache" && s.Decision == "stale-served"
	}
	if !served {
		t.Fatalf("B's trace has no stale-served cache step: %+v", tr.Steps)
	}
}

// A replica that finds another's fill lock waits for its entry at most max(response_timeout,
// 1s), then asks the origin itself: a lock whose holder died never stalls the key.
func TestSharedFillLockWaiterGivesUpAfterTheResponseTimeout(t *testing.T) {
	srv := redistest.Start(t)
	o := newSwitchOrigin(t)
	a := startSharedReplica(t, o.URL, srv.URL(), "2s")
	a.waitLog(t, "shared cache connected")
	// The key of a path, from an entry the edge stored.
	a.get(t, "/probe")
	entryKey := waitStored(t, srv, "/probe")
	lockKey := strings.Replace(strings.TrimSuffix(entryKey, "/probe")+"/locked", "hookfront:e:", "hookfront:l:", 1)
	// A replica that took the lock and died: it holds for a minute.
	if err := srv.Do("SET", lockKey, "dead-replica", "PX", "60000").Error(); err != nil {
		t.Fatal(err)
	}
	type result struct {
		status int
		body   string
		took   time.Duration
		err    error
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		resp, body, err := a.request("/locked")
		r := result{body: body, took: time.Since(start), err: err}
		if resp != nil {
			r.status = resp.StatusCode
		}
		done <- r
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(40 * time.Second):
		t.Fatalf("the request still waits on the fill lock after 40s (response_timeout 2s); origin asked %d times", o.asked("/locked"))
	}
	if r.err != nil || r.status != 200 || r.body != "v1 /locked" {
		t.Fatalf("%d %q %v", r.status, r.body, r.err)
	}
	if r.took < 1500*time.Millisecond {
		t.Fatalf("answered in %v: it did not wait for the lock's holder (response_timeout 2s)", r.took)
	}
	if n := o.asked("/locked"); n != 1 {
		t.Fatalf("the origin was asked %d times for /locked; want 1, by the waiter itself", n)
	}
	if n, _ := srv.Do("EXISTS", lockKey).AsInt64(); n != 1 {
		t.Fatal("the lock held by hand was taken away from its holder")
	}
}

// adminClient is a client of a password-protected redis-server (the redistest helper's own
// client has no password).
func adminClient(t *testing.T, srv *redistest.Server, password string) (do func(args ...string) rueidis.RedisResult) {
	t.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{srv.Addr}, Password: password, DisableCache: true, ForceSingleClient: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return func(args ...string) rueidis.RedisResult {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return c.Do(ctx, c.B().Arbitrary(args...).Build())
	}
}

// cache.shared.url carries the credentials: the default user's password (redis://:pass@) and an
// ACL user's (redis://user:pass@) both work; a wrong password is said clearly in the log, with
// the edge serving meanwhile, and the password is never printed.
func TestSharedURLWithPasswordAndACLUser(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", "s3cret-default")
	do := adminClient(t, srv, "s3cret-default")
	if err := do("ACL", "SETUSER", "edge", "on", ">s3cret-edge", "~hookfront:*", "&hookfront:*", "+@all").Error(); err != nil {
		t.Fatal(err)
	}
	o := newSwitchOrigin(t)
	a := startSharedReplica(t, o.URL, "redis://:s3cret-default@"+srv.Addr+"/0", "10s")
	b := startSharedReplica(t, o.URL, "redis://edge:s3cret-edge@"+srv.Addr+"/0", "10s")
	a.waitLog(t, "shared cache connected")
	b.waitLog(t, "shared cache connected")
	if status, xc, body := a.get(t, "/auth.html"); status != 200 || xc != "Miss from hookfront" || body != "v1 /auth.html" {
		t.Fatalf("A: %d %q %q", status, xc, body)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		keys, _ := do("KEYS", "hookfront:e:*").AsStrSlice()
		if len(keys) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("A stored nothing with the default user's password:\n%s", a.logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if status, xc, body := b.get(t, "/auth.html"); status != 200 || xc != "Hit from hookfront" || body != "v1 /auth.html" {
		t.Fatalf("B (ACL user): %d %q %q\n%s", status, xc, body, b.logs())
	}
	if n := o.asked("/auth.html"); n != 1 {
		t.Fatalf("the origin was asked %d times; want 1", n)
	}

	c := startSharedReplica(t, o.URL, "redis://edge:wrong-password@"+srv.Addr+"/0", "10s")
	c.waitLog(t, "shared cache refused the connection")
	start := time.Now()
	if status, xc, _ := c.get(t, "/auth.html"); status != 200 || xc != "Miss from hookfront" {
		t.Fatalf("C (wrong password): %d %q", status, xc)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("C took %v to answer with the store refusing it", d)
	}
	logs := c.logs()
	if !strings.Contains(logs, "WRONGPASS") || strings.Contains(logs, "wrong-password") {
		t.Fatalf("the log does not say the password was refused, or prints it:\n%s", logs)
	}
	// The store accepts that password now: the replica connects by itself, and shares.
	if err := do("ACL", "SETUSER", "edge", ">wrong-password").Error(); err != nil {
		t.Fatal(err)
	}
	c.waitLog(t, "shared cache connected")
	if status, xc, body := c.get(t, "/auth2.html"); status != 200 || xc != "Miss from hookfront" || body != "v1 /auth2.html" {
		t.Fatalf("C: %d %q %q", status, xc, body)
	}
	deadline = time.Now().Add(15 * time.Second)
	for {
		keys, _ := do("KEYS", "hookfront:e:*/auth2.html").AsStrSlice()
		if len(keys) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("C stored nothing once its password was accepted:\n%s", c.logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if status, xc, _ := a.get(t, "/auth2.html"); status != 200 || xc != "Hit from hookfront" || o.asked("/auth2.html") != 1 {
		t.Fatalf("A: %d %q, origin asked %d times", status, xc, o.asked("/auth2.html"))
	}
}
