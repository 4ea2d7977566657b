package edge

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func failoverDist(t *testing.T, primary, secondary string, codes ...int) *Distribution {
	a, b := org(t, "a", primary), org(t, "b", secondary)
	return &Distribution{
		Origins:   []*Origin{a, b},
		Groups:    []*Group{group("g", codes, a, b)},
		Behaviors: []*Behavior{behavior(t, "*", "g")},
	}
}

func TestFailoverOnConfiguredStatus(t *testing.T) {
	p := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "from secondary") })
	_, ts := edgeServer(t, failoverDist(t, p.URL, s.URL, 503), Options{CacheBytes: -1})

	r := get(t, ts.URL+"/x")
	expect(t, r, 200, xMiss)
	if r.body != "from secondary" || p.hits.Load() != 1 || s.hits.Load() != 1 {
		t.Fatalf("body %q, primary %d, secondary %d", r.body, p.hits.Load(), s.hits.Load())
	}
	// Every request starts at the primary again: CloudFront keeps no memory of failures.
	get(t, ts.URL+"/x")
	if p.hits.Load() != 2 {
		t.Fatalf("primary hits = %d, want 2", p.hits.Load())
	}
}

func TestNoFailoverOnUnlistedStatusOr3xx(t *testing.T) {
	for _, code := range []int{404, 500, 302} {
		p := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
			if code == 302 {
				w.Header().Set("Location", "/elsewhere")
			}
			w.WriteHeader(code)
		})
		s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
		_, ts := edgeServer(t, failoverDist(t, p.URL, s.URL, 503), Options{CacheBytes: -1})
		req, _ := http.NewRequest("GET", ts.URL+"/x", nil)
		resp, err := http.DefaultTransport.RoundTrip(req) // no redirect following
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != code || s.hits.Load() != 0 {
			t.Fatalf("code %d: got %d, secondary hits %d", code, resp.StatusCode, s.hits.Load())
		}
	}
}

func TestFailoverOnConnectFailure(t *testing.T) {
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	d := failoverDist(t, closedAddr(t), s.URL, 503)
	d.Origins[0].ConnectionAttempts = 3
	_, ts := edgeServer(t, d, Options{CacheBytes: -1})
	expect(t, get(t, ts.URL+"/"), 200, xMiss)
}

func TestSingleOriginUnreachableIs502(t *testing.T) {
	d := &Distribution{Origins: []*Origin{org(t, "a", closedAddr(t))}, Behaviors: []*Behavior{behavior(t, "*", "a")}}
	_, ts := edgeServer(t, d, Options{CacheBytes: -1})
	r := get(t, ts.URL+"/")
	expect(t, r, 502, xError)
	if !strings.Contains(r.body, "could not be reached") || strings.Contains(r.body, "goroutine") {
		t.Fatalf("body %q", r.body)
	}
	if r.header.Get("X-Hookfront-Request-Id") == "" || !strings.Contains(r.body, r.header.Get("X-Hookfront-Request-Id")) {
		t.Fatalf("request id missing from page or header")
	}
}

func TestFailoverOnResponseTimeout(t *testing.T) {
	p := hangingOrigin(t)
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	d := failoverDist(t, p.URL, s.URL, 503)
	d.Origins[0].ResponseTimeout = 100 * time.Millisecond
	d.Origins[0].ConnectionAttempts = 2
	_, ts := edgeServer(t, d, Options{CacheBytes: -1})
	r := get(t, ts.URL+"/")
	expect(t, r, 200, "")
	// CloudFront retries a GET that timed out up to the connection attempts.
	if p.hits.Load() != 2 {
		t.Fatalf("primary hits = %d, want 2 (timeouts retried per connection attempt)", p.hits.Load())
	}
}

func TestSingleOriginTimeoutIs504(t *testing.T) {
	p := hangingOrigin(t)
	o := org(t, "a", p.URL)
	o.ResponseTimeout = 100 * time.Millisecond
	d := &Distribution{Origins: []*Origin{o}, Behaviors: []*Behavior{behavior(t, "*", "a")}}
	_, ts := edgeServer(t, d, Options{CacheBytes: -1})
	expect(t, get(t, ts.URL+"/"), 504, xError)
}

func TestWritesDoNotFailOver(t *testing.T) {
	p := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	d := failoverDist(t, p.URL, s.URL, 503)
	d.Behaviors[0].AllowedMethods = KnownMethods
	_, ts := edgeServer(t, d, Options{CacheBytes: -1})
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		expect(t, do(t, m, ts.URL+"/"), 503, xError)
	}
	if s.hits.Load() != 0 {
		t.Fatalf("secondary got %d writes", s.hits.Load())
	}
	expect(t, do(t, "OPTIONS", ts.URL+"/"), 200, "")
	if s.hits.Load() != 1 {
		t.Fatal("OPTIONS did not fail over")
	}
}

func TestClosedPrimaryWriteIsNotRetried(t *testing.T) {
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	d := failoverDist(t, closedAddr(t), s.URL, 503)
	d.Behaviors[0].AllowedMethods = KnownMethods
	_, ts := edgeServer(t, d, Options{CacheBytes: -1})
	expect(t, do(t, "POST", ts.URL+"/"), 502, xError)
	if s.hits.Load() != 0 {
		t.Fatal("a write failed over without the opt-in")
	}
}

func TestFailoverDrainsAndReusesConnections(t *testing.T) {
	var conns atomic.Int64
	p := newOriginWith(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
		fmt.Fprint(w, strings.Repeat("x", 1000))
	}, func(hs *http.Server) {
		hs.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns.Add(1)
			}
		}
	})
	s := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {})
	_, ts := edgeServer(t, failoverDist(t, p.URL, s.URL, 503), Options{CacheBytes: -1})
	for i := 0; i < 5; i++ {
		get(t, ts.URL+"/")
	}
	if conns.Load() != 1 {
		t.Fatalf("primary saw %d connections for 5 sequential failovers, want 1 (bodies drained, connection reused)", conns.Load())
	}
}
