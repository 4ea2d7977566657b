// Package jsruntime runs JavaScript with goja: it compiles a snapshot of a hooks folder once,
// keeps a bounded pool of runtimes for it, and calls Lambda-style handlers with deadlines,
// promise and callback settling, and panic isolation. It knows nothing of HTTP: callers pass
// plain Go data in and get plain Go data back.
package jsruntime

import (
	"log/slog"
	"time"
)

// Options tune a bundle's runtimes.
type Options struct {
	// MaxCallStack bounds recursion (goja's default is unbounded); 0 means 2048 frames.
	MaxCallStack int
	// MaxPool bounds the runtimes alive at once; 0 means 64.
	MaxPool int
	// Prewarm runtimes are created when the pool is made; 0 means 1.
	Prewarm int
	// Log receives console output, tagged with each call's attributes.
	Log *slog.Logger
	// DefaultTimeout is used for calls that give none; 0 means 5s.
	DefaultTimeout time.Duration
	// StopGrace is how long a call that reached its limit is given to stop after the interrupt
	// before it is abandoned; 0 means 100ms. JavaScript stops within microseconds; a call still
	// running is inside a built-in function no interrupt reaches (or on a starved machine).
	StopGrace time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxCallStack <= 0 {
		o.MaxCallStack = 2048
	}
	if o.MaxPool <= 0 {
		o.MaxPool = 64
	}
	if o.Prewarm <= 0 {
		o.Prewarm = 1
	}
	if o.Prewarm > o.MaxPool {
		o.Prewarm = o.MaxPool
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.DefaultTimeout <= 0 {
		o.DefaultTimeout = 5 * time.Second
	}
	if o.StopGrace <= 0 {
		o.StopGrace = 100 * time.Millisecond
	}
	return o
}
