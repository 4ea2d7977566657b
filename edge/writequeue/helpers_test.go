package writequeue_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/edge/writequeue"
	"github.com/hookfront/hookfront/edge/writequeue/queuetest"
)

// arrival is one request an origin got.
type arrival struct {
	Method, Path, Body, Key, Account string
	Status                           int
}

// origin is a real HTTP server on 127.0.0.1 that records what it gets and answers status (200
// when 0), or refuses connections while down.
type origin struct {
	t      *testing.T
	addr   string
	mu     sync.Mutex
	srv    *http.Server
	status int
	got    []arrival
	hold   chan struct{} // when set, requests wait for it to close
	held   int           // requests that waited for a hold, or wait now
	poison string        // a body answered 503 whatever status says
}

// newOrigin starts an origin; a down one is only an address that refuses connections.
func newOrigin(t *testing.T, up bool, status int) *origin {
	if !up {
		return &origin{t: t, addr: queuetest.NewRefusing(t).Addr, status: status}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &origin{t: t, addr: l.Addr().String(), status: status}
	o.serve(l)
	return o
}

func (o *origin) URL() string { return "http://" + o.addr }

func (o *origin) serve(l net.Listener) {
	o.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		o.mu.Lock()
		hold := o.hold
		if hold != nil {
			o.held++
		}
		o.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		o.mu.Lock()
		status := o.status
		if status == 0 {
			status = 200
		}
		if o.poison != "" && string(b) == o.poison {
			status = 503
		}
		o.got = append(o.got, arrival{r.Method, r.URL.RequestURI(), string(b), r.Header.Get("Idempotency-Key"), r.Header.Get("X-Account"), status})
		o.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"created":%q}`, string(b))
	})}
	go func() { _ = o.srv.Serve(l) }()
	o.t.Cleanup(func() { _ = o.srv.Close() })
}

func (o *origin) setStatus(s int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.status = s
}

// setPoison makes the origin answer 503 to every request with this body, whatever its status.
func (o *origin) setPoison(body string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.poison = body
}

func (o *origin) setHold(c chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.hold = c
}

// holding is how many requests waited for a hold, or wait now.
func (o *origin) holding() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.held
}

func (o *origin) arrivals() []arrival {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]arrival(nil), o.got...)
}

// waitArrivals polls until the origin got n requests (bounded).
func (o *origin) waitArrivals(t *testing.T, n int) []arrival {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := o.arrivals()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the origin got %d requests, not %d, within 20s: %+v", len(got), n, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// edgeWithQueue is an edge serving cfg (YAML; ORIGIN1 and ORIGIN2 stand for the origins' URLs,
// DIR for a temporary folder) with its write queues, on a real listener.
type edgeWithQueue struct {
	URL   string
	srv   *edge.Server
	wq    *writequeue.Manager
	admin *httptest.Server
	dir   string
	logs  logBuffer // what the edge and its queues logged
}

// logBuffer keeps log lines for a test to wait for.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// count is how many lines hold s.
func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

func startEdge(t *testing.T, yaml string, origins ...*origin) *edgeWithQueue {
	t.Helper()
	dir := t.TempDir()
	return startEdgeIn(t, dir, yaml, origins...)
}

func startEdgeIn(t *testing.T, dir, yaml string, origins ...*origin) *edgeWithQueue {
	t.Helper()
	return startEdgeWith(t, dir, yaml, nil, origins...)
}

// startEdgeWith is startEdgeIn with hooks (nil: none).
func startEdgeWith(t *testing.T, dir, yaml string, hooks edge.HookSource, origins ...*origin) *edgeWithQueue {
	t.Helper()
	for i, o := range origins {
		yaml = strings.ReplaceAll(yaml, fmt.Sprintf("ORIGIN%d", i+1), o.URL())
	}
	yaml = strings.ReplaceAll(yaml, "DIR", dir)
	path := filepath.Join(dir, "hookfront.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := cfg.Distribution()
	if err != nil {
		t.Fatal(err)
	}
	d.Hooks = hooks
	e := &edgeWithQueue{dir: dir}
	var out io.Writer = &e.logs
	if testing.Verbose() {
		out = io.MultiWriter(&e.logs, os.Stderr)
	}
	log := slog.New(slog.NewTextHandler(out, nil))
	srv, err := edge.NewServer(d, edge.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	mux := http.NewServeMux()
	e.admin = httptest.NewServer(mux)
	t.Cleanup(e.admin.Close)
	e.wq, err = writequeue.Open(context.Background(), cfg.WriteQueues(), writequeue.Options{Log: log,
		StatusURL: func(id string) string { return e.admin.URL + "/api/queue/" + id }})
	if err != nil {
		t.Fatal(err)
	}
	e.wq.Mount(mux.Handle)
	srv.SetWriteQueue(e.wq)
	e.wq.Start(srv)
	t.Cleanup(func() { _ = e.wq.Close() })
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	e.URL = hs.URL
	return e
}

// post sends a write and returns the status, the headers and the body.
func post(t *testing.T, url, body string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	return send(t, "POST", url, body, hdr...)
}

func send(t *testing.T, method, url, body string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// waitState polls the admin API until the write is in state (bounded) and returns its record.
func (e *edgeWithQueue) waitState(t *testing.T, id, state string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rec := e.record(t, id)
		if rec["state"] == state {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("write %s is %v, not %s, after 20s: %v", id, rec["state"], state, rec)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (e *edgeWithQueue) record(t *testing.T, id string) map[string]any {
	t.Helper()
	var rec map[string]any
	getJSON(t, "GET", e.admin.URL+"/api/queue/"+id, 200, &rec)
	return rec
}

// delivering says whether the edge's replica runs the group's deliveries (holds its lease).
func (e *edgeWithQueue) delivering(t *testing.T) bool {
	t.Helper()
	var list struct{ Groups []struct{ Delivering bool } }
	getJSON(t, "GET", e.admin.URL+"/api/queue", 200, &list)
	return list.Groups[0].Delivering
}

// eventually polls cond until it holds (bounded).
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the condition did not hold within 20s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
