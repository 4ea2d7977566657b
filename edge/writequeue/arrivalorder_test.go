package writequeue_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/edge/redistest"
	"github.com/hookfront/hookfront/edge/writequeue/queuetest"
)

// Without order_by, queued writes still reach the origin oldest first, on either store: the
// writes that came later wait while the origin is down for the oldest.
func TestQueuedWritesAreDeliveredOldestFirst(t *testing.T) {
	for _, store := range []string{"disk", "redis"} {
		t.Run(store, func(t *testing.T) {
			// Retries a second apart, not 20 ms: the origin comes back well before the oldest
			// write's second probe (after two failed probes in a row a younger write probes
			// instead, so that a poisoned write cannot hold up the queue).
			cfg := strings.Replace(twoMembers, "retry: {interval: 20ms, max_interval: 100ms}", "retry: {interval: 1s, max_interval: 1s}", 1)
			if store == "redis" {
				rs := redistest.Start(t, queuetest.DurableRedis...)
				cfg = strings.Replace(cfg, "queue: {dir: DIR/queue,", "queue: {store: "+rs.URL()+",", 1)
			}
			a, b := newOrigin(t, false, 0), newRecorder(t, 503)
			e := startEdge(t, cfg, a, b.origin(t))
			var ids, want []string
			for i := range 5 {
				body := fmt.Sprintf("w%d", i)
				ids = append(ids, accepted(t, e.URL+"/orders", body))
				want = append(want, body)
			}
			b.waitFor(t, 1, func(r received) bool { return r.Header.Get("Idempotency-Key") != "" }) // deliveries fail
			b.setStatus(200)
			for _, id := range ids {
				e.waitState(t, id, "delivered")
			}
			var order []string
			for _, r := range b.requests() {
				if r.Status == 200 {
					order = append(order, r.Body)
				}
			}
			if strings.Join(order, " ") != strings.Join(want, " ") {
				t.Fatalf("delivered in the order %q", order)
			}
		})
	}
}
