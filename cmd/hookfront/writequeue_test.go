package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge/redistest"
	"github.com/hookfront/hookfront/edge/writequeue/queuetest"
)

// queueOrigin is an origin that is down (refusing connections) until up, then records each
// write it starts and each it answers, and holds requests while hold is set.
type queueOrigin struct {
	down      *queuetest.Refusing
	mu        sync.Mutex
	hold      chan struct{}
	started   []string // "key hook-header body" of every request received
	completed []string // of every request answered
}

func (o *queueOrigin) up(t *testing.T, hold chan struct{}) {
	o.hold = hold
	o.down.Release()
	l, err := net.Listen("tcp", o.down.Addr)
	if err != nil {
		t.Fatalf("the origin's address was taken: %v", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		line := r.Header.Get("Idempotency-Key") + " " + r.Header.Get("X-Hook") + " " + string(b)
		o.mu.Lock()
		o.started = append(o.started, line)
		hold := o.hold
		o.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done(): // the edge died with the request in flight
				return
			}
		}
		o.mu.Lock()
		o.completed = append(o.completed, line)
		o.mu.Unlock()
		w.WriteHeader(201)
		fmt.Fprint(w, `{"order": 7}`)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
}

func (o *queueOrigin) seen() (started, completed []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.started...), append([]string(nil), o.completed...)
}

// waitStarted polls until the origin has received n requests (bounded).
func (o *queueOrigin) waitStarted(t *testing.T, n int) {
	t.Helper()
	poll(t, func() bool { s, _ := o.seen(); return len(s) >= n })
}

func poll(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the condition did not hold within 30s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// queueRecord is a queued write as GET /api/queue/{id} shows it.
type queueRecord struct {
	State       string `json:"state"`
	LastError   string `json:"last_error"`
	Attempts    int    `json:"attempts"`
	Interrupted int    `json:"interrupted"`
	Status      int    `json:"status"`
	Owner       string `json:"owner"`
}

func waitRecord(t *testing.T, adminBase, id string, cond func(queueRecord) bool) queueRecord {
	t.Helper()
	var r queueRecord
	poll(t, func() bool {
		r = queueRecord{}
		getJSON(t, adminBase+"/api/queue/"+id, 200, &r)
		return cond(r)
	})
	return r
}

func kill9(t *testing.T, p *proc) {
	t.Helper()
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatal("hookfront did not die")
	}
}

const queueConfig = `hooks_dir: hooks
watch: {debounce: 20ms}
origins:
  - {id: a, url: "http://%s", connection_attempts: 1, connection_timeout: 1s}
  - {id: b, url: "http://%s", connection_attempts: 1, connection_timeout: 1s}
origin_groups:
  - id: api
    members: [a, b]
    write_failover:
      methods: [POST]
      queue: {store: %s, dir: queue, retry: {interval: 50ms, max_interval: 200ms}}
behaviors:
  - path_pattern: "*"
    target: api
    allowed_methods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]
    hooks: {origin-request: tag.js}
`

const tagHook = `exports.handler = async (e) => { const r = e.Records[0].cf.request; r.headers['x-hook'] = [{key: 'X-Hook', value: '%s'}]; return r; };`

