package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge/redistest"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape fetches /metrics from the admin listener and parses it.
func scrape(t *testing.T, admin string) map[string]*dto.MetricFamily {
	t.Helper()
	code, h, body := call(t, "GET", admin+"/metrics", "")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s\n%s", code, h.Get("Content-Type"), body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parsing /metrics: %v\n%s", err, body)
	}
	return fams
}

// value is the value of the series of family name with exactly the labels given (as
// "name=value" pairs); -1 when there is no such series.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
	for _, m := range f.Metric {
		if seriesLabels(m) != strings.Join(labels, ",") {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

func seriesLabels(m *dto.Metric) string {
	var ls []string
	for _, l := range m.Label {
		ls = append(ls, l.GetName()+"="+l.GetValue())
	}
	sort.Strings(ls)
	return strings.Join(ls, ",")
}

// labelValues lists the values label takes in family name.
func labelValues(fams map[string]*dto.MetricFamily, name, label string) []string {
	seen := map[string]bool{}
	if f := fams[name]; f != nil {
		for _, m := range f.Metric {
			for _, l := range m.Label {
				if l.GetName() == label {
					seen[l.GetValue()] = true
				}
			}
		}
	}
	var out []string
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// waitMetric polls /metrics until the series has the value.
func waitMetric(t *testing.T, admin string, want float64, name string, labels ...string) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		fams := scrape(t, admin)
		got := value(fams, name, labels...)
		if got == want {
			return fams
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s{%s} = %v, want %v", name, strings.Join(labels, ","), got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMetricsEndToEnd(t *testing.T) {
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer primary.Close()
	secondary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "secondary")
	}))
	defer secondary.Close()
	dir := t.TempDir()
	store := redistest.Start(t) // for the shared cache tier's metrics
	writeFile(t, dir, "hooks/vr.js", "exports.handler = async (e) => { const r = e.Records[0].cf.request; if (r.uri === '/api/boom') throw new Error('boom'); return r; };\n")
	config := func(file, pattern string) string {
		return fmt.Sprintf(`hooks_dir: hooks
cache: {shared: {url: %q, timeout: 500ms}}
origins:
  - {id: p, url: %q, connection_attempts: 1}
  - {id: s, url: %q}
origin_groups:
  - id: g
    primary: p
    secondary: s
    health: {passive: {failures: 5}}
    write_failover: {methods: [POST], queue: {dir: queue}}
behaviors:
  - {path_pattern: %q, target: g, hooks: {viewer-request: %s}, allowed_methods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]}
  - {path_pattern: "*", target: s}
`, store.URL(), primary.URL, secondary.URL, pattern, file)
	}
	cfg := writeFile(t, dir, "hookfront.yaml", config("vr.js", "/api/*"))
	p, admin := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	base := "http://" + p.addr
	p.waitLog(t, "shared cache connected")

	// Known traffic: a miss that fails over, its hit, a miss on the other behavior, a hook that throws.
	for _, r := range []struct {
		path   string
		status int
	}{{"/api/a", 200}, {"/api/a", 200}, {"/x", 200}, {"/api/boom", 503}} {
		if resp, _ := fetch(t, "GET", base+r.path); resp.StatusCode != r.status {
			t.Fatalf("%s: %d", r.path, resp.StatusCode)
		}
	}
	fams := waitMetric(t, admin, 3, "hookfront_hook_duration_seconds", "trigger=viewer-request")
	for _, c := range []struct {
		want   float64
		name   string
		labels []string
	}{
		{1, "hookfront_requests_total", []string{"behavior=/api/*", "cache=miss", "code=200"}},
		{1, "hookfront_requests_total", []string{"behavior=/api/*", "cache=hit", "code=200"}},
		{1, "hookfront_requests_total", []string{"behavior=*", "cache=miss", "code=200"}},
		{1, "hookfront_requests_total", []string{"behavior=/api/*", "cache=error", "code=503"}},
		{3, "hookfront_request_duration_seconds", []string{"behavior=/api/*"}},
		{1, "hookfront_origin_requests_total", []string{"code=503", "origin=p"}},
		{2, "hookfront_origin_requests_total", []string{"code=200", "origin=s"}},
		{2, "hookfront_origin_duration_seconds", []string{"origin=s"}},
		{1, "hookfront_failovers_total", []string{"group=g", "reason=status_503"}},
		{2, "hookfront_hook_invocations_total", []string{"file=vr.js", "result=continued", "trigger=viewer-request"}},
		{1, "hookfront_hook_invocations_total", []string{"file=vr.js", "result=execution_error", "trigger=viewer-request"}},
		{1, "hookfront_origin_healthy", []string{"class=reads", "origin=p"}},
		{1, "hookfront_origin_healthy", []string{"class=writes", "origin=s"}},
		{0, "hookfront_origin_ejections_total", []string{"class=reads", "origin=p"}},
		{2, "hookfront_cache_entries", nil},
		{1, "hookfront_hooks_generation", nil},
		{0, "hookfront_queue_depth", []string{"group=g"}},
		{0, "hookfront_queue_oldest_seconds", []string{"group=g"}},
		{0, "hookfront_queue_delivered_total", []string{"group=g", "outcome=delivered"}},
		{0, "hookfront_reloads_total", []string{"kind=hooks", "result=ok"}},
		{1, "hookfront_shared_cache_up", nil},
		{0, "hookfront_shared_cache_errors_total", nil},
		{1, "hookfront_build_info", []string{"goversion=" + runtime.Version(), "version=dev"}},
	} {
		if got := value(fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.name, strings.Join(c.labels, ","), got, c.want)
		}
	}
	if value(fams, "hookfront_cache_bytes") <= 0 || value(fams, "hookfront_cache_evictions_total") != 0 {
		t.Errorf("cache: %v bytes, %v evictions", value(fams, "hookfront_cache_bytes"), value(fams, "hookfront_cache_evictions_total"))
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "process_resident_memory_bytes"} {
		if fams[name] == nil {
			t.Errorf("no %s: the Go and process collectors are missing", name)
		}
	}
	checkMetricsTable(t, fams)

	// A hooks reload is counted and moves the generation.
	writeFile(t, dir, "hooks/vr.js", "exports.handler = async (e) => e.Records[0].cf.request; // v2\n")
	waitMetric(t, admin, 2, "hookfront_hooks_generation")
	waitMetric(t, admin, 1, "hookfront_reloads_total", "kind=hooks", "result=ok")

	// Label values stay bounded when hook files and behaviors churn: each reload drops the
	// series of the files and behaviors it retired.
	for i := range 8 {
		file := fmt.Sprintf("vr%d.js", i)
		writeFile(t, dir, "hooks/"+file, "exports.handler = async (e) => e.Records[0].cf.request;\n")
		pattern := fmt.Sprintf("/v%d/*", i)
		writeFile(t, dir, "hookfront.yaml", config(file, pattern))
		waitMetric(t, admin, float64(i+1), "hookfront_reloads_total", "kind=config", "result=ok")
		fetch(t, "GET", base+fmt.Sprintf("/v%d/x", i))
		fams = waitMetric(t, admin, 1, "hookfront_hook_invocations_total", "file="+file, "result=continued", "trigger=viewer-request")
		if files := labelValues(fams, "hookfront_hook_invocations_total", "file"); strings.Join(files, " ") != file {
			t.Fatalf("reload %d: hook files in /metrics: %v", i, files)
		}
		if bs := labelValues(fams, "hookfront_requests_total", "behavior"); strings.Join(bs, " ") != "*" && strings.Join(bs, " ") != "* "+pattern {
			t.Fatalf("reload %d: behaviors in /metrics: %v", i, bs)
		}
	}
}

