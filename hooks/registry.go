package hooks

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookfront/hookfront/jsruntime"
)

// Options configure a Registry.
type Options struct {
	Timeouts Timeouts
	Log      *slog.Logger
	Runtime  jsruntime.Options
}

// Registry holds the current generation. A load builds a whole new generation off to the side
// and swaps it in only when every bound hook compiled and exports its handler; otherwise the
// old one keeps serving.
type Registry struct {
	cur  atomic.Pointer[Generation]
	opt  Options
	bind BindFunc

	mu      sync.Mutex
	next    int64
	lastErr error
}

// NewRegistry returns a registry that binds hooks with bind.
func NewRegistry(opt Options, bind BindFunc) *Registry {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Timeouts.Viewer <= 0 {
		opt.Timeouts.Viewer = 5 * time.Second
	}
	if opt.Timeouts.Origin <= 0 {
		opt.Timeouts.Origin = 30 * time.Second
	}
	opt.Runtime.Log = opt.Log
	return &Registry{opt: opt, bind: bind}
}

// Current returns the generation serving now, or nil before the first successful load.
func (r *Registry) Current() *Generation { return r.cur.Load() }

// LastError is the error of the last load, nil when it succeeded.
func (r *Registry) LastError() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}

// LoadResult says what a load did.
type LoadResult struct {
	Changed    bool // a new generation serves now
	Generation *Generation
	Took       time.Duration
}

// Load builds a generation from src and swaps it in. An unchanged snapshot is a no-op. On error
// the current generation stays.
func (r *Registry) Load(ctx context.Context, src jsruntime.Source) (LoadResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := time.Now()
	bindings, err := r.bind(src)
	if err != nil {
		r.lastErr = err
		return LoadResult{}, err
	}
	hash := hashSource(src, fmt.Sprint(bindings))
	if cur := r.cur.Load(); cur != nil && cur.Hash == hash {
		r.lastErr = nil
		return LoadResult{Generation: cur, Took: time.Since(start)}, nil
	}
	g, err := r.build(ctx, src, bindings, hash)
	if err != nil {
		r.lastErr = err
		return LoadResult{Took: time.Since(start)}, err
	}
	r.cur.Store(g)
	r.lastErr = nil
	// The old generation is not closed: requests that started on it finish on it, and its
	// runtimes go with it once nothing refers to it.
	return LoadResult{Changed: true, Generation: g, Took: time.Since(start)}, nil
}

func (r *Registry) build(ctx context.Context, src jsruntime.Source, bindings Bindings, hash string) (*Generation, error) {
	files, handlers := bindings.entries()
	bundle, err := jsruntime.Compile(src, files, r.opt.Runtime)
	if err != nil {
		return nil, err
	}
	pool := jsruntime.NewPool(bundle)
	if err := pool.Check(ctx, handlers); err != nil {
		pool.Close()
		return nil, err
	}
	r.next++
	return &Generation{ID: r.next, Hash: hash, Files: len(src.Files), bindings: tagBindings(bindings, r.next), pool: pool,
		timeouts: r.opt.Timeouts, log: r.opt.Log}, nil
}
