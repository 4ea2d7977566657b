//go:build !linux

package jsruntime

import "time"

// threadClock: without a per-thread CPU clock, a function's budget is wall time.
type threadClock int32

func lockThread() threadClock { return 0 }

func unlockThread() {}

func (c threadClock) now() time.Duration { return -1 }
