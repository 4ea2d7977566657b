package testrun

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hookfront/hookfront/edge"
)

// requestTrace is what the edge did for one request besides answering: the origin attempts
// and the hooks and functions that ran, in order (function: marks a CloudFront Function, page:
// those of a custom error page's fetch).
type requestTrace struct{ attempts, hooks []string }

// tracer follows the requests of a distribution case as an edge.Observer. A case sends its
// requests one at a time, so each finished request is handed to wait in turn; the console lines
// and failures of every hook call of the case are kept for the report.
type tracer struct {
	done chan requestTrace

	mu      sync.Mutex
	console []logLine
}

func newTracer() *tracer { return &tracer{done: make(chan requestTrace, 1)} }

// expect starts a new request: a trace left over by one nobody waited for is dropped.
func (t *tracer) expect() {
	select {
	case <-t.done:
	default:
	}
}

// wait returns the trace of the request sent last, once the edge is done with it (the edge
// ends a request after the viewer has the response).
func (t *tracer) wait(ctx context.Context) (requestTrace, error) {
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case tr := <-t.done:
		return tr, nil
	case <-timer.C:
		return requestTrace{}, errors.New("the edge did not finish the request within 10s of answering")
	case <-ctx.Done():
		return requestTrace{}, ctx.Err()
	}
}

// lines are the console lines (and hook failures) of the case so far.
func (t *tracer) lines() []logLine {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]logLine(nil), t.console...)
}

// Observe follows every request of the case's edge.
func (t *tracer) Observe(string, time.Time, *http.Request) edge.Recorder {
	return &traceRecorder{t: t, trace: requestTrace{attempts: []string{}, hooks: []string{}}}
}

type traceRecorder struct {
	t     *tracer
	trace requestTrace
}

// Detail asks for the hooks' console lines and error positions.
func (r *traceRecorder) Detail() edge.Detail { return edge.DetailCalls }

func (r *traceRecorder) Hook(s edge.HookStep) {
	name, what := string(s.Trigger), "hook"
	if s.Function {
		name, what = "function:"+name, "function"
	}
	if s.ForPage {
		name = "page:" + name
	}
	r.trace.hooks = append(r.trace.hooks, name)
	var lines []logLine
	if s.Call != nil {
		lines = consoleOf(name, s.Call)
	}
	if s.Outcome == edge.HookFailed {
		msg := s.Error
		if !strings.Contains(msg, s.Class) {
			msg = s.Class + ": " + msg
		}
		lines = append(lines, logLine{Trigger: name, Level: "error", Text: "the " + what + " failed: " + msg})
	}
	r.t.mu.Lock()
	r.t.console = append(r.t.console, lines...)
	r.t.mu.Unlock()
}

func (r *traceRecorder) Cache(edge.CacheStep) {}
func (r *traceRecorder) Page(edge.PageStep)   {}

func (r *traceRecorder) End(s *edge.Summary) {
	for _, a := range s.Attempts {
		name := a.Origin
		if a.Page {
			name = "page:" + name
		}
		r.trace.attempts = append(r.trace.attempts, name)
	}
	select {
	case r.t.done <- r.trace:
	default:
	}
}
