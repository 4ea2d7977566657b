package writequeue_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// A delivery answered with a status that is not a failover condition (a 4xx; a 500 not in on)
// ends the write as rejected, with that answer as its outcome, counted as such, and it is not
// sent again — neither by the loop nor by a retry.
func TestAWriteAnsweredWithAnErrorOnDeliveryEndsRejected(t *testing.T) {
	for _, status := range []int{422, 500} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			a, b := newOrigin(t, false, 0), newRecorder(t, 503)
			e := startEdge(t, twoMembers, a, b.origin(t))
			id := accepted(t, e.URL+"/orders", "first")
			keyed := func(id string) func(received) bool {
				return func(r received) bool { return r.Header.Get("Idempotency-Key") == id }
			}
			b.waitFor(t, 1, keyed(id)) // a delivery failed with 503: still queued

			b.setStatus(status)
			rec := e.waitState(t, id, "rejected")
			resp, _ := rec["response"].(map[string]any)
			if rec["status"] != float64(status) || rec["origin"] != "b" || rec["last_error"] != nil || rec["finished"] == nil ||
				resp["body"] != "answer "+http.StatusText(status) || resp["content_type"] != "text/plain" {
				t.Fatalf("%v", rec)
			}
			// The outcome is counted just after the state is stored: wait for the count.
			var list struct{ Groups []writequeueStats }
			eventually(t, func() bool {
				getJSON(t, "GET", e.admin.URL+"/api/queue", 200, &list)
				return list.Groups[0].Ended["rejected"] != 0
			})
			if g := list.Groups[0]; g.Ended["rejected"] != 1 || g.Ended["delivered"] != 0 || g.Depth != 0 || g.Bytes != 0 || len(g.Writes) != 0 {
				t.Fatalf("%+v", list)
			}
			var refused map[string]string
			getJSON(t, "POST", e.admin.URL+"/api/queue/"+id+"/retry", 409, &refused)
			if !strings.Contains(refused["error"], "rejected already (status "+strconv.Itoa(status)+")") {
				t.Fatalf("%v", refused)
			}

			// The loop goes on delivering (a later write fails, then arrives); the rejected one is
			// never sent again.
			b.setStatus(503)
			later := accepted(t, e.URL+"/orders", "later")
			b.waitFor(t, 1, keyed(later))
			b.setStatus(200)
			e.waitState(t, later, "delivered")
			sent := b.waitFor(t, 1, keyed(id))
			if last := sent[len(sent)-1]; last.Status != status || last.Body != "first" {
				t.Fatalf("the rejected write was sent again: %+v", last)
			}
			if again := e.record(t, id); again["attempts"] != rec["attempts"] || again["state"] != "rejected" {
				t.Fatalf("%v, then %v", rec, again)
			}
		})
	}
}
