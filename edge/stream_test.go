package edge

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClientHangUpIsNotAnOriginFailure(t *testing.T) {
	arrived := make(chan struct{})
	p := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done() // the edge cancels the attempt when the viewer goes away
	})
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	sink := newLogSink()
	_, ts := edgeServer(t, failoverDist(t, p.URL, s.URL, 503), Options{CacheBytes: -1, Logger: slog.New(sink)})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/", nil)
	errc := make(chan error, 1)
	go func() {
		_, err := http.DefaultClient.Do(req)
		errc <- err
	}()
	<-arrived
	cancel()
	<-errc
	rec := sink.next(t) // the edge finished handling the request
	if s.hits.Load() != 0 {
		t.Fatal("a viewer hang-up made the edge fail over")
	}
	if rec["status"] != "499" || rec["note"] != "viewer went away" {
		t.Fatalf("access log %v", rec)
	}
}

func TestStalledBodyIsCutAndNotCached(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		fmt.Fprint(w, "start")
		w.(http.Flusher).Flush()
		<-release // then silence, longer than the response timeout
	})
	d := oneOrigin(t, o.URL)
	d.Origins[0].ResponseTimeout = 150 * time.Millisecond
	_, ts := edgeServer(t, d, Options{})
	r := get(t, ts.URL+"/")
	expect(t, r, 504, xError)
	if !strings.Contains(r.body, "response timeout") {
		t.Fatalf("body %q", r.body)
	}
}

func TestUncachedStreamFlushesEachChunk(t *testing.T) {
	next := make(chan struct{})
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "data: %d\n\n", i)
			w.(http.Flusher).Flush()
			<-next // the next event only after the viewer saw this one
		}
	})
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	resp, err := http.Get(ts.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for i := 0; i < 3; i++ {
		line, err := br.ReadString('\n')
		if err != nil || line != fmt.Sprintf("data: %d\n", i) {
			t.Fatalf("event %d: %q %v", i, line, err)
		}
		_, _ = br.ReadString('\n')
		next <- struct{}{}
	}
}

func TestRangeAndConditionalOnHits(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Etag", `"abc"`)
		fmt.Fprint(w, "0123456789")
	})
	_, ts := edgeServer(t, oneOrigin(t, o.URL), Options{})
	get(t, ts.URL+"/f")
	r := get(t, ts.URL+"/f", "Range", "bytes=2-4")
	if r.status != 206 || r.body != "234" || r.header.Get("X-Cache") != xHit {
		t.Fatalf("range on hit: %d %q %q", r.status, r.body, r.header.Get("X-Cache"))
	}
	r = get(t, ts.URL+"/f", "If-None-Match", `"abc"`)
	if r.status != 304 || r.body != "" {
		t.Fatalf("conditional on hit: %d %q", r.status, r.body)
	}
	if o.hits.Load() != 1 {
		t.Fatalf("origin hits %d", o.hits.Load())
	}
}

func TestCacheKeyPolicies(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprintf(w, "%s|%s|%s", r.URL.RawQuery, r.Header.Get("Accept-Language"), r.Method)
	})
	d := oneOrigin(t, o.URL)
	d.Behaviors[0].AllowedMethods = []string{"GET", "HEAD", "OPTIONS"}
	d.Behaviors[0].CachedMethods = []string{"GET", "HEAD", "OPTIONS"}
	d.CacheKey = CacheKeyPolicy{QueryStrings: "include", QueryNames: []string{"page"}, Headers: []string{"Accept-Language"}}
	_, ts := edgeServer(t, d, Options{})
	expect(t, get(t, ts.URL+"/?page=1&utm=a", "Accept-Language", "en"), 200, xMiss)
	expect(t, get(t, ts.URL+"/?utm=b&page=1", "Accept-Language", "en"), 200, xHit) // utm not in key
	expect(t, get(t, ts.URL+"/?page=1", "Accept-Language", "de"), 200, xMiss)      // header is
	expect(t, get(t, ts.URL+"/?page=2", "Accept-Language", "en"), 200, xMiss)
	r := do(t, "OPTIONS", ts.URL+"/?page=1", "Accept-Language", "en")
	expect(t, r, 200, xMiss) // OPTIONS is keyed apart from GET
	if !strings.HasSuffix(r.body, "OPTIONS") {
		t.Fatalf("OPTIONS served %q", r.body)
	}
	expect(t, do(t, "OPTIONS", ts.URL+"/?page=1", "Accept-Language", "en"), 200, xHit)
}

func TestHugeRequestHeaderIsRefused(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	s, err := NewServer(oneOrigin(t, o.URL), Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: s, MaxHeaderBytes: 32 << 10, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(l)
	defer hs.Close()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		// A 10 MB header line; the server answers long before it is all sent.
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
		chunk := strings.Repeat("a", 64<<10)
		for i := 0; i < 160; i++ {
			if _, err := io.WriteString(conn, chunk); err != nil {
				return
			}
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || o.hits.Load() != 0 {
		t.Fatalf("status %d, origin hits %d", resp.StatusCode, o.hits.Load())
	}
}
