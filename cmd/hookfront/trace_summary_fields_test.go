package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// summaryFields are the fields of a trace summary the other tests do not read.
type summaryFields struct {
	ID         string
	Time       time.Time
	Host       string
	Generation int64
	DurationMS float64 `json:"duration_ms"`
	Steps      []map[string]any
}

// sendAs makes a GET through the edge with a Host header of its own, and returns the request
// id and the times just before and after it.
func sendAs(t *testing.T, url, host string) (id string, before, after time.Time) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	before = time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	after = time.Now()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return resp.Header.Get("X-Hookfront-Request-Id"), before, after
}

// summaryOf finds id's summary in /api/requests and its whole trace at /api/requests/{id}, and
// checks that both say the same.
func summaryOf(t *testing.T, admin, id string) summaryFields {
	t.Helper()
	waitTrace(t, admin, id)
	var list struct{ Requests []summaryFields }
	getJSON(t, admin+"/api/requests?limit=10", 200, &list)
	var listed *summaryFields
	for i := range list.Requests {
		if list.Requests[i].ID == id {
			listed = &list.Requests[i]
		}
	}
	if listed == nil {
		t.Fatalf("%s is not in /api/requests", id)
	}
	var whole summaryFields
	getJSON(t, admin+"/api/requests/"+id, 200, &whole)
	if !whole.Time.Equal(listed.Time) || whole.Host != listed.Host || whole.Generation != listed.Generation || whole.DurationMS != listed.DurationMS {
		t.Fatalf("the list and the trace disagree:\n%+v\n%+v", *listed, whole)
	}
	return whole
}

// A trace's summary gives the Host the viewer sent, the hooks generation that served it, when
// it started and how long it took, in the list and in the whole trace alike.
func TestTraceSummaryHostGenerationTimeAndDuration(t *testing.T) {
	const originDelay = 60 * time.Millisecond
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(originDelay) // a duration the trace must include, not a synchronisation
		fmt.Fprint(w, "o")
	}))
	defer o.Close()
	dir := t.TempDir()
	writeFile(t, dir, "hooks/vr.js", `exports.handler = async (e) => e.Records[0].cf.request;`)
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`hooks_dir: hooks
watch: {debounce: 20ms}
origins: [{id: a, url: %q}]
behaviors: [{path_pattern: "*", target: a, hooks: {viewer-request: vr.js}}]
`, o.URL))
	p, admin := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	base := "http://" + p.addr

	id, before, after := sendAs(t, base+"/first", "Shop.Example:8443")
	s := summaryOf(t, admin, id)
	if s.Host != "Shop.Example:8443" {
		t.Fatalf("host %q", s.Host)
	}
	if s.Generation != 1 {
		t.Fatalf("generation %d, want 1", s.Generation)
	}
	if s.Time.Before(before) || s.Time.After(after) {
		t.Fatalf("start time %v is not within the request (%v to %v)", s.Time, before, after)
	}
	if d := time.Duration(s.DurationMS * float64(time.Millisecond)); d < originDelay || d > after.Sub(before) {
		t.Fatalf("duration %v: the origin took %v, the whole request %v", d, originDelay, after.Sub(before))
	}
	if len(s.Steps) == 0 || s.Steps[0]["event"] != nil {
		t.Fatalf("admin.trace's default is summary, without events: %v", s.Steps)
	}

	// A hooks edit makes a new generation; the next request's trace names it.
	writeFile(t, dir, "hooks/vr.js", `exports.handler = async (e) => { const r = e.Records[0].cf.request; r.headers['x-v'] = [{key: 'x-v', value: '2'}]; return r; };`)
	p.waitLog(t, `msg="hooks reloaded" generation=2`)
	id, _, _ = sendAs(t, base+"/second", "other.example")
	if s := summaryOf(t, admin, id); s.Generation != 2 || s.Host != "other.example" {
		t.Fatalf("after the reload: generation %d, host %q", s.Generation, s.Host)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}

// `hookfront demo` traces at full: each hook step has the event it got and the result it gave.
func TestDemoTracesAtFull(t *testing.T) {
	p, admin := startWithAdmin(t, "demo", "--listen", "127.0.0.1:0")
	if !strings.Contains(p.logs(), "trace=full") {
		t.Fatalf("the demo's admin listener does not trace at full:\n%s", p.logs())
	}
	resp, _ := fetch(t, "GET", "http://"+p.addr+"/hello")
	tr := waitTrace(t, admin, resp.Header.Get("X-Hookfront-Request-Id"))
	hooks := stepsOf(tr, "hook")
	if len(hooks) != 4 {
		t.Fatalf("hook steps: %v", hooks)
	}
	for _, h := range hooks {
		var ev, res map[string]any
		evJSON, _ := json.Marshal(h["event"])
		resJSON, _ := json.Marshal(h["result"])
		if json.Unmarshal(evJSON, &ev) != nil || json.Unmarshal(resJSON, &res) != nil || ev["Records"] == nil || len(res) == 0 {
			t.Fatalf("%v step without its event and result: event %s, result %s", h["trigger"], evJSON, resJSON)
		}
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}
