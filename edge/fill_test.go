package edge

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A cacheable body of unknown length reaches the viewer as it arrives: the first bytes are
// there before the origin has finished (issue 9: it was read whole, up to max_object, first).
// It is stored once it arrived whole.
func TestStreamedBodyReachesTheViewerBeforeTheOriginFinishes(t *testing.T) {
	seenFirst := make(chan struct{})
	var finished atomic.Bool
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "first,")
		w.(http.Flusher).Flush()
		select { // the rest only once the viewer has the first bytes (or after a while)
		case <-seenFirst:
		case <-time.After(5 * time.Second):
		}
		fmt.Fprint(w, "rest")
		finished.Store(true)
	})
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	resp, err := http.Get(ts.URL + "/slow")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, len("first,"))
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	if finished.Load() {
		t.Fatal("the first bytes reached the viewer only after the origin had finished")
	}
	close(seenFirst)
	rest, _ := io.ReadAll(resp.Body)
	if string(first)+string(rest) != "first,rest" {
		t.Fatalf("body %q", string(first)+string(rest))
	}
	r := get(t, ts.URL+"/slow")
	expect(t, r, 200, xHit)
	if r.body != "first,rest" || o.hits.Load() != 1 {
		t.Fatalf("hit body %q, origin hits %d", r.body, o.hits.Load())
	}
}

// A streamed body that breaks off is not stored; the viewer's connection is cut (the headers
// went out, so no error page can follow).
func TestBrokenStreamedBodyIsNotStored(t *testing.T) {
	var good atomic.Bool
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, strings.Repeat("a", 100<<10))
		if !good.Load() {
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // the origin breaks off mid-body
		}
	})
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	expectCut(t, ts.URL+"/")
	good.Store(true)
	expect(t, get(t, ts.URL+"/"), 200, xMiss)
	expect(t, get(t, ts.URL+"/"), 200, xHit)
}

// expectCut GETs u and fails unless the body breaks off: once the headers went out, a body that
// fails can only be cut, never passed off as whole.
func expectCut(t *testing.T, u string) {
	t.Helper()
	resp, err := http.Get(u)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("the viewer got a cut body as if it were whole")
	}
}

// Requests collapsed on a leader whose body streams get the stored copy once it is whole.
func TestCollapsedRequestsGetTheStreamedCopy(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "part one,")
		w.(http.Flusher).Flush()
		<-release
		fmt.Fprint(w, "part two")
	})
	s, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	t.Cleanup(unblock) // runs before the servers close, which wait for the origin's handler
	type answer struct {
		resp *http.Response
		err  error
	}
	lead := make(chan answer, 1)
	go func() { // the leader: headers out, body streaming
		resp, err := http.Get(ts.URL + "/same")
		lead <- answer{resp, err}
	}()
	var resp *http.Response
	select {
	case a := <-lead:
		if a.err != nil {
			t.Fatal(a.err)
		}
		resp = a.resp
	case <-time.After(10 * time.Second):
		t.Fatal("no headers for the leader while its body was still coming")
	}
	const n = 4
	bodies := make(chan result, n)
	for range n {
		go func() { bodies <- get(t, ts.URL+"/same") }()
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.flight.waiting.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests waiting on the leader", s.flight.waiting.Load())
		}
		time.Sleep(time.Millisecond)
	}
	unblock()
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "part one,part two" {
		t.Fatalf("leader body %q", b)
	}
	for range n {
		r := <-bodies
		if r.body != "part one,part two" || r.header.Get("X-Cache") != xHit {
			t.Fatalf("follower: %q %q", r.body, r.header.Get("X-Cache"))
		}
	}
	if o.hits.Load() != 1 {
		t.Fatalf("origin hits %d", o.hits.Load())
	}
}

// Slow viewers of a large body of unknown length do not hold it in memory: the copies for the
// cache are bounded by max_object each and by the fill budget together (issue 9: 20 slow
// readers of a chunked 100 MB body took RSS from 159 to 683 MB).
func TestSlowViewersOfALargeBodyKeepMemoryFlat(t *testing.T) {
	const size, readers = 24 << 20, 6
	chunk := bytes.Repeat([]byte("z"), 32<<10)
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	// max_object 8 MiB: more than the socket buffers between edge and viewer take in, so a copy
	// held per viewer would show. The fill budget is then 8 MiB for all of them together.
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{CacheBytes: 32 << 20, MaxObjectBytes: 8 << 20})
	before := liveHeap()
	var started, wg sync.WaitGroup
	resume := make(chan struct{})
	lengths := make(chan int64, readers)
	for i := range readers {
		started.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(fmt.Sprintf("%s/big/%d", ts.URL, i))
			if err != nil {
				t.Error(err)
				started.Done()
				return
			}
			defer resp.Body.Close()
			n, _ := io.CopyN(io.Discard, resp.Body, 256<<10) // a little, then the viewer stalls
			started.Done()
			<-resume
			m, _ := io.Copy(io.Discard, resp.Body)
			lengths <- n + m
		}()
	}
	started.Wait()
	grown := liveHeap() - before
	close(resume)
	wg.Wait()
	close(lengths)
	for n := range lengths {
		if n != size {
			t.Fatalf("a viewer got %d bytes of %d", n, size)
		}
	}
	t.Logf("%d stalled viewers of a %d MiB body: live heap grew %d KiB", readers, size>>20, grown>>10)
	// The fill budget (8 MiB), and the copy a fill makes while it grows (up to half of it again),
	// with room for the buffers of six connections; a copy per viewer would be 6 × 8 MiB.
	if grown > 16<<20 {
		t.Fatalf("live heap grew %d bytes while %d viewers stalled", grown, readers)
	}
}
