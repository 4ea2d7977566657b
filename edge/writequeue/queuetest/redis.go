// Package queuetest holds what the write queue's tests share: a real redis-server, and origin
// addresses that refuse connections.
package queuetest

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Install is how to get redis-server on Debian (what .ci/run does when it is missing).
const Install = "apt-get update && apt-get install -y --no-install-recommends redis-server"

// Server is a running redis-server.
type Server struct {
	Addr   string
	URL    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartRedis runs a redis-server for t: on a free loopback port, with its files in a temporary
// folder and every write fsynced, stopped when the test ends. Without redis-server installed the test fails, saying how to
// install it: these tests are never skipped.
func StartRedis(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not installed; the write queue's Redis tests need it: %s", Install)
	}
	dir := t.TempDir()
	for try := 0; ; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
			"--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no")
		s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port), cmd: cmd, exited: make(chan struct{})}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			_ = cmd.Wait()
			close(s.exited)
		}()
		if s.waitReady(10 * time.Second) {
			t.Cleanup(s.stop)
			return s
		}
		s.stop()
		if try == 3 { // the port was taken in between, each time
			t.Fatalf("redis-server did not start on a free port")
		}
	}
}

// waitReady polls with PING until the server answers, or the deadline passes, or it exited.
func (s *Server) waitReady(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
			_ = c.SetDeadline(time.Now().Add(time.Second))
			fmt.Fprint(c, "PING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return true
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func (s *Server) stop() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}
