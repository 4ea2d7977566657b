// Package testrun is `hookfront test`: it runs the cases of test files against a config and
// its hooks — hook cases (one hook on one event, validated by CloudFront's rules), function
// cases (one CloudFront Function on one event, as CloudFront's TestFunction runs it) and
// distribution cases (requests through the real edge, in-process, with scripted origins) — and
// reports them as text, JSON or JUnit XML, once or on every save.
package testrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
)

// Options are the command line of `hookfront test`.
type Options struct {
	Config string   // --config FILE
	Hooks  string   // --hooks DIR
	Paths  []string // test files and folders; default: the hooks folder and tests/ beside the config
	Run    *regexp.Regexp
	JUnit  string // --junit FILE
	JSON   bool
	Watch  bool
	Stdout io.Writer
	Stderr io.Writer
}

// ErrFailed means a case failed (exit 1).
var ErrFailed = errors.New("some cases failed")

// UsageError is a problem with the command line, a test file or the config: nothing ran
// (exit 2).
type UsageError struct{ Problems []string }

func (e *UsageError) Error() string { return strings.Join(e.Problems, "\n") }

// Run runs the tests once, or, with Watch, until ctx ends.
func Run(ctx context.Context, opt Options) error {
	if opt.Config != "" && opt.Hooks != "" {
		return &UsageError{[]string{"give --config FILE or --hooks DIR, not both"}}
	}
	if opt.Config == "" && opt.Hooks == "" && len(opt.Paths) == 0 {
		return &UsageError{[]string{"give --config FILE, --hooks DIR, or test files and folders"}}
	}
	var junit *os.File
	if opt.JUnit != "" {
		// Opened before anything runs: a path that cannot be written is a usage error, not a
		// surprise after a long run.
		f, err := os.Create(opt.JUnit)
		if err != nil {
			return &UsageError{[]string{fmt.Sprintf("--junit: %v", err)}}
		}
		junit = f
		defer f.Close()
	}
	p, problems := load(opt)
	if len(problems) > 0 {
		return &UsageError{problems}
	}
	if opt.Watch {
		return watch(ctx, opt, p, junit)
	}
	return runOnce(ctx, opt, p, junit, nil)
}

// plan is what a run runs: suites with their test files and the cases --run selects.
type plan struct {
	suites []*suite
	cases  int
}

// load reads the config and the test files. Every problem is returned; nothing runs then.
func load(opt Options) (*plan, []string) {
	var suites []*suite
	var problems []string
	looked := opt.Paths // where test files were looked for, for the error when there is none
	switch {
	case opt.Config != "":
		cfg, err := config.Load(opt.Config)
		if err != nil {
			return nil, strings.Split(err.Error(), "\n")
		}
		s := &suite{cfg: cfg}
		if cfg.HooksDir != "" {
			s.hooksDir = cfg.Resolve(cfg.HooksDir)
		}
		paths := opt.Paths
		if len(paths) == 0 {
			for _, d := range []string{s.hooksDir, filepath.Join(cfg.Dir, "tests")} {
				if d != "" {
					looked = append(looked, d)
				}
				if st, err := os.Stat(d); d != "" && err == nil && st.IsDir() {
					paths = append(paths, d)
				}
			}
		}
		s.paths, problems = findFiles(paths)
		suites = append(suites, s)
	case opt.Hooks != "":
		s, err := byNameSuite(opt.Hooks)
		if err != nil {
			return nil, []string{err.Error()}
		}
		paths := opt.Paths
		if len(paths) == 0 {
			paths = []string{opt.Hooks}
			looked = paths
		}
		s.paths, problems = findFiles(paths)
		suites = append(suites, s)
	default:
		// Each test file's folder is its hooks folder, as with --hooks.
		var files []string
		files, problems = findFiles(opt.Paths)
		byDir := map[string]*suite{}
		for _, f := range files {
			dir := filepath.Dir(f)
			s := byDir[dir]
			if s == nil {
				var err error
				if s, err = byNameSuite(dir); err != nil {
					problems = append(problems, err.Error())
					continue
				}
				byDir[dir] = s
				suites = append(suites, s)
			}
			s.paths = append(s.paths, f)
		}
	}
	p := &plan{suites: suites}
	for _, s := range suites {
		for _, path := range s.paths {
			f, probs := loadFile(path, s)
			problems = append(problems, probs...)
			if f == nil {
				continue
			}
			kept := f.cases[:0]
			for _, c := range f.cases {
				if opt.Run == nil || opt.Run.MatchString(c.name) {
					kept = append(kept, c)
				}
			}
			f.cases = kept
			s.files = append(s.files, f)
			p.cases += len(kept)
		}
	}
	if len(problems) == 0 && p.cases == 0 {
		switch {
		case opt.Run != nil:
			problems = append(problems, fmt.Sprintf("no case matches --run %q", opt.Run))
		default:
			var where []string
			for _, l := range looked {
				where = append(where, shownPath(l))
			}
			problems = append(problems, fmt.Sprintf("no test cases found in %s (test files are named *.test.yaml, *.test.yml or *.test.json)", strings.Join(where, " or ")))
		}
	}
	return p, problems
}

// byNameSuite is the suite of a hooks folder without a config file, as `serve --hooks DIR`
// runs it: files named after a trigger bind to the "*" behavior.
func byNameSuite(dir string) (*suite, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	// The origin is a placeholder: distribution cases make their own config with scripted ones.
	cfg, err := config.FromFlags(config.FlagConfig{Origin: "http://127.0.0.1:9", HooksDir: dir})
	if err != nil {
		return nil, err
	}
	return &suite{cfg: cfg, byName: true, hooksDir: cfg.HooksDir}, nil
}

// runOnce runs the plan's cases (only those keep selects, when it is set) and reports them.
func runOnce(ctx context.Context, opt Options, p *plan, junit *os.File, keep func(*testCase) bool) error {
	start := time.Now()
	var text *textReport
	if !opt.JSON {
		text = &textReport{w: opt.Stdout}
	}
	results := execute(ctx, p, keep, func(r *result) {
		if text != nil {
			text.caseDone(r)
		}
	})
	took := time.Since(start)
	if text != nil {
		text.summary(results, took)
	} else if err := writeJSON(opt.Stdout, results, took); err != nil {
		return err
	}
	if junit != nil {
		if err := writeJUnit(junit, results, took); err != nil {
			return fmt.Errorf("writing %s: %w", opt.JUnit, err)
		}
	}
	for _, r := range results {
		if !r.passed() {
			return ErrFailed
		}
	}
	return nil
}

// execute runs the cases in parallel and hands each result to done in the order of the files,
// as soon as it and those before it are done.
func execute(ctx context.Context, p *plan, keep func(*testCase) bool, done func(*result)) []*result {
	type job struct {
		s *suite
		c *testCase
	}
	var jobs []job
	for _, s := range p.suites {
		s.read()
		for _, f := range s.files {
			for _, c := range f.cases {
				if keep == nil || keep(c) {
					jobs = append(jobs, job{s, c})
				}
			}
		}
	}
	results := make([]*result, len(jobs))
	ready := make([]chan struct{}, len(jobs))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(2, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = jobs[i].s.runCase(ctx, jobs[i].c)
				close(ready[i])
			}
		}()
	}
	go func() {
		for i := range jobs {
			next <- i
		}
		close(next)
	}()
	for i := range jobs {
		<-ready[i]
		done(results[i])
	}
	wg.Wait()
	return results
}
