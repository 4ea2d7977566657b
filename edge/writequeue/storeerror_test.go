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
	accepted(t, e.URL+"/orders", "stored")

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
}
