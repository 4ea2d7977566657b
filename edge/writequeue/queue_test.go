package writequeue_test

import (
	"encoding/json"
	"strings"
	"testing"
)

const twoMembers = `
origins:
  - {id: a, url: ORIGIN1, connection_attempts: 1, connection_timeout: 1s}
  - {id: b, url: ORIGIN2, connection_attempts: 1, connection_timeout: 1s}
origin_groups:
  - id: api
    members: [a, b]
    write_failover:
      methods: [POST, PUT]
      on: [connect_failure, 503]
      queue: {dir: DIR/queue, retry: {interval: 20ms, max_interval: 100ms}}
behaviors:
  - {path_pattern: "*", target: api, allowed_methods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]}
`

func TestEveryMemberDownQueuesTheWriteAndDeliversItOnceWithItsKey(t *testing.T) {
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	e := startEdge(t, twoMembers, a, b)

	status, h, body := post(t, e.URL+"/orders?x=1", `{"sku":42}`)
	if status != 202 {
		t.Fatalf("%d %s", status, body)
	}
	var receipt struct{ Queued, Status_URL string }
	if err := json.Unmarshal([]byte(body), &receipt); err != nil || receipt.Queued == "" || receipt.Queued != h.Get("X-Hookfront-Queued") {
		t.Fatalf("receipt %q %v (header %q)", body, err, h.Get("X-Hookfront-Queued"))
	}
	if receipt.Status_URL != e.admin.URL+"/api/queue/"+receipt.Queued || h.Get("Content-Type") != "application/json" {
		t.Fatalf("receipt %q, headers %v", body, h)
	}
	// b got the viewer's attempt, and keeps failing the deliveries with 503.
	b.waitArrivals(t, 3)
	rec := e.record(t, receipt.Queued)
	if rec["state"] != "queued" || !strings.Contains(rec["last_error"].(string), "503") {
		t.Fatalf("%v", rec)
	}

	b.setStatus(201)
	rec = e.waitState(t, receipt.Queued, "delivered")
	if rec["status"] != 201.0 || rec["origin"] != "b" {
		t.Fatalf("%v", rec)
	}
	got := b.arrivals()
	last := got[len(got)-1]
	if last.Method != "POST" || last.Path != "/orders?x=1" || last.Body != `{"sku":42}` || last.Key != receipt.Queued {
		t.Fatalf("delivered as %+v", last)
	}
	for _, g := range got[:len(got)-1] {
		if g.Key != "" && g.Key != receipt.Queued {
			t.Fatalf("an attempt with another key: %+v", g)
		}
	}
	n := len(b.arrivals())
	// Nothing more is sent once it is delivered.
	if status, _, _ := send(t, "GET", e.URL+"/x", ""); status != 201 || len(b.arrivals()) != n+1 {
		t.Fatalf("%d, %d arrivals", status, len(b.arrivals()))
	}
}
