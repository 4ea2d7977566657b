package jsruntime

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Pool is a bounded set of runtimes for one bundle. A call borrows a runtime and returns it
// when the call ends, so runtimes are never held across other I/O.
type Pool struct {
	b  *Bundle
	mu sync.Mutex
	// idle runtimes, the one used last on top: calls go to the runtime whose objects are still
	// in the CPU's caches, and under load only as many runtimes as calls run at once stay warm.
	idle      []*vm
	waiters   []chan *vm // calls waiting for a runtime when MaxPool are out, the first first
	created   int        // runtimes alive, abandoned ones included
	abandoned atomic.Int32
	closed    atomic.Bool
}

// NewPool makes a pool for b and creates Options.Prewarm runtimes up front.
func NewPool(b *Bundle) *Pool {
	p := &Pool{b: b}
	for i := 0; i < b.opt.Prewarm; i++ {
		p.idle = append(p.idle, newVM(b))
		p.created++
	}
	return p
}

// Call runs c on a free runtime. A runtime that panicked is dropped, not returned.
//
// The call runs on a worker goroutine while the caller waits, so that a call stuck in a built-in
// function past its limit (which no interrupt can stop) still answers at the limit: the caller
// gets a TimeoutError, and the runtime is abandoned to its worker, which drops it when the
// built-in returns. Until then it counts against MaxPool.
func (p *Pool) Call(ctx context.Context, c Call) (any, error) {
	if c.Timeout <= 0 {
		c.Timeout = p.b.opt.DefaultTimeout
	}
	c.Timeout = min(c.Timeout, MaxTimeout)
	v, err := p.get(ctx, c.Timeout)
	if err != nil {
		return nil, err
	}
	v.job, v.jobCtx, v.pool = c, ctx, p
	v.phase.Store(phaseRunning)
	handOff(v)
	if <-v.signal == sigExpired {
		// The watchdog has interrupted the call; JavaScript stops at its next instruction.
		grace := time.NewTimer(p.b.opt.StopGrace)
		select {
		case <-v.signal: // done (the watchdog signals once per call)
		case <-grace.C:
			p.abandoned.Add(1) // before the worker can see it abandoned and count it out
			if v.phase.CompareAndSwap(phaseRunning, phaseAbandoned) {
				return nil, &TimeoutError{Limit: c.Timeout, Abandoned: true}
			}
			p.abandoned.Add(-1)
			<-v.signal // it finished just now
		}
		grace.Stop()
	}
	res, err, discard := v.res, v.err, v.discard
	v.res, v.err, v.job, v.jobCtx = nil, nil, Call{}, nil // keep nothing of the call alive
	if discard {
		p.drop()
	} else {
		p.put(v)
	}
	return res, err
}

// What a caller waiting on v.signal learns: the watchdog fired (it is always before sigDone),
// or the worker finished the call.
const (
	sigExpired int8 = iota
	sigDone
)

// The phases of a call on its worker.
const (
	phaseRunning int32 = iota
	phaseFinished
	phaseAbandoned
)

// A worker is a goroutine that runs calls. Workers are shared by all pools (so a generation's
// runtimes are not kept alive by goroutines of their own); there are about as many as calls ran
// at once at the busiest (one finishing a call is not yet free, and another may start beside it).
type worker struct{ next chan *vm }

// idleWorkers are the free workers, the one freed last on top: its stack is still in the cache
// and still as large as calls need (an idle goroutine's stack shrinks at garbage collection).
var idleWorkers struct {
	sync.Mutex
	stack []*worker
}

// handOff gives v's call to a free worker, or to a new one.
func handOff(v *vm) {
	idleWorkers.Lock()
	if n := len(idleWorkers.stack); n > 0 {
		w := idleWorkers.stack[n-1]
		idleWorkers.stack[n-1] = nil
		idleWorkers.stack = idleWorkers.stack[:n-1]
		idleWorkers.Unlock()
		w.next <- v
		return
	}
	idleWorkers.Unlock()
	go (&worker{next: make(chan *vm, 1)}).work(v)
}

// work runs calls, starting with v's, then waits for the next one.
func (w *worker) work(v *vm) {
	for {
		v.runJob()
		idleWorkers.Lock()
		idleWorkers.stack = append(idleWorkers.stack, w)
		idleWorkers.Unlock()
		v = <-w.next
	}
}

