package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/hookfront/hookfront/edge/writequeue/queuetest"
)

// A queued write whose delivery is answered 4xx ends rejected: the admin API says so, and the
// metrics count it under outcome="rejected", not delivered.
func TestARejectedWriteIsCountedAsRejectedInTheMetrics(t *testing.T) {
	a := queuetest.NewRefusing(t)
	var status atomic.Int32
	status.Store(503)
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(int(status.Load())) }))
	defer b.Close()
	dir := t.TempDir()
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`origins:
  - {id: a, url: "http://%s", connection_attempts: 1, connection_timeout: 1s}
  - {id: b, url: "%s", connection_attempts: 1, connection_timeout: 1s}
origin_groups:
  - id: api
    members: [a, b]
    write_failover:
      methods: [POST]
      on: [connect_failure, 503]
      queue: {dir: queue, retry: {interval: 20ms, max_interval: 100ms}}
behaviors:
  - {path_pattern: "*", target: api, allowed_methods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]}
`, a.Addr, b.URL))
	p, adm := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	code, h, body := call(t, "POST", "http://"+p.addr+"/orders", "w")
	id := h.Get("X-Hookfront-Queued")
	if code != 202 || id == "" {
		t.Fatalf("%d %v %s", code, h, body)
	}
	waitMetric(t, adm, 1, "hookfront_queue_depth", "group=api")
	status.Store(409)
	rec := waitRecord(t, adm, id, func(r queueRecord) bool { return r.State != "queued" && r.State != "delivering" })
	if rec.State != "rejected" || rec.Status != 409 {
		t.Fatalf("%+v", rec)
	}
	fams := waitMetric(t, adm, 1, "hookfront_queue_delivered_total", "group=api", "outcome=rejected")
	if v := value(fams, "hookfront_queue_delivered_total", "group=api", "outcome=delivered"); v != 0 {
		t.Fatalf("delivered: %v", v)
	}
	if v := value(fams, "hookfront_queue_depth", "group=api"); v != 0 {
		t.Fatalf("depth: %v", v)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}
