package examples_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge/writequeue"
	"github.com/hookfront/hookfront/edge/writequeue/queuetest"
)

func TestWriteQueueExample(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("write-queue")); err != nil {
		t.Fatal(err)
	}
	east, west := queuetest.NewRefusing(t), queuetest.NewRefusing(t)
	var cfg *config.Config
	srv := exampleServer(t, filepath.Join(dir, "hookfront.yaml"), func(c *config.Config) {
		c.OriginGroups[0].WriteFailover.Queue.Retry.Interval.Duration = 20 * time.Millisecond
		cfg = c
	}, "http://"+east.Addr, "http://"+west.Addr)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	wq, err := writequeue.Open(context.Background(), cfg.WriteQueues(), writequeue.Options{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer wq.Close()
	srv.SetWriteQueue(wq)
	wq.Start(srv)
	e := httptest.NewServer(srv)
	defer e.Close()

	// Both regions down: two payments of one account are accepted into the queue, on disk.
	var ids []string
	for _, amount := range []string{`{"amount":10}`, `{"amount":20}`} {
		req, _ := http.NewRequest("POST", e.URL+"/payments", strings.NewReader(amount))
		req.Header.Set("X-Account-Id", "acct-1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 202 || resp.Header.Get("X-Hookfront-Queued") == "" {
			t.Fatalf("%d %v", resp.StatusCode, resp.Header)
		}
		ids = append(ids, resp.Header.Get("X-Hookfront-Queued"))
	}
	if _, err := os.Stat(filepath.Join(dir, "data/queue/payments.db")); err != nil {
		t.Fatal(err)
	}

	// West comes back: both arrive, in order, each with its key, through the hook.
	var mu sync.Mutex
	var got []string
	west.Release()
	l, err := net.Listen("tcp", west.Addr)
	if err != nil {
		t.Fatal(err)
	}
	api := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Header.Get("Idempotency-Key")+" "+r.Header.Get("X-Delivered-Via")+" "+string(b))
		mu.Unlock()
		w.WriteHeader(201)
	})}
	go func() { _ = api.Serve(l) }()
	defer api.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivered: %q", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{ids[0] + " " + west.Addr + ` {"amount":10}`, ids[1] + " " + west.Addr + ` {"amount":20}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