// runJob runs the call handed to v and hands the result back, or, when the caller has given
// up on it, drops the runtime.
func (v *vm) runJob() {
	start := time.Now()
	v.res, v.err, v.discard = v.invoke(v.jobCtx, &v.job)
	if v.phase.CompareAndSwap(phaseRunning, phaseFinished) {
		v.signal <- sigDone
		return
	}
	// Abandoned: say where it was stuck, now that the built-in has returned, and let it go.
	p, c := v.pool, v.job
	attrs := append([]slog.Attr{slog.String("error", fmt.Sprint(v.err)), slog.Duration("ran", time.Since(start))}, c.LogAttrs...)
	if c.RequestID != "" {
		attrs = append(attrs, slog.String("id", c.RequestID))
	}
	p.b.opt.Log.LogAttrs(context.Background(), slog.LevelWarn, "an abandoned hook call ended; its runtime is dropped", attrs...)
	p.abandoned.Add(-1)
	p.drop()
}

// Export names a function a file exports.
type Export struct{ File, Name string }

// Check loads every entry on one runtime and makes sure it exports a callable handler; it is
// how a new generation is validated before it serves.
func (p *Pool) Check(ctx context.Context, handlers []Export) error {
	v, err := p.get(ctx, p.b.opt.DefaultTimeout)
	if err != nil {
		return err
	}
	var problems []error
	panicked := false
	for _, h := range handlers {
		func() {
			v.overdue.Store(false)
			v.watchdog.Reset(p.b.opt.DefaultTimeout) // a module whose top level never ends
			defer func() {
				v.stopWatchdog()
				select {
				case <-v.signal: // the watchdog's; no caller waits on it here
				default:
				}
				// A Go panic in a built-in the top level called (Buffer.from({length: -1})):
				// this runs on a reload, where nothing else would recover it.
				if r := recover(); r != nil {
					problems = append(problems, &ScriptError{File: h.File, Message: fmt.Sprintf("loading the file failed inside a built-in function: %v", r)})
					panicked = true
				}
			}()
			if _, err := v.handler(h.File, h.Name); err != nil {
				problems = append(problems, withLimit(err, p.b.opt.DefaultTimeout))
			}
		}()
		if panicked {
			break // the runtime is not to be used any more
		}
	}
	if panicked {
		p.drop()
	} else {
		p.put(v)
	}
	if len(problems) > 0 {
		return &LoadError{Problems: problems}
	}
	return nil
}

func (p *Pool) get(ctx context.Context, timeout time.Duration) (*vm, error) {
	if p.closed.Load() {
		return nil, ErrPoolClosed
	}
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		v := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return v, nil
	}
	if p.created < p.b.opt.MaxPool {
		p.created++
		p.mu.Unlock()
		return newVM(p.b), nil
	}
	wait := make(chan *vm, 1)
	p.waiters = append(p.waiters, wait)
	p.mu.Unlock()
	if timeout <= 0 {
		timeout = p.b.opt.DefaultTimeout
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	var err error
	select {
	case v := <-wait:
		return v, nil
	case <-t.C:
		err = ErrPoolExhausted
	case <-ctx.Done():
		err = ctx.Err()
	}
	p.mu.Lock()
	for i, w := range p.waiters {
		if w == wait {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			p.mu.Unlock()
			return nil, err
		}
	}
	p.mu.Unlock()
	p.put(<-wait) // a runtime was handed to this call as it gave up: pass it on
	return nil, err
}

func (p *Pool) put(v *vm) {
	p.mu.Lock()
	if p.closed.Load() {
		p.created--
		p.mu.Unlock()
		return
	}
	if len(p.waiters) > 0 {
		wait := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.mu.Unlock()
		wait <- v
		return
	}
	p.idle = append(p.idle, v)
	p.mu.Unlock()
}

// drop forgets a runtime that does not come back (it panicked, timed out or was abandoned). A
// call waiting for a runtime gets a new one in its place, as it would have, had it come a moment
// later.
func (p *Pool) drop() {
	p.mu.Lock()
	if len(p.waiters) == 0 || p.closed.Load() {
		p.created--
		p.mu.Unlock()
		return
	}
	wait := p.waiters[0]
	p.waiters = p.waiters[1:]
	p.mu.Unlock()
	wait <- newVM(p.b)
}

// Close stops the pool from handing out runtimes; those in use are dropped when they return,
// and idle ones are released now.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Swap(true) {
		return
	}
	p.created -= len(p.idle)
	clear(p.idle)
	p.idle = nil
}

// Stats are the pool's counters.
type Stats struct{ Created, Idle, Abandoned int }

// Stats returns how many runtimes exist, how many are idle, and how many are abandoned (still
// finishing a built-in after their call's limit).
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{Created: p.created, Idle: len(p.idle), Abandoned: int(p.abandoned.Load())}
}
