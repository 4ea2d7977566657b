package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
)

var adminURL = regexp.MustCompile(`msg="admin listener" url=(http://[0-9.:\[\]]+)/`)

// startWithAdmin runs hookfront with its admin listener on a free loopback port and returns
// the process and the admin listener's base URL.
func startWithAdmin(t *testing.T, args ...string) (*proc, string) {
	t.Helper()
	p := start(t, append(args, "--admin", "127.0.0.1:0")...)
	m := adminURL.FindStringSubmatch(p.logs())
	if m == nil {
		t.Fatalf("no admin listener in the log:\n%s", p.logs())
	}
	return p, m[1]
}

// roundTrip makes one request with the header pairs in hdr (name, value, ...) and returns the
// response unread; redirects are not followed.
func roundTrip(t *testing.T, method, url string, body io.Reader, hdr ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// call makes one request and returns its status, headers and body.
func call(t *testing.T, method, url, body string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	resp := roundTrip(t, method, url, r, hdr...)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// getJSON fetches url and decodes its JSON answer into v, checking the status.
func getJSON(t *testing.T, url string, status int, v any, hdr ...string) {
	t.Helper()
	code, h, b := call(t, "GET", url, "", hdr...)
	if code != status || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("GET %s: %d %s\n%s", url, code, h.Get("Content-Type"), b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v\n%s", url, err, b)
		}
	}
}

// apiError is the admin API's error shape.
type apiError struct{ Error string }

type summaryList struct {
	Tracing  bool
	Held     int
	Requests []struct {
		ID       string
		Path     string
		Status   int
		XCache   string `json:"x_cache"`
		Hooks    []struct{ Trigger, Outcome string }
		Attempts []struct {
			Origin   string
			Status   int
			Failover string
		}
	}
}

type traceDoc struct {
	ID     string
	Path   string
	Status int
	Steps  []map[string]any
}

// sse reads an event stream in the background.
type sse struct {
	events chan [2]string // name, data
	resp   *http.Response
}

func openEvents(t *testing.T, url string, hdr ...string) *sse {
	t.Helper()
	resp := roundTrip(t, "GET", url, nil, hdr...)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %v", resp.StatusCode, resp.Header)
	}
	s := &sse{events: make(chan [2]string, 1000), resp: resp}
	t.Cleanup(func() { resp.Body.Close() })
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		var name, data string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case line == "" && name != "":
				s.events <- [2]string{name, data}
				name, data = "", ""
			}
		}
	}()
	return s
}

// want waits (bounded) for an event called name whose data contains each of has.
func (s *sse) want(t *testing.T, name string, has ...string) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("the event stream ended before a %q event with %q", name, has)
			}
			if ev[0] != name {
				continue
			}
			all := true
			for _, h := range has {
				all = all && strings.Contains(ev[1], h)
			}
			if all {
				return ev[1]
			}
		case <-deadline:
			t.Fatalf("no %q event with %q within 20s", name, has)
		}
	}
}