// A write accepted while every member is down survives kill -9 twice — once queued, once in
// the middle of its delivery — and reaches the origin answered exactly once, with its key; a
// hook that throws on delivery keeps it queued and shows why.
func TestQueuedWriteSurvivesKill9AndArrivesOnceWithItsKey(t *testing.T) {
	a, b := &queueOrigin{down: queuetest.NewRefusing(t)}, &queueOrigin{down: queuetest.NewRefusing(t)}
	dir := t.TempDir()
	writeFile(t, dir, "hooks/tag.js", fmt.Sprintf(tagHook, "v1"))
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(queueConfig, a.down.Addr, b.down.Addr, "disk"))

	p, adm := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	code, h, body := call(t, "POST", "http://"+p.addr+"/orders", `{"sku":42}`)
	id := h.Get("X-Hookfront-Queued")
	if code != 202 || id == "" || string(body) != fmt.Sprintf(`{"queued":%q,"status_url":"%s/api/queue/%s"}`+"\n", id, adm, id) {
		t.Fatalf("%d %v %s", code, h, body)
	}
	// The trace and the access log say where the write went.
	p.waitLog(t, `note="queued `+id+`"`)
	var tr struct{ Note string }
	getJSON(t, adm+"/api/requests/"+h.Get("X-Hookfront-Request-Id"), 200, &tr)
	if tr.Note != "queued "+id {
		t.Fatalf("trace note %q", tr.Note)
	}
	// The metrics count it while it waits.
	if fams := waitMetric(t, adm, 1, "hookfront_queue_depth", "group=api"); value(fams, "hookfront_queue_oldest_seconds", "group=api") <= 0 {
		t.Fatalf("oldest write's age: %v", value(fams, "hookfront_queue_oldest_seconds", "group=api"))
	}
	kill9(t, p)

	// Restarted on the same folder: the write is there. The hook now throws: retried, with why.
	writeFile(t, dir, "hooks/tag.js", `exports.handler = async () => { throw new Error("tag v2 broke"); };`)
	p, adm = startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	rec := waitRecord(t, adm, id, func(r queueRecord) bool { return r.State == "queued" && strings.Contains(r.LastError, "tag v2 broke") })
	if !strings.Contains(rec.LastError, "LambdaExecutionError") {
		t.Fatalf("%+v", rec)
	}

	// Fixed hook; b comes back but holds the delivery: hookfront dies in the middle of it.
	writeFile(t, dir, "hooks/tag.js", fmt.Sprintf(tagHook, "v3"))
	hold := make(chan struct{})
	b.up(t, hold)
	b.waitStarted(t, 1)
	waitRecord(t, adm, id, func(r queueRecord) bool { return r.State == "delivering" })
	kill9(t, p)

	p, adm = startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	close(hold)
	rec = waitRecord(t, adm, id, func(r queueRecord) bool { return r.State == "delivered" })
	if rec.Status != 201 || rec.Interrupted != 1 {
		t.Fatalf("%+v", rec)
	}
	waitMetric(t, adm, 1, "hookfront_queue_delivered_total", "group=api", "outcome=delivered")
	waitMetric(t, adm, 0, "hookfront_queue_depth", "group=api")
	started, completed := b.seen()
	want := id + " v3 " + `{"sku":42}`
	if len(completed) != 1 || completed[0] != want || len(started) != 2 || started[0] != want || started[1] != want {
		t.Fatalf("started %q, completed %q; want each with %q", started, completed, want)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}

var consumerName = regexp.MustCompile(`this replica delivers now.* consumer=(\S+)`)

// Two replicas on one Redis: the one delivering dies mid-delivery (kill -9); the other takes
// its lease, claims the write and delivers it, answered once.
func TestRedisReplicaKilledMidDeliveryIsTakenOverByTheOther(t *testing.T) {
	rs := redistest.Start(t, queuetest.DurableRedis...)
	a, b := &queueOrigin{down: queuetest.NewRefusing(t)}, &queueOrigin{down: queuetest.NewRefusing(t)}
	dir := t.TempDir()
	writeFile(t, dir, "hooks/tag.js", fmt.Sprintf(tagHook, "r"))
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(queueConfig, a.down.Addr, b.down.Addr, rs.URL()))
	p1, adm1 := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	p2, adm2 := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")

	code, h, body := call(t, "POST", "http://"+p2.addr+"/orders", "one")
	id := h.Get("X-Hookfront-Queued")
	if code != 202 || id == "" {
		t.Fatalf("%d %s", code, body)
	}
	hold := make(chan struct{})
	b.up(t, hold)
	b.waitStarted(t, 1)
	rec := waitRecord(t, adm1, id, func(r queueRecord) bool { return r.State == "delivering" })
	leader, other, otherAdmin := p1, p2, adm2
	if !strings.Contains(p1.logs(), "consumer="+rec.Owner) {
		leader, other, otherAdmin = p2, p1, adm1
	}
	kill9(t, leader)
	close(hold)
	rec = waitRecord(t, otherAdmin, id, func(r queueRecord) bool { return r.State == "delivered" })
	m := consumerName.FindStringSubmatch(other.logs())
	if m == nil || rec.Owner != m[1] || rec.Interrupted != 1 || rec.Status != 201 {
		t.Fatalf("%+v; the survivor's log:\n%s", rec, other.logs())
	}
	started, completed := b.seen()
	if len(completed) != 1 || completed[0] != id+" r one" || len(started) != 2 || started[1] != completed[0] {
		t.Fatalf("started %q, completed %q", started, completed)
	}
	if err := other.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestADamagedQueueFileStopsServe(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "hooks/tag.js", fmt.Sprintf(tagHook, "x"))
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(queueConfig, "127.0.0.1:1", "127.0.0.1:2", "disk"))
	path := writeFile(t, dir, "queue/api.db", strings.Repeat("garbage", 2000))
	_, stderr, code := runBinary(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--admin", "off")
	if code != 1 || !strings.Contains(stderr, "the queue file "+path+" is damaged") || !strings.Contains(stderr, "mv "+path+" "+filepath.Join(dir, "queue/api.db.damaged")) {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
}
