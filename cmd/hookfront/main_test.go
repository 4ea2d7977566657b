package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the hookfront binary built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hookfront-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "hookfront")
	if out, err := exec.Command("go", "build", "-race", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building hookfront: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running hookfront process.
type proc struct {
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	stderr strings.Builder
	stdout strings.Builder
	done   chan error
}

var listening = regexp.MustCompile(`(?:msg=listening addr=|"msg":"listening","addr":")http://([0-9.:\[\]]+)`)

// start runs hookfront with args and waits (with a deadline) until it listens. Without an
// --admin flag the admin listener is off: tests never take the fixed default port.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	if !slices.Contains(args, "--admin") {
		args = append(args, "--admin", "off")
	}
	return startCmd(t, exec.Command(binary, args...))
}

// startCmd starts cmd, a hookfront command, and waits (with a deadline) until it listens.
func startCmd(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{cmd: cmd, done: make(chan error, 1)}
	errPipe, _ := p.cmd.StderrPipe()
	p.cmd.Stdout = &lockedWriter{p: p, b: &p.stdout}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(errPipe)
		sc.Buffer(make([]byte, 64<<10), 64<<20) // a hook may print a long line
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listening.FindStringSubmatch(line); m != nil {
				addrc <- m[1]
			}
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
		}
	})
	select {
	case p.addr = <-addrc:
	case err := <-p.done:
		t.Fatalf("hookfront exited before listening: %v\n%s", err, p.logs())
	case <-time.After(20 * time.Second):
		t.Fatalf("hookfront did not listen within 20s\n%s", p.logs())
	}
	return p
}

type lockedWriter struct {
	p *proc
	b *strings.Builder
}

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.b.Write(b)
}

func (p *proc) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// waitLog waits (bounded) until the process has logged want.
func (p *proc) waitLog(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.logs(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log within 10s:\n%s", want, p.logs())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitLogCount waits (bounded) until the process has logged want n times.
func (p *proc) waitLogCount(t *testing.T, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(p.logs(), want) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%q not %d times in the log within 10s:\n%s", want, n, p.logs())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (p *proc) out() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

// stop sends SIGTERM and returns the exit error (nil for exit 0).
func (p *proc) stop(t *testing.T) error {
	t.Helper()
	return p.stopWith(t, syscall.SIGTERM)
}

// stopWith sends sig and returns the exit error (nil for exit 0).
func (p *proc) stopWith(t *testing.T, sig os.Signal) error {
	t.Helper()
	_ = p.cmd.Process.Signal(sig)
	select {
	case err := <-p.done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("hookfront did not stop within 20s\n%s", p.logs())
		return nil
	}
}

func fetch(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestServeWithConfigFailsOverAndDrainsOnSIGTERM(t *testing.T) {
	slowStarted, release := make(chan struct{}), make(chan struct{})
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(slowStarted)
			<-release // in flight until the shutdown has begun
			fmt.Fprint(w, "slow done")
			return
		}
		w.WriteHeader(503)
	}))
	defer primary.Close()
	secondary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secondary")
	}))
	defer secondary.Close()
	dir := t.TempDir()
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf(`
origins:
  - {id: p, url: %q, connection_attempts: 1}
  - {id: s, url: %q}
origin_groups:
  - {id: g, primary: p, secondary: s}
behaviors:
  - {path_pattern: "*", target: g}
`, primary.URL, secondary.URL))
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	resp, body := fetch(t, "GET", "http://"+p.addr+"/x")
	if resp.StatusCode != 200 || body != "secondary" || resp.Header.Get("X-Cache") != "Miss from hookfront" {
		t.Fatalf("%d %q %v", resp.StatusCode, body, resp.Header)
	}
	// The access log line names every attempt and why the next member was tried.
	p.waitLog(t, `attempts="p 503`)
	p.waitLog(t, "(failover: status 503), s 200")

	slow := make(chan string, 1)
	go func() {
		_, b := fetch(t, "GET", "http://"+p.addr+"/slow")
		slow <- b
	}()
	<-slowStarted
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(p.logs(), "shutting down") {
		if time.Now().After(deadline) {
			t.Fatalf("no shutdown after SIGTERM:\n%s", p.logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	if err := p.stop(t); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.logs())
	}
	if b := <-slow; b != "slow done" {
		t.Fatalf("in-flight request cut off: %q", b)
	}
}

