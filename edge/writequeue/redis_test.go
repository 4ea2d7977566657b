package writequeue_test

import (
	"strings"
	"testing"

	"github.com/hookfront/hookfront/edge/redistest"
	"github.com/hookfront/hookfront/edge/writequeue"
	"github.com/hookfront/hookfront/edge/writequeue/queuetest"
)

func TestRedisReplicasShareOneQueueAndDeliverEachWriteOnce(t *testing.T) {
	rs := redistest.Start(t, queuetest.DurableRedis...)
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	cfg := strings.Replace(twoMembers, "queue: {dir: DIR/queue,", "queue: {store: "+rs.URL()+", max_bytes: 2000, order_by: X-Account,", 1)
	e1 := startEdge(t, cfg, a, b)
	e2 := startEdge(t, cfg, a, b)
	var ids []string
	for i, e := range []*edgeWithQueue{e1, e2, e1} {
		ids = append(ids, accepted(t, e.URL+"/orders", strings.Repeat("w", 100)+string(rune('0'+i)), "X-Account", "A"))
	}
	// Either replica sees every write; the queue's bytes are shared.
	var list struct{ Groups []writequeueStats }
	getJSON(t, "GET", e2.admin.URL+"/api/queue", 200, &list)
	if g := list.Groups[0]; g.Depth != 3 || len(g.Writes) != 3 || g.Writes[0].ID != ids[0] || g.Bytes < 300 {
		t.Fatalf("%+v", list)
	}
	// max_bytes counts across replicas.
	if status, h, _ := post(t, e2.URL+"/orders", strings.Repeat("x", 1500)); status != 503 || h.Get("X-Hookfront-Queued") != "" {
		t.Fatalf("%d %v", status, h)
	}

	b.setStatus(200)
	for _, id := range ids {
		e2.waitState(t, id, "delivered")
	}
	var delivered []string
	for _, g := range b.arrivals() {
		if g.Status == 200 {
			delivered = append(delivered, g.Key)
		}
	}
	if strings.Join(delivered, " ") != strings.Join(ids, " ") {
		t.Fatalf("delivered %q, want each once in order %q", delivered, ids)
	}
	rec := e1.record(t, ids[1])
	if rec["owner"] == "" || rec["status"] != 200.0 {
		t.Fatalf("%v", rec)
	}
	getJSON(t, "GET", e1.admin.URL+"/api/queue", 200, &list)
	if g := list.Groups[0]; g.Depth != 0 || g.Bytes != 0 {
		t.Fatalf("%+v", list)
	}
}

// A Redis that is away for a moment (a restart, a failover, a network blip shorter than the
// lease) makes the lease holder's renewal fail: it stops delivering, as it must when it cannot
// tell whether it still leads. When Redis is back with the lease still its own, it renews it and
// must deliver again: nobody else can take a lease it keeps renewing.
func TestALeaseHolderThatLostRedisForAMomentDeliversAgain(t *testing.T) {
	rs := redistest.Start(t, queuetest.DurableRedis...)
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	// interval 1s: a 5s lease, renewed every 1.7s, outlives the restart below.
	cfg := strings.Replace(twoMembers, "queue: {dir: DIR/queue, retry: {interval: 20ms, max_interval: 100ms}}",
		"queue: {store: "+rs.URL()+", retry: {interval: 1s, max_interval: 1s}}", 1)
	e := startEdge(t, cfg, a, b)
	delivering := func() bool { return e.delivering(t) }
	eventually(t, delivering)
	id := accepted(t, e.URL+"/orders", "during the blip")

	rs.Kill() // the renewal fails: the replica stops delivering
	eventually(t, func() bool { return e.logs.count("lost the Redis lease") > 0 })
	rs.Restart() // the same data (appendonly): the lease is still this replica's
	if ttl, err := rs.Do("PTTL", "hookfront:queue:{api}:lease").AsInt64(); err != nil || ttl <= 0 {
		t.Fatalf("the lease did not outlive the restart (%d, %v): the test shows nothing", ttl, err)
	}
	eventually(t, delivering)
	b.setStatus(201)
	e.waitState(t, id, "delivered")
}

// A replica whose lease ran out while it was delivering a write (a pause, a partition from
// Redis) still finishes that delivery, while the replica that took the lease over sends the
// write again with its key. The first one's outcome, coming last or not, must not replace the
// second one's: a 503 stored over a delivery in flight made the write "queued" again, the
// second one's 201 was then dropped, and the write went to the origin a third time.
func TestAnOutcomeOfADeliveryTakenOverByAnotherReplicaIsNotStored(t *testing.T) {
	rs := redistest.Start(t, queuetest.DurableRedis...)
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	cfg := strings.Replace(twoMembers, "queue: {dir: DIR/queue,", "queue: {store: "+rs.URL()+",", 1)
	e1 := startEdge(t, cfg, a, b)
	eventually(t, func() bool { return e1.delivering(t) })
	e2 := startEdge(t, cfg, a, b)
	id := accepted(t, e1.URL+"/orders", "once")

	first, second := make(chan struct{}), make(chan struct{})
	b.setHold(first)
	eventually(t, func() bool { return b.holding() == 1 }) // e1 delivers it, and waits
	b.setHold(second)
	rec := e1.record(t, id)
	// e1's lease runs out and e2 takes it: e2 sends the write again.
	if err := rs.Do("SET", "hookfront:queue:{api}:lease", writequeue.Consumer(e2.wq, "api"), "PX", "60000").Error(); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return b.holding() == 2 })

	// e1's delivery ends first, with a 503.
	stored := e1.logs.count(`msg="write queue: delivery"`)
	close(first)
	eventually(t, func() bool {
		return e1.logs.count(`msg="write queue: delivery"`) > stored || e1.logs.count("another replica took it over") > 0
	})
	// e2's ends with a 201: that is the write's outcome, and the write is not sent again.
	b.setStatus(201)
	close(second)
	done := e2.waitState(t, id, "delivered")
	if done["attempts"] != rec["attempts"].(float64)+1 {
		t.Fatalf("delivered after %v attempts; e1's was attempt %v: %v", done["attempts"], rec["attempts"], done)
	}
	var created int
	for _, g := range b.arrivals() {
		if g.Status == 201 {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("the origin created it %d times: %+v", created, b.arrivals())
	}
}
