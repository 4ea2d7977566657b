package edge

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookfront/hookfront/errorpages"
	"github.com/hookfront/hookfront/hooks/event"
)

// stepLog is an Observer that writes each request's steps as one line, for tests to compare.
type stepLog struct {
	detail Detail
	skip   bool // Observe returns nil
	done   chan stepLine
}

type stepLine struct {
	steps []string
	sum   *Summary
	calls []*event.CallTrace
}

func newStepLog(d Detail) *stepLog { return &stepLog{detail: d, done: make(chan stepLine, 16)} }

func (l *stepLog) Observe(string, time.Time, *http.Request) Recorder {
	if l.skip {
		return nil
	}
	return &stepRec{log: l}
}

// next waits (bounded) for the next finished request.
func (l *stepLog) next(t *testing.T) stepLine {
	t.Helper()
	select {
	case s := <-l.done:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no request ended within 10s")
		return stepLine{}
	}
}

type stepRec struct {
	log   *stepLog
	mu    sync.Mutex
	steps []string
	times []time.Time
	calls []*event.CallTrace
}

func (r *stepRec) Detail() Detail { return r.log.detail }

func (r *stepRec) add(at time.Time, s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps, r.times = append(r.steps, s), append(r.times, at)
}

func (r *stepRec) Hook(s HookStep) {
	line := "hook " + string(s.Trigger) + " " + s.Outcome
	if s.Changed {
		line += " changed"
	}
	if s.Class != "" {
		line += " " + s.Class
	}
	if s.ForPage {
		line += " (page)"
	}
	r.calls = append(r.calls, s.Call)
	r.add(s.Start, line)
}

func (r *stepRec) Cache(s CacheStep) {
	line := "cache " + s.Decision
	if s.TTL > 0 {
		line += " " + s.TTL.String()
	}
	r.add(s.Start, line)
}

func (r *stepRec) Page(s PageStep) {
	r.add(s.Start, fmt.Sprintf("page %d %s %s%s", s.Status, s.List, s.File, s.Path))
}

// End merges the attempts in by start time, as a trace would show them.
func (r *stepRec) End(s *Summary) {
	for _, a := range s.Attempts {
		line := fmt.Sprintf("attempt %s %s %d%s", a.Origin, a.Method, a.Status, a.Error)
		if a.Failover != "" {
			line += " failover: " + a.Failover
		}
		if a.Page {
			line += " (page)"
		}
		r.add(a.Start, line)
	}
	idx := make([]int, len(r.steps))
	for i := range idx {
		idx[i] = i
	}
	for i := 1; i < len(idx); i++ { // a stable insertion sort by time
		for j := i; j > 0 && r.times[idx[j]].Before(r.times[idx[j-1]]); j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = r.steps[k]
	}
	r.log.done <- stepLine{steps: out, sum: s, calls: r.calls}
}

func TestObserverSeesEveryStepInOrder(t *testing.T) {
	primary := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	secondary := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "from b")
	})
	a, b := org(t, "a", primary.URL), org(t, "b", secondary.URL)
	h := &recorder{bound: allBound()}
	h.onResp = func(t event.Trigger, w *event.Response) (*event.Response, error) {
		if t == event.ViewerResponse {
			w.Headers.Set("X-Seen", "yes")
			return w, nil
		}
		return w, nil
	}
	steps, other := newStepLog(DetailSteps), newStepLog(DetailCalls)
	silent := &stepLog{skip: true}
	d := &Distribution{Origins: []*Origin{a, b}, Groups: []*Group{group("g", []int{503}, a, b)}, Behaviors: []*Behavior{behavior(t, "*", "g")}, Hooks: h}
	logs := newLogSink()
	_, ts := edgeServer(t, d, Options{Observers: []Observer{steps, silent, other}, Logger: slog.New(logs)})

	expect(t, get(t, ts.URL+"/x?q=1"), 200, xMiss)
	got := steps.next(t)
	want := []string{
		"hook viewer-request continued",
		"cache miss",
		"hook origin-request continued",
		"attempt a GET 503 failover: status 503",
		"hook origin-response continued changed", // the test's HookSet hands back a copy
		"hook origin-request continued",
		"attempt b GET 200",
		"hook origin-response continued changed",
		"cache stored 1m0s",
		"hook viewer-response continued changed",
	}
	if strings.Join(got.steps, "\n") != strings.Join(want, "\n") {
		t.Fatalf("steps:\n%s\nwant:\n%s", strings.Join(got.steps, "\n"), strings.Join(want, "\n"))
	}
	s := got.sum
	if s.Status != 200 || s.XCache != xMiss || s.Path != "/x?q=1" || s.Behavior != "*" || s.Method != "GET" || s.ID == "" {
		t.Fatalf("summary: %+v", s)
	}
	if s.Attempts[0].URL != primary.URL+"/x?q=1" || s.Attempts[1].URL != secondary.URL+"/x?q=1" {
		t.Fatalf("attempt URLs: %q, %q", s.Attempts[0].URL, s.Attempts[1].URL)
	}
	// The access log is made from the same summary.
	if line := logs.next(t); line["attempts"] != FormatAttempts(s.Attempts) || line["id"] != s.ID ||
		!regexp.MustCompile(`^a 503 [0-9.µm]+s \(failover: status 503\), b 200 [0-9.µm]+s$`).MatchString(line["attempts"]) {
		t.Fatalf("access log %q, trace %q", line["attempts"], FormatAttempts(s.Attempts))
	}
	// Every observer sees the request, and the most detail one asks for: one call trace, shared.
	o := other.next(t)
	if len(o.steps) != len(want) || o.calls[0] == nil || got.calls[0] != o.calls[0] {
		t.Fatalf("second observer: %v, calls %v / %v", o.steps, o.calls, got.calls)
	}

	expect(t, get(t, ts.URL+"/x?q=1"), 200, xHit)
	got = steps.next(t)
	if strings.Join(got.steps, ", ") != "hook viewer-request continued, cache hit, hook viewer-response continued changed" {
		t.Fatalf("hit steps: %v", got.steps)
	}
	other.next(t)
}