// waitTrace polls the admin API until the trace of id is there: a trace is kept once its
// response has been written.
func waitTrace(t *testing.T, base, id string) traceDoc {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, _, b := call(t, "GET", base+"/api/requests/"+id, "")
		if code == 200 {
			var tr traceDoc
			if err := json.Unmarshal(b, &tr); err != nil {
				t.Fatal(err)
			}
			return tr
		}
		if time.Now().After(deadline) {
			t.Fatalf("no trace of %s within 15s: %d %s", id, code, b)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func stepsOf(tr traceDoc, kind string) []map[string]any {
	var out []map[string]any
	for _, s := range tr.Steps {
		if s["kind"] == kind {
			out = append(out, s)
		}
	}
	return out
}

func TestAdminAPIEndToEnd(t *testing.T) {
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			w.WriteHeader(404)
			return
		}
		w.WriteHeader(503)
	}))
	defer primary.Close()
	secondary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=600")
		fmt.Fprint(w, "secondary "+r.URL.Path)
	}))
	defer secondary.Close()
	dir := t.TempDir()
	writeFile(t, dir, "viewer-request.js", `const h = require('./lib/helper');
exports.handler = async (e) => { const r = e.Records[0].cf.request;
  console.log('viewer sees ' + r.uri);
  r.headers['x-hook'] = [{key: 'X-Hook', value: h.tag}];
  return r; };`)
	writeFile(t, dir, "origin-request.js", `exports.handler = async (e) => e.Records[0].cf.request;`)
	writeFile(t, dir, "lib/helper.js", `exports.tag = 'v1';`)
	p, admin := startWithAdmin(t, "serve", "--origin", primary.URL, "--secondary", secondary.URL, "--hooks", dir, "--listen", "127.0.0.1:0")
	edgeURL := "http://" + p.addr
	events := openEvents(t, admin+"/api/events")

	// A request: failover, hooks twice, stored; its summary arrives on the event stream.
	resp, _ := fetch(t, "GET", edgeURL+"/a?q=1")
	id := resp.Header.Get("X-Hookfront-Request-Id")
	events.want(t, "request", `"id":"`+id+`"`, `"path":"/a?q=1"`)
	tr := waitTrace(t, admin, id)
	var kinds []string
	for _, s := range tr.Steps {
		k := fmt.Sprint(s["kind"])
		if s["trigger"] != nil {
			k += " " + fmt.Sprint(s["trigger"])
		}
		if s["decision"] != nil {
			k += " " + fmt.Sprint(s["decision"])
		}
		if s["origin"] != nil {
			k += " " + fmt.Sprint(s["origin"])
		}
		kinds = append(kinds, k)
	}
	if got := strings.Join(kinds, ", "); got != "hook viewer-request, cache miss, hook origin-request, attempt primary, hook origin-request, attempt secondary, cache stored" {
		t.Fatalf("steps: %s", got)
	}
	vr := stepsOf(tr, "hook")[0]
	if vr["file"] != "viewer-request.js" || vr["handler"] != "handler" || vr["changed"] != true ||
		!strings.Contains(fmt.Sprint(vr["console"]), "viewer sees /a") {
		t.Fatalf("viewer-request step: %v", vr)
	}
	// Zero-config serve traces in full: the event in and the result out.
	ev, _ := json.Marshal(vr["event"])
	res, _ := json.Marshal(vr["result"])
	if !strings.Contains(string(ev), `"uri":"/a"`) || strings.Contains(string(ev), "x-hook") || !strings.Contains(string(res), `"x-hook":[{"key":"X-Hook","value":"v1"}]`) {
		t.Fatalf("event %s\nresult %s", ev, res)
	}
	att := stepsOf(tr, "attempt")
	if att[0]["status"] != 503.0 || att[0]["failover"] != "status 503" || att[0]["url"] != primary.URL+"/a?q=1" || att[1]["status"] != 200.0 {
		t.Fatalf("attempts: %v", att)
	}

	// A hit, and a 404; then the list, newest first, with filters.
	fetch(t, "GET", edgeURL+"/a?q=1")
	resp, _ = fetch(t, "GET", edgeURL+"/missing")
	last := resp.Header.Get("X-Hookfront-Request-Id")
	waitTrace(t, admin, last)
	var list summaryList
	getJSON(t, admin+"/api/requests", 200, &list)
	if !list.Tracing || len(list.Requests) != 3 || list.Requests[0].ID != last || list.Requests[1].XCache != "Hit from hookfront" ||
		len(list.Requests[2].Attempts) != 2 || len(list.Requests[2].Hooks) != 3 {
		t.Fatalf("list: %+v", list)
	}
	getJSON(t, admin+"/api/requests?limit=1", 200, &list)
	if len(list.Requests) != 1 || list.Requests[0].ID != last {
		t.Fatalf("limit=1: %+v", list)
	}
	getJSON(t, admin+"/api/requests?status=4xx", 200, &list)
	if len(list.Requests) != 1 || list.Requests[0].Status != 404 {
		t.Fatalf("status=4xx: %+v", list)
	}
	getJSON(t, admin+"/api/requests?path=q%3D1&status=200&limit=1000", 200, &list)
	if len(list.Requests) != 2 {
		t.Fatalf("path filter: %+v", list)
	}
	for _, bad := range []string{"limit=1001", "limit=abc", "limit=0", "status=abc"} {
		var e apiError
		getJSON(t, admin+"/api/requests?"+bad, 400, &e)
		if e.Error == "" {
			t.Fatalf("%s: no reason", bad)
		}
	}
	var e apiError
	getJSON(t, admin+"/api/requests/no-such-id", 404, &e)
	if !strings.Contains(e.Error, "no-such-id") {
		t.Fatalf("unknown id: %q", e.Error)
	}
	getJSON(t, admin+"/api/nothing", 404, &e)

	// The viewer listener never serves admin paths: they go to the origin like any path.
	code, h, body := call(t, "GET", edgeURL+"/api/requests", "")
	if code != 200 || h.Get("X-Cache") == "" || !strings.Contains(string(body), "secondary /api/requests") {
		t.Fatalf("viewer /api/requests: %d %v %s", code, h, body)
	}

	// The hooks: bindings, files bound to nothing.
	var hs struct {
		Dir        string
		Generation int64
		Behaviors  []struct {
			Behavior string
			Hooks    []struct{ Trigger, File, Handler string }
		}
		Unbound   []string
		LastError *struct {
			Problems []struct{ File, Message string }
		} `json:"last_error"`
	}
	getJSON(t, admin+"/api/hooks", 200, &hs)
	if hs.Generation != 1 || len(hs.Behaviors) != 1 || hs.Behaviors[0].Behavior != "*" || len(hs.Behaviors[0].Hooks) != 2 ||
		hs.Behaviors[0].Hooks[0].Trigger != "viewer-request" || hs.Behaviors[0].Hooks[1].File != "origin-request.js" ||
		strings.Join(hs.Unbound, ",") != "lib/helper.js" || hs.LastError != nil {
		t.Fatalf("hooks: %+v", hs)
	}

	// A broken save: a reload event with file:line:column, and /api/hooks says so; the fix clears it.
	writeFile(t, dir, "lib/helper.js", "exports.tag = 'v2';\nexports.x = ;\n")
	// The hook that requires the helper fails to load, at its require, naming the helper's error.
	data := events.want(t, "reload", `"ok":false`, `"file":"viewer-request.js","line":1,"column":18`, `lib/helper.js:2:13: SyntaxError`)
	getJSON(t, admin+"/api/hooks", 200, &hs)
	if hs.LastError == nil || hs.LastError.Problems[0].File != "viewer-request.js" || hs.Generation != 1 {
		t.Fatalf("after a broken save: %+v (event %s)", hs, data)
	}
	writeFile(t, dir, "lib/helper.js", "exports.tag = 'v2';\n")
	events.want(t, "reload", `"ok":true`, `"generation":2`, `"files":["lib/helper.js"]`)
	getJSON(t, admin+"/api/hooks", 200, &hs)
	if hs.LastError != nil || hs.Generation != 2 {
		t.Fatalf("after the fix: %+v", hs)
	}

	// Invalidation through the API and through `hookfront invalidate`; bad bodies get 400.
	status, _, b := call(t, "POST", admin+"/api/invalidations", `{"paths": ["/a?q=1"]}`)
	if status != 200 || strings.TrimSpace(string(b)) != `{"removed":1}` {
		t.Fatalf("invalidation: %d %s", status, b)
	}
	if resp, _ := fetch(t, "GET", edgeURL+"/a?q=1"); resp.Header.Get("X-Cache") != "Miss from hookfront" {
		t.Fatalf("after invalidation: %s", resp.Header.Get("X-Cache"))
	}
	many := make([]string, 3001)
	for i := range many {
		many[i] = fmt.Sprintf(`"/p%d"`, i)
	}
	for _, bad := range []string{`not json`, `{"paths": ["a.html"]}`, `{"paths": []}`, `{"paths": ["/a*b"]}`, `{"pathz": ["/a"]}`,
		`{"paths": [` + strings.Join(many, ",") + `]}`} {
		status, _, b := call(t, "POST", admin+"/api/invalidations", bad)
		if status != 400 || !strings.Contains(string(b), `"error"`) {
			t.Fatalf("%.40s: %d %s", bad, status, b)
		}
	}
	out, errOut, code2 := runBinary(t, "invalidate", "--admin", strings.TrimPrefix(admin, "http://"), "/a?*", "/missing")
	if code2 != 0 || out != "removed 2 cached response(s)\n" {
		t.Fatalf("hookfront invalidate: %d %q %q", code2, out, errOut)
	}
	_, errOut, code2 = runBinary(t, "invalidate", "--admin", strings.TrimPrefix(admin, "http://"), "no-slash")
	if code2 != 1 || !strings.Contains(errOut, "must start with /") {
		t.Fatalf("hookfront invalidate no-slash: %d %q", code2, errOut)
	}
	if _, _, code2 = runBinary(t, "invalidate"); code2 != 2 {
		t.Fatalf("hookfront invalidate without paths: exit %d", code2)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestAdminTokenRule(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "o") }))
	defer o.Close()

	// Reachable from other machines without a token: refused before anything listens.
	_, errOut, code := runBinary(t, "serve", "--origin", o.URL, "--listen", "127.0.0.1:0", "--admin", "0.0.0.0:0")
	if code != 1 || !strings.Contains(errOut, "set admin.token") {
		t.Fatalf("non-loopback admin without a token: exit %d %s", code, errOut)
	}
	// An address asked for that is taken: a start-up error.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, errOut, code = runBinary(t, "serve", "--origin", o.URL, "--listen", "127.0.0.1:0", "--admin", taken.Addr().String())
	if code != 1 || !strings.Contains(errOut, "address already in use") {
		t.Fatalf("taken admin address: exit %d %s", code, errOut)
	}

	t.Setenv(tokenEnv, "s3cret")
	p, admin := startWithAdmin(t, "serve", "--origin", o.URL, "--listen", "127.0.0.1:0")
	for _, c := range []struct {
		path   string
		hdr    []string
		status int
	}{
		{"/api/hooks", nil, 401},
		{"/api/hooks", []string{"Authorization", "Bearer wrong"}, 401},
		{"/api/hooks", []string{"Authorization", "Bearer s3cret"}, 200},
		{"/api/requests", []string{"Authorization", "s3cret"}, 401},
		{"/", nil, 401},
		{"/?token=wrong", nil, 401},
		{"/ui/app.js", []string{"Authorization", "Bearer s3cret"}, 200},
	} {
		status, h, b := call(t, "GET", admin+c.path, "", c.hdr...)
		if status != c.status {
			t.Fatalf("%s %v: %d, want %d", c.path, c.hdr, status, c.status)
		}
		if status == 401 && (!strings.Contains(string(b), `"error"`) || h.Get("WWW-Authenticate") == "") {
			t.Fatalf("401 without the JSON error or WWW-Authenticate: %v %s", h, b)
		}
	}
	// In a browser: /?token= once sets an HttpOnly, SameSite=Strict cookie that stands for the header.
	status, h, _ := call(t, "GET", admin+"/?token=s3cret", "")
	cookie := h.Get("Set-Cookie")
	if status != http.StatusSeeOther || h.Get("Location") != "/" || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Fatalf("token link: %d %v", status, h)
	}
	pair := strings.SplitN(cookie, ";", 2)[0]
	if status, _, b := call(t, "GET", admin+"/", "", "Cookie", pair); status != 200 || !strings.Contains(string(b), "hookfront inspector") {
		t.Fatalf("page with the cookie: %d", status)
	}
	openEvents(t, admin+"/api/events", "Cookie", pair)
	// hookfront invalidate takes the token from the environment, or --token.
	out, errOut, code := runBinary(t, "invalidate", "--admin", admin, "/*")
	if code != 0 || !strings.Contains(out, "removed 0") {
		t.Fatalf("invalidate with the token from the environment: %d %q %q", code, out, errOut)
	}
	os.Unsetenv(tokenEnv)
	if _, errOut, code = runBinary(t, "invalidate", "--admin", admin, "/*"); code != 1 || !strings.Contains(errOut, "401 Unauthorized: the edge's admin listener has a token: give it with --token T or $"+tokenEnv) {
		t.Fatalf("invalidate without a token: %d %q", code, errOut)
	}
	if _, errOut, code = runBinary(t, "invalidate", "--admin", admin, "--token", "wrong", "/*"); code != 1 || !strings.Contains(errOut, "401 Unauthorized: the token given (--token or $"+tokenEnv+") is not the edge's admin token") {
		t.Fatalf("invalidate with a wrong token: %d %q", code, errOut)
	}
	if out, _, code = runBinary(t, "invalidate", "--admin", admin, "--token", "s3cret", "/*"); code != 0 {
		t.Fatalf("invalidate --token: %d %q", code, out)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}

