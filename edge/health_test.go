package edge

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// healthEdge serves a group of the given origins with health h, and records each request's
// summary.
func healthEdge(t *testing.T, h *Health, origins ...*Origin) (*Server, string, *stepLog) {
	t.Helper()
	g := group("g", []int{500, 502, 503, 504}, origins...)
	g.Health = h
	b := behavior(t, "*", "g")
	b.AllowedMethods = KnownMethods
	d := &Distribution{Origins: origins, Groups: []*Group{g}, Behaviors: []*Behavior{b}}
	steps := &stepLog{detail: DetailSteps, done: make(chan stepLine, 100)}
	s, ts := edgeServer(t, d, Options{Observers: []Observer{steps}, CacheBytes: -1})
	t.Cleanup(s.Close)
	return s, ts.URL, steps
}

// attemptsOf renders a request's attempts as "origin outcome" words, durations left out.
func attemptsOf(s *Summary) string {
	var out []string
	for _, a := range s.Attempts {
		switch {
		case a.Skipped != "":
			out = append(out, a.Origin+" skipped:"+a.Skipped)
		case a.Error != "":
			out = append(out, a.Origin+" "+a.Error)
		default:
			out = append(out, a.Origin+" "+http.StatusText(a.Status))
		}
	}
	return strings.Join(out, ", ")
}

// classState waits (bounded) until origin's health for class is in state, and returns it.
func classState(t *testing.T, s *Server, origin, class, state string) ClassHealthState {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last ClassHealthState
	for time.Now().Before(deadline) {
		for _, m := range s.Health() {
			if m.Origin == origin {
				last = m.Classes[class]
			}
		}
		if last.State == state {
			return last
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s %s: state %q, want %q (%+v)", origin, class, last.State, state, last)
	return last
}

func okOrigin(t *testing.T, name string) *origin {
	return newOrigin(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) })
}

// A hung primary costs its response timeout only until passive health has seen `failures` of
// them: later requests skip it and go straight to the secondary, with nothing sent to it.
func TestHungPrimaryCostsOneTimeoutNotOnePerRequest(t *testing.T) {
	hung, backup := hangingOrigin(t), okOrigin(t, "backup")
	p := org(t, "primary", hung.URL)
	p.ResponseTimeout = 300 * time.Millisecond
	s, u, steps := healthEdge(t, &Health{Passive: &PassiveHealth{Failures: 2, Window: time.Minute, EjectFor: time.Hour}},
		p, org(t, "backup", backup.URL))
	paid := 0
	for i := range 6 {
		r := get(t, u+"/x")
		expect(t, r, 200, xMiss)
		sum := steps.next(t).sum
		first := sum.Attempts[0]
		switch {
		case i < 2:
			// The first two requests pay the primary's response timeout (failures: 2).
			if got := attemptsOf(sum); got != "primary timeout, backup OK" || first.Duration < p.ResponseTimeout || first.Failover != "timeout" {
				t.Fatalf("request %d: %s (primary took %v)", i, got, first.Duration)
			}
			paid++
		default:
			if got := attemptsOf(sum); got != "primary skipped:ejected, backup OK" || first.Duration != 0 || first.Group != "g" {
				t.Fatalf("request %d: %s (primary took %v)", i, got, first.Duration)
			}
		}
	}
	if paid != 2 || hung.hits.Load() != 2 {
		t.Fatalf("%d requests paid the timeout, the hung primary got %d", paid, hung.hits.Load())
	}
	st := classState(t, s, "primary", "reads", "ejected")
	if st.Healthy || st.Until == nil || st.Ejections != 1 || !strings.Contains(st.Reason, "2 failure(s) within 1m0s, the last: timeout") {
		t.Fatalf("reads: %+v", st)
	}
	if w := classState(t, s, "primary", "writes", "healthy"); !w.Healthy {
		t.Fatalf("writes: %+v", w)
	}
}

