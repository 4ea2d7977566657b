package testrun

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookfront/hookfront/jsruntime"
)

// hookRuntime runs the hook cases of a suite. The folder is compiled once per run, and every
// case gets a pool of its own, so a fresh runtime: a goja runtime holds all module state (module
// scope, globals, timers), while the compiled programs it runs are immutable and shared. That
// isolates cases as completely as a generation per case would, without compiling per case.
type hookRuntime struct {
	bundle  *jsruntime.Bundle
	broken  map[string]error // hook files that do not compile (syntax), by file
	console *consoleRouter
}

// consoleAttr tags a call's console lines with the case they belong to (runtimes of one bundle
// share its logger).
const consoleAttr = "hookfront_test_case"

// newHookRuntime compiles src with the given hook files as entries. An entry that does not
// compile is recorded against its file, and the rest are compiled again without it, so that one
// broken hook fails only its own cases.
func newHookRuntime(src jsruntime.Source, entries []string) *hookRuntime {
	h := &hookRuntime{broken: map[string]error{}, console: &consoleRouter{}}
	opt := jsruntime.Options{Log: slog.New(h.console), MaxPool: 1, DefaultTimeout: 5 * time.Second}
	for {
		b, err := jsruntime.Compile(src, entries, opt)
		if err == nil {
			h.bundle = b
			return h
		}
		var le *jsruntime.LoadError
		if !errors.As(err, &le) {
			for _, e := range entries {
				h.broken[e] = err
			}
			entries = nil
			continue
		}
		before := len(entries)
		for _, p := range le.Problems {
			var se *jsruntime.ScriptError
			if errors.As(p, &se) && slices.Contains(entries, se.File) {
				h.broken[se.File] = p
				entries = slices.DeleteFunc(entries, func(e string) bool { return e == se.File })
			}
		}
		if len(entries) == before { // a problem no file owns: every entry has it
			for _, e := range entries {
				h.broken[e] = err
			}
			entries = nil
		}
	}
}

// consoleRouter is the runtimes' logger: it hands each console line to the case whose call
// printed it.
type consoleRouter struct {
	mu       sync.Mutex
	cases    map[string]*[]logLine
	next     atomic.Int64
	untagged []logLine // lines of no case, and hook failures (distribution cases read these)
}

// open starts collecting the lines of a new case and returns its tag.
func (r *consoleRouter) open() slog.Attr {
	id := strconv.FormatInt(r.next.Add(1), 10)
	r.mu.Lock()
	if r.cases == nil {
		r.cases = map[string]*[]logLine{}
	}
	r.cases[id] = new([]logLine)
	r.mu.Unlock()
	return slog.String(consoleAttr, id)
}

// lines returns the untagged lines.
func (r *consoleRouter) lines() []logLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]logLine(nil), r.untagged...)
}

// close stops collecting for tag and returns the lines.
func (r *consoleRouter) close(tag slog.Attr) []logLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	lines := r.cases[tag.Value.String()]
	delete(r.cases, tag.Value.String())
	return *lines
}

func (r *consoleRouter) Enabled(context.Context, slog.Level) bool { return true }
func (r *consoleRouter) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *consoleRouter) WithGroup(string) slog.Handler            { return r }

func (r *consoleRouter) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message != "console" && rec.Message != "hook failed" {
		return nil
	}
	var id, text string
	var failure []string
	rec.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case consoleAttr:
			id = a.Value.String()
		case "text":
			text = a.Value.String()
		case "trigger", "class", "error":
			failure = append(failure, a.Value.String())
		}
		return true
	})
	if rec.Message == "hook failed" {
		text = "hook failed: " + strings.Join(failure, ": ")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if lines := r.cases[id]; lines != nil {
		*lines = append(*lines, logLine{rec.Level, text})
	} else if id == "" {
		r.untagged = append(r.untagged, logLine{rec.Level, text})
	}
	return nil
}

// logLine is a console line a hook printed.
type logLine struct {
	Level slog.Level
	Text  string
}

// String is the line as the report shows it: warnings and errors are marked.
func (l logLine) String() string {
	switch {
	case l.Level >= slog.LevelError:
		return "error: " + l.Text
	case l.Level >= slog.LevelWarn:
		return "warn: " + l.Text
	}
	return l.Text
}