// The default admin address, when taken, leaves the edge running without its admin listener.
func TestTakenDefaultAdminAddressIsAWarning(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cfg := &config.Config{}
	a, err := openAdmin(cfg, taken.Addr().String(), log)
	if err != nil || a.addr() != "" || !strings.Contains(logs.String(), "admin listener off: its default address is taken") ||
		!strings.Contains(logs.String(), taken.Addr().String()) {
		t.Fatalf("%v %q\n%s", err, a.addr(), logs.String())
	}
	// Asked for explicitly, the same address is an error.
	cfg.Admin.Listen = taken.Addr().String()
	if _, err := openAdmin(cfg, "127.0.0.1:9", log); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("explicit: %v", err)
	}
}

func TestTraceRingKeepsTraceRequests(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "o") }))
	defer o.Close()
	dir := t.TempDir()
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`origins: [{id: o, url: %q}]
behaviors: [{path_pattern: "*", target: o}]
admin: {trace_requests: 50, trace: summary}
`, o.URL))
	p, admin := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	var ids []string
	for i := 0; i < 120; i++ {
		resp, _ := fetch(t, "GET", fmt.Sprintf("http://%s/p%d", p.addr, i))
		ids = append(ids, resp.Header.Get("X-Hookfront-Request-Id"))
	}
	waitTrace(t, admin, ids[119])
	var list summaryList
	getJSON(t, admin+"/api/requests?limit=1000", 200, &list)
	if list.Held != 50 || len(list.Requests) != 50 || list.Requests[0].ID != ids[119] || list.Requests[49].ID != ids[70] {
		t.Fatalf("held %d, listed %d", list.Held, len(list.Requests))
	}
	getJSON(t, admin+"/api/requests/"+ids[69], 404, nil)
	getJSON(t, admin+"/api/requests/"+ids[70], 200, nil)
}

