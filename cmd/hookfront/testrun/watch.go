package testrun

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/modgraph"
	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// watch runs every case, then, on each save, the cases the change can affect: every case of a
// changed test file; hook cases whose hook reaches a changed file (through requires); function
// cases whose function or key value store file changed; every distribution case when anything
// under the hooks folder or a store of the config changed; everything when the config changed.
// It runs until ctx ends and returns the result of the last run.
func watch(ctx context.Context, opt Options, p *plan, junit *os.File) error {
	last := runOnce(ctx, opt, p, junit, nil)
	state := snapshot(opt, p)
	changed := make(chan struct{}, 1)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, dir := range watchedDirs(opt, p) {
		go func() {
			err := hooks.Watch(ctx, dir, hooks.WatchOptions{Log: quiet}, func() {
				select {
				case changed <- struct{}{}:
				default:
				}
			})
			if err != nil {
				fmt.Fprintf(opt.Stderr, "hookfront test: not watching %s: %v\n", dir, err)
			}
		}()
	}
	fmt.Fprintln(opt.Stderr, "watching for changes; Ctrl-C stops")
	for {
		select {
		case <-ctx.Done():
			return last
		case <-changed:
		}
		np, problems := load(opt)
		if len(problems) > 0 {
			fmt.Fprintf(opt.Stderr, "%s\nfix the problems above; the tests run again when a file changes\n", strings.Join(problems, "\n"))
			continue
		}
		next := snapshot(opt, np)
		keep, what := affected(state, next, np)
		state = next
		if keep == nil {
			continue
		}
		marker := opt.Stdout
		if opt.JSON {
			marker = opt.Stderr // stdout holds one JSON object per run
		}
		fmt.Fprintf(marker, "\n--- %s changed, %s\n", what, time.Now().Format("15:04:05"))
		last = runOnce(ctx, opt, np, junit, keep)
	}
}

// watchedDirs are the folders whose changes matter: the hooks folders, the config's folder, the
// folders of the test files and of the key value store files, each once (a folder inside another
// watched one is covered).
func watchedDirs(opt Options, p *plan) []string {
	var dirs []string
	if opt.Config != "" {
		dirs = append(dirs, filepath.Dir(opt.Config))
	}
	for _, s := range p.suites {
		if s.hooksDir != "" {
			dirs = append(dirs, s.hooksDir)
		}
		for _, f := range s.files {
			dirs = append(dirs, filepath.Dir(f.path))
		}
		for _, st := range storesOf(s) {
			dirs = append(dirs, filepath.Dir(st))
		}
	}
	for i, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil {
			dirs[i] = abs
		}
	}
	slices.Sort(dirs)
	dirs = slices.Compact(dirs)
	var out []string
	for _, d := range dirs {
		if len(out) == 0 || !strings.HasPrefix(d, out[len(out)-1]+string(filepath.Separator)) {
			out = append(out, d)
		}
	}
	return out
}

// runState is what a run depended on, by digest.
type runState struct {
	config string
	tests  map[string][32]byte // test file path → content
	hooks  map[string][32]byte // "hooks dir\x00file" → content
	stores map[string][32]byte // key value store file → content
}

func snapshot(opt Options, p *plan) runState {
	st := runState{tests: map[string][32]byte{}, hooks: map[string][32]byte{}, stores: map[string][32]byte{}}
	if opt.Config != "" {
		b, _ := os.ReadFile(opt.Config)
		st.config = string(b)
	}
	for _, s := range p.suites {
		for _, f := range s.files {
			st.tests[f.path] = sha256.Sum256(f.data)
		}
		for _, p := range storesOf(s) {
			b, _ := os.ReadFile(p) // a missing store reads as empty: its reappearance is a change
			st.stores[p] = sha256.Sum256(b)
		}
		if s.hooksDir == "" {
			continue
		}
		src, _ := hooks.ReadDir(s.hooksDir)
		for name, b := range src.Files {
			st.hooks[s.hooksDir+"\x00"+name] = sha256.Sum256(b)
		}
	}
	return st
}

