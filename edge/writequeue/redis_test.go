package writequeue_test

import (
	"strings"
	"testing"

	"github.com/hookfront/hookfront/edge/redistest"
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
