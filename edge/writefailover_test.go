package edge

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/errorpages"
	"github.com/hookfront/hookfront/hooks/event"
)

// writeDist is a two-member group whose behavior allows writes, with write failover wf.
func writeDist(t *testing.T, primary, secondary string, wf *WriteFailover) *Distribution {
	d := failoverDist(t, primary, secondary, 500, 502, 503, 504)
	d.Groups[0].WriteFailover = wf
	d.Behaviors[0].AllowedMethods = KnownMethods
	return d
}

func post(t *testing.T, method, url string, body []byte, hdr ...string) result {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, string(b)}
}

func randomBody(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func TestWriteToClosedPrimaryFailsOverWithIdenticalBody(t *testing.T) {
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secondary") })
	_, ts := edgeServer(t, writeDist(t, closedAddr(t), s.URL, &WriteFailover{Methods: []string{"POST"}, OnConnect: true}), Options{CacheBytes: -1})
	body := randomBody(200 << 10)
	r := post(t, "POST", ts.URL+"/orders", body)
	if r.status != 200 || r.body != "secondary" {
		t.Fatalf("%d %q", r.status, r.body)
	}
	if !bytes.Equal(s.body[0], body) {
		t.Fatalf("the secondary got %d bytes, not the %d sent", len(s.body[0]), len(body))
	}
}

func TestWriteFailoverOnListedStatus(t *testing.T) {
	p := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secondary") })
	_, ts := edgeServer(t, writeDist(t, p.URL, s.URL, &WriteFailover{Methods: []string{"POST"}, OnStatus: map[int]bool{503: true}}), Options{CacheBytes: -1})
	body := []byte(`{"order": 1}`)
	if r := post(t, "POST", ts.URL+"/orders", body); r.body != "secondary" || !bytes.Equal(s.body[0], body) || !bytes.Equal(p.body[0], body) {
		t.Fatalf("%q, primary got %q, secondary got %q", r.body, p.body[0], s.body[0])
	}
	// 500 is not in `on`: the primary's answer goes back.
	p2 := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	s2 := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	_, ts2 := edgeServer(t, writeDist(t, p2.URL, s2.URL, &WriteFailover{Methods: []string{"POST"}, OnStatus: map[int]bool{503: true}}), Options{CacheBytes: -1})
	if r := post(t, "POST", ts2.URL+"/orders", body); r.status != 500 || s2.hits.Load() != 0 {
		t.Fatalf("%d, secondary hits %d", r.status, s2.hits.Load())
	}
}

func TestWriteTimeoutFailsOverOnlyWhenSafe(t *testing.T) {
	p := hangingOrigin(t) // reads the body (newOrigin does), then never answers
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "secondary key=%s", r.Header.Get("Idempotency-Key"))
	})
	d := writeDist(t, p.URL, s.URL, &WriteFailover{Methods: []string{"POST", "PUT"}, OnConnect: true, OnStatus: map[int]bool{503: true}, IdempotencyKey: "Idempotency-Key"})
	d.Origins[0].ResponseTimeout = 150 * time.Millisecond
	d.Pages = &errorpages.Set{Groups: map[string]*errorpages.GroupPages{"g": {Primary: errorpages.List{504: {Status: 504, Body: []byte("primary's 504 page")}}}}}
	sink := newLogSink()
	_, ts := edgeServer(t, d, Options{CacheBytes: -1, Logger: slog.New(sink)})

	r := post(t, "POST", ts.URL+"/pay", []byte("charge 10"))
	if r.status != 504 || r.body != "primary's 504 page" || s.hits.Load() != 0 {
		t.Fatalf("POST without a key: %d %q, secondary hits %d", r.status, r.body, s.hits.Load())
	}
	if rec := sink.next(t); !strings.Contains(rec["attempts"], "no failover: timeout after the request was sent: POST is not idempotent and has no Idempotency-Key") {
		t.Fatalf("access log: %v", rec)
	}
	r = post(t, "POST", ts.URL+"/pay", []byte("charge 10"), "Idempotency-Key", "k-123")
	if r.status != 200 || r.body != "secondary key=k-123" || string(s.body[0]) != "charge 10" {
		t.Fatalf("POST with a key: %d %q", r.status, r.body)
	}
	if rec := sink.next(t); !strings.Contains(rec["attempts"], "(failover: timeout)") {
		t.Fatalf("access log: %v", rec)
	}
	if r = post(t, "PUT", ts.URL+"/doc", []byte("v2")); r.status != 200 { // idempotent by method
		t.Fatalf("PUT: %d %q", r.status, r.body)
	}
}

