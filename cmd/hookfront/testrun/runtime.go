package testrun

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

// hookRuntime runs the hook cases of a suite. The folder is compiled once per run, and every
// case gets a pool of its own, so a fresh runtime: a goja runtime holds all module state (module
// scope, globals, timers), while the compiled programs it runs are immutable and shared. That
// isolates cases as completely as a generation per case would, without compiling per case.
type hookRuntime struct {
	bundle *jsruntime.Bundle
	broken map[string]error // hook files that do not compile (syntax), by file
}

// newHookRuntime compiles src with the given hook files as entries. An entry that does not
// compile is recorded against its file, and the rest are compiled again without it, so that one
// broken hook fails only its own cases. Console lines reach each case through its call, not
// the log.
func newHookRuntime(src jsruntime.Source, entries []string) *hookRuntime {
	h := &hookRuntime{broken: map[string]error{}}
	opt := jsruntime.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxPool: 1, DefaultTimeout: 5 * time.Second}
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

// logLine is a console line a hook printed.
type logLine struct {
	Trigger string // in distribution cases, the trigger of the hook that printed it
	Level   string // log, info, debug, warn or error
	Text    string
}

// String is the line as reports show it: warnings and errors are marked.
func (l logLine) String() string {
	s := l.Text
	if l.Level == "warn" || l.Level == "error" {
		s = l.Level + ": " + s
	}
	if l.Trigger != "" {
		s = l.Trigger + ": " + s
	}
	return s
}

// consoleOf is what a call's trace kept of its console output.
func consoleOf(trigger string, ct *event.CallTrace) []logLine {
	var out []logLine
	for _, l := range ct.Console {
		out = append(out, logLine{Trigger: trigger, Level: l.Level, Text: l.Text})
	}
	if ct.ConsoleDropped > 0 {
		out = append(out, logLine{Trigger: trigger, Level: "warn", Text: "(" + strconv.Itoa(ct.ConsoleDropped) + " more bytes of console output not kept)"})
	}
	return out
}
