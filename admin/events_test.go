package admin

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/edge/trace"
)

// TestStalledEventClientIsToldWhatItLost: an event-stream client that stops reading loses
// events rather than holding anything up, and once it reads again the stream says how many it
// lost, before it goes on.
func TestStalledEventClientIsToldWhatItLost(t *testing.T) {
	ring := trace.NewRing(16, edge.DetailSteps)
	srv := New(Options{Traces: ring, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Serve(ctx, l, srv, slog.New(slog.NewTextHandler(io.Discard, nil)))

	// A client with a tiny receive window that sends its request and then reads nothing.
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		_ = c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048) })
		return err
	}}
	conn, err := d.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	r := bufio.NewReaderSize(&slidingDeadline{conn}, 64<<10)
	for { // the stream is open once it said so
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		if line == ": connected\n" {
			break
		}
	}

	// 2000 requests' traces of 20 KiB each: ten times what the socket buffers (the sender's
	// grows to 4 MB) and the client's queue hold. Publishing never waits for the client (were it
	// to, this loop would never end).
	long := "/" + strings.Repeat("x", 20<<10)
	for i := range 2000 {
		rec := ring.Observe("id", time.Now(), nil)
		rec.End(&edge.Summary{ID: fmt.Sprint("r", i), Start: time.Now(), Method: "GET", Path: long, Status: 200})
	}

	// Reading again: the events the socket held, then the count of those dropped.
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("no dropped event in the stream: %v", err)
		}
		if line == "event: dropped\n" {
			data, _ := r.ReadString('\n')
			if !strings.Contains(data, `"dropped":`) || strings.Contains(data, `"dropped":0`) {
				t.Fatalf("dropped event: %s", data)
			}
			return
		}
	}
}

// slidingDeadline gives every read of a connection its own deadline.
type slidingDeadline struct{ net.Conn }

func (c *slidingDeadline) Read(p []byte) (int, error) {
	_ = c.Conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	return c.Conn.Read(p)
}
