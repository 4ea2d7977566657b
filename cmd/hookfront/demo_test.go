package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestDemoRemovesItsTemporaryFolderButKeepsDir(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	r := runBackground(t, "demo", "--listen", "127.0.0.1:0")
	r.out.wait(t, "hookfront demo is running")
	made, _ := filepath.Glob(filepath.Join(tmp, "hookfront-demo-*", "hookfront.yaml"))
	if len(made) != 1 || !strings.Contains(r.out.String(), filepath.Dir(made[0])) {
		t.Fatalf("demo folder %v; help:\n%s", made, r.out.String())
	}
	if code := r.exit(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.err.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("the demo left %v behind", left)
	}

	// A folder given with --dir is the user's: it stays.
	dir := filepath.Join(t.TempDir(), "mine")
	r = runBackground(t, "demo", "--listen", "127.0.0.1:0", "--dir", dir)
	r.out.wait(t, "hookfront demo is running")
	if code := r.exit(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.err.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "hookfront.yaml")); err != nil {
		t.Fatalf("--dir folder not kept: %v", err)
	}
}

// TestMakeDemoStopsCleanlyOnCtrlC runs `make demo` as a terminal would and presses Ctrl-C (SIGINT
// to the whole process group): the demo stops with exit 0 and make reports no error.
func TestMakeDemoStopsCleanlyOnCtrlC(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is not installed (.ci/run installs it): the README's first command is make demo")
	}
	root, _ := filepath.Abs("../..")
	args := []string{"--no-print-directory", "-C", root, "demo", "BIN=" + filepath.Join(t.TempDir(), "hookfront"), "DEMO_ARGS=--listen 127.0.0.1:0 --admin off"}
	// Never on the default port: the recipe must pass DEMO_ARGS on.
	if plan, err := exec.Command("make", append([]string{"-n"}, args...)...).CombinedOutput(); err != nil || !strings.Contains(string(plan), "demo --listen 127.0.0.1:0 --admin off") {
		t.Fatalf("make -n demo: %v\n%s", err, plan)
	}
	cmd := exec.Command("make", args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, _ := cmd.StderrPipe()
	cmd.Stdout = cmd.Stderr // make's own messages and the demo's logs, in order
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	var log strings.Builder
	listening, done := make(chan struct{}), make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "msg=listening") {
				close(listening)
			}
		}
		done <- cmd.Wait()
	}()
	select {
	case <-listening:
	case err := <-done:
		t.Fatalf("make demo ended before the demo listened: %v\n%s", err, log.String())
	case <-time.After(5 * time.Minute): // it builds the binary first
		t.Fatalf("make demo did not listen within 5 minutes")
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("make demo did not stop within 30s of SIGINT")
	}
	if got := log.String(); !strings.Contains(got, "msg=stopped") || strings.Contains(got, "Error") {
		t.Fatalf("make demo after Ctrl-C:\n%s", got)
	}
}

// TestDemoHelpCommentsLineUp: the comments of the curl commands the demo prints start in one
// column, whatever the length of its address (the second line of one was 16 columns off).
func TestDemoHelpCommentsLineUp(t *testing.T) {
	for _, base := range []string{"http://127.0.0.1:8080", "http://127.0.0.1:18080", "http://[::1]:8080"} {
		var b strings.Builder
		printDemoHelp(&b, base, "/tmp/d", false, "http://127.0.0.1:1", "http://127.0.0.1:2")
		_, try, _ := strings.Cut(b.String(), "Try:\n")
		try, _, _ = strings.Cut(try, "\n\n")
		col := -1
		for _, line := range strings.Split(try, "\n") {
			i := strings.Index(line, "#")
			if col == -1 {
				col = i
			}
			if i != col {
				t.Errorf("with %s the comment of %q starts in column %d, not %d", base, line, i, col)
			}
		}
	}
}
