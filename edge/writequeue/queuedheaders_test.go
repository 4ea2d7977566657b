package writequeue_test

import (
	"testing"

	"github.com/hookfront/hookfront/hooks/event"
)

// A write is queued with its headers as viewer-request left them, and delivered with them.
func TestAWriteIsQueuedAndDeliveredWithTheHeadersViewerRequestSet(t *testing.T) {
	a, b := newOrigin(t, false, 0), newRecorder(t, 503)
	hooks := &hookFuncs{viewerRequest: func(r *event.Request) (*event.Request, error) {
		return withHeader(withHeader(r, "X-Tenant", "from-hook"), "X-Added", "by-hook"), nil
	}}
	e := startEdgeWith(t, t.TempDir(), twoMembers, hooks, a, b.origin(t))
	id := accepted(t, e.URL+"/orders", "w", "X-Tenant", "from-viewer")
	rec := e.record(t, id)
	h, _ := rec["headers"].(map[string]any)
	if tenant, _ := h["X-Tenant"].([]any); len(tenant) != 1 || tenant[0] != "from-hook" {
		t.Fatalf("queued with %v", h)
	}
	if added, _ := h["X-Added"].([]any); len(added) != 1 || added[0] != "by-hook" {
		t.Fatalf("queued with %v", h)
	}
	b.setStatus(200)
	e.waitState(t, id, "delivered")
	got := b.requests()
	last := got[len(got)-1]
	if tenant := last.Header.Values("X-Tenant"); last.Status != 200 || len(tenant) != 1 || tenant[0] != "from-hook" || last.Header.Get("X-Added") != "by-hook" {
		t.Fatalf("delivered with %v", last.Header)
	}
}
