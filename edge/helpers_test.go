package edge

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// origin is a real loopback origin that counts its requests.
type origin struct {
	*httptest.Server
	hits atomic.Int64
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
}

func newOrigin(t *testing.T, h http.HandlerFunc) *origin { return newOriginWith(t, h, nil) }

// newOriginWith lets a test set up the server (ConnState hooks…) before it starts.
func newOriginWith(t *testing.T, h http.HandlerFunc, setup func(*http.Server)) *origin {
	t.Helper()
	o := &origin{}
	o.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		o.mu.Lock()
		o.reqs = append(o.reqs, r.Clone(r.Context()))
		o.body = append(o.body, b)
		o.mu.Unlock()
		h(w, r)
	}))
	if setup != nil {
		setup(o.Config)
	}
	o.Start()
	t.Cleanup(o.Close)
	return o
}

func (o *origin) last() *http.Request {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.reqs) == 0 {
		return nil
	}
	return o.reqs[len(o.reqs)-1]
}

// closedAddr returns a loopback address where nothing listens (as caddy's deadUpstreamAddr).
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// org makes a test origin config with short timeouts.
func org(t *testing.T, id, u string) *Origin {
	return &Origin{ID: id, URL: mustURL(t, u), ConnectionAttempts: 1, ConnectionTimeout: time.Second, ResponseTimeout: 2 * time.Second}
}

func behavior(t *testing.T, pattern, target string) *Behavior {
	t.Helper()
	p, err := ParsePattern(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return &Behavior{Pattern: p, Target: target}
}

// group builds a two-or-more-member group over the given origins.
func group(id string, codes []int, members ...*Origin) *Group {
	g := &Group{ID: id, Members: members, FailoverOn: map[int]bool{}}
	for _, c := range codes {
		g.FailoverOn[c] = true
	}
	return g
}

// edgeServer starts hookfront on loopback in front of d.
func edgeServer(t *testing.T, d *Distribution, opt Options) (*Server, *httptest.Server) {
	t.Helper()
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := NewServer(d, opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); d.Close() })
	return s, ts
}

type result struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, u string, hdr ...string) result {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, u, err)
	}
	return result{resp.StatusCode, resp.Header, string(b)}
}

func get(t *testing.T, u string, hdr ...string) result { return do(t, http.MethodGet, u, hdr...) }

func expect(t *testing.T, r result, status int, xcache string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d (x-cache %q, body %q)", r.status, status, r.header.Get("X-Cache"), r.body)
	}
	if xcache != "" && r.header.Get("X-Cache") != xcache {
		t.Fatalf("x-cache = %q, want %q", r.header.Get("X-Cache"), xcache)
	}
}

// logSink is a slog handler that hands each access-log record to the test as it is written,
// so that a test can wait for a request to be completely handled.
type logSink struct {
	records chan map[string]string
}

func newLogSink() *logSink { return &logSink{records: make(chan map[string]string, 100)} }

func (l *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (l *logSink) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logSink) WithGroup(string) slog.Handler            { return l }
func (l *logSink) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "request" {
		return nil
	}
	m := map[string]string{}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	l.records <- m
	return nil
}

// next waits (bounded) for the next access-log record.
func (l *logSink) next(t *testing.T) map[string]string {
	t.Helper()
	select {
	case m := <-l.records:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no access-log line within 10s")
		return nil
	}
}

// hangingOrigin accepts requests and never answers until the test ends (or the edge gives up).
func hangingOrigin(t *testing.T) *origin {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	return o
}
