package writequeue_test

import (
	"strings"
	"testing"

	"github.com/hookfront/hookfront/edge/redistest"
	"github.com/hookfront/hookfront/edge/writequeue/queuetest"
)

// A renewal of the lease fails while Redis still gives the lease to this replica (a failure of
// the answer only, or an outage shorter than the lease): once Redis answers again, the replica
// delivers again — it does not keep renewing a lease it does not use, which no other replica
// could take either.
func TestAReplicaWhoseLeaseRenewalFailedDeliversAgain(t *testing.T) {
	rs := redistest.Start(t, queuetest.DurableRedis...)
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	e := startEdge(t, strings.Replace(twoMembers, "queue: {dir: DIR/queue,", "queue: {store: "+rs.URL()+",", 1), a, b)
	eventually(t, func() bool { return e.delivering(t) })
	lease := "hookfront:queue:{api}:lease"
	holder, err := rs.Do("GET", lease).ToString()
	if err != nil {
		t.Fatal(err)
	}

	// The renewal fails: the lease is not a string for a moment.
	rs.Do("EVAL", "redis.call('DEL', KEYS[1]) return redis.call('HSET', KEYS[1], 'x', 'y')", "1", lease)
	eventually(t, func() bool { return !e.delivering(t) })
	// Redis answers again, and the lease is still this replica's.
	if err := rs.Do("SET", lease, holder, "PX", "60000").Error(); err != nil {
		t.Fatal(err)
	}
	id := accepted(t, e.URL+"/orders", "w")
	b.setStatus(200)
	e.waitState(t, id, "delivered")
	if !e.delivering(t) {
		t.Fatal("delivered, but not delivering")
	}
}
