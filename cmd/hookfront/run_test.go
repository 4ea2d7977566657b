package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an output a command running in a goroutine writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// wait waits (bounded) until the output holds want.
func (s *syncBuffer) wait(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(s.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q within 15s in:\n%s", want, s.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// runIn runs the command line args through run, as the binary would, and returns its outputs
// and exit code.
func runIn(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb syncBuffer
	code = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// running is a long-running command started through run in a goroutine.
type running struct {
	out, err syncBuffer
	stop     context.CancelFunc
	code     chan int
}

// runBackground starts args through run; the command stops (as on SIGINT) when the test ends
// or on r.exit.
func runBackground(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stop: cancel, code: make(chan int, 1)}
	go func() { r.code <- run(ctx, args, &r.out, &r.err) }()
	t.Cleanup(func() { r.exit(t) })
	return r
}

// exit stops the command and returns its exit code.
func (r *running) exit(t *testing.T) int {
	t.Helper()
	r.stop()
	select {
	case c := <-r.code:
		r.code <- c // a second exit (the cleanup) sees it too
		return c
	case <-time.After(20 * time.Second):
		t.Fatalf("the command did not stop within 20s:\n%s", r.err.String())
		return -1
	}
}
