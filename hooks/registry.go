package hooks

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookfront/hookfront/hooks/functions"
	"github.com/hookfront/hookfront/jsruntime"
)

// Options configure a Registry.
type Options struct {
	Timeouts Timeouts
	Log      *slog.Logger
	Runtime  jsruntime.Options
	// Generations numbers the generations. Registries that share it (a config reload builds a
	// new registry) continue each other's numbers, so a number only grows and never names two
	// generations. nil: the registry counts from 1 on its own.
	Generations *atomic.Int64
	// KeyValueStores are the files of the key value stores functions may be associated with, by
	// store name. They are read at every load, so that a changed store reloads like a changed hook.
	KeyValueStores map[string]string
	// FunctionCalls, when set, is told about every CloudFront Function call (for traces).
	FunctionCalls func(context.Context, *functions.CallInfo)
}

// Registry holds the current generation. A load builds a whole new generation off to the side
// and swaps it in only when every bound hook compiled and exports its handler; otherwise the
// old one keeps serving.
type Registry struct {
	cur  atomic.Pointer[Generation]
	opt  Options
	bind BindFunc

	mu       sync.Mutex
	lastErr  error
	failHash string              // the snapshot that failed last, so a rescan does not report it again
	files    map[string][32]byte // the current generation's files, to tell what a reload changed
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
	if opt.Generations == nil {
		opt.Generations = new(atomic.Int64)
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
	Files      []string // files added, changed or removed since the current generation
	// Repeated is set on an error when the same snapshot already failed (the caller has
	// reported it once).
	Repeated bool
}

// Load builds a generation from src and swaps it in. An unchanged snapshot is a no-op. On error
// the current generation stays.
func (r *Registry) Load(ctx context.Context, src jsruntime.Source) (LoadResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := time.Now()
	bindings, err := r.bind(src)
	if err != nil {
		// Reported once per snapshot, like a compile error.
		h := hashSource(src, "bind")
		res := LoadResult{Generation: r.cur.Load(), Repeated: h == r.failHash}
		r.lastErr, r.failHash = err, h
		return res, err
	}
	stores, err := readStores(r.opt.KeyValueStores)
	if err != nil {
		h := hashSource(src, "stores:"+err.Error())
		res := LoadResult{Generation: r.cur.Load(), Repeated: h == r.failHash}
		r.lastErr, r.failHash = err, h
		return res, err
	}
	hash := hashSource(src, fmt.Sprint(bindings)+storesDigest(stores))
	cur := r.cur.Load()
	if cur != nil && cur.Hash == hash {
		r.lastErr, r.failHash = nil, ""
		return LoadResult{Generation: cur, Took: time.Since(start)}, nil
	}
	files := fileSums(src)
	for _, sf := range stores {
		files[sf.path] = sha256.Sum256(sf.data)
	}
	res := LoadResult{Files: changedFiles(r.files, files), Generation: cur}
	if hash == r.failHash {
		res.Repeated = true
		return res, r.lastErr
	}
	g, err := r.build(ctx, src, bindings, stores, hash)
	res.Took = time.Since(start)
	if err != nil {
		r.lastErr, r.failHash = err, hash
		return res, err
	}
	r.cur.Store(g)
	r.lastErr, r.failHash, r.files = nil, "", files
	// The old generation is not closed: requests that started on it finish on it, and its
	// runtimes go with it once nothing refers to it.
	res.Changed, res.Generation = true, g
	return res, nil
}

func fileSums(src jsruntime.Source) map[string][32]byte {
	out := make(map[string][32]byte, len(src.Files))
	for n, b := range src.Files {
		out[n] = sha256.Sum256(b)
	}
	return out
}

// changedFiles lists the files added, changed or removed between two snapshots.
func changedFiles(old, cur map[string][32]byte) []string {
	var out []string
	for n, sum := range cur {
		if prev, ok := old[n]; !ok || prev != sum {
			out = append(out, n)
		}
	}
	for n := range old {
		if _, ok := cur[n]; !ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func (r *Registry) build(ctx context.Context, src jsruntime.Source, bindings Bindings, stores map[string]storeFile, hash string) (*Generation, error) {
	if err := bindings.checkFunctions(); err != nil {
		return nil, err
	}
	files, handlers := bindings.entries()
	var problems []error
	bundle, err := jsruntime.Compile(src, files, r.opt.Runtime)
	var pool *jsruntime.Pool
	if err == nil {
		pool = jsruntime.NewPool(bundle)
		err = pool.Check(ctx, handlers)
	}
	if err != nil {
		problems = append(problems, unwrapLoad(err)...)
	}
	// Hooks and functions are checked together, so that one reload reports every problem.
	// The number this generation gets if it loads; taken for good below.
	id := r.opt.Generations.Load() + 1
	tagged := tagBindings(bindings, id)
	problems = append(problems, loadFunctions(ctx, src, tagged, stores, functions.Options{
		Budget: r.opt.Timeouts.Function, Log: r.opt.Log, Runtime: r.opt.Runtime, Observe: r.opt.FunctionCalls})...)
	if len(problems) > 0 {
		if pool != nil {
			pool.Close()
		}
		return nil, &jsruntime.LoadError{Problems: problems}
	}
	if !r.opt.Generations.CompareAndSwap(id-1, id) {
		// Another registry sharing the numbers loaded meanwhile (a config reload): take the next.
		id = r.opt.Generations.Add(1)
		tagged = tagBindings(tagged, id) // tagged: it holds the functions loaded above
	}
	return &Generation{ID: id, Hash: hash, Files: len(src.Files), bindings: tagged, pool: pool,
		timeouts: r.opt.Timeouts}, nil
}

// Check compiles and checks each bound hook of src on its own, loading nothing, and returns
// every problem (each may be a *jsruntime.LoadError listing several), CloudFront Functions and key
// value stores included. A load checks exports and
// requires only once every hook compiled; here one broken hook cannot hide another's missing
// export or failing require, so that validate reports them all in one run.
func (r *Registry) Check(ctx context.Context, src jsruntime.Source) []error {
	bindings, err := r.bind(src)
	if err != nil {
		return []error{err}
	}
	files, handlers := bindings.entries()
	var problems []error
	for _, f := range files {
		var exports []jsruntime.Export
		for _, h := range handlers {
			if h.File == f {
				exports = append(exports, h)
			}
		}
		bundle, err := jsruntime.Compile(src, []string{f}, r.opt.Runtime)
		if err == nil {
			pool := jsruntime.NewPool(bundle)
			err = pool.Check(ctx, exports)
			pool.Close()
		}
		if err != nil {
			problems = append(problems, err)
		}
	}
	// CloudFront Functions and their key value stores, each on its own as well.
	if err := bindings.checkFunctions(); err != nil {
		problems = append(problems, err)
	}
	stores, err := readStores(r.opt.KeyValueStores)
	if err != nil {
		return append(problems, err)
	}
	fns := loadFunctions(ctx, src, bindings, stores, functions.Options{Budget: r.opt.Timeouts.Function, Log: r.opt.Log, Runtime: r.opt.Runtime})
	for _, b := range bindings {
		for _, bind := range b {
			if bind.fn != nil {
				bind.fn.Close()
			}
		}
	}
	return append(problems, fns...)
}
