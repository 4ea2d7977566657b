package hooks

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dlclark/regexp2/v2"
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/jsruntime"
)

func TestMain(m *testing.M) {
	// A catastrophic regex a test leaves behind burns a core until regexp2's own timeout (a
	// minute in the product); end it sooner than the rest of the suite. Still longer than any
	// call limit here that runs a regex.
	regexp2.DefaultMatchTimeout = 3 * time.Second
	os.Exit(m.Run())
}

// getWithin is w.get that fails the test when the edge has not answered after bound.
func (w *world) getWithin(path string, bound time.Duration) resp {
	w.t.Helper()
	got := make(chan resp, 1)
	go func() { got <- w.get(path) }()
	select {
	case r := <-got:
		return r
	case <-time.After(bound):
		w.t.Fatalf("GET %s: no answer after %v", path, bound)
		return resp{}
	}
}

// logLine returns the first line of logs holding all of parts.
func logLine(logs *logBuffer, parts ...string) string {
	for _, l := range strings.Split(logs.String(), "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return l
		}
	}
	return ""
}

func TestCatastrophicRegexAnswersAtTheLimit(t *testing.T) {
	w := newWorld(t, setup{
		files: map[string]string{"re.js": "exports.handler = async (e) => {\n  const r = e.Records[0].cf.request;\n" +
			"  if (/^(a+)+\\1$/.test('a'.repeat(35) + 'b')) return {status: '403'};\n  return r;\n};"},
		bind:     map[event.Trigger]string{event.ViewerRequest: "re.js"},
		timeouts: Timeouts{Viewer: 300 * time.Millisecond},
	})
	r := w.getWithin("/x", 20*time.Second)
	if r.status != 503 || !strings.Contains(r.body, "LambdaLimitExceeded") {
		t.Fatalf("got %d %q, want 503 LambdaLimitExceeded (never a silent false, which would pass the request on)", r.status, r.body)
	}
	line := logLine(w.edgeLogs, `msg=request`, "/x")
	if !strings.Contains(line, "re.js: LambdaLimitExceeded: hook ran past its time limit (300ms) and had not stopped shortly after") {
		t.Fatalf("access log line: %s", line)
	}
}

func TestTimedOutHookLogSaysWhereAndTheTriggerOnce(t *testing.T) {
	w := newWorld(t, setup{
		files:    map[string]string{"loop.js": "exports.handler = (e) => {\n  let n = 0;\n  for (;;) { n++; }\n};"},
		bind:     map[event.Trigger]string{event.ViewerRequest: "loop.js"},
		timeouts: Timeouts{Viewer: 100 * time.Millisecond},
		runtime:  jsruntime.Options{StopGrace: 10 * time.Second}, // stopped, not abandoned, on a busy machine too
	})
	if r := w.get("/t"); r.status != 503 {
		t.Fatalf("%d %q", r.status, r.body)
	}
	failed := logLine(w.edgeLogs, `msg="hook failed"`)
	if !strings.Contains(failed, `error="loop.js:3:`) || !strings.Contains(failed, ": LambdaLimitExceeded: hook ran past its time limit (100ms)") ||
		strings.Count(failed, "viewer-request") != 1 {
		t.Fatalf("hook failure line: %s", failed)
	}
	access := logLine(w.edgeLogs, `msg=request`, "/t")
	if !strings.Contains(access, "loop.js:3:") || strings.Count(access, "viewer-request") != 1 {
		t.Fatalf("access log line: %s", access)
	}
}

func TestErrorInARequiredFileNamesTheHookToo(t *testing.T) {
	w := newWorld(t, setup{
		files: map[string]string{"h.js": "const lib = require('./lib');\nexports.handler = async () => lib.boom();",
			"lib.js": "exports.boom = () => {\n  throw new Error('boom');\n};"},
		bind: map[event.Trigger]string{event.OriginRequest: "h.js"},
	})
	if r := w.get("/e"); r.status != 503 {
		t.Fatalf("%d %q", r.status, r.body)
	}
	failed := logLine(w.edgeLogs, `msg="hook failed"`)
	if !strings.Contains(failed, `error="lib.js:2:9: LambdaExecutionError: Error: boom (in hook h.js)"`) || strings.Count(failed, "origin-request") != 1 {
		t.Fatalf("hook failure line: %s", failed)
	}
}