// An event-stream client that never reads holds up nothing: its events are dropped, and the
// stream says so once it reads again.
// TestStalledEventStreamDoesNotBlockRequests: through the real binary, an event-stream client
// that never reads holds no request up. (That such a client is told of the events it lost is
// tested in the admin package, where it takes no thousands of requests to fill the buffers.)
func TestStalledEventStreamDoesNotBlockRequests(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "o") }))
	defer o.Close()
	p, admin := startWithAdmin(t, "serve", "--origin", o.URL, "--listen", "127.0.0.1:0", "--no-cache")
	// A client with a tiny receive window that sends its request and then reads nothing.
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		_ = c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048) })
		return err
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(admin, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	// Long paths make big events: more than the socket buffers and the client's queue hold.
	long := strings.Repeat("x", 12000)
	const n = 600
	var wg sync.WaitGroup
	errs := make(chan error, n)
	deadline := time.Now().Add(3 * time.Minute)
	client := &http.Client{Timeout: 30 * time.Second}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n && time.Now().Before(deadline); i += 8 {
				resp, err := client.Get(fmt.Sprintf("http://%s/%d/%s", p.addr, i, long))
				if err != nil {
					errs <- err
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a request failed while an event client stalled: %v", err)
	}
	if time.Now().After(deadline) {
		t.Fatalf("requests were held up: %d did not finish within 3 minutes", n)
	}
	// Another client is served meanwhile.
	getJSON(t, admin+"/api/requests?limit=1", 200, nil)
}

func TestInvalidateOnReload(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=600")
		fmt.Fprint(w, "o")
	}))
	defer o.Close()
	dir := t.TempDir()
	writeFile(t, dir, "viewer-request.js", `const v = require('./lib/viewer-helper'); exports.handler = async (e) => e.Records[0].cf.request;`)
	writeFile(t, dir, "origin-response.js", `const ver = require('./lib/ver');
exports.handler = async (e) => { const c = e.Records[0].cf;
  c.response.headers['x-v'] = [{value: ver.v}];
  if (c.request.uri === '/lazy') c.response.headers['x-lazy'] = [{value: require('./lib/lazy').v}];
  return c.response; };`)
	writeFile(t, dir, "lib/ver.js", `exports.v = require('./deep').v;`)
	writeFile(t, dir, "lib/deep.js", `exports.v = '1';`)
	writeFile(t, dir, "lib/lazy.js", `exports.v = 'a';`)
	writeFile(t, dir, "lib/viewer-helper.js", `exports.x = 1;`)
	writeFile(t, dir, "lib/unused.js", `exports.x = 1;`)
	p := start(t, "serve", "--origin", o.URL, "--hooks", dir, "--listen", "127.0.0.1:0")
	base := "http://" + p.addr
	xcache := func(path string) (string, http.Header) {
		t.Helper()
		resp, _ := fetch(t, "GET", base+path)
		return resp.Header.Get("X-Cache"), resp.Header
	}
	fill := func() {
		t.Helper()
		for _, path := range []string{"/p", "/lazy"} {
			xcache(path)
			if x, _ := xcache(path); x != "Hit from hookfront" {
				t.Fatalf("%s not cached: %s", path, x)
			}
		}
	}
	gen := 1
	save := func(name, body string) {
		t.Helper()
		writeFile(t, dir, name, body)
		gen++
		p.waitLog(t, fmt.Sprintf(`msg="hooks reloaded" generation=%d`, gen))
	}
	fill()
	// Viewer-only code, and a file nothing requires: the cache stays.
	save("lib/viewer-helper.js", `exports.x = 2;`)
	save("viewer-request.js", `exports.handler = async (e) => e.Records[0].cf.request; // v2`)
	save("lib/unused.js", `exports.x = 2;`)
	for _, path := range []string{"/p", "/lazy"} {
		if x, _ := xcache(path); x != "Hit from hookfront" {
			t.Fatalf("a viewer-only change emptied the cache: %s %s", path, x)
		}
	}
	// A helper the origin hook requires through another: emptied, and the new code shows.
	save("lib/deep.js", `exports.v = '2';`)
	p.waitLog(t, "cache emptied")
	if x, h := xcache("/p"); x != "Miss from hookfront" || h.Get("X-V") != "2" {
		t.Fatalf("after an origin helper changed: %s x-v=%s", x, h.Get("X-V"))
	}
	// A file required only inside the handler, only for /lazy.
	fill()
	save("lib/lazy.js", `exports.v = 'b';`)
	if x, h := xcache("/lazy"); x != "Miss from hookfront" || h.Get("X-Lazy") != "b" {
		t.Fatalf("after a lazily required helper changed: %s x-lazy=%s", x, h.Get("X-Lazy"))
	}
	// A new origin hook (the case: invisible on cached paths until a restart).
	fill()
	save("origin-request.js", `exports.handler = async (e) => { const r = e.Records[0].cf.request; r.headers['x-new'] = [{value: '1'}]; return r; };`)
	if x, _ := xcache("/p"); x != "Miss from hookfront" {
		t.Fatalf("after binding a new origin hook: %s", x)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}

