package trace

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks/event"
)

// edgeWith runs a real edge in front of a real origin, traced into ring.
func edgeWith(t *testing.T, ring *Ring) *httptest.Server {
	t.Helper()
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/missing") {
			w.WriteHeader(404)
			return
		}
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(o.Close)
	u, _ := url.Parse(o.URL)
	p, _ := edge.ParsePattern("*")
	d := &edge.Distribution{Origins: []*edge.Origin{{ID: "o", URL: u}}, Behaviors: []*edge.Behavior{{Pattern: p, Target: "o"}}}
	s, err := edge.NewServer(d, edge.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Observers: []edge.Observer{ring}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); d.Close() })
	return ts
}

// waitFor polls cond with a deadline: a trace ends after its response has been written.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 10s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("X-Hookfront-Request-Id")
}

func TestRingKeepsTheLastRequestsNewestFirst(t *testing.T) {
	ring := NewRing(5, edge.DetailCalls)
	ts := edgeWith(t, ring)
	var ids []string
	for i := 0; i < 8; i++ {
		ids = append(ids, get(t, fmt.Sprintf("%s/p%d", ts.URL, i)))
	}
	ids = append(ids, get(t, ts.URL+"/missing/x"))
	waitFor(t, "last trace", func() bool { return ring.Get(ids[8]) != nil })
	list := ring.List(Query{})
	if len(list) != 5 || list[0].Summary.ID != ids[8] || list[4].Summary.ID != ids[4] {
		t.Fatalf("held %d, newest %s", len(list), list[0].Summary.ID)
	}
	if ring.Get(ids[3]) != nil || ring.Get(ids[4]) == nil {
		t.Fatal("an evicted trace is still found, or a held one is not")
	}
	if l := ring.List(Query{Limit: 2}); len(l) != 2 || l[1].Summary.ID != ids[7] {
		t.Fatalf("limit: %d", len(l))
	}
	if l := ring.List(Query{Status: "4xx"}); len(l) != 1 || l[0].Summary.Status != 404 {
		t.Fatalf("status class: %d", len(l))
	}
	if l := ring.List(Query{Status: "200", Path: "/p7"}); len(l) != 1 || l[0].Summary.ID != ids[7] {
		t.Fatalf("status and path: %d", len(l))
	}

	// The JSON of a trace: the summary and the steps in order.
	b, _ := json.Marshal(ring.Get(ids[7]).JSON())
	var tr struct {
		Status int
		XCache string `json:"x_cache"`
		Steps  []map[string]any
	}
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, s := range tr.Steps {
		kinds = append(kinds, fmt.Sprint(s["kind"], " ", s["decision"], s["origin"]))
	}
	if tr.Status != 200 || tr.XCache != "Miss from hookfront" || strings.Join(kinds, ", ") != "cache miss<nil>, attempt <nil>o, cache stored<nil>" {
		t.Fatalf("%s", b)
	}
}

func TestSlowSubscriberLosesTracesNotRequests(t *testing.T) {
	ring := NewRing(10, edge.DetailCalls)
	ts := edgeWith(t, ring)
	sub := ring.Subscribe(2)
	defer sub.Close()
	fast := ring.Subscribe(100)
	for i := 0; i < 20; i++ {
		get(t, ts.URL+"/x") // never blocks though sub is full after two
	}
	waitFor(t, "20 traces", func() bool { return len(fast.C) == 20 })
	if n := sub.Dropped(); n != 18 {
		t.Fatalf("dropped %d", n)
	}
	if len(sub.C) != 2 || len(fast.C) != 20 || fast.Dropped() != 0 {
		t.Fatalf("buffered %d and %d", len(sub.C), len(fast.C))
	}
	fast.Close()
	id := get(t, ts.URL+"/x")
	waitFor(t, "the trace", func() bool { return ring.Get(id) != nil })
	if len(fast.C) != 20 {
		t.Fatal("a closed subscription still receives")
	}
}

