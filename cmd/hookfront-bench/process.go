package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is a proxy running as its own process, so that its CPU time can be read from /proc.
type process struct {
	cmd  *exec.Cmd
	addr string
}

var listenLine = regexp.MustCompile(`(?:listening |addr=http://)(127\.0\.0\.1:\d+)`)

// startProcess starts a proxy. addr is where it listens, or "" to read it from its output.
func startProcess(bin, addr string, args ...string) (*process, error) {
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, addr: addr}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			} else if !sent || strings.Contains(sc.Text(), "level=ERROR") {
				fmt.Fprintln(os.Stderr, "  ", sc.Text())
			}
		}
	}()
	if addr != "" {
		return p, nil
	}
	select {
	case p.addr = <-found:
		return p, nil
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("%s did not start listening within 20s", bin)
	}
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
	}
}

// clockTick is the kernel's USER_HZ: /proc reports CPU times in these ticks (100 on Linux).
const clockTick = 10 * time.Millisecond

// cpu is the process's user + system CPU time so far.
func (p *process) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("reading the proxy's CPU time: %w", err)
	}
	// The command name may contain spaces; fields count from after its closing parenthesis.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * clockTick, nil
}

// rssKB is the process's resident memory.
func (p *process) rssKB() int64 { return p.statusKB("VmRSS:") }

// syscalls is the process's count of read and write system calls so far.
func (p *process) syscalls() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	var n int64
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && (f[0] == "syscr:" || f[0] == "syscw:") {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			n += v
		}
	}
	return n
}