func TestLargeWriteIsStreamedAndNeverFailsOver(t *testing.T) {
	p := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	_, ts := edgeServer(t, writeDist(t, p.URL, s.URL, &WriteFailover{Methods: []string{"POST"}, MaxBody: 1 << 20, OnStatus: map[int]bool{503: true}}), Options{CacheBytes: -1})
	body := randomBody(5 << 20)
	if r := post(t, "POST", ts.URL+"/upload", body); r.status != 503 || s.hits.Load() != 0 {
		t.Fatalf("%d, secondary hits %d", r.status, s.hits.Load())
	}
	if !bytes.Equal(p.body[0], body) {
		t.Fatalf("the primary got %d bytes of %d", len(p.body[0]), len(body))
	}
	// Unknown length, over the limit: the same.
	req, _ := http.NewRequest("POST", ts.URL+"/upload", io.MultiReader(bytes.NewReader(body))) // no Content-Length
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || s.hits.Load() != 0 || !bytes.Equal(p.body[1], body) {
		t.Fatalf("chunked: %d, secondary hits %d, primary got %d bytes", resp.StatusCode, s.hits.Load(), len(p.body[1]))
	}
}

func TestViewerGoneMidBodyReachesNoSecondary(t *testing.T) {
	p := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	sink := newLogSink()
	_, ts := edgeServer(t, writeDist(t, p.URL, s.URL, &WriteFailover{Methods: []string{"POST"}, OnConnect: true}), Options{CacheBytes: -1, Logger: slog.New(sink)})
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\npartial body")
	conn.Close()
	sink.next(t) // the edge finished with the request
	if p.hits.Load() != 0 || s.hits.Load() != 0 {
		t.Fatalf("origins saw %d and %d requests", p.hits.Load(), s.hits.Load())
	}
}

func TestThreeMemberGroupAndPagesByMember(t *testing.T) {
	fail := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }
	a, b := newOrigin(t, fail), newOrigin(t, fail)
	c := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			w.WriteHeader(404)
			return
		}
		fmt.Fprint(w, "third")
	})
	oa, ob, oc := org(t, "a", a.URL), org(t, "b", b.URL), org(t, "c", c.URL)
	h := &recorder{bound: allBound()}
	d := &Distribution{
		Origins: []*Origin{oa, ob, oc}, Groups: []*Group{group("g", []int{503}, oa, ob, oc)},
		Behaviors: []*Behavior{behavior(t, "*", "g")},
		Pages: &errorpages.Set{Groups: map[string]*errorpages.GroupPages{"g": {
			Secondary: errorpages.List{404: {Status: 404, Body: []byte("secondary role page")}},
			Members:   map[string]errorpages.List{"c": {404: {Status: 404, Body: []byte("c's own page")}}},
		}}},
	}
	_, ts := edgeServer(t, d, Options{CacheBytes: -1, Hooks: h})
	if r := get(t, ts.URL+"/x"); r.body != "third" {
		t.Fatalf("%q", r.body)
	}
	if got := h.took(); got != "viewer-request, origin-request a, origin-response a, origin-request b, origin-response b, origin-request c, origin-response c, viewer-response" {
		t.Fatalf("hooks: %s", got)
	}
	if r := get(t, ts.URL+"/missing"); r.status != 404 || r.body != "c's own page" {
		t.Fatalf("%d %q", r.status, r.body)
	}
}

func TestOriginHooksFireOncePerAttemptForWrites(t *testing.T) {
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	h := &recorder{bound: map[event.Trigger]bool{event.OriginRequest: true}}
	_, ts := edgeServer(t, writeDist(t, closedAddr(t), s.URL, &WriteFailover{Methods: []string{"POST"}, OnConnect: true}), Options{CacheBytes: -1, Hooks: h})
	post(t, "POST", ts.URL+"/", []byte("x"))
	if got := h.took(); got != "origin-request a, origin-request b" {
		t.Fatalf("%s", got)
	}
}

// A write whose method the group's write_failover does not list is logged as such, not as if
// the group had no write_failover at all.
func TestWriteNotInWriteFailoverMethodsSaysSo(t *testing.T) {
	p := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	for _, c := range []struct {
		wf   *WriteFailover
		want string
	}{
		{&WriteFailover{Methods: []string{"POST"}, OnConnect: true}, "no failover: PUT is not in write_failover.methods"},
		{nil, "no failover: PUT does not fail over without write_failover"},
	} {
		sink := newLogSink()
		_, ts := edgeServer(t, writeDist(t, p.URL, s.URL, c.wf), Options{CacheBytes: -1, Logger: slog.New(sink)})
		expect(t, post(t, "PUT", ts.URL+"/x", []byte("v")), 503, xError)
		if rec := sink.next(t); !strings.Contains(rec["attempts"], c.want) {
			t.Errorf("attempts %q, want it to say %q", rec["attempts"], c.want)
		}
	}
}
