package edge

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Bodies buffered for failover are bounded all together, not only one by one: without it, many
// concurrent writes (or an attacker's) each held up to max_body (64 MB at most) for as long as
// their attempts ran, e.g. 160 writes of 64 MB held 10 GB. A write that finds the budget in use
// streams to the first member, as a body over max_body does, and so does not fail over.
func TestWriteBuffersAreBoundedAllTogether(t *testing.T) {
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	p := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Hold") != "" {
			held <- struct{}{}
			<-release
			fmt.Fprint(w, "primary")
			return
		}
		w.WriteHeader(503)
	})
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secondary") })
	sink := newLogSink()
	wf := &WriteFailover{Methods: []string{"POST"}, MaxBody: 1000, OnConnect: true, OnStatus: map[int]bool{503: true}}
	_, ts := edgeServer(t, writeDist(t, p.URL, s.URL, wf), Options{CacheBytes: -1, WriteBufferBytes: 1000, Logger: slog.New(sink)})
	t.Cleanup(free) // runs before the servers close, which wait for the held request

	first := make(chan result, 1)
	go func() { first <- post(t, "POST", ts.URL+"/a", []byte(strings.Repeat("a", 600)), "X-Hold", "1") }()
	select {
	case <-held: // the first write's 600 bytes are buffered while its attempt runs
	case <-time.After(20 * time.Second):
		t.Fatal("the first write did not reach the primary")
	}
	if r := post(t, "POST", ts.URL+"/b", []byte(strings.Repeat("b", 600))); r.status != 503 || s.hits.Load() != 0 {
		t.Fatalf("a write over the budget failed over: %d %q (secondary hits %d)", r.status, r.body, s.hits.Load())
	}
	if rec := sink.next(t); !strings.Contains(rec["attempts"], "(no failover: body not buffered (server.write_buffer: 600 bytes in use by other writes))") {
		t.Fatalf("access log: %v", rec)
	}
	free()
	if r := <-first; r.status != 200 || r.body != "primary" {
		t.Fatalf("%d %q", r.status, r.body)
	}
	// The budget is given back when a write ends.
	if r := post(t, "POST", ts.URL+"/b", []byte(strings.Repeat("b", 600))); r.status != 200 || r.body != "secondary" {
		t.Fatalf("%d %q", r.status, r.body)
	}
}
