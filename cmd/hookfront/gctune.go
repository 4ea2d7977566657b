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
// 4× its live bytes that are not cache, plus a quarter of what the cache holds, and not before
// the heap reaches minHeapGoal. With the cache empty that is GOGC=400 or more; with a full
// 256 MB cache about GOGC=50, so that memory stays near
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

// minHeapGoal is the heap a collection may wait for however small the live heap. An edge
// serving hooks keeps 2–7 MB live, so 4× that put a collection every 10–30 MB allocated, a few
// hundred requests: collecting cost a request ~6 % of its instructions, and request traces
// (1,000 held) doubled the mark work of each collection. With the goal at 64 MB both cost a
// quarter as much; the heap under load is at most this much larger (GOMEMLIMIT still caps it).
const minHeapGoal = 64 << 20

// gcPercentFor is the GOGC that lets the heap grow by 4× its live bytes outside the cache plus a
// quarter of the cache's before the next collection, and to minHeapGoal at least.
func gcPercentFor(live, cached int64) int {
	if live <= 0 {
		return gcPercent
	}
	cached = min(max(cached, 0), live)
	growth := max(4*(live-cached)+cached/4, minHeapGoal-live)
	return int(max(100*growth/live, minGCPercent))
}

func abs(n int) int { return max(n, -n) }
