package writequeue_test

import (
	"strings"
	"testing"
)

// A group that names its idempotency_key header gets each queued write's key in that header —
// the write's ID when the viewer sent none, the viewer's own otherwise — and never in the
// default Idempotency-Key.
func TestDeliveriesCarryTheKeyInTheConfiguredHeader(t *testing.T) {
	a, b := newOrigin(t, false, 0), newRecorder(t, 503)
	cfg := strings.Replace(twoMembers, "on: [connect_failure, 503]", "on: [connect_failure, 503]\n      idempotency_key: X-Request-Key", 1)
	e := startEdge(t, cfg, a, b.origin(t))
	byID := accepted(t, e.URL+"/orders", "no key")
	own := accepted(t, e.URL+"/orders", "own key", "X-Request-Key", "client-7")
	if rec := e.record(t, byID); rec["key_header"] != "X-Request-Key" {
		t.Fatalf("%v", rec)
	}
	b.setStatus(201)
	e.waitState(t, byID, "delivered")
	e.waitState(t, own, "delivered")
	want := map[string]string{"no key": byID, "own key": "client-7"}
	for _, r := range b.requests() {
		if r.Status != 201 {
			continue
		}
		if r.Header.Get("X-Request-Key") != want[r.Body] || r.Header.Get("Idempotency-Key") != "" {
			t.Fatalf("%q delivered with X-Request-Key %q, Idempotency-Key %q; want X-Request-Key %q only",
				r.Body, r.Header.Get("X-Request-Key"), r.Header.Get("Idempotency-Key"), want[r.Body])
		}
		delete(want, r.Body)
	}
	if len(want) != 0 {
		t.Fatalf("not delivered: %v", want)
	}
}
