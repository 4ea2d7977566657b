package sharedcache

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/edge/redistest"
)

// logBuffer collects a store's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// replica is a Store as one hookfront replica has it, with the invalidations it was told of.
type replica struct {
	*Store
	log *logBuffer
	mu  sync.Mutex
	inv [][]string
}

func (r *replica) invalidations() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.inv)
}

func newReplica(t *testing.T, url string, mod ...func(*Options)) *replica {
	t.Helper()
	r := &replica{log: &logBuffer{}}
	opt := Options{URL: url, KeyPrefix: "test:", Timeout: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(r.log, nil)),
		OnInvalidate: func(paths []string) {
			r.mu.Lock()
			r.inv = append(r.inv, paths)
			r.mu.Unlock()
		}}
	for _, m := range mod {
		m(&opt)
	}
	s, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	r.Store = s
	t.Cleanup(s.Close)
	return r
}

// eventually polls cond until it holds, for at most 15 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 15s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitUp(t *testing.T, r *replica) {
	t.Helper()
	eventually(t, "the store is up", func() bool { return r.Stats().Up })
}

func get(t *testing.T, r *replica, key string) []byte {
	t.Helper()
	v, err := r.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get %q: %v", key, err)
	}
	return v[0]
}

func set(r *replica, key string, value []byte, ttl time.Duration) {
	r.Set(edge.SharedValue{Key: key, Value: value, TTL: ttl})
}

func TestSetGetUnderThePrefixWithTTL(t *testing.T) {
	srv := redistest.Start(t)
	a := newReplica(t, srv.URL())
	waitUp(t, a)
	if v := get(t, a, "k"); v != nil {
		t.Fatalf("empty store: got %q", v)
	}
	val := []byte("binary\x00value\xff")
	set(a, "k", val, time.Minute)
	eventually(t, "the value is stored", func() bool { return bytes.Equal(get(t, a, "k"), val) })
	ttl, err := srv.Do("PTTL", "test:e:k").AsInt64()
	if err != nil || ttl <= 50_000 || ttl > 60_000 {
		t.Fatalf("PTTL = %d, %v; want about 60000", ttl, err)
	}
	// Values over max_object are not sent.
	big := bytes.Repeat([]byte("x"), DefaultMaxObject+1)
	set(a, "big", big, time.Minute)
	eventually(t, "the large value is dropped", func() bool { return a.Stats().Dropped == 1 })
	if n, _ := srv.Do("EXISTS", "test:e:big").AsInt64(); n != 0 {
		t.Fatal("a value over max_object was stored")
	}
}

func TestFillLockIsOneReplicasAndWaitersGetTheValue(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newReplica(t, srv.URL()), newReplica(t, srv.URL())
	waitUp(t, a)
	waitUp(t, b)
	ctx := context.Background()
	if held, err := a.Lock(ctx, "k", 10*time.Second); !held || err != nil {
		t.Fatalf("A's lock: %v %v", held, err)
	}
	if held, err := b.Lock(ctx, "k", 10*time.Second); held || err != nil {
		t.Fatalf("B took a lock A holds: %v %v", held, err)
	}
	got := make(chan []byte)
	go func() {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		got <- b.Wait(wctx, "k")
	}()
	eventually(t, "B waits", func() bool { b.Store.mu.Lock(); defer b.Store.mu.Unlock(); return len(b.Store.waiters) == 1 })
	set(a, "k", []byte("v"), time.Minute)
	if v := <-got; string(v) != "v" {
		t.Fatalf("B's wait returned %q", v)
	}
	eventually(t, "the lock is released after the value is stored", func() bool {
		n, _ := srv.Do("EXISTS", "test:l:k").AsInt64()
		return n == 0
	})

	// A lock given up without a value: the waiter returns nil at once, not at its deadline.
	if held, _ := a.Lock(ctx, "k2", 10*time.Second); !held {
		t.Fatal("no lock on k2")
	}
	go func() {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		got <- b.Wait(wctx, "k2")
	}()
	eventually(t, "B waits for k2", func() bool { b.Store.mu.Lock(); defer b.Store.mu.Unlock(); return len(b.Store.waiters) == 1 })
	start := time.Now()
	a.Unlock("k2")
	if v := <-got; v != nil {
		t.Fatalf("got %q after an unlock", v)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the waiter waited %v after the unlock", d)
	}
}

