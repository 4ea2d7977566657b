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
	rec := e.waitState(t, receipt.Queued, "queued")
	if !strings.Contains(rec["last_error"].(string), "503") {
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

// accepted posts a write that must be queued and returns its id.
func accepted(t *testing.T, url, body string, hdr ...string) string {
	t.Helper()
	status, h, b := post(t, url, body, hdr...)
	if status != 202 || h.Get("X-Hookfront-Queued") == "" {
		t.Fatalf("not queued: %d %v %s", status, h, b)
	}
	return h.Get("X-Hookfront-Queued")
}

func TestOrderByDeliversEachValueInOrderAndAFailingHookIsRetried(t *testing.T) {
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	hooks := &failingHooks{}
	cfg := strings.Replace(twoMembers, "queue: {", "queue: {order_by: X-Account, ", 1)
	e := startEdgeWith(t, t.TempDir(), cfg, hooks, a, b)
	a1 := accepted(t, e.URL+"/orders", "a1", "X-Account", "A", "X-Fail", "1")
	a2 := accepted(t, e.URL+"/orders", "a2", "X-Account", "A")
	b1 := accepted(t, e.URL+"/orders", "b1", "X-Account", "B")

	// The hook throws for a1 now: a1 is retried with the error in its state; a2 waits behind
	// it, b1 (another account) goes.
	hooks.failing.Store(true)
	b.setStatus(200)
	e.waitState(t, b1, "delivered")
	var rec map[string]any
	eventually(t, func() bool {
		rec = e.record(t, a1)
		return rec["attempts"].(float64) >= 2 && rec["state"] == "queued"
	})
	if !strings.Contains(rec["last_error"].(string), "origin-request hook: TypeError: cannot read properties of undefined") ||
		!strings.Contains(rec["last_error"].(string), "LambdaExecutionError") {
		t.Fatalf("a1: %v", rec)
	}
	if rec := e.record(t, a2); rec["state"] != "queued" || rec["attempts"] != 0.0 {
		t.Fatalf("a2 did not wait for a1: %v", rec)
	}

	hooks.failing.Store(false)
	e.waitState(t, a2, "delivered")
	var order []string
	for _, g := range b.arrivals() {
		if g.Status == 200 {
			order = append(order, g.Body)
		}
	}
	if strings.Join(order, " ") != "b1 a1 a2" {
		t.Fatalf("delivered in the order %q", order)
	}
}

func TestAFullQueueGivesTheErrorThereWouldHaveBeen(t *testing.T) {
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	e := startEdge(t, strings.Replace(twoMembers, "queue: {", "queue: {max_bytes: 400, ", 1), a, b)
	accepted(t, e.URL+"/orders", strings.Repeat("x", 200))
	status, h, body := post(t, e.URL+"/orders", strings.Repeat("y", 200))
	if status != 503 || h.Get("X-Hookfront-Queued") != "" || strings.Contains(body, "queued") {
		t.Fatalf("%d %v %s", status, h, body)
	}
}

func TestAWriteThatMayHaveBeenAppliedIsQueuedOnlyWithItsKey(t *testing.T) {
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 0)
	hold := make(chan struct{})
	b.setHold(hold)
	cfg := strings.Replace(twoMembers, "{id: b, url: ORIGIN2, connection_attempts: 1, connection_timeout: 1s}",
		"{id: b, url: ORIGIN2, connection_attempts: 1, response_timeout: 1s}", 1)
	e := startEdge(t, cfg, a, b)
	// b times out: it may have applied the POST. Without a key, it must not be sent again.
	status, h, body := post(t, e.URL+"/orders", "no key")
	if status != 504 || h.Get("X-Hookfront-Queued") != "" {
		t.Fatalf("%d %v %s", status, h, body)
	}
	// With its key, the origin can tell a second copy: it is queued, and delivered with that key.
	id := accepted(t, e.URL+"/orders", "keyed", "Idempotency-Key", "client-key-1")
	b.setHold(nil)
	close(hold)
	rec := e.waitState(t, id, "delivered")
	got := b.arrivals()
	if last := got[len(got)-1]; last.Body != "keyed" || last.Key != "client-key-1" || rec["key_header"] != "Idempotency-Key" {
		t.Fatalf("%+v %v", last, rec)
	}
}

