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

// TestSignalsDuringStartUpDoNotKill: SIGHUP (systemd's reload, a config tool) and SIGUSR1
// (logrotate's postrotate) may come while the edge is still starting — loading its hooks takes a
// while. Their default action is to end the process: the edge must have taken them over before.
func TestSignalsDuringStartUpDoNotKill(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "o") }))
	defer o.Close()
	dir := t.TempDir()
	// A hook whose module takes a second to load: start-up is under way for that long after the
	// admin listener said where it is.
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
	for signalled := false; ; {
		select {
		case line, ok := <-lines:
			if !ok {
				err := cmd.Wait()
				t.Fatalf("hookfront ended during start-up (%v):\n%s", err, log.String())
			}
			log.WriteString(line + "\n")
			if strings.Contains(line, "msg=\"admin listener\"") && !signalled {
				if strings.Contains(line, "hooks loaded") {
					t.Fatal("the hooks loaded before the admin listener: the test proves nothing")
				}
				_ = cmd.Process.Signal(syscall.SIGHUP)
				_ = cmd.Process.Signal(syscall.SIGUSR1)
				signalled = true
			}
			if strings.Contains(line, "msg=listening") {
				if !signalled || !strings.Contains(log.String(), "hooks loaded") {
					t.Fatalf("listening before the signals were sent during start-up:\n%s", log.String())
				}
				_ = cmd.Process.Signal(syscall.SIGTERM)
				for line := range lines {
					log.WriteString(line + "\n")
				}
				if err := cmd.Wait(); err != nil {
					t.Fatalf("exit after SIGTERM: %v\n%s", err, log.String())
				}
				return
			}
		case <-timeout:
			t.Fatalf("hookfront did not listen within 30s:\n%s", log.String())
		}
	}
}