func TestServeZeroConfig(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "hi")
	}))
	defer o.Close()
	p := start(t, "serve", "--origin", o.URL, "--listen", "127.0.0.1:0", "--log-format", "json")
	fetch(t, "GET", "http://"+p.addr+"/")
	resp, body := fetch(t, "GET", "http://"+p.addr+"/")
	if body != "hi" || resp.Header.Get("X-Cache") != "Hit from hookfront" {
		t.Fatalf("%q %v", body, resp.Header)
	}
	p.waitLog(t, `"msg":"request"`)
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}

func runBinary(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", "origins:\n  - {id: a, url: 'http://127.0.0.1:9'}\nbehaviors:\n  - {path_pattern: '*', target: a}\n")
	out, _, code := runBinary(t, "validate", "--config", good)
	if code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("good config: exit %d, %q", code, out)
	}
	bad := writeFile(t, dir, "bad.yaml", "origins:\n  - id: a\n    url: http://127.0.0.1:9\n    connection_attempts: 7\n    colour: red\nbehaviors:\n  - {path_pattern: '*', target: b}\n")
	_, errOut, code := runBinary(t, "validate", "--config", bad)
	if code != 1 {
		t.Fatalf("bad config: exit %d", code)
	}
	// An unknown field does not hide the other problems.
	for _, want := range []string{bad + `:5: unknown field "colour"`, bad + ":4: origins[0].connection_attempts: 7 is out of range", bad + `:7: behaviors[0].target: "b" is not an origin`, "3 problem(s)"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("validate output lacks %q:\n%s", want, errOut)
		}
	}
	bad2 := writeFile(t, dir, "bad2.yaml", "origins:\n  - id: a\n    url: http://127.0.0.1:9\n    connection_attempts: 7\nbehaviors:\n  - {path_pattern: '*', target: b}\n")
	// serve refuses to start on the same config, naming file and line.
	_, errOut, code = runBinary(t, "serve", "--config", bad2, "--admin", "off")
	if code != 1 || !strings.Contains(errOut, bad2+":4:") {
		t.Fatalf("serve with a bad config: exit %d\n%s", code, errOut)
	}
}

func TestDemoSmoke(t *testing.T) {
	tmp := t.TempDir()
	cmd := exec.Command(binary, "demo", "--listen", "127.0.0.1:0", "--admin", "off")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	p := startCmd(t, cmd)
	base := "http://" + p.addr
	check := func(path string, status int, xcache, bodyHas string) {
		t.Helper()
		resp, body := fetch(t, "GET", base+path)
		if resp.StatusCode != status || resp.Header.Get("X-Cache") != xcache || !strings.Contains(body, bodyHas) {
			t.Errorf("%s: %d %q %q", path, resp.StatusCode, resp.Header.Get("X-Cache"), body)
		}
	}
	check("/hello", 200, "Miss from hookfront", "primary")
	check("/hello", 200, "Hit from hookfront", "primary")
	check("/flaky/x", 200, "Miss from hookfront", "secondary")
	check("/missing", 404, "Error from hookfront", "primary's")
	check("/down/x", 503, "Error from hookfront", "via page_path")
	for _, want := range []string{"curl -i " + base + "/flaky/page", "/missing", "/down/page"} {
		if !strings.Contains(p.out(), want) {
			t.Errorf("demo help lacks %q:\n%s", want, p.out())
		}
	}
	// Ctrl-C is a clean stop (exit 0), and the demo's temporary folder goes with it.
	if err := p.stopWith(t, os.Interrupt); err != nil {
		t.Fatalf("exit after SIGINT: %v\n%s", err, p.logs())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("the demo left %v in its temporary folder", left)
	}
}

func TestUsageErrors(t *testing.T) {
	if _, errOut, code := runBinary(t, "serve"); code != 2 || !strings.Contains(errOut, "--config") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, _, code := runBinary(t, "frobnicate"); code != 2 {
		t.Fatalf("exit %d", code)
	}
	if out, _, code := runBinary(t, "version"); code != 0 || !strings.HasPrefix(out, "hookfront ") {
		t.Fatalf("version: %d %q", code, out)
	}
}