func TestABodyOverMaxBodyIsNeverQueued(t *testing.T) {
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	e := startEdge(t, strings.Replace(twoMembers, "on: [connect_failure, 503]", "on: [connect_failure, 503]\n      max_body: 16", 1), a, b)
	status, h, body := post(t, e.URL+"/orders", strings.Repeat("z", 17))
	if status != 502 || h.Get("X-Hookfront-Queued") != "" {
		t.Fatalf("%d %v %s", status, h, body)
	}
	accepted(t, e.URL+"/orders", strings.Repeat("z", 16))
}

func TestAWriteNotDeliveredWithinMaxAgeExpiresAndCanBeRetried(t *testing.T) {
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	e := startEdge(t, strings.Replace(twoMembers, "queue: {", "queue: {max_age: 1s, ", 1), a, b)
	id := accepted(t, e.URL+"/orders", "late")
	rec := e.waitState(t, id, "expired")
	if !strings.Contains(rec["last_error"].(string), "max_age") {
		t.Fatalf("%v", rec)
	}
	var list struct{ Groups []writequeueStats }
	eventually(t, func() bool {
		getJSON(t, "GET", e.admin.URL+"/api/queue", 200, &list)
		return list.Groups[0].Ended["expired"] == 1
	})
	if g := list.Groups[0]; g.Expired != 1 || g.Depth != 0 || g.Bytes == 0 {
		t.Fatalf("%+v", list)
	}
	b.setStatus(200)
	getJSON(t, "POST", e.admin.URL+"/api/queue/"+id+"/retry", 200, &rec)
	if rec["state"] != "queued" {
		t.Fatalf("%v", rec)
	}
	e.waitState(t, id, "delivered")
	eventually(t, func() bool { // the count follows the stored state
		getJSON(t, "GET", e.admin.URL+"/api/queue", 200, &list)
		return list.Groups[0].Ended["delivered"] == 1
	})
	if g := list.Groups[0]; g.Expired != 0 || g.Bytes != 0 {
		t.Fatalf("%+v", list)
	}
}

// writequeueStats is the part of a group in GET /api/queue that tests read.
type writequeueStats struct {
	Group      string
	Delivering bool
	Depth      int
	Expired    int
	Bytes      int64
	OldestAge  float64 `json:"oldest_age_seconds"`
	Ended      map[string]int
	Writes     []struct{ ID, State string }
}

func TestAdminAPI(t *testing.T) {
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	e := startEdge(t, twoMembers, a, b)
	first := accepted(t, e.URL+"/one", "1")
	second := accepted(t, e.URL+"/two", "2")

	var list struct{ Groups []writequeueStats }
	getJSON(t, "GET", e.admin.URL+"/api/queue", 200, &list)
	g := list.Groups[0]
	if g.Group != "api" || g.Depth != 2 || g.Bytes == 0 || g.OldestAge <= 0 || len(g.Writes) != 2 || g.Writes[0].ID != first {
		t.Fatalf("%+v", list)
	}
	var rec map[string]any
	getJSON(t, "GET", e.admin.URL+"/api/queue/"+first, 200, &rec)
	if rec["method"] != "POST" || rec["uri"] != "/one" || rec["body_bytes"] != 1.0 || rec["request_id"] == "" {
		t.Fatalf("%v", rec)
	}
	var gone map[string]string
	getJSON(t, "DELETE", e.admin.URL+"/api/queue/"+second, 200, &gone)
	getJSON(t, "GET", e.admin.URL+"/api/queue/"+second, 404, &gone)
	if !strings.Contains(gone["error"], second) {
		t.Fatalf("%v", gone)
	}
	getJSON(t, "POST", e.admin.URL+"/api/queue/nosuchid/retry", 404, &gone)
	getJSON(t, "GET", e.admin.URL+"/api/queue?limit=x", 400, &gone)

	b.setStatus(200)
	e.waitState(t, first, "delivered")
	getJSON(t, "POST", e.admin.URL+"/api/queue/"+first+"/retry", 409, &gone)
	if !strings.Contains(gone["error"], "delivered already") {
		t.Fatalf("%v", gone)
	}
	if got := b.arrivals(); got[len(got)-1].Body != "1" {
		t.Fatalf("the deleted write was delivered: %+v", got)
	}
	getJSON(t, "GET", e.admin.URL+"/api/queue", 200, &list)
	if g := list.Groups[0]; g.Depth != 0 || g.Bytes != 0 || len(g.Writes) != 0 {
		t.Fatalf("%+v", list)
	}
}

