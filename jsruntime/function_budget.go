package jsruntime

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
)

// budgetGuard interrupts a function call that used up its budget. CloudFront limits compute,
// not wall time, and on a busy machine a call can wait for a CPU for longer than its whole
// budget (measured here: one no-op call in some 10^5 took over 5 ms of wall time). Reading the
// thread's CPU clock at the start of every call costs more than a short call itself on some
// hosts, so the guard measures lazily: its timer first fires at a fifth of the budget, counts
// that fifth as spent, and from then on counts the thread's CPU time. A call is stopped when
// that estimate (never below its true CPU time) reaches the budget, or at wallCap. Where the
// thread's CPU clock cannot be read, the budget is wall time.
type budgetGuard struct {
	rt      *goja.Runtime
	overdue *atomic.Bool // the runtime's: native loops of ours (Array.prototype.fill) stop early
	timer   *time.Timer

	mu      sync.Mutex // the timer's callback and the end of the call; afterwards no interrupt comes
	active  bool
	clock   threadClock
	budget  time.Duration
	start   time.Time
	base    time.Duration // the thread's CPU time when counting began (-1: not yet)
	counted time.Duration // the compute counted before that: the wall time until then
}

func newBudgetGuard(rt *goja.Runtime, overdue *atomic.Bool) *budgetGuard {
	g := &budgetGuard{rt: rt, overdue: overdue}
	g.timer = time.AfterFunc(time.Hour, g.check)
	g.timer.Stop()
	return g
}

// wallCap is the longest a call may take in wall time, whatever CPU it used.
func wallCap(budget time.Duration) time.Duration { return max(2*budget, time.Second) }

// arm starts guarding a call on the calling goroutine, which stays on its OS thread until disarm.
func (g *budgetGuard) arm(budget time.Duration) {
	clock := lockThread()
	g.mu.Lock()
	g.active, g.clock, g.budget, g.start, g.base = true, clock, budget, time.Now(), -1
	g.overdue.Store(false)
	g.timer.Reset(budget / 5)
	g.mu.Unlock()
}

// disarm ends the call and returns the compute it used when the guard counted it (a call longer
// than a fifth of its budget), else -1. After disarm, the runtime's interrupt flag may be
// cleared safely.
func (g *budgetGuard) disarm() time.Duration {
	g.mu.Lock()
	g.active = false
	g.timer.Stop()
	used := time.Duration(-1)
	if g.base >= 0 {
		used = g.used()
	}
	g.mu.Unlock()
	unlockThread()
	return used
}

// used is the compute counted so far; -1 when the CPU clock cannot be read.
func (g *budgetGuard) used() time.Duration {
	now := g.clock.now()
	if now < 0 {
		return -1
	}
	return g.counted + now - g.base
}

func (g *budgetGuard) check() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.active {
		return // the call ended first
	}
	elapsed := time.Since(g.start)
	if g.base < 0 {
		if g.base = g.clock.now(); g.base >= 0 {
			// The fifth the timer waited counts as spent; a timer that fired late on a busy
			// machine says nothing of the CPU the call used meanwhile.
			g.counted = min(elapsed, g.budget/5)
		}
	}
	used := elapsed // wall time, where the CPU clock cannot be read
	if g.base >= 0 {
		if u := g.used(); u >= 0 {
			used = u
		}
	}
	if used < g.budget && elapsed < wallCap(g.budget) {
		g.timer.Reset(g.budget - used)
		return
	}
	g.active = false
	g.overdue.Store(true)
	g.rt.Interrupt(ErrTimeout)
}
