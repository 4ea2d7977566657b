package edge

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// malformedChunked is an OPTIONS whose chunked body breaks off with a chunk size that is not
// hexadecimal: the viewer's fault, found only while the body streams to the origin.
const malformedChunked = "OPTIONS /api HTTP/1.1\r\nHost: edge\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n\r\n"

// A request body the viewer garbles is the viewer's failure, not the origin's: it gets 400, the
// group does not fail over, origin health counts nothing, and no edge-made 502 is cached for
// everyone else. Before, the broken body read surfaced as an origin error: the request failed
// over (the secondary got a second broken copy), passive health ejected a healthy primary after
// a few such requests, and a cacheable OPTIONS stored a 502 that the next viewers were served.
func TestMalformedViewerBodyIsNotTheOriginsFault(t *testing.T) {
	for _, timeout := range []time.Duration{0, 10 * time.Second} { // without and with read_body_timeout
		t.Run(timeout.String(), func(t *testing.T) { malformedViewerBody(t, timeout) })
	}
}

func malformedViewerBody(t *testing.T, timeout time.Duration) {
	primary := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		_, _ = w.Write([]byte("primary"))
	})
	secondary := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("secondary")) })
	g := group("g", []int{500, 502, 503, 504}, org(t, "p", primary.URL), org(t, "s", secondary.URL))
	g.Health = &Health{Passive: &PassiveHealth{Failures: 2, Window: time.Minute, EjectFor: time.Minute}}
	b := behavior(t, "*", "g")
	b.AllowedMethods = []string{"GET", "HEAD", "OPTIONS"}
	b.CachedMethods = []string{"GET", "HEAD", "OPTIONS"}
	d := &Distribution{Origins: g.Members, Groups: []*Group{g}, Behaviors: []*Behavior{b}}
	s, ts := edgeServer(t, d, Options{ReadBodyTimeout: timeout})

	for i := 0; i < 3; i++ {
		if status := rawStatus(t, ts.URL, malformedChunked); status != http.StatusBadRequest {
			t.Fatalf("malformed body %d: status %d, want 400", i, status)
		}
	}
	if n := secondary.hits.Load(); n != 0 {
		t.Errorf("the secondary got %d requests: a viewer's broken body failed the group over", n)
	}
	for _, m := range s.Health() {
		if c := m.Classes["reads"]; !c.Healthy || c.Failures != 0 {
			t.Errorf("%s: %+v: a viewer's broken body counted against the origin", m.Origin, c)
		}
	}
	r := send(t, http.MethodOptions, ts.URL+"/api", "edge")
	if r.status != http.StatusOK || r.body != "primary" {
		t.Fatalf("a clean OPTIONS got %d %q (x-cache %q): a viewer's broken body was cached for everyone",
			r.status, r.body, r.header.Get("X-Cache"))
	}
}

// A half-open probe request whose viewer body stalls (408) or breaks (400) learnt nothing about
// the member: its claim is given back, so that the next request probes the member. Before, the
// stalled body kept the claim for ever: the ejected primary was skipped by every later request.
func TestHalfOpenProbeClaimSurvivesAViewerBodyFailure(t *testing.T) {
	for _, c := range []struct {
		name string
		fail func(t *testing.T, base string) int
	}{
		{"stalled body", func(t *testing.T, base string) int {
			resp := sendSlowBody(t, strings.TrimPrefix(base, "http://"), "/w", time.Minute, "x")
			resp.Body.Close()
			return resp.StatusCode
		}},
		{"malformed body", func(t *testing.T, base string) int {
			return rawStatus(t, base, strings.Replace(malformedChunked, "OPTIONS /api", "POST /w", 1))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var failing atomic.Bool
			failing.Store(true)
			primary := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
				if failing.Load() {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				_, _ = io.WriteString(w, "primary")
			})
			backup := okOrigin(t, "backup")
			g := group("g", []int{500, 502, 503, 504}, org(t, "primary", primary.URL), org(t, "backup", backup.URL))
			g.Health = &Health{Passive: &PassiveHealth{Failures: 1, Window: time.Minute, EjectFor: 100 * time.Millisecond}}
			b := behavior(t, "*", "g")
			b.AllowedMethods = KnownMethods
			d := &Distribution{Origins: g.Members, Groups: []*Group{g}, Behaviors: []*Behavior{b}}
			s, ts := edgeServer(t, d, Options{CacheBytes: -1, ReadBodyTimeout: 300 * time.Millisecond})
			t.Cleanup(s.Close)

			if r := do(t, http.MethodPost, ts.URL+"/w"); r.status != http.StatusServiceUnavailable {
				t.Fatalf("first write: %d %q", r.status, r.body)
			}
			classState(t, s, "primary", "writes", "ejected")
			classState(t, s, "primary", "writes", "half-open")
			if status := c.fail(t, ts.URL); status != http.StatusRequestTimeout && status != http.StatusBadRequest {
				t.Fatalf("the failing probe got %d", status)
			}
			failing.Store(false)
			if r := do(t, http.MethodPost, ts.URL+"/w"); r.body != "primary" {
				t.Fatalf("the write after it got %q: the ejected primary is never probed again", r.body)
			}
			classState(t, s, "primary", "writes", "healthy")
		})
	}
}
