package main

import (
	"context"
	"log/slog"
	"reflect"
	"time"

	"github.com/hookfront/hookfront/admin"
	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/edge/metrics"
	"github.com/hookfront/hookfront/edge/writequeue"
)

// openWriteQueues opens the stores of the groups with write_failover.queue (nil when none has
// one), before the edge starts: a store that cannot be used stops start-up. adminAddr makes the
// receipts' status_url ("" when the admin listener is off: no status_url).
func openWriteQueues(ctx context.Context, cfg *config.Config, log *slog.Logger, adminAddr string) (*writequeue.Manager, error) {
	cfgs := cfg.WriteQueues()
	if len(cfgs) == 0 {
		return nil, nil
	}
	opt := writequeue.Options{Log: log}
	if adminAddr != "" {
		opt.StatusURL = func(id string) string { return "http://" + adminAddr + "/api/queue/" + id }
	}
	return writequeue.Open(ctx, cfgs, opt)
}

// startWriteQueues lets the edge queue writes and starts delivering them.
func startWriteQueues(wq *writequeue.Manager, srv *edge.Server) {
	if wq == nil {
		return
	}
	srv.SetWriteQueue(wq)
	wq.Start(srv)
}

// mountWriteQueues adds the queue's admin API.
func mountWriteQueues(wq *writequeue.Manager) func(*admin.Server) {
	return func(s *admin.Server) {
		if wq != nil {
			wq.Mount(s.Handle)
		}
	}
}

// queuesChanged says whether a reload changes the write queues, which only a restart applies:
// their stores stay open, and writes accepted in them keep being delivered.
func queuesChanged(a, b *config.Config) bool {
	return !reflect.DeepEqual(a.WriteQueues(), b.WriteQueues())
}

// queueStates is the write queues' state for the metrics, read at scrape time (bounded, so that
// a slow store cannot hold a scrape up).
func queueStates(wq *writequeue.Manager) []metrics.QueueState {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	stats := wq.Stats(ctx, 0)
	out := make([]metrics.QueueState, 0, len(stats))
	for _, s := range stats {
		out = append(out, metrics.QueueState{Group: s.Group, Depth: s.Depth, OldestSeconds: s.OldestAge, Ended: s.Ended})
	}
	return out
}