// With a config file the cache survives reloads (CloudFront keeps its cache across deployments)
// unless watch.invalidate_on_reload says otherwise; cache.enabled: false and --no-cache turn the
// cache off; a viewer's Cache-Control: no-cache is ignored, as CloudFront ignores it.
func TestCacheControlsForDevelopment(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=600")
		fmt.Fprint(w, "o")
	}))
	defer o.Close()
	dir := t.TempDir()
	writeFile(t, dir, "hooks/ores.js", `exports.handler = async (e) => e.Records[0].cf.response; // v1`)
	cfgText := func(extra string) string {
		return fmt.Sprintf(`hooks_dir: hooks
watch: {debounce: 20ms%s}
origins: [{id: o, url: %q}]
behaviors: [{path_pattern: "*", target: o, hooks: {origin-response: ores.js}}]
`, extra, o.URL)
	}
	cfg := writeFile(t, dir, "hookfront.yaml", cfgText(""))
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	base := "http://" + p.addr
	fetch(t, "GET", base+"/x")
	if resp, _ := fetch(t, "GET", base+"/x"); resp.Header.Get("X-Cache") != "Hit from hookfront" {
		t.Fatal("not cached")
	}
	req, _ := http.NewRequest("GET", base+"/x", nil)
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("Pragma", "no-cache")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.Header.Get("X-Cache") != "Hit from hookfront" {
		t.Fatalf("a viewer's no-cache bypassed the cache: %v", err)
	}
	writeFile(t, dir, "hooks/ores.js", `exports.handler = async (e) => e.Records[0].cf.response; // v2`)
	p.waitLog(t, `msg="hooks reloaded" generation=2`)
	if resp, _ := fetch(t, "GET", base+"/x"); resp.Header.Get("X-Cache") != "Hit from hookfront" {
		t.Fatal("a reload emptied the cache without watch.invalidate_on_reload")
	}
	// Turned on in the config, the next origin-code change empties it. (The config reload
	// itself rebuilds the hooks, which empties it already: nothing tells what the new hooks share
	// with the old.)
	writeFile(t, dir, "hookfront.yaml", cfgText(", invalidate_on_reload: true"))
	p.waitLog(t, `msg="config reloaded"`)
	p.waitLog(t, "cache emptied")
	fetch(t, "GET", base+"/x")
	if resp, _ := fetch(t, "GET", base+"/x"); resp.Header.Get("X-Cache") != "Hit from hookfront" {
		t.Fatal("not cached again")
	}
	writeFile(t, dir, "hooks/ores.js", `exports.handler = async (e) => e.Records[0].cf.response; // v3`)
	p.waitLogCount(t, "cache emptied", 2)
	if resp, _ := fetch(t, "GET", base+"/x"); resp.Header.Get("X-Cache") != "Miss from hookfront" {
		t.Fatal("watch.invalidate_on_reload did not empty the cache")
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{
		{"serve", "--origin", o.URL, "--listen", "127.0.0.1:0", "--no-cache"},
		{"serve", "--config", writeFile(t, dir, "off.yaml", fmt.Sprintf("origins: [{id: o, url: %q}]\nbehaviors: [{path_pattern: '*', target: o}]\ncache: {enabled: false}\n", o.URL)), "--listen", "127.0.0.1:0"},
	} {
		p := start(t, args...)
		fetch(t, "GET", "http://"+p.addr+"/x")
		if resp, _ := fetch(t, "GET", "http://"+p.addr+"/x"); resp.Header.Get("X-Cache") != "Miss from hookfront" {
			t.Fatalf("%v: the cache is on: %s", args, resp.Header.Get("X-Cache"))
		}
		if err := p.stop(t); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDemoPrintsTheInspector(t *testing.T) {
	p, admin := startWithAdmin(t, "demo", "--listen", "127.0.0.1:0")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.out(), "Inspector: "+admin+"/") {
		if time.Now().After(deadline) {
			t.Fatalf("the demo does not print the inspector:\n%s", p.out())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if status, _, b := call(t, "GET", admin+"/", ""); status != 200 || !strings.Contains(string(b), "hookfront inspector") {
		t.Fatalf("inspector: %d", status)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}

// TestFunctionCallsAreTraced: a CloudFront Function appears in the trace as a "function" step
// with its file, runtime, compute utilization, console lines, origin helpers and, with
// trace: full, the event in and the result out; a failing function's step says where it failed.
func TestFunctionCallsAreTraced(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "origin "+r.URL.Path)
	}))
	defer origin.Close()
	dir := t.TempDir()
	writeFile(t, dir, "functions/viewer-request.js", `import cf from 'cloudfront';
async function handler(event) {
  const r = event.request;
  console.log('function sees ' + r.uri);
  if (r.uri === '/boom') { throw new Error('boom'); }
  r.headers['x-fn'] = {value: 'yes'};
  cf.updateRequestOrigin({timeouts: {readTimeout: 20}});
  return r;
}`)
	p, admin := startWithAdmin(t, "serve", "--origin", origin.URL, "--hooks", dir, "--listen", "127.0.0.1:0")
	edgeURL := "http://" + p.addr

	resp, _ := fetch(t, "GET", edgeURL+"/a")
	tr := waitTrace(t, admin, resp.Header.Get("X-Hookfront-Request-Id"))
	fs := stepsOf(tr, "function")
	if len(fs) != 1 || len(stepsOf(tr, "hook")) != 0 {
		t.Fatalf("want one function step and no hook step: %v", tr.Steps)
	}
	f := fs[0]
	if f["trigger"] != "viewer-request" || f["file"] != "functions/viewer-request.js" || f["runtime"] != "cloudfront-js-2.0" ||
		f["compute_utilization"] == nil || f["changed"] != true ||
		!strings.Contains(fmt.Sprint(f["console"]), "function sees /a") ||
		!strings.Contains(fmt.Sprint(f["origin_calls"]), "cf.updateRequestOrigin at functions/viewer-request.js:7:") {
		t.Fatalf("function step: %v", f)
	}
	ev, _ := json.Marshal(f["event"])
	res, _ := json.Marshal(f["result"])
	if !strings.Contains(string(ev), `"uri":"/a"`) || strings.Contains(string(ev), "x-fn") || !strings.Contains(string(res), `"x-fn":{"value":"yes"}`) {
		t.Fatalf("event %s\nresult %s", ev, res)
	}
	if _, _, b := call(t, "GET", admin+"/api/requests?limit=1", ""); !strings.Contains(string(b), `"function":true`) {
		t.Fatalf("the summary does not mark the function: %s", b)
	}

	resp, _ = fetch(t, "GET", edgeURL+"/boom")
	if resp.StatusCode != 503 {
		t.Fatalf("/boom: %d", resp.StatusCode)
	}
	tr = waitTrace(t, admin, resp.Header.Get("X-Hookfront-Request-Id"))
	f = stepsOf(tr, "function")[0]
	e, _ := f["error"].(map[string]any)
	if f["outcome"] != "error" || e["class"] != "FunctionExecutionError" || e["file"] != "functions/viewer-request.js" || e["line"] != 5.0 {
		t.Fatalf("failed function step: %v", f)
	}
}