// A ring holds at most its size, whatever the traces carry: a hook printing megabytes is cut
// in its call trace, and old traces go.
func TestRingMemoryIsBounded(t *testing.T) {
	ring := NewRing(100, edge.DetailFull)
	line := strings.Repeat("x", 1<<20)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := heap()
	for i := 0; i < 3000; i++ {
		rec := ring.Observe("", time.Now(), nil)
		for _, trig := range []event.Trigger{event.ViewerRequest, event.OriginRequest, event.OriginResponse, event.ViewerResponse} {
			ct := &event.CallTrace{Full: true}
			for j := 0; j < 10; j++ { // 10 MB of console output per call
				ct.ConsoleLine(slog.LevelInfo, line)
			}
			rec.Hook(edge.HookStep{Trigger: trig, Start: time.Now(), Call: ct})
		}
		rec.End(&edge.Summary{ID: fmt.Sprint(i), Start: time.Now()})
	}
	if got := len(ring.List(Query{})); got != 100 {
		t.Fatalf("held %d", got)
	}
	c := ring.List(Query{Limit: 1})[0].HookSteps[0].Call
	kept := 0
	for _, l := range c.Console {
		kept += len(l.Text)
	}
	if kept > event.MaxConsoleBytes+100 || c.ConsoleDropped < 9<<20 || !strings.Contains(c.Console[len(c.Console)-1].Text, "more bytes not kept") {
		t.Fatalf("kept %d bytes of console, dropped %d", kept, c.ConsoleDropped)
	}
	// 100 traces × 4 calls × 16 KiB is 6.4 MB; unbounded it would be 120 GB.
	if grown := int64(heap()) - int64(base); grown > 16<<20 {
		t.Fatalf("heap grew by %d MB", grown>>20)
	}
}

// The ring reuses the memory of traces it let go (a trace per request was 1.5 KB of garbage),
// so what it hands out must not be that memory: List and Get give copies, and a trace offered to
// subscribers is never reused.
func TestHandedOutTracesStayWhileTheRingReusesItsMemory(t *testing.T) {
	ring := NewRing(2, edge.DetailCalls)
	record := func(id string) *Trace {
		rec := ring.Observe("", time.Now(), nil)
		rec.Hook(edge.HookStep{Trigger: event.ViewerRequest, File: id + ".js", Call: &event.CallTrace{File: id + ".js"}})
		rec.Cache(edge.CacheStep{Key: "key " + id, Decision: edge.CacheMiss})
		rec.End(&edge.Summary{ID: id, Path: "/" + id, Attempts: []edge.AttemptStep{{Origin: "origin " + id}}})
		return rec.(*Trace)
	}
	intact := func(tr *Trace, id string) bool {
		return tr.Summary.ID == id && tr.Summary.Path == "/"+id && tr.Summary.Attempts[0].Origin == "origin "+id &&
			tr.HookSteps[0].File == id+".js" && tr.HookSteps[0].Call.File == id+".js" && tr.CacheSteps[0].Key == "key "+id
	}
	sub := ring.Subscribe(1)
	offered := record("offered")
	select { // End offers before it returns
	case got := <-sub.C:
		if got != offered {
			t.Fatal("the subscriber got another trace")
		}
	default:
		t.Fatal("the trace was not offered")
	}
	sub.Close()
	record("a")
	got, listed := ring.Get("a"), ring.List(Query{Limit: 1})[0]
	if got == nil || !intact(got, "a") || !intact(listed, "a") {
		t.Fatalf("copies of a: %+v %+v", got, listed)
	}
	// Record until a trace's memory is reused (sync.Pool keeps what it is given only mostly).
	held := map[*Trace]bool{}
	reused := false
	for i := 0; i < 1000 && !reused; i++ {
		tr := record(fmt.Sprint("n", i))
		reused = held[tr]
		held[tr] = true
		if tr == offered {
			t.Fatal("a trace offered to a subscriber was reused")
		}
	}
	if !reused {
		t.Fatal("no trace's memory was reused in 1000 requests")
	}
	if !intact(got, "a") || !intact(listed, "a") || !intact(offered, "offered") {
		t.Fatalf("a handed-out trace changed: %+v %+v %+v", got.Summary, listed.Summary, offered.Summary)
	}
}
