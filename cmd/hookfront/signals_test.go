package main

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// slowStart starts serve with a hook whose module takes a second to load, so that start-up is
// under way for that long after the admin listener said where it is, and calls early(cmd) when
// it has. It returns the process's log once it has ended, and how it ended; the process is
// sent SIGTERM once it listens.
func slowStart(t *testing.T, early func(*exec.Cmd)) (string, error) {
	t.Helper()
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "o") }))
	defer o.Close()
	dir := t.TempDir()
	writeFile(t, dir, "hooks/viewer-request.js", `const end = Date.now() + 1000; while (Date.now() < end) {}
exports.handler = async (e) => e.Records[0].cf.request;`)
	cmd := exec.Command(binary, "serve", "--origin", o.URL, "--hooks", dir+"/hooks", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0")
	errPipe, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var log strings.Builder
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return log.String(), cmd.Wait()
			}
			log.WriteString(line + "\n")
			switch {
			case strings.Contains(line, `msg="admin listener"`):
				if strings.Contains(log.String(), "hooks loaded") {
					t.Fatal("the hooks loaded before the admin listener: the test proves nothing")
				}
				early(cmd)
			case strings.Contains(line, "msg=listening"):
				_ = cmd.Process.Signal(syscall.SIGTERM)
			}
		case <-timeout:
			t.Fatalf("hookfront did not end within 30s:\n%s", log.String())
		}
	}
}

// TestSignalsDuringStartUpDoNotKill: SIGHUP (systemd's reload, a config tool) and SIGUSR1
// (logrotate's postrotate) may come while the edge is still starting — loading its hooks takes a
// while. Their default action is to end the process: the edge must have taken them over before.
func TestSignalsDuringStartUpDoNotKill(t *testing.T) {
	log, err := slowStart(t, func(cmd *exec.Cmd) {
		_ = cmd.Process.Signal(syscall.SIGHUP)
		_ = cmd.Process.Signal(syscall.SIGUSR1)
	})
	if err != nil || !strings.Contains(log, "msg=listening") {
		t.Fatalf("after SIGHUP and SIGUSR1 during start-up: %v\n%s", err, log)
	}
}

// TestSIGTERMDuringStartUpNeverListens: an edge told to stop while it starts (a rollout that
// moved on) finishes loading, then stops, exit 0, without listening or calling itself ready in
// between: /readyz is 503 from the moment SIGTERM arrives.
func TestSIGTERMDuringStartUpNeverListens(t *testing.T) {
	log, err := slowStart(t, func(cmd *exec.Cmd) { _ = cmd.Process.Signal(syscall.SIGTERM) })
	if err != nil || strings.Contains(log, "msg=listening") || !strings.Contains(log, "msg=stopped") {
		t.Fatalf("after SIGTERM during start-up: %v\n%s", err, log)
	}
}
