package examples_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// apiOrigin records what it received and answers with its name, or with code.
type apiOrigin struct {
	*httptest.Server
	mu   sync.Mutex
	got  []string
	code atomic.Int64
	name string
}

func (o *apiOrigin) received() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.got...)
}

func newAPIOrigin(t *testing.T, name string, code int) *apiOrigin {
	o := &apiOrigin{name: name}
	o.code.Store(int64(code))
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		o.mu.Lock()
		o.got = append(o.got, fmt.Sprintf("%s %s %s attempt=%s key=%s", r.Method, r.URL.Path, b, r.Header.Get("X-Attempt-Origin"), r.Header.Get("Idempotency-Key")))
		o.mu.Unlock()
		if c := o.code.Load(); c != 0 {
			w.WriteHeader(int(c))
			return
		}
		fmt.Fprint(w, o.name)
	}))
	t.Cleanup(o.Close)
	return o
}

func TestAPIFailoverExample(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("api-failover")); err != nil {
		t.Fatal(err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + l.Addr().String()
	l.Close()
	west := newAPIOrigin(t, "west", 503)
	backup := newAPIOrigin(t, "backup", 0)
	e := serveExample(t, filepath.Join(dir, "hookfront.yaml"), closed, west.URL, backup.URL)

	// east refuses connections, west answers 503 (in write_failover.on): backup takes the POST,
	// with the same body, and the hook ran once per attempt.
	resp, err := http.Post(e.URL+"/api/orders", "application/json", bytes.NewReader([]byte(`{"sku":42}`)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "backup" {
		t.Fatalf("%d %q", resp.StatusCode, b)
	}
	westPort, backupPort := west.URL[strings.LastIndex(west.URL, ":")+1:], backup.URL[strings.LastIndex(backup.URL, ":")+1:]
	if got := west.received(); len(got) != 1 || got[0] != `POST /api/orders {"sku":42} attempt=127.0.0.1:`+westPort+` key=` {
		t.Fatalf("west got %q", got)
	}
	if got := backup.received(); len(got) != 1 || got[0] != `POST /api/orders {"sku":42} attempt=127.0.0.1:`+backupPort+` key=` {
		t.Fatalf("backup got %q", got)
	}

	// When the last member fails too, its own error page (by member id) is served.
	backup.code.Store(503)
	resp, err = http.Get(e.URL + "/api/orders")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(b), "all API regions are unavailable") {
		t.Fatalf("%d %q", resp.StatusCode, b)
	}
}
