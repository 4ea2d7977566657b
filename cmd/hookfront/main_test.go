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

// start runs hookfront with args and waits (with a deadline) until it listens.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary, args...), done: make(chan error, 1)}
	errPipe, _ := p.cmd.StderrPipe()
	p.cmd.Stdout = &lockedWriter{p: p, b: &p.stdout}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(errPipe)
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

func (p *proc) out() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

// stop sends SIGTERM and returns the exit error (nil for exit 0).
func (p *proc) stop(t *testing.T) error {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
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
	if !strings.Contains(p.logs(), `attempts="p 503`) || !strings.Contains(p.logs(), "(failover: status 503), s 200") {
		t.Fatalf("access log lacks the attempts:\n%s", p.logs())
	}

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
	if !strings.Contains(p.logs(), `"msg":"request"`) {
		t.Fatalf("json access log missing:\n%s", p.logs())
	}
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
	for _, want := range []string{bad + `:5: unknown field "colour"`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("validate output lacks %q:\n%s", want, errOut)
		}
	}
	// Unknown fields stop decoding's semantic checks; fix that one and the rest show up.
	bad2 := writeFile(t, dir, "bad2.yaml", "origins:\n  - id: a\n    url: http://127.0.0.1:9\n    connection_attempts: 7\nbehaviors:\n  - {path_pattern: '*', target: b}\n")
	_, errOut, code = runBinary(t, "validate", "--config", bad2)
	for _, want := range []string{bad2 + ":4: origins[0].connection_attempts: 7 is out of range", bad2 + `:6: behaviors[0].target: "b" is not an origin`, "2 problem(s)"} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("exit %d; validate output lacks %q:\n%s", code, want, errOut)
		}
	}
	// serve refuses to start on the same config, naming file and line.
	_, errOut, code = runBinary(t, "serve", "--config", bad2)
	if code != 1 || !strings.Contains(errOut, bad2+":4:") {
		t.Fatalf("serve with a bad config: exit %d\n%s", code, errOut)
	}
}

func TestDemoSmoke(t *testing.T) {
	p := start(t, "demo", "--listen", "127.0.0.1:0")
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
	if err := p.stop(t); err != nil {
		t.Fatal(err)
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