func TestInvalidationReachesOtherReplicasAndKeepsOtherPrefixes(t *testing.T) {
	srv := redistest.Start(t)
	// A second, not 50 ms, for the store's calls: on a loaded machine a subscription that timed
	// out was made again, and B, unsure what it had missed, was rightly told "/*" instead.
	patient := func(o *Options) { o.Timeout = time.Second }
	a, b := newReplica(t, srv.URL(), patient), newReplica(t, srv.URL(), patient)
	waitUp(t, a)
	waitUp(t, b)
	// Up is not yet subscribed: an invalidation published before B listens never reaches it.
	eventually(t, "both replicas listen for invalidations", func() bool {
		subs, _ := srv.Do("PUBSUB", "NUMSUB", "test:invalidate").ToArray()
		n := int64(0)
		if len(subs) == 2 {
			n, _ = subs[1].AsInt64()
		}
		b.Store.mu.Lock()
		defer b.Store.mu.Unlock()
		return n == 2 && b.Store.seqKnown
	})
	for _, k := range []string{"h/a.html", "h/img/1.png", "h/img/2.png"} {
		set(a, k, []byte("v"), time.Minute)
	}
	srv.Do("SET", "other:e:h/a.html", "theirs")
	eventually(t, "three values stored", func() bool { return a.Stats().Writes == 3 })

	n, err := a.Invalidate(context.Background(), []string{"/img/*"}, func(k string) bool { return strings.HasPrefix(k, "h/img/") })
	if err != nil || n != 2 {
		t.Fatalf("Invalidate = %d, %v; want 2", n, err)
	}
	eventually(t, "B is told", func() bool { return len(b.invalidations()) == 1 })
	if got := b.invalidations()[0]; !slices.Equal(got, []string{"/img/*"}) {
		t.Fatalf("B was told %q", got)
	}
	if len(a.invalidations()) != 0 {
		t.Fatal("A was told of its own invalidation")
	}
	n, err = a.Invalidate(context.Background(), []string{"/*"}, func(string) bool { return true })
	if err != nil || n != 1 {
		t.Fatalf("/* removed %d, %v; want 1", n, err)
	}
	if v, _ := srv.Do("GET", "other:e:h/a.html").ToString(); v != "theirs" {
		t.Fatal("/* removed a key outside the prefix")
	}
	calls := srv.Calls()
	if calls["keys"] != 0 || calls["flushdb"] != 0 || calls["flushall"] != 0 || calls["scan"] == 0 {
		t.Fatalf("invalidation must scan, never KEYS/FLUSHDB: %v", calls)
	}
}

func TestUnreachableAtStartThenReachable(t *testing.T) {
	srv := redistest.Start(t)
	srv.Kill()
	a := newReplica(t, srv.URL())
	eventually(t, "the warning", func() bool { return a.log.count("shared cache unreachable") == 1 })
	start := time.Now()
	if _, err := a.Get(context.Background(), "k"); err == nil {
		t.Fatal("Get answered with the store down")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Get on a store known to be down took %v", d)
	}
	srv.Restart()
	waitUp(t, a)
	if a.log.count("shared cache unreachable") != 1 || a.log.count("shared cache connected") != 1 {
		t.Fatalf("want one line per state change:\n%s", a.log)
	}
}