func TestAnAnswerAnOriginRequestHookMakesEndsTheWrite(t *testing.T) {
	a, b := newOrigin(t, false, 0), newOrigin(t, false, 0)
	hooks := &failingHooks{}
	e := startEdgeWith(t, t.TempDir(), twoMembers, hooks, a, b)
	id := accepted(t, e.URL+"/orders", "x", "X-Answer", "1")
	hooks.answering.Store(true)
	if rec := e.waitState(t, id, "delivered"); rec["status"] != 201.0 || rec["origin"] != "a" {
		t.Fatalf("%v", rec)
	}
}

// A write that an origin fails by itself every time (its payload makes the origin answer 503,
// or crash and reset the connection) must not hold up every write behind it until it expires:
// when the origins are back for the others, they are delivered, and it goes on being retried on
// its own backoff.
func TestAWriteTheOriginAlwaysFailsDoesNotHoldUpTheOthers(t *testing.T) {
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	// max_interval 1s: longer than any store's sync, which the pause is counted from.
	e := startEdge(t, strings.Replace(twoMembers, "max_interval: 100ms", "max_interval: 1s", 1), a, b)
	poison := accepted(t, e.URL+"/orders", "poison")
	var others []string
	for _, body := range []string{"one", "two", "three"} {
		others = append(others, accepted(t, e.URL+"/orders", body))
	}
	b.setPoison("poison")
	b.setStatus(201)
	for _, id := range others {
		e.waitState(t, id, "delivered")
	}
	rec := e.waitState(t, poison, "queued")
	if !strings.Contains(rec["last_error"].(string), "503") {
		t.Fatalf("%v", rec)
	}
	// Once the origin takes it, it is delivered too.
	b.setPoison("")
	e.waitState(t, poison, "delivered")
}

// POST /api/queue/{id}/retry sends a queued write now, also while the queue waits after a
// delivery that found every member down: the operator who knows the origin is back must not
// wait for max_interval (5 minutes by default).
func TestARetryIsSentNowWhileTheQueueWaits(t *testing.T) {
	a, b := newOrigin(t, false, 0), newOrigin(t, true, 503)
	e := startEdge(t, strings.Replace(twoMembers, "retry: {interval: 20ms, max_interval: 100ms}", "retry: {interval: 1h, max_interval: 1h}", 1), a, b)
	id := accepted(t, e.URL+"/orders", "now")
	var rec map[string]any
	getJSON(t, "POST", e.admin.URL+"/api/queue/"+id+"/retry", 200, &rec)
	// Sent at once, and refused with 503: the queue now waits an hour.
	eventually(t, func() bool { return e.record(t, id)["attempts"] == 1.0 && e.record(t, id)["state"] == "queued" })
	b.setStatus(201)
	getJSON(t, "POST", e.admin.URL+"/api/queue/"+id+"/retry", 200, &rec)
	e.waitState(t, id, "delivered")
}
