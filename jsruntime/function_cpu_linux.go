//go:build linux

package jsruntime

import (
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// threadClock is the CPU-time clock of one OS thread, which any thread of the process may read
// (Linux: MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED), what pthread_getcpuclockid gives).
type threadClock int32

// lockThread pins the calling goroutine to its OS thread, so that the thread's CPU time is the
// call's, and returns the thread's clock.
func lockThread() threadClock {
	runtime.LockOSThread()
	return threadClock(^int32(syscall.Gettid())<<3 | 6)
}

func unlockThread() { runtime.UnlockOSThread() }

// now is the thread's CPU time so far; -1 when the clock cannot be read.
func (c threadClock) now() time.Duration {
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, uintptr(c), uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return -1
	}
	return time.Duration(ts.Nano())
}
