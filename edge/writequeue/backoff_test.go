package writequeue_test

import (
	"strings"
	"testing"
	"time"
)

// A write whose deliveries keep failing is sent again after interval, then twice as long after
// each failure, up to max_interval — as the times its deliveries reach the origin show.
func TestFailedDeliveriesBackOffFromIntervalToMaxInterval(t *testing.T) {
	a, b := newOrigin(t, false, 0), newRecorder(t, 503)
	e := startEdge(t, strings.Replace(twoMembers, "retry: {interval: 20ms, max_interval: 100ms}", "retry: {interval: 10ms, max_interval: 40ms}", 1), a, b.origin(t))
	id := accepted(t, e.URL+"/orders", "w")
	const n = 9
	got := b.waitFor(t, n+1, func(received) bool { return true }) // the viewer's attempt, then deliveries
	if got[0].Header.Get("Idempotency-Key") != "" || got[1].Header.Get("Idempotency-Key") != id {
		t.Fatalf("%+v", got[:2])
	}
	ms := time.Millisecond
	// The wait before delivery k+1: interval after the viewer's attempt, then after each failed
	// delivery 10, 20, 40 and 40ms on (without max_interval: 80, 160, … 1280ms).
	want := []time.Duration{10 * ms, 10 * ms, 20 * ms, 40 * ms, 40 * ms, 40 * ms, 40 * ms, 40 * ms, 40 * ms}
	for k := 1; k <= n; k++ {
		if gap := got[k].At.Sub(got[k-1].At); gap < want[k-1] {
			t.Errorf("delivery %d came %v after the one before; want at least %v", k, gap, want[k-1])
		}
	}
	// Capped: far below what doubling on would give (1280ms), with room for a busy machine.
	if gap := got[n].At.Sub(got[n-1].At); gap >= 640*ms {
		t.Errorf("the last wait was %v: max_interval (40ms) did not hold", gap)
	}
}