func TestServeZeroConfigHooksFireOnEveryAttempt(t *testing.T) {
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer primary.Close()
	secondary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			w.WriteHeader(404)
			return
		}
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprint(w, "secondary "+r.Header.Get("X-Attempt"))
	}))
	defer secondary.Close()
	dir := t.TempDir()
	writeFile(t, dir, "origin-request.js", `exports.handler = async (e) => { const r = e.Records[0].cf.request;
		console.log('OREQ port=' + r.origin.custom.port);
		r.headers['x-attempt'] = [{value: String(r.origin.custom.port)}]; return r; };`)
	writeFile(t, dir, "origin-response.ts", `export const handler = async (e: any) => { const c = e.Records[0].cf;
		console.log('ORES status=' + c.response.status); return c.response; };`)
	writeFile(t, dir, "viewer-request.js", `exports.handler = (e, c, cb) => { console.log('VREQ'); cb(null, e.Records[0].cf.request); };`)
	writeFile(t, dir, "viewer-response.js", `exports.handler = async (e) => { const r = e.Records[0].cf.response;
		r.headers['x-vres'] = [{value: 'yes'}]; return r; };`)
	writeFile(t, dir, "lib/unused.js", `module.exports = 1;`)
	p := start(t, "serve", "--origin", primary.URL, "--secondary", secondary.URL, "--hooks", dir, "--listen", "127.0.0.1:0")
	resp, body := fetch(t, "GET", "http://"+p.addr+"/a")
	sport := secondary.URL[strings.LastIndex(secondary.URL, ":")+1:]
	pport := primary.URL[strings.LastIndex(primary.URL, ":")+1:]
	if body != "secondary "+sport || resp.Header.Get("X-Vres") != "yes" {
		t.Fatalf("%q %v", body, resp.Header)
	}
	for _, want := range []string{"OREQ port=" + pport, "ORES status=503", "OREQ port=" + sport, "ORES status=200", `msg=request id=`} {
		p.waitLog(t, want)
	}
	// A hit: viewer hooks run, origin hooks do not.
	before := strings.Count(p.logs(), "OREQ")
	resp, _ = fetch(t, "GET", "http://"+p.addr+"/a")
	p.waitLog(t, `x_cache="Hit from hookfront"`)
	if resp.Header.Get("X-Cache") != "Hit from hookfront" || resp.Header.Get("X-Vres") != "yes" {
		t.Fatalf("hit: %v", resp.Header)
	}
	if strings.Count(p.logs(), "OREQ") != before || strings.Count(p.logs(), "VREQ") != 2 {
		t.Fatalf("hooks on a hit:\n%s", p.logs())
	}
	// viewer-response does not run for a status of 400 or more.
	if resp, _ := fetch(t, "GET", "http://"+p.addr+"/missing"); resp.StatusCode != 404 || resp.Header.Get("X-Vres") != "" {
		t.Fatalf("404: %d %v", resp.StatusCode, resp.Header)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestBrokenHookRefusesStartAndValidateNamesIt(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "hooks/auth.js", "exports.handler = async (e) => {\n  return e.Records[0].cf.request\n  const = 1;\n};\n")
	writeFile(t, dir, "hooks/nohandler.js", "exports.main = () => 1;\n")
	cfg := writeFile(t, dir, "hookfront.yaml", `hooks_dir: hooks
origins: [{id: a, url: "http://127.0.0.1:9"}]
behaviors:
  - path_pattern: "*"
    target: a
    hooks: {viewer-request: auth.js, origin-request: nohandler.js}
`)
	_, errOut, code := runBinary(t, "validate", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, filepath.Join(dir, "hooks", "auth.js")+":3:9: SyntaxError") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	_, errOut, code = runBinary(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--admin", "off")
	if code != 1 || !strings.Contains(errOut, "auth.js:3:9") {
		t.Fatalf("serve with a broken hook: exit %d:\n%s", code, errOut)
	}
	writeFile(t, dir, "hooks/auth.js", "exports.handler = async (e) => e.Records[0].cf.request;\n")
	_, errOut, code = runBinary(t, "validate", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, `nohandler.js: the file does not export "handler"`) {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
}

const viewerRequestEvent = `{"Records":[{"cf":{"config":{"distributionDomainName":"d111111abcdef8.cloudfront.net","distributionId":"EDFDVBD6EXAMPLE","eventType":"viewer-request","requestId":"4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="},
 "request":{"clientIp":"203.0.113.178","headers":{"host":[{"key":"Host","value":"d111111abcdef8.cloudfront.net"}],"user-agent":[{"key":"User-Agent","value":"curl/7.66.0"}]},"method":"GET","querystring":"","uri":"/"}}}]}`

func TestInvoke(t *testing.T) {
	dir := t.TempDir()
	ev := writeFile(t, dir, "event.json", viewerRequestEvent)
	ctx := writeFile(t, dir, "context.json", `{"functionName": "my-fn"}`)
	writeFile(t, dir, "lib/greet.js", `exports.greeting = 'hi';`)
	hook := writeFile(t, dir, "gen.js", `const {greeting} = require('./lib/greet');
exports.handler = async (event, context) => ({status: 200, statusDescription: 'OK',
  headers: {'Content-Type': [{key: 'Content-Type', value: 'text/plain'}]}, body: greeting + ' ' + context.functionName});`)
	out, errOut, code := runBinary(t, "invoke", hook, "--event", ev, "--context", ctx)
	want := "{\n  \"status\": 200,\n  \"statusDescription\": \"OK\",\n  \"headers\": {\n    \"Content-Type\": [\n      {\n        \"key\": \"Content-Type\",\n        \"value\": \"text/plain\"\n      }\n    ]\n  },\n  \"body\": \"hi my-fn\"\n}\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// The result is printed as the handler returned it; what CloudFront would reject is said on stderr.
	bad := writeFile(t, dir, "bad.js", `exports.handler = async (e) => { const r = e.Records[0].cf.request; r.headers.host = [{value: 'x'}]; return r; };`)
	out, errOut, code = runBinary(t, "invoke", bad, "--event", ev)
	if code != 0 || !strings.Contains(out, `"value": "x"`) || !strings.Contains(errOut, "read-only header host") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	throws := writeFile(t, dir, "throws.js", "exports.handler = async () => {\n  throw new Error('nope');\n};")
	out, errOut, code = runBinary(t, "invoke", throws, "--event", ev)
	if code != 1 || out != "" || !strings.Contains(errOut, filepath.Join(dir, "throws.js")+":2:9: Error: nope") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// waitBody polls url until its body is want (bounded).
func waitBody(t *testing.T, url, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, body := fetch(t, "GET", url)
		if body == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s answers %q, want %q", url, body, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHotReloadOfHooksAndConfig(t *testing.T) {
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "A") }))
	defer a.Close()
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "B") }))
	defer b.Close()
	dir := t.TempDir()
	writeFile(t, dir, "hooks/vr.js", `exports.handler = async (e) => { const r = e.Records[0].cf.request; if (r.uri === '/hook') return {status: '200', body: 'hook v1'}; return r; };`)
	cfgText := func(target, hook string) string {
		return fmt.Sprintf(`hooks_dir: hooks
watch: {debounce: 20ms}
origins:
  - {id: a, url: %q}
  - {id: b, url: %q}
behaviors:
  - path_pattern: "*"
    target: %s
    ttl: {default: 0s}
    hooks: {viewer-request: %s}
`, a.URL, b.URL, target, hook)
	}
	cfg := writeFile(t, dir, "hookfront.yaml", cfgText("a", "vr.js"))
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	base := "http://" + p.addr
	waitBody(t, base+"/hook", "hook v1")
	waitBody(t, base+"/x", "A")

	// Saving a hook file: the next requests run the new code.
	writeFile(t, dir, "hooks/vr.js", `exports.handler = async (e) => { const r = e.Records[0].cf.request; if (r.uri === '/hook') return {status: '200', body: 'hook v2'}; return r; };`)
	waitBody(t, base+"/hook", "hook v2")
	p.waitLog(t, `msg="hooks reloaded" generation=2 files=[vr.js]`)

	// A broken hook is refused with file:line:col; v2 keeps serving.
	writeFile(t, dir, "hooks/vr.js", "exports.handler = async (e) => {\n  return e.;\n};\n")
	p.waitLog(t, "vr.js:2:")
	waitBody(t, base+"/hook", "hook v2")

	// A config change swaps the target.
	writeFile(t, dir, "hooks/vr.js", `exports.handler = async (e) => e.Records[0].cf.request;`)
	writeFile(t, dir, "hookfront.yaml", cfgText("b", "vr.js"))
	waitBody(t, base+"/x", "B")
	p.waitLog(t, `msg="config reloaded" why="file changed"`)

	// An invalid config is refused with file:line; the running one stays.
	writeFile(t, dir, "hookfront.yaml", cfgText("nope", "vr.js"))
	p.waitLog(t, cfg+`:8: behaviors[0].target: \"nope\" is not an origin`)
	waitBody(t, base+"/x", "B")

	// SIGHUP reloads too.
	writeFile(t, dir, "hookfront.yaml", cfgText("a", "vr.js"))
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	waitBody(t, base+"/x", "A")
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}
