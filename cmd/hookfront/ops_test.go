package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readyStatus is /readyz's answer.
func readyStatus(t *testing.T, admin string) (int, string) {
	t.Helper()
	code, _, body := call(t, "GET", admin+"/readyz", "")
	var v struct{ Status string }
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("/readyz: %v: %s", err, body)
	}
	return code, v.Status
}

// /readyz is 503 while the first hooks generation loads, 200 while serving, and 503 again from
// the moment SIGTERM arrives, while a slow request keeps the drain open; /healthz is 200 all the
// while. Through the real binary and real signals.
func TestReadinessThroughStartAndDrain(t *testing.T) {
	slowStarted, release := make(chan struct{}), make(chan struct{})
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(slowStarted)
			<-release
		}
		fmt.Fprint(w, "done")
	}))
	defer o.Close()
	dir := t.TempDir()
	// A hook whose module takes a while to load keeps the edge starting.
	writeFile(t, dir, "hooks/viewer-request.js", "const t0 = Date.now(); while (Date.now() - t0 < 1500) {}\nexports.handler = async (e) => e.Records[0].cf.request;\n")
	cmd := exec.Command(binary, "serve", "--origin", o.URL, "--hooks", filepath.Join(dir, "hooks"), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine := func(re *regexp.Regexp) []string {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("hookfront exited before logging %v", re)
				}
				if m := re.FindStringSubmatch(l); m != nil {
					return m
				}
			case <-timeout:
				t.Fatalf("no %v within 30s", re)
			}
		}
	}
	admin := waitLine(adminURL)[1]
	if code, st := readyStatus(t, admin); code != 503 || st != "starting" {
		t.Fatalf("while the hooks load: /readyz %d %q", code, st)
	}
	if code, _, _ := call(t, "GET", admin+"/healthz", ""); code != 200 {
		t.Fatalf("/healthz while starting: %d", code)
	}
	addr := waitLine(listening)[1]
	if code, st := readyStatus(t, admin); code != 200 || st != "ready" {
		t.Fatalf("serving: /readyz %d %q", code, st)
	}

	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		defer resp.Body.Close()
		b := make([]byte, 4)
		n, _ := resp.Body.Read(b)
		slow <- string(b[:n])
	}()
	<-slowStarted
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, st := readyStatus(t, admin)
		if code == 503 && st == "draining" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz after SIGTERM: %d %q", code, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case b := <-slow:
		t.Fatalf("the drain ended before /readyz said draining: %q", b)
	default: // still in flight: the drain is open while /readyz says 503
	}
	if code, _, _ := call(t, "GET", admin+"/healthz", ""); code != 200 {
		t.Fatalf("/healthz while draining: %d", code)
	}
	close(release)
	if b := <-slow; b != "done" {
		t.Fatalf("in-flight request: %q", b)
	}
	go func() {
		for range lines {
		}
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
}

// Origin health end to end: the ejection shows in the access log, /api/health, traces and
// /metrics, and survives a config reload.
func TestOriginHealthEndToEnd(t *testing.T) {
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer primary.Close()
	secondary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secondary") }))
	defer secondary.Close()
	dir := t.TempDir()
	body := fmt.Sprintf(`origins:
  - {id: p, url: %q, connection_attempts: 1}
  - {id: s, url: %q}
origin_groups:
  - id: g
    primary: p
    secondary: s
    health: {passive: {failures: 1, window: 1m, eject_for: 1h}}
cache: {enabled: false}
behaviors:
  - {path_pattern: "*", target: g}
`, primary.URL, secondary.URL)
	cfg := writeFile(t, dir, "hookfront.yaml", body)
	p, admin := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	base := "http://" + p.addr
	fetch(t, "GET", base+"/one")
	p.waitLog(t, `attempts="p 503`)
	resp, b := fetch(t, "GET", base+"/two")
	if b != "secondary" {
		t.Fatalf("%q", b)
	}
	p.waitLog(t, `attempts="p skipped: ejected, s 200`)

	var health struct {
		Origins []struct {
			Origin  string
			Groups  []string
			Passive bool
			Classes map[string]struct {
				Healthy   bool
				State     string
				Reason    string
				Ejections int
			}
		}
	}
	getJSON(t, admin+"/api/health", 200, &health)
	if len(health.Origins) != 2 || health.Origins[0].Origin != "p" || !health.Origins[0].Passive {
		t.Fatalf("/api/health: %+v", health)
	}
	reads := health.Origins[0].Classes["reads"]
	if reads.Healthy || reads.State != "ejected" || reads.Ejections != 1 || !strings.Contains(reads.Reason, "status 503") ||
		health.Origins[0].Classes["writes"].State != "healthy" {
		t.Fatalf("/api/health p: %+v", health.Origins[0])
	}
	tr := waitTrace(t, admin, resp.Header.Get("X-Hookfront-Request-Id"))
	atts := stepsOf(tr, "attempt")
	if len(atts) != 2 || atts[0]["skipped"] != "ejected" || atts[0]["error"] != "skipped: ejected" || atts[0]["group"] != "g" {
		t.Fatalf("trace attempts: %v", atts)
	}
	fams := scrape(t, admin)
	if value(fams, "hookfront_origin_healthy", "class=reads", "origin=p") != 0 || value(fams, "hookfront_origin_healthy", "class=writes", "origin=p") != 1 ||
		value(fams, "hookfront_failovers_total", "group=g", "reason=ejected") != 1 || value(fams, "hookfront_origin_ejections_total", "class=reads", "origin=p") != 1 {
		t.Fatalf("metrics: healthy %v/%v, ejected failovers %v", value(fams, "hookfront_origin_healthy", "class=reads", "origin=p"),
			value(fams, "hookfront_origin_healthy", "class=writes", "origin=p"), value(fams, "hookfront_failovers_total", "group=g", "reason=ejected"))
	}

	// A config reload keeps the state of members that are still there.
	writeFile(t, dir, "hookfront.yaml", body+"domain_name: reloaded.example\n")
	p.waitLog(t, "config reloaded")
	getJSON(t, admin+"/api/health", 200, &health)
	if st := health.Origins[0].Classes["reads"]; st.State != "ejected" || st.Ejections != 1 {
		t.Fatalf("after a config reload: %+v", st)
	}
	fetch(t, "GET", base+"/three")
	p.waitLogCount(t, `attempts="p skipped: ejected, s 200`, 2)
}

// server.shutdown_delay: after SIGTERM the edge keeps serving new requests while /readyz
// already says 503, then drains and exits 0.
func TestShutdownDelayKeepsServing(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer o.Close()
	dir := t.TempDir()
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf("origins: [{id: o, url: %q}]\nbehaviors: [{path_pattern: '*', target: o}]\nserver: {shutdown_delay: 3s}\n", o.URL))
	p, admin := startWithAdmin(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, st := readyStatus(t, admin); code == 503 && st == "draining" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz never said draining")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if resp, body := fetch(t, "GET", "http://"+p.addr+"/new"); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("a new request during the shutdown delay: %d %q", resp.StatusCode, body)
	}
	p.waitLog(t, "still serving for the shutdown delay")
	if err := p.stop(t); err != nil {
		t.Fatalf("exit: %v", err)
	}
}
