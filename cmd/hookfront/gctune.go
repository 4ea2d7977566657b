package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// tuneGC keeps what GOGC=400 is for — few collections for the garbage a proxy makes per
// request — without letting it multiply the cache: a collection comes after the heap grew by
// 4× its live bytes that are not cache, plus a quarter of what the cache holds. With the cache
// empty that is GOGC=400; with a full 256 MB cache about GOGC=50, so that memory stays near
// 1.25× max_size plus what the rest of the process needs (issue 9: 1.3 GB of RSS for a full
// 256 MB cache). It runs until ctx ends; GOGC in the environment turns it off.
func tuneGC(ctx context.Context, cached func() int64) {
	if os.Getenv("GOGC") != "" {
		return
	}
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	current := gcPercent
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		metrics.Read(live)
		if live[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		// Changed only when it moves by a tenth or more: each change is a little work for the
		// runtime, and small moves change nothing that matters.
		if pct := gcPercentFor(int64(live[0].Value.Uint64()), cached()); 10*abs(pct-current) >= current {
			debug.SetGCPercent(pct)
			current = pct
		}
	}
}

// minGCPercent bounds how often a large live heap is collected: never more often than every
// quarter of it allocated.
const minGCPercent = 25

// gcPercentFor is the GOGC that lets the heap grow by 4× its live bytes outside the cache plus a
// quarter of the cache's before the next collection.
func gcPercentFor(live, cached int64) int {
	if live <= 0 {
		return gcPercent
	}
	cached = min(max(cached, 0), live)
	growth := 4*(live-cached) + cached/4
	return int(min(max(100*growth/live, minGCPercent), gcPercent))
}

func abs(n int) int { return max(n, -n) }