// checkMetricsTable checks the metrics table of docs/production.md against what /metrics
// exposes: every hookfront_ metric is in the table, and every metric of the table is exposed,
// with its labels.
func checkMetricsTable(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	page, err := os.ReadFile(filepath.Join("..", "..", "docs", "production.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(hookfront_[a-z_]+)(?:\\{([a-z_, ]+)\\})?` \\| (counter|gauge|histogram) \\|")
	inTable := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(page), -1) {
		name, labels, kind := m[1], m[2], m[3]
		inTable[name] = true
		f := fams[name]
		if f == nil {
			t.Errorf("docs/production.md lists %s, /metrics has no such metric", name)
			continue
		}
		if got := strings.ToLower(f.GetType().String()); got != kind {
			t.Errorf("docs/production.md says %s is a %s, /metrics says %s", name, kind, got)
		}
		var want []string
		for _, l := range strings.Split(labels, ",") {
			if l = strings.TrimSpace(l); l != "" {
				want = append(want, l)
			}
		}
		sort.Strings(want)
		for _, series := range f.Metric {
			var got []string
			for _, l := range series.Label {
				got = append(got, l.GetName())
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("docs/production.md gives %s the labels %v, /metrics %v", name, want, got)
				break
			}
		}
	}
	if len(inTable) == 0 {
		t.Fatal("no metrics table in docs/production.md")
	}
	for name := range fams {
		if strings.HasPrefix(name, "hookfront_") && !inTable[name] {
			t.Errorf("/metrics exposes %s, the metrics table of docs/production.md does not list it", name)
		}
	}
}
