package writequeue

import (
	"testing"
	"time"
)

// The wait after the n-th failed delivery: interval, doubled after each, up to max_interval.
func TestBackoffDoublesTheIntervalUpToMaxInterval(t *testing.T) {
	s, ms := time.Second, time.Millisecond
	for _, c := range []struct {
		interval, max time.Duration
		want          []time.Duration // for n = 1, 2, …
	}{
		{2 * s, 5 * time.Minute, []time.Duration{2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 64 * s, 128 * s, 256 * s, 300 * s, 300 * s}},
		{20 * ms, 100 * ms, []time.Duration{20 * ms, 40 * ms, 80 * ms, 100 * ms, 100 * ms}},
		{time.Hour, time.Hour, []time.Duration{time.Hour, time.Hour, time.Hour}},
	} {
		q := &queue{cfg: Config{Interval: c.interval, MaxInterval: c.max}}
		for i, want := range c.want {
			if got := q.backoff(i + 1); got != want {
				t.Errorf("interval %v, max_interval %v: after failure %d, %v; want %v", c.interval, c.max, i+1, got, want)
			}
		}
		// However many failures, the wait stays max_interval (no overflow).
		if got := q.backoff(1 << 20); got != c.max {
			t.Errorf("interval %v, max_interval %v: after 2^20 failures, %v", c.interval, c.max, got)
		}
	}
}
