package hooks

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// world is a real edge with real hook files in a temp folder and real loopback origins.
type world struct {
	t        testing.TB
	dir      string
	reg      *Registry
	edge     *httptest.Server
	primary  *httptest.Server
	second   *httptest.Server
	hits     [2]atomic.Int64
	lastReq  atomic.Pointer[http.Request]
	lastBody atomic.Pointer[string]
	logs     *logBuffer // the registry's (console lines)
	edgeLogs *logBuffer // the edge's (access log, hook failures)
}

func writeHook(t testing.TB, dir, name, src string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

type setup struct {
	files       map[string]string
	bind        map[event.Trigger]string // bound on "*"
	primaryCode int                      // status of the primary (200 default)
	includeBody bool
	methods     []string
	timeouts    Timeouts
	functions   map[event.Trigger]Binding // CloudFront Functions bound on "*"
	stores      map[string]string         // key value store files (relative to the folder)
	runtime     jsruntime.Options
	behavior    func(*edge.Behavior) // policies and the like, set on the behavior "*"
}

func newWorld(t testing.TB, s setup) *world {
	t.Helper()
	w := &world{t: t, dir: t.TempDir(), logs: &logBuffer{}, edgeLogs: &logBuffer{}}
	for name, src := range s.files {
		writeHook(t, w.dir, name, src)
	}
	origin := func(i int, code int) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			w.hits[i].Add(1)
			b, _ := io.ReadAll(r.Body)
			body := string(b)
			w.lastBody.Store(&body)
			w.lastReq.Store(r.Clone(context.Background()))
			rw.Header().Set("Cache-Control", "max-age=60")
			rw.Header().Set("X-Origin", fmt.Sprint(i))
			if code != 0 {
				rw.WriteHeader(code)
			}
			fmt.Fprintf(rw, "origin%d %s?%s", i, r.URL.Path, r.URL.RawQuery)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	w.primary, w.second = origin(0, s.primaryCode), origin(1, 0)
	bindings := Bindings{"*": {}}
	for tr, f := range s.bind {
		bindings["*"][tr] = Binding{File: f}
	}
	for tr, b := range s.functions {
		bindings["*"][tr] = b
	}
	if s.timeouts.Function == 0 {
		// The 5ms default is wall time: on a loaded test machine a call can be descheduled for
		// longer. Tests of the budget set it themselves.
		s.timeouts.Function = 2 * time.Second
	}
	stores := map[string]string{}
	for name, f := range s.stores {
		stores[name] = filepath.Join(w.dir, f)
	}
	w.reg = NewRegistry(Options{Log: slog.New(slog.NewTextHandler(w.logs, nil)), Timeouts: s.timeouts, KeyValueStores: stores, Runtime: s.runtime}, Static(bindings))
	if _, err := w.load(); err != nil {
		t.Fatal(err)
	}
	a := &edge.Origin{ID: "a", URL: mustURL(w.primary.URL), ConnectionAttempts: 1}
	b := &edge.Origin{ID: "b", URL: mustURL(w.second.URL), ConnectionAttempts: 1}
	star, _ := edge.ParsePattern("*")
	d := &edge.Distribution{
		DomainName: "d111111abcdef8.cloudfront.net", ID: "EDFDVBD6EXAMPLE",
		Origins:   []*edge.Origin{a, b},
		Groups:    []*edge.Group{{ID: "g", Members: []*edge.Origin{a, b}, FailoverOn: map[int]bool{503: true}}},
		Behaviors: []*edge.Behavior{{Pattern: star, Target: "g", IncludeBody: s.includeBody, AllowedMethods: s.methods}},
	}
	if s.behavior != nil {
		s.behavior(d.Behaviors[0])
	}
	srv, err := edge.NewServer(d, edge.Options{Hooks: EdgeSource{w.reg}, Logger: slog.New(slog.NewTextHandler(w.edgeLogs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w.edge = httptest.NewServer(srv)
	t.Cleanup(w.edge.Close)
	return w
}

func (w *world) load() (LoadResult, error) {
	src, err := ReadDir(w.dir)
	if err != nil {
		return LoadResult{}, err
	}
	return w.reg.Load(context.Background(), src)
}

// logBuffer collects log lines; tests read it while the edge writes.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

type resp struct {
	status int
	header http.Header
	body   string
}

func (w *world) do(method, path string, body string, hdr ...string) resp {
	w.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, w.edge.URL+path, rd)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	r, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{r.StatusCode, r.Header, string(b)}
}

func (w *world) get(path string, hdr ...string) resp { return w.do("GET", path, "", hdr...) }