func TestDownThenBackLogsEachChangeOnce(t *testing.T) {
	srv := redistest.Start(t)
	a := newReplica(t, srv.URL())
	waitUp(t, a)
	srv.Kill()
	for range 20 { // many failing requests, one log line
		_, _ = a.Get(context.Background(), "k")
	}
	eventually(t, "down", func() bool { return !a.Stats().Up })
	if n := a.log.count("shared cache down"); n != 1 {
		t.Fatalf("%d down lines:\n%s", n, a.log)
	}
	if a.Stats().Errors == 0 {
		t.Fatal("no error counted")
	}
	// An invalidation while down is kept and applied when the store is back.
	if _, err := a.Invalidate(context.Background(), []string{"/x"}, func(k string) bool { return k == "h/x" }); err == nil {
		t.Fatal("an invalidation while down did not say so")
	}
	srv.Restart()
	srv.Do("SET", "test:e:h/x", "old")
	waitUp(t, a)
	if n := a.log.count("shared cache up again"); n != 1 {
		t.Fatalf("%d up lines:\n%s", n, a.log)
	}
	eventually(t, "the pending invalidation is applied", func() bool {
		n, _ := srv.Do("EXISTS", "test:e:h/x").AsInt64()
		return n == 0
	})
}

func TestSlowStoreCostsAtMostTheTimeout(t *testing.T) {
	srv := redistest.Start(t)
	a := newReplica(t, srv.URL())
	waitUp(t, a)
	srv.Do("CLIENT", "PAUSE", "3000", "ALL")
	for range timeoutsDown {
		start := time.Now()
		if _, err := a.Get(context.Background(), "k"); err == nil {
			t.Fatal("a paused store answered")
		}
		// 50 ms asked; a generous margin for a loaded machine, far below the 3 s pause.
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Get took %v with a 50ms timeout", d)
		}
	}
	if a.Stats().Up {
		t.Fatal("the tier stayed on after timeouts in a row")
	}
	eventually(t, "back after the pause", func() bool { return a.Stats().Up })
}

func TestFullStoreKeepsEntriesLocalAndSaysSoOnce(t *testing.T) {
	srv := redistest.Start(t, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
	a := newReplica(t, srv.URL())
	waitUp(t, a)
	val := bytes.Repeat([]byte("x"), 512<<10)
	for i := range 8 {
		set(a, "k"+string(rune('a'+i)), val, time.Minute)
	}
	eventually(t, "full", func() bool { return a.Stats().Full })
	if !a.Stats().Up {
		t.Fatal("a full store turned the tier off: reads still work")
	}
	if n := a.log.count("shared cache full"); n != 1 {
		t.Fatalf("%d full lines:\n%s", n, a.log)
	}
}

func TestMissedInvalidationsEmptyTheLocalTier(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newReplica(t, srv.URL()), newReplica(t, srv.URL())
	waitUp(t, a)
	waitUp(t, b)
	eventually(t, "both subscribed", func() bool {
		n, _ := srv.Do("PUBSUB", "NUMSUB", "test:invalidate").ToArray()
		c, _ := n[1].AsInt64()
		return c == 2
	})
	// An invalidation B never hears of (counted, its notice lost), then B's subscription is
	// lost and made again.
	srv.Do("INCR", "test:invalidations")
	srv.Do("CLIENT", "KILL", "TYPE", "pubsub")
	eventually(t, "B empties its local tier", func() bool {
		for _, p := range b.invalidations() {
			if slices.Equal(p, []string{"/*"}) {
				return true
			}
		}
		return false
	})
}

func TestParseURL(t *testing.T) {
	for _, u := range []string{"redis://127.0.0.1:6379/0", "rediss://user:pw@cache.example:6380/2", "valkey://h",
		"redis://h:6379?addr=h2:6379&addr=h3:6379", "redis://s1:26379?addr=s2:26379&master_set=mymaster", "unix:///run/redis.sock"} {
		if _, err := ParseURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"", "http://h:6379", "redis://h/0/1", "redis://", "redis://:secret@h:6379/x", "redis://u:secret@h:bad port"} {
		_, err := ParseURL(u)
		if err == nil {
			t.Errorf("%q accepted", u)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: the error shows the password: %v", u, err)
		}
	}
}
