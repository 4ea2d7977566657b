package testrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks"
)

// hangTimeout is the response timeout of an origin that has a hanging reply in a case: the
// case waits for it, so it is the shortest the config allows (hooks see it in whole seconds).
const hangTimeout = time.Second

// requestTimeout bounds one request of a case (an edge that never answers fails the case).
const requestTimeout = 60 * time.Second

// run serves the case's requests through the real edge, in-process on loopback listeners, with
// the config's behaviors, hooks and error pages, and its origins replaced by scripted ones.
// The requests share one cache, in order, so that a later request can be a hit.
func (c *distCase) run(ctx context.Context, s *suite, r *result) {
	if s.srcErr != nil {
		r.fail("%v", s.srcErr)
		return
	}
	origins := map[string]*scriptedOrigin{}
	defer func() {
		for _, o := range origins {
			o.stop()
		}
	}()
	for _, id := range c.originIDs(s) {
		o, err := startOrigin(id, c.Origins[id])
		if err != nil {
			r.fail("%v", err)
			return
		}
		origins[id] = o
	}
	tr := newTracer()
	edgeURL, stop, err := c.startEdge(ctx, s, origins, tr)
	if err != nil {
		r.fail("%v", err)
		return
	}
	defer stop()

	client := &http.Client{
		Timeout:       requestTimeout,
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	for i, req := range c.Requests {
		c.send(ctx, client, edgeURL, tr, i, req, r)
	}
	ids := make([]string, 0, len(origins))
	for id := range origins {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var seen []string
	for _, id := range ids {
		problems, received := origins[id].report()
		for _, p := range problems {
			r.fail("%s", p)
		}
		seen = append(seen, received)
	}
	if !r.passed() {
		r.Notes = append(r.Notes, seen...)
	}
	r.Console = tr.lines()
}

// originIDs are the origins the case's distribution has.
func (c *distCase) originIDs(s *suite) []string {
	if !s.byName {
		ids := make([]string, len(s.cfg.Origins))
		for i, o := range s.cfg.Origins {
			ids[i] = o.ID
		}
		return ids
	}
	if c.Origins["primary"] != nil || c.Origins["secondary"] != nil {
		return []string{"primary", "secondary"}
	}
	return []string{"origin"}
}

// config is the suite's config with the scripted origins in place of the configured ones.
func (c *distCase) config(s *suite, origins map[string]*scriptedOrigin) (*config.Config, error) {
	if s.byName {
		fc := config.FlagConfig{HooksDir: s.hooksDir, Listen: "127.0.0.1:0"}
		if o := origins["origin"]; o != nil {
			fc.Origin = o.url
		} else {
			fc.Origin, fc.Secondary = origins["primary"].url, origins["secondary"].url
		}
		cfg, err := config.FromFlags(fc)
		if err != nil {
			return nil, err
		}
		for i := range cfg.Origins {
			if origins[cfg.Origins[i].ID].hangs() {
				cfg.Origins[i].ResponseTimeout.Duration = hangTimeout
			}
		}
		return cfg, nil
	}
	cfg := *s.cfg
	cfg.Origins = slices.Clone(s.cfg.Origins)
	for i := range cfg.Origins {
		o := &cfg.Origins[i]
		so := origins[o.ID]
		// Only scheme, host and port change: the origin path is part of what is tested.
		path := ""
		if _, rest, ok := strings.Cut(o.URL, "://"); ok {
			if j := strings.Index(rest, "/"); j >= 0 {
				path = rest[j:]
			}
		}
		o.URL = so.url + path
		if so.hangs() {
			o.ResponseTimeout.Duration = min(o.ResponseTimeout.Duration, hangTimeout)
		}
	}
	return &cfg, nil
}

// startEdge runs the edge for the case on a loopback listener, with a fresh hooks generation,
// followed by tr.
func (c *distCase) startEdge(ctx context.Context, s *suite, origins map[string]*scriptedOrigin, tr *tracer) (string, func(), error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil)) // what the case needs comes through tr
	cfg, err := c.config(s, origins)
	if err != nil {
		return "", nil, err
	}
	d, err := cfg.Distribution()
	if err != nil {
		return "", nil, err
	}
	if cfg.HooksDir != "" {
		opt := cfg.HooksOptions()
		opt.Log = log
		reg := hooks.NewRegistry(opt, cfg.Hooks())
		if _, err := reg.Load(ctx, s.src); err != nil {
			var msgs []string
			for _, p := range loadProblems(err) {
				msgs = append(msgs, scriptErr(s, p))
			}
			return "", nil, fmt.Errorf("the hooks do not load:\n%s", strings.Join(msgs, "\n"))
		}
		d.Hooks = hooks.EdgeSource{R: reg}
	}
	srv, err := edge.NewServer(d, edge.Options{Logger: log, CacheBytes: int64(cfg.Cache.MaxSize), MaxObjectBytes: int64(cfg.Cache.MaxObject),
		Observers: []edge.Observer{tr}})
	if err != nil {
		return "", nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listening for the edge: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() { _ = hs.Serve(l) }()
	stop := func() {
		_ = hs.Close()
		d.Close()
	}
	return "http://" + l.Addr().String(), stop, nil
}

// loadProblems lists the problems of a hooks load error, one per file.
func loadProblems(err error) []error {
	var le interface{ Unwrap() []error }
	if errors.As(err, &le) {
		return le.Unwrap()
	}
	return []error{err}
}

// send makes request i of the case and compares the answer with its expectations.
func (c *distCase) send(ctx context.Context, client *http.Client, base string, tr *tracer, i int, tq *testRequest, r *result) {
	at := fmt.Sprintf("requests[%d]", i)
	var body io.Reader
	if tq.Body != "" {
		body = strings.NewReader(tq.Body)
	}
	req, err := http.NewRequestWithContext(ctx, tq.Method, base+tq.Path, body)
	if err != nil {
		r.fail("%s: %v", at, err)
		return
	}
	for k, v := range tq.Headers {
		if strings.EqualFold(k, "host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	tr.expect()
	resp, err := client.Do(req)
	if err != nil {
		r.fail("%s: %s %s: the edge gave no answer: %v", at, tq.Method, tq.Path, err)
		return
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		r.fail("%s: %s %s: the body broke off: %v", at, tq.Method, tq.Path, err)
	}
	want := tq.Expect
	if want.Status != 0 && resp.StatusCode != want.Status {
		r.mismatch(at+".status", float64(want.Status), float64(resp.StatusCode))
	}
	names := make([]string, 0, len(want.Headers))
	for k := range want.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		values := resp.Header.Values(k)
		switch w := want.Headers[k]; {
		case w == absent && len(values) > 0:
			r.mismatch(member(at+".headers", strings.ToLower(k)), noValue, strings.Join(values, ", "))
		case w != absent && len(values) == 0:
			r.mismatch(member(at+".headers", strings.ToLower(k)), w, noValue)
		case w != absent && strings.Join(values, ", ") != w:
			r.mismatch(member(at+".headers", strings.ToLower(k)), w, strings.Join(values, ", "))
		}
	}
	if want.XCache != "" && resp.Header.Get("X-Cache") != want.XCache {
		r.mismatch(at+".x_cache", want.XCache, resp.Header.Get("X-Cache"))
	}
	if want.BodyContains != "" && !strings.Contains(string(got), want.BodyContains) {
		r.Failures = append(r.Failures, failure{Path: at + ".body", Expected: "text containing " + show(want.BodyContains), Got: show(string(got))})
	}
	if want.Attempts == nil && want.Hooks == nil {
		return
	}
	trace, err := tr.wait(ctx)
	if err != nil {
		r.fail("%s: %v", at, err)
		return
	}
	if want.Attempts != nil {
		sameList(r, at+".attempts", *want.Attempts, trace.attempts)
	}
	if want.Hooks != nil {
		sameList(r, at+".hooks", *want.Hooks, trace.hooks)
	}
}