// After eject_for, exactly one request probes the member (half-open): others skip it while the
// probe is in flight; the probe's success restores it, a failed probe ejects it again.
func TestHalfOpenProbe(t *testing.T) {
	var mode atomic.Value // "fail", "ok" or "block"
	mode.Store("fail")
	arrived, release := make(chan struct{}, 10), make(chan struct{})
	primary := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		switch mode.Load() {
		case "fail":
			w.WriteHeader(503)
		case "block":
			arrived <- struct{}{}
			<-release
			io.WriteString(w, "primary")
		default:
			io.WriteString(w, "primary")
		}
	})
	backup := okOrigin(t, "backup")
	s, u, steps := healthEdge(t, &Health{Passive: &PassiveHealth{Failures: 1, Window: time.Minute, EjectFor: 200 * time.Millisecond}},
		org(t, "primary", primary.URL), org(t, "backup", backup.URL))
	next := func(want string) {
		t.Helper()
		if got := attemptsOf(steps.next(t).sum); got != want {
			t.Fatalf("attempts %q, want %q", got, want)
		}
	}

	get(t, u+"/a") // primary 503 → ejected, backup answers
	next("primary Service Unavailable, backup OK")
	classState(t, s, "primary", "reads", "ejected")

	// A failed probe ejects it again.
	classState(t, s, "primary", "reads", "half-open")
	get(t, u+"/b")
	next("primary Service Unavailable, backup OK")
	if st := classState(t, s, "primary", "reads", "ejected"); st.Ejections != 2 || !strings.Contains(st.Reason, "half-open probe failed: status 503") {
		t.Fatalf("after a failed probe: %+v", st)
	}

	// A probe in flight: other requests skip the member meanwhile.
	mode.Store("block")
	classState(t, s, "primary", "reads", "half-open")
	probe := make(chan result, 1)
	go func() {
		resp, err := http.Get(u + "/probe")
		if err != nil {
			probe <- result{status: -1}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		probe <- result{status: resp.StatusCode, body: string(b)}
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the probe request never reached the primary")
	}
	if r := get(t, u+"/meanwhile"); r.body != "backup" {
		t.Fatalf("a request during the probe got %q", r.body)
	}
	next("primary skipped:ejected, backup OK")
	close(release)
	if r := <-probe; r.body != "primary" {
		t.Fatalf("the probe got %+v", r)
	}
	next("primary OK")
	classState(t, s, "primary", "reads", "healthy")
	mode.Store("ok")
	if r := get(t, u+"/c"); r.body != "primary" {
		t.Fatalf("after recovery: %q", r.body)
	}
	next("primary OK")
}

// Active probes: a member that fails its health path is skipped; it comes back after `healthy`
// good probes. A probe that hangs costs only its own timeout.
func TestActiveHealthProbes(t *testing.T) {
	var health atomic.Value // "ok", "fail" or "hang"
	health.Store("ok")
	var probes atomic.Int64
	var probeUA, probeToken atomic.Value
	var probeAE atomic.Bool // a probe carried Accept-Encoding
	primary := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			io.WriteString(w, "primary")
			return
		}
		probes.Add(1)
		probeUA.Store(r.UserAgent())
		probeToken.Store(r.Header.Get("X-Origin-Token"))
		if _, ok := r.Header["Accept-Encoding"]; ok {
			probeAE.Store(true)
		}
		switch health.Load() {
		case "fail":
			w.WriteHeader(500)
		case "hang":
			<-r.Context().Done()
		}
	})
	backup := okOrigin(t, "backup")
	p := org(t, "primary", primary.URL)
	p.CustomHeaders = http.Header{"X-Origin-Token": {"secret"}, "Accept-Encoding": {""}} // the empty one removes it
	s, u, steps := healthEdge(t, &Health{Active: &ActiveHealth{Path: "/healthz", Interval: 20 * time.Millisecond, Timeout: 200 * time.Millisecond,
		Healthy: 3, Unhealthy: 2}}, p, org(t, "backup", backup.URL))

	if r := get(t, u+"/a"); r.body != "primary" {
		t.Fatalf("healthy primary: %q", r.body)
	}
	steps.next(t)
	health.Store("fail")
	st := classState(t, s, "primary", "reads", "down")
	if st.Probe == nil || st.Probe.Status != 500 || st.Probe.OK || !strings.Contains(st.Reason, "2 failed health probe(s), the last: GET /healthz answered 500") {
		t.Fatalf("down: %+v %+v", st, st.Probe)
	}
	if probeUA.Load() != probeUserAgent || probeToken.Load() != "secret" || probeAE.Load() {
		t.Fatalf("probe headers: user-agent %q, custom header %q, Accept-Encoding sent: %v", probeUA.Load(), probeToken.Load(), probeAE.Load())
	}
	if r := get(t, u+"/b"); r.body != "backup" {
		t.Fatalf("down primary: %q", r.body)
	}
	if got := attemptsOf(steps.next(t).sum); got != "primary skipped:ejected, backup OK" {
		t.Fatalf("attempts %q", got)
	}
	// Writes are not probed (no write_path): a GET health check says nothing about them.
	if w := classState(t, s, "primary", "writes", "healthy"); w.Probe != nil {
		t.Fatalf("writes were probed: %+v", w.Probe)
	}

	health.Store("ok")
	before := probes.Load()
	classState(t, s, "primary", "reads", "healthy")
	if n := probes.Load() - before; n < 3 {
		t.Fatalf("up again after %d probes, want at least healthy: 3", n)
	}
	if r := get(t, u+"/c"); r.body != "primary" {
		t.Fatalf("recovered primary: %q", r.body)
	}
	steps.next(t)

	health.Store("hang")
	st = classState(t, s, "primary", "reads", "down")
	if st.Probe.Error != "timeout" {
		t.Fatalf("a hung probe: %+v", st.Probe)
	}
}