func TestObserverSeesFailuresPagesAndUncacheable(t *testing.T) {
	primary := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	secondary := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/errors/sorry.html":
			fmt.Fprint(w, "sorry")
		case "/nostore":
			w.Header().Set("Cache-Control", "no-store")
			fmt.Fprint(w, "fresh")
		default:
			w.WriteHeader(503)
		}
	})
	a, b := org(t, "a", primary.URL), org(t, "b", secondary.URL)
	h := &recorder{bound: map[event.Trigger]bool{event.ViewerRequest: true}}
	h.onReq = func(t event.Trigger, r *event.Request) (*event.Request, *event.Response, error) {
		if r.URI == "/fail" {
			return nil, nil, failure{status: 503, class: "LambdaExecutionError"}
		}
		return r, nil, nil
	}
	steps := newStepLog(DetailSteps)
	d := &Distribution{
		Origins:   []*Origin{a, b},
		Groups:    []*Group{group("g", []int{503}, a, b)},
		Behaviors: []*Behavior{behavior(t, "/errors/*", "b"), behavior(t, "*", "g")},
		Pages: &errorpages.Set{Groups: map[string]*errorpages.GroupPages{"g": {
			Secondary: errorpages.List{503: {Status: 503, Path: "/errors/sorry.html"}},
		}}},
		Hooks: h,
	}
	_, ts := edgeServer(t, d, Options{Observers: []Observer{steps}})

	expect(t, get(t, ts.URL+"/fail"), 503, xError)
	if got := steps.next(t); strings.Join(got.steps, ", ") != "hook viewer-request error LambdaExecutionError" || got.calls[0] != nil {
		t.Fatalf("failed hook: %v (DetailSteps gathers no call details: %v)", got.steps, got.calls)
	}

	expect(t, get(t, ts.URL+"/down"), 503, xError)
	got := steps.next(t).steps
	want := "hook viewer-request continued changed, cache miss, attempt a GET 503 failover: status 503, attempt b GET 503, " +
		"page 503 secondary /errors/sorry.html, cache miss, attempt b GET 200 (page), cache stored 24h0m0s, cache stored 10s"
	if strings.Join(got, ", ") != want {
		t.Fatalf("page steps:\n%s\nwant:\n%s", strings.Join(got, ", "), want)
	}

	expect(t, get(t, ts.URL+"/nostore"), 200, xMiss)
	got = steps.next(t).steps
	if len(got) != 5 || got[4] != "cache not-stored" {
		t.Fatalf("uncacheable: %v", got)
	}
	expect(t, do(t, http.MethodPost, ts.URL+"/nostore"), 403, xError)
	steps.next(t)
}

// Without observers, or with one that follows no request, observation costs no allocation.
func TestObservationOffAllocatesNothing(t *testing.T) {
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "x")
	})
	allocs := func(obs ...Observer) float64 {
		d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{behavior(t, "*", "o")}}
		s, err := NewServer(d, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})), Observers: obs})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", "http://edge.test/a", nil)
		w := &discardWriter{h: http.Header{}}
		s.ServeHTTP(w, req) // fills the cache
		return testing.AllocsPerRun(200, func() {
			clear(w.h)
			s.ServeHTTP(w, req)
		})
	}
	idCounter.Store(1 << 40) // request ids of one length from here on: the same allocations each
	none, skipping := allocs(), allocs(&stepLog{skip: true})
	if none != skipping {
		t.Fatalf("allocations per hit: %v without observers, %v with one that follows nothing", none, skipping)
	}
	traced := allocs(&stepLog{done: make(chan stepLine, 1000)}) // room for every run

	if traced <= none {
		t.Fatalf("an observed request allocates %v, an unobserved one %v: the test measures nothing", traced, none)
	}
}
