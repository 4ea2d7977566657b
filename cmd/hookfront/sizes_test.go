package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// hugeFile makes a sparse file of size bytes at path (nothing is written to disk), starting
// with prefix.
func hugeFile(t *testing.T, path, prefix string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(prefix); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}

// TestHugeConfigIsRefusedUnread: a config file far larger than any config (an access log
// copied over it, a wrong path) is refused with its size, not read into memory — neither by
// validate nor by a running edge that sees it replace its config, which keeps serving.
func TestHugeConfigIsRefusedUnread(t *testing.T) {
	const size, most = 384 << 20, 192 << 20 // the file; the most memory the process may take
	dir := t.TempDir()
	huge := dir + "/huge.yaml"
	hugeFile(t, huge, "origins:\n", size)
	cmd := exec.Command(binary, "validate", "--config", huge)
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "larger than 4 MB") {
		t.Fatalf("validate of a %d MB config: exit %d\n%s", size>>20, cmd.ProcessState.ExitCode(), out)
	}
	if rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10; rss > most {
		t.Errorf("validate of a %d MB config took %d MB of memory", size>>20, rss>>20)
	}

	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "o") }))
	defer o.Close()
	cfg := writeFile(t, dir, "hookfront.yaml", fmt.Sprintf("watch: {debounce: 10ms}\norigins: [{id: o, url: %q}]\nbehaviors: [{path_pattern: \"*\", target: o}]\n", o.URL))
	p := start(t, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	if err := os.Rename(huge, cfg); err != nil {
		t.Fatal(err)
	}
	p.waitLog(t, "config reload refused")
	if _, body := fetch(t, "GET", "http://"+p.addr+"/"); body != "o" {
		t.Fatalf("after a huge config was refused: %q", body)
	}
	if hwm := peakMemory(t, p.cmd.Process.Pid); hwm > most {
		t.Errorf("a running edge took %d MB of memory when a %d MB config replaced its own", hwm>>20, size>>20)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}

// peakMemory is the most resident memory process pid has had (VmHWM), in bytes.
func peakMemory(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// TestImportRefusesHugeInput: a distribution (or policies) file far larger than CloudFront's
// quotas allow is refused with its size, unread: decoding JSON takes about a hundred times a
// file's size in memory.
func TestImportRefusesHugeInput(t *testing.T) {
	const size, most = 384 << 20, 192 << 20
	dir := t.TempDir()
	huge := dir + "/distribution.json"
	hugeFile(t, huge, `{"DistributionConfig": {"CacheBehaviors": {"Items": [`, size)
	for _, args := range [][]string{{"import", huge}, {"import", "../../examples/imported/distribution.json", "--policies", huge}} {
		cmd := exec.Command(binary, args...)
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "larger than 4 MB") {
			t.Fatalf("%v: exit %d\n%.500s", args, cmd.ProcessState.ExitCode(), out)
		}
		if rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10; rss > most {
			t.Errorf("%v took %d MB of memory", args, rss>>20)
		}
	}
}