// Health is kept per method class: a member whose writes fail is ejected for writes while
// reads go on; write_path probes the writes class with the method given.
func TestHealthPerMethodClass(t *testing.T) {
	primary := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.WriteHeader(503)
			return
		}
		io.WriteString(w, "primary")
	})
	backup := okOrigin(t, "backup")
	s, u, steps := healthEdge(t, &Health{Passive: &PassiveHealth{Failures: 1, Window: time.Minute, EjectFor: time.Hour}},
		org(t, "primary", primary.URL), org(t, "backup", backup.URL))

	// Writes do not fail over (no write_failover): the first POST gets the primary's 503.
	if r := do(t, "POST", u+"/w"); r.status != 503 {
		t.Fatalf("first POST: %d", r.status)
	}
	if got := attemptsOf(steps.next(t).sum); got != "primary Service Unavailable" {
		t.Fatalf("first POST attempts: %q", got)
	}
	classState(t, s, "primary", "writes", "ejected")
	if r := do(t, "POST", u+"/w"); r.status != 200 || r.body != "backup" {
		t.Fatalf("second POST: %d %q", r.status, r.body)
	}
	if got := attemptsOf(steps.next(t).sum); got != "primary skipped:ejected, backup OK" {
		t.Fatalf("second POST attempts: %q", got)
	}
	if r := get(t, u+"/r"); r.body != "primary" {
		t.Fatalf("GET while writes are ejected: %q", r.body)
	}
	steps.next(t)
	classState(t, s, "primary", "reads", "healthy")

	// Active probes of the writes class, with the method given.
	var writeProbe atomic.Value
	probed := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
		case "/healthz/write":
			writeProbe.Store(r.Method)
			w.WriteHeader(503)
		default:
			io.WriteString(w, "probed")
		}
	})
	s2, _, _ := healthEdge(t, &Health{Active: &ActiveHealth{Path: "/healthz", WritePath: "/healthz/write", WriteMethod: "PUT",
		Interval: 20 * time.Millisecond, Timeout: time.Second, Healthy: 1, Unhealthy: 1}},
		org(t, "probed", probed.URL), org(t, "backup", backup.URL))
	if st := classState(t, s2, "probed", "writes", "down"); st.Probe == nil || st.Probe.Method != "PUT" || writeProbe.Load() != "PUT" {
		t.Fatalf("write probe: %+v", st.Probe)
	}
	classState(t, s2, "probed", "reads", "healthy")
}

// When every member is ejected, requests still try them all, in order: health never makes an
// outage of its own.
func TestEveryMemberEjectedStillTried(t *testing.T) {
	fail := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }
	a, b := newOrigin(t, fail), newOrigin(t, fail)
	s, u, steps := healthEdge(t, &Health{Passive: &PassiveHealth{Failures: 1, Window: time.Minute, EjectFor: time.Hour}},
		org(t, "a", a.URL), org(t, "b", b.URL))
	for i := range 3 {
		if r := get(t, u+"/x"); r.status != 503 {
			t.Fatalf("request %d: %d", i, r.status)
		}
		if got := attemptsOf(steps.next(t).sum); got != "a Service Unavailable, b Service Unavailable" {
			t.Fatalf("request %d: %q", i, got)
		}
		classState(t, s, "a", "reads", "ejected")
		classState(t, s, "b", "reads", "ejected")
	}
	if a.hits.Load() != 3 || b.hits.Load() != 3 {
		t.Fatalf("hits %d / %d", a.hits.Load(), b.hits.Load())
	}
}

