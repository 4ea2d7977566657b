package jsruntime

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Pool is a bounded set of runtimes for one bundle. A call borrows a runtime and returns it
// when the call ends, so runtimes are never held across other I/O.
type Pool struct {
	b       *Bundle
	idle    chan *vm
	mu      sync.Mutex
	created int
	closed  atomic.Bool
}

// NewPool makes a pool for b and creates Options.Prewarm runtimes up front.
func NewPool(b *Bundle) *Pool {
	p := &Pool{b: b, idle: make(chan *vm, b.opt.MaxPool)}
	for i := 0; i < b.opt.Prewarm; i++ {
		p.mu.Lock()
		p.created++
		p.mu.Unlock()
		p.idle <- newVM(b)
	}
	return p
}

// Call runs c on a free runtime. A runtime that panicked is dropped, not returned.
func (p *Pool) Call(ctx context.Context, c Call) (any, error) {
	v, err := p.get(ctx, c.Timeout)
	if err != nil {
		return nil, err
	}
	res, err, discard := v.invoke(ctx, &c)
	if discard {
		p.drop()
	} else {
		p.put(v)
	}
	return res, err
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
	defer p.put(v)
	var problems []error
	for _, h := range handlers {
		func() {
			v.watchdog.Reset(p.b.opt.DefaultTimeout) // a module whose top level never ends
			defer func() {
				if !v.watchdog.Stop() {
					<-v.fired
				}
				v.rt.ClearInterrupt()
			}()
			if _, err := v.handler(h.File, h.Name); err != nil {
				problems = append(problems, err)
			}
		}()
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
	select {
	case v := <-p.idle:
		return v, nil
	default:
	}
	p.mu.Lock()
	if p.created < p.b.opt.MaxPool {
		p.created++
		p.mu.Unlock()
		return newVM(p.b), nil
	}
	p.mu.Unlock()
	if timeout <= 0 {
		timeout = p.b.opt.DefaultTimeout
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case v := <-p.idle:
		return v, nil
	case <-t.C:
		return nil, ErrPoolExhausted
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *Pool) put(v *vm) {
	if p.closed.Load() {
		p.drop()
		return
	}
	select {
	case p.idle <- v:
	default:
		p.drop()
	}
}

func (p *Pool) drop() {
	p.mu.Lock()
	p.created--
	p.mu.Unlock()
}

// Close stops the pool from handing out runtimes; those in use are dropped when they return,
// and idle ones are released now.
func (p *Pool) Close() {
	if p.closed.Swap(true) {
		return
	}
	for {
		select {
		case <-p.idle:
			p.drop()
		default:
			return
		}
	}
}

// Stats are the pool's counters.
type Stats struct{ Created, Idle int }

// Stats returns how many runtimes exist and how many are idle.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{Created: p.created, Idle: len(p.idle)}
}
