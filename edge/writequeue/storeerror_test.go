package writequeue_test

import (
	"strings"
	"testing"

	"github.com/hookfront/hookfront/edge/redistest"
	"github.com/hookfront/hookfront/edge/writequeue/queuetest"
)

// Redis dies: a write that would be queued cannot be stored, so the viewer gets the answer it
// would have got without a queue — never a 202 — and the edge goes on serving.
func TestAWriteTheStoreCannotTakeGetsTheErrorThereWouldHaveBeen(t *testing.T) {
	rs := redistest.Start(t, queuetest.DurableRedis...)
	a, b := newOrigin(t, false, 0), newRecorder(t, 503)
	cfg := strings.Replace(twoMembers, "queue: {dir: DIR/queue,", "queue: {store: "+rs.URL()+",", 1)
	e := startEdge(t, cfg, a, b.origin(t))
	first := accepted(t, e.URL+"/orders", "stored")

	rs.Kill()
	status, h, body := post(t, e.URL+"/orders", "lost?")
	if status != 503 || h.Get("X-Hookfront-Queued") != "" || body != "answer Service Unavailable" {
		t.Fatalf("%d %v %q", status, h, body)
	}
	// The edge serves on: a member that answers is the viewer's answer.
	b.setStatus(201)
	if status, _, body := post(t, e.URL+"/orders", "direct"); status != 201 || body != "answer Created" {
		t.Fatalf("%d %q", status, body)
	}
	if status, _, _ := send(t, "GET", e.URL+"/orders/1", ""); status != 201 {
		t.Fatalf("GET: %d", status)
	}

	// Redis is back, with what it had acknowledged: writes are queued again, and delivered.
	rs.Restart()
	b.setStatus(503)
	var again string
	eventually(t, func() bool {
		_, h, _ := post(t, e.URL+"/orders", "again")
		again = h.Get("X-Hookfront-Queued")
		return again != ""
	})
	b.setStatus(200)
	e.waitState(t, first, "delivered")
	e.waitState(t, again, "delivered")
	for _, r := range b.requests() {
		if r.Body == "lost?" && r.Header.Get("Idempotency-Key") != "" {
			t.Fatalf("the write that was not stored was delivered: %+v", r)
		}
	}
}
