package edge

import (
	"net/http"
	"testing"
	"time"
)

// readsOf is origin's health for reads now.
func readsOf(s *Server, origin string) ClassHealthState {
	for _, m := range s.Health() {
		if m.Origin == origin {
			return m.Classes["reads"]
		}
	}
	return ClassHealthState{}
}

// Only the failures within the passive window count towards ejection: `failures` of them spread
// over more than the window leave the member in, as many within it eject it.
func TestPassiveHealthCountsOnlyFailuresWithinTheWindow(t *testing.T) {
	failing := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	backup := okOrigin(t, "backup")
	const failures, window = 3, 2 * time.Second
	s, u, steps := healthEdge(t, &Health{Passive: &PassiveHealth{Failures: failures, Window: window, EjectFor: time.Hour}},
		org(t, "primary", failing.URL), org(t, "backup", backup.URL))
	fail := func(i int) {
		t.Helper()
		expect(t, get(t, u+"/x"), 200, xMiss)
		if got := attemptsOf(steps.next(t).sum); got != "primary Service Unavailable, backup OK" {
			t.Fatalf("request %d: %s", i, got)
		}
	}

	// Spread out: each failure is older than the window when the next one comes.
	for i := range failures {
		fail(i)
		if st := readsOf(s, "primary"); st.State != "healthy" {
			t.Fatalf("spread failure %d ejected the member: %+v", i, st)
		}
		deadline := time.Now().Add(window + 15*time.Second)
		for readsOf(s, "primary").Failures != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("failure %d still within the window after %v: %+v", i, window+15*time.Second, readsOf(s, "primary"))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if st := readsOf(s, "primary"); st.State != "healthy" || st.Ejections != 0 {
		t.Fatalf("%d failures spread over more than the window ejected the member: %+v", failures, st)
	}

	// Within the window: the last of them ejects it, and the next request skips it.
	start := time.Now()
	for i := range failures {
		fail(i)
	}
	if took := time.Since(start); took >= window {
		t.Skipf("the machine is too slow to make %d requests within the %v window (%v)", failures, window, took)
	}
	st := classState(t, s, "primary", "reads", "ejected")
	if st.Ejections != 1 {
		t.Fatalf("%+v", st)
	}
	expect(t, get(t, u+"/x"), 200, xMiss)
	if got := attemptsOf(steps.next(t).sum); got != "primary skipped:ejected, backup OK" {
		t.Fatalf("after the ejection: %s", got)
	}
	if n := failing.hits.Load(); n != 2*failures {
		t.Fatalf("the failing member got %d requests, want %d", n, 2*failures)
	}
}