// Health state lives in the server, not in the config: a reload keeps it for members that are
// still there (same id, same URL), and starts afresh for one whose URL changed.
func TestHealthSurvivesReloads(t *testing.T) {
	primary := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	primary2 := okOrigin(t, "primary2")
	backup := okOrigin(t, "backup")
	h := func() *Health {
		return &Health{Passive: &PassiveHealth{Failures: 1, Window: time.Minute, EjectFor: time.Hour}}
	}
	s, u, steps := healthEdge(t, h(), org(t, "primary", primary.URL), org(t, "backup", backup.URL))
	get(t, u+"/x")
	steps.next(t)
	classState(t, s, "primary", "reads", "ejected")

	dist := func(h *Health, primaryURL string) *Distribution {
		p, b := org(t, "primary", primaryURL), org(t, "backup", backup.URL)
		g := group("g", []int{503}, p, b)
		g.Health = h
		return &Distribution{Origins: []*Origin{p, b}, Groups: []*Group{g}, Behaviors: []*Behavior{behavior(t, "*", "g")}}
	}
	if err := s.Swap(dist(h(), primary.URL)); err != nil {
		t.Fatal(err)
	}
	classState(t, s, "primary", "reads", "ejected")
	get(t, u+"/x")
	if got := attemptsOf(steps.next(t).sum); got != "primary skipped:ejected, backup OK" {
		t.Fatalf("after a reload: %q", got)
	}
	// Another URL is another origin.
	if err := s.Swap(dist(h(), primary2.URL)); err != nil {
		t.Fatal(err)
	}
	classState(t, s, "primary", "reads", "healthy")
	if r := get(t, u+"/x"); r.body != "primary2" {
		t.Fatalf("new primary: %q", r.body)
	}
	steps.next(t)
	// Without health, failover is CloudFront's again: the primary first, every time.
	if err := s.Swap(dist(nil, primary.URL)); err != nil {
		t.Fatal(err)
	}
	if len(s.Health()) != 0 {
		t.Fatalf("health without a group that has it: %+v", s.Health())
	}
	for range 2 {
		get(t, u+"/x")
		if got := attemptsOf(steps.next(t).sum); got != "primary Service Unavailable, backup OK" {
			t.Fatalf("without health: %q", got)
		}
	}
}

// Health is kept per origin: two groups that share one must not disagree on its settings.
func TestHealthSettingsPerOrigin(t *testing.T) {
	a, b, c := org(t, "a", "http://127.0.0.1:1"), org(t, "b", "http://127.0.0.1:2"), org(t, "c", "http://127.0.0.1:3")
	g1, g2 := group("g1", nil, a, b), group("g2", nil, a, c)
	g1.Health = &Health{Passive: &PassiveHealth{Failures: 1, Window: time.Second, EjectFor: time.Second}}
	g2.Health = &Health{Passive: &PassiveHealth{Failures: 2, Window: time.Second, EjectFor: time.Second}}
	d := &Distribution{Origins: []*Origin{a, b, c}, Groups: []*Group{g1, g2}, Behaviors: []*Behavior{behavior(t, "*", "g1")}}
	_, err := NewServer(d, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), `origin "a" is a member of groups "g1" and "g2" with different health settings`) {
		t.Fatalf("err = %v", err)
	}
}

// A member that answers its headers and then breaks off every body fails each request as surely
// as one that refuses connections: passive health counts the body's failure, not only the
// headers' success, so that the member is ejected and later requests go to the next member.
func TestAMemberThatBreaksOffItsBodiesIsEjected(t *testing.T) {
	broken := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000") // streamed to the viewer: over readFirstMax
		_, _ = io.WriteString(w, "the start")
		w.(http.Flusher).Flush()
		c, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			c.Close()
		}
	})
	s, url, _ := healthEdge(t, &Health{Passive: &PassiveHealth{Failures: 2, Window: time.Minute, EjectFor: time.Minute}},
		org(t, "p", broken.URL), org(t, "s", okOrigin(t, "secondary").URL))
	for range 2 {
		// The viewer's connection is cut: before the headers reach it, or during the body.
		if resp, err := http.Get(url + "/x"); err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				t.Fatal("the broken body arrived whole")
			}
		}
	}
	classState(t, s, "p", "reads", "ejected")
	if r := get(t, url+"/x"); r.status != 200 || r.body != "secondary" {
		t.Fatalf("%d %q", r.status, r.body)
	}
}
