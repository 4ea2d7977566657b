package hooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/hooks/functions"
	"github.com/hookfront/hookfront/jsruntime"
)

// ErrFunctionPlacement is what every error of checkFunctions is: a CloudFront Function bound where
// CloudFront refuses it. A config file's own check names these at their lines.
var ErrFunctionPlacement = errors.New("a CloudFront Function is bound where CloudFront refuses it")

// placementError is an ErrFunctionPlacement that says which binding and why.
type placementError struct{ msg string }

func (e *placementError) Error() string        { return e.msg }
func (e *placementError) Is(target error) bool { return target == ErrFunctionPlacement }

// checkFunctions applies CloudFront's rules for CloudFront Functions in bindings: they run only
// on viewer triggers, and a behavior cannot combine them with Lambda@Edge hooks on viewer
// triggers ("You can't combine CloudFront Functions and Lambda@Edge in viewer events"). One
// edge function per trigger holds by construction.
func (b Bindings) checkFunctions() error {
	behaviors := make([]string, 0, len(b))
	for id := range b {
		behaviors = append(behaviors, id)
	}
	sort.Strings(behaviors)
	for _, id := range behaviors {
		var fn, hook *Binding
		for _, t := range []event.Trigger{event.ViewerRequest, event.ViewerResponse, event.OriginRequest, event.OriginResponse} {
			bind, ok := b[id][t]
			if !ok {
				continue
			}
			switch {
			case bind.Runtime != "" && !t.IsViewer():
				return &placementError{fmt.Sprintf("behavior %s: %s is a CloudFront Function on %s; CloudFront Functions run only on viewer-request and viewer-response", id, bind.File, t)}
			case bind.Runtime != "":
				fn = &bind
			case t.IsViewer():
				hook = &bind
			}
		}
		if fn != nil && hook != nil {
			return &placementError{fmt.Sprintf("behavior %s: %s is a CloudFront Function and %s a Lambda@Edge viewer hook; CloudFront does not combine the two on viewer triggers of one behavior", id, fn.File, hook.File)}
		}
	}
	return nil
}

// storeFile is a key value store file as read for one load.
type storeFile struct {
	path string
	data []byte
	mod  time.Time
}

// readStores reads the key value store files, by store name.
func readStores(paths map[string]string) (map[string]storeFile, error) {
	out := make(map[string]storeFile, len(paths))
	for name, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("key value store %s: %w", name, err)
		}
		if st.Size() > 2*functions.MaxStoreBytes+(1<<20) {
			return nil, fmt.Errorf("key value store %s: %s is %d bytes, far over the store's %d bytes of keys and values", name, p, st.Size(), functions.MaxStoreBytes)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("key value store %s: %w", name, err)
		}
		out[name] = storeFile{path: p, data: data, mod: st.ModTime()}
	}
	return out, nil
}

// loadFunctions compiles the CloudFront Functions of bindings, one per file, runtime and store,
// and gives each binding its function. Every problem is returned.
func loadFunctions(ctx context.Context, src jsruntime.Source, bindings Bindings, stores map[string]storeFile, opt functions.Options) []error {
	var problems []error
	parsed := map[string]*functions.Store{}
	for name, sf := range stores {
		s, err := functions.ParseStore(name, sf.path, sf.data, sf.mod)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		parsed[name] = s
	}
	type key struct {
		file    string
		runtime jsruntime.FunctionRuntime
		store   string
	}
	loaded := map[key]*functions.Function{}
	failed := map[key]bool{}
	for _, behavior := range sortedKeys(bindings) {
		for t, bind := range bindings[behavior] {
			if bind.Runtime == "" {
				continue
			}
			k := key{bind.File, bind.Runtime, bind.KeyValueStore}
			if fn := loaded[k]; fn != nil {
				bind.fn = fn
				bindings[behavior][t] = bind
				continue
			}
			if failed[k] {
				continue
			}
			fn, err := loadFunction(ctx, src, bind, parsed, stores, opt)
			if err != nil {
				failed[k] = true
				if !errors.Is(err, errStoreFailed) { // reported with the store
					problems = append(problems, unwrapLoad(err)...)
				}
				continue
			}
			loaded[k] = fn
			bind.fn = fn
			bindings[behavior][t] = bind
		}
	}
	return problems
}

func loadFunction(ctx context.Context, src jsruntime.Source, bind Binding, parsed map[string]*functions.Store, stores map[string]storeFile, opt functions.Options) (*functions.Function, error) {
	code, ok := src.Files[bind.File]
	if !ok {
		return nil, &jsruntime.ScriptError{File: bind.File, Message: "function file not found in the hooks folder"}
	}
	var store *functions.Store
	if name := bind.KeyValueStore; name != "" {
		if store = parsed[name]; store == nil {
			if _, declared := stores[name]; declared {
				return nil, errStoreFailed
			}
			return nil, &jsruntime.ScriptError{File: bind.File, Message: fmt.Sprintf("key value store %q is not declared in key_value_stores", name)}
		}
	}
	return functions.Load(ctx, bind.File, code, bind.Runtime, store, opt)
}

// errStoreFailed means a function's store did not parse; the store's own error says why.
var errStoreFailed = errors.New("the key value store did not load")

func unwrapLoad(err error) []error {
	var le *jsruntime.LoadError
	if errors.As(err, &le) {
		return le.Problems
	}
	return []error{err}
}

func sortedKeys(b Bindings) []string {
	out := make([]string, 0, len(b))
	for k := range b {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// storesDigest identifies the stores' contents, for the generation hash.
func storesDigest(stores map[string]storeFile) string {
	names := make([]string, 0, len(stores))
	for n := range stores {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "\x00%s\x00%s\x00%d\x00", n, stores[n].path, len(stores[n].data))
		h.Write(stores[n].data)
	}
	return hex.EncodeToString(h.Sum(nil))
}