// affected selects the cases of p that the change from old to cur can affect, and says what
// changed; nil when nothing did.
func affected(old, cur runState, p *plan) (func(*testCase) bool, string) {
	if old.config != cur.config {
		return func(*testCase) bool { return true }, "the config"
	}
	var tests []string
	for path, sum := range cur.tests {
		if prev, ok := old.tests[path]; !ok || prev != sum {
			tests = append(tests, path)
		}
	}
	changedHooks := map[string]bool{} // "dir\x00file"
	for k, sum := range cur.hooks {
		if prev, ok := old.hooks[k]; !ok || prev != sum {
			changedHooks[k] = true
		}
	}
	for k := range old.hooks {
		if _, ok := cur.hooks[k]; !ok {
			changedHooks[k] = true
		}
	}
	var stores []string
	for p, sum := range cur.stores {
		if prev, ok := old.stores[p]; !ok || prev != sum {
			stores = append(stores, p)
		}
	}
	if len(tests) == 0 && len(changedHooks) == 0 && len(stores) == 0 {
		return nil, ""
	}
	var names []string
	for _, t := range tests {
		names = append(names, shownPath(t))
	}
	for k := range changedHooks {
		dir, file, _ := strings.Cut(k, "\x00")
		names = append(names, shownPath(filepath.Join(dir, file)))
	}
	for _, p := range stores {
		names = append(names, shownPath(p))
	}
	slices.Sort(names)
	names = slices.Compact(names) // a store inside the hooks folder is named twice

	reached := map[*suite]map[string][]string{} // per suite: hook file → files it reaches
	storeOf := map[*functionCase]string{}
	for _, s := range p.suites {
		if s.hooksDir == "" {
			continue
		}
		src, _ := hooks.ReadDir(s.hooksDir)
		reached[s] = map[string][]string{}
		for _, f := range s.files {
			for _, c := range f.cases {
				switch x := c.run.(type) {
				case *hookCase:
					reached[s][x.Hook] = modgraph.Reach(src, x.Hook)
				case *functionCase:
					storeOf[x] = x.storePath(s, src)
				}
			}
		}
	}
	keep := func(c *testCase) bool {
		if slices.Contains(tests, c.file.path) {
			return true
		}
		s := c.file.suite
		fc, isFunction := c.run.(*functionCase)
		if isFunction && storeOf[fc] != "" && slices.Contains(stores, storeOf[fc]) {
			return true
		}
		anyChange := false
		for k := range changedHooks {
			dir, file, _ := strings.Cut(k, "\x00")
			if dir != s.hooksDir {
				continue
			}
			anyChange = true
			if hc, ok := c.run.(*hookCase); ok && (hc.Hook == file || slices.Contains(reached[s][hc.Hook], file)) {
				return true
			}
			if isFunction && fc.Function == file {
				return true
			}
		}
		if _, isDist := c.run.(*distCase); isDist {
			return anyChange || slices.ContainsFunc(stores, func(p string) bool { return slices.Contains(s.configStores(), p) })
		}
		return false
	}
	return keep, strings.Join(names, ", ")
}

// storesOf are the key value store files the suite's cases read: the config's stores and the
// kvs files of function cases, as absolute paths.
func storesOf(s *suite) []string {
	out := s.configStores()
	for _, f := range s.files {
		for _, c := range f.cases {
			if fc, ok := c.run.(*functionCase); ok && fc.KVS != "" {
				p, _ := fc.storeFile(s, hooks.Binding{})
				out = append(out, absPath(p))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// configStores are the files of the config's key_value_stores, as absolute paths.
func (s *suite) configStores() []string {
	if s.byName {
		return nil
	}
	var out []string
	for _, st := range s.cfg.KeyValueStores {
		out = append(out, absPath(s.cfg.Resolve(st.File)))
	}
	return out
}

// storePath is the store file a function case reads, as an absolute path; "" for none.
func (c *functionCase) storePath(s *suite, src jsruntime.Source) string {
	bind := s.functionBinding(src, c.Function, event.Trigger(c.Trigger))
	if p, _ := c.storeFile(s, bind); p != "" {
		return absPath(p)
	}
	return ""
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
