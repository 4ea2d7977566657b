package main

import "testing"

func TestGCPercentFor(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		live, cached int64
		want         int
	}{
		{0, 0, 400},
		{20 * mb, 0, 400}, // no cache: GOGC=400
		{2 * mb, 0, 3100}, // a small live heap: collected at 64 MB, not at 10 MB
		{16 * mb, 0, 400}, // from here 4× the live heap is more than 64 MB
		{12 * mb, 0, 433},
		{20 * mb, 2 * mb, 362},     // a little cache
		{276 * mb, 256 * mb, 52},   // a full default cache: the heap goal is 420 MB, not 1.4 GB
		{1100 * mb, 1024 * mb, 50}, // a full 1 GB cache
		{4096 * mb, 4096 * mb, 25}, // nothing but cache: never below 25
		{100 * mb, 500 * mb, 25},   // a count ahead of the live heap
	} {
		if got := gcPercentFor(c.live, c.cached); got != c.want {
			t.Errorf("live %d MB, cached %d MB: GOGC %d, want %d", c.live/mb, c.cached/mb, got, c.want)
		}
	}
}
