package testrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/hooks/event/sample"
	"github.com/hookfront/hookfront/jsruntime"
	"go.yaml.in/yaml/v3"
)

// run calls the hook once on a runtime of its own, validates the result by CloudFront's rules
// and compares what happened with what the case expects.
func (c *hookCase) run(ctx context.Context, s *suite, r *result) {
	if s.srcErr != nil {
		r.fail("%v", s.srcErr)
		return
	}
	if _, ok := s.src.Files[c.Hook]; !ok {
		r.fail("hook %s not found (hook: is relative to the hooks folder %s)", s.hookPath(c.Hook), s.hooksDir)
		return
	}
	if err := s.hookRT.broken[c.Hook]; err != nil {
		r.fail("the hook does not compile: %s", scriptErr(s, err))
		return
	}
	export := c.Handler
	if export == "" {
		export = "handler"
	}
	ev, t, err := c.event(s, export)
	if err != nil {
		r.fail("%v", err)
		return
	}
	eventJSON, err := json.Marshal(ev)
	if err != nil {
		r.fail("encoding the event: %v", err)
		return
	}
	var ctxJSON []byte
	if c.Context.Kind != 0 {
		if ctxJSON, err = nodeJSON(&c.Context); err != nil {
			r.fail("context: %v", err)
			return
		}
	}
	timeout := c.Timeout.Duration
	if timeout == 0 {
		timeout = s.timeout(t)
	}

	pool := jsruntime.NewPool(s.hookRT.bundle)
	defer pool.Close()
	console := &event.CallTrace{}
	out, err := pool.Call(ctx, jsruntime.Call{Entry: c.Hook, Export: export, EventJSON: string(eventJSON),
		ContextJSON: string(ctxJSON), Timeout: timeout, FunctionName: path.Base(c.Hook),
		RequestID: requestID(ev), JSON: true, Console: console})
	r.Console = consoleOf("", console)
	var class hooks.Class
	switch {
	case err != nil:
		// A hook that does not load fails the same way as one that throws; which it was tells
		// whether the case can expect it.
		if lerr := pool.Check(ctx, []jsruntime.Export{{File: c.Hook, Name: export}}); lerr != nil {
			r.fail("the hook does not load: %s", scriptErr(s, lerr))
			return
		}
		class = hooks.ClassOf(err)
	default:
		if verr := hooks.CheckResult(string(eventJSON), out.(string)); verr != nil {
			if hooks.ClassOf(verr) != hooks.ValidationError {
				r.fail("the event cannot be checked: %v", verr)
				return
			}
			class, err = hooks.ValidationError, verr
		}
	}
	c.compare(s, r, class, err, out)
}

// compare checks the outcome against the expectations. A result CloudFront would reject fails
// the case unless the case expects that error.
func (c *hookCase) compare(s *suite, r *result, class hooks.Class, err error, out any) {
	want := c.Expect
	var msg string
	if err != nil {
		msg = scriptErr(s, err)
	}
	if checkError(r, want.Error, string(class), msg, parsed(out)) && want.Result.Kind != 0 {
		exp, perr := nodeValue(&want.Result)
		if perr != nil {
			r.fail("expect.result: %v", perr)
		} else {
			subset(r, "result", exp, parsed(out))
		}
	}
	consoleLines(r, want.Console, r.Console)
}

// event is the event the hook gets, and the trigger it runs as: the case's, else the event's
// eventType, else the one the config binds the file to.
func (c *hookCase) event(s *suite, export string) (map[string]any, event.Trigger, error) {
	var short map[string]any
	if c.Event.Kind != 0 {
		v, err := nodeValue(&c.Event)
		if err != nil {
			return nil, "", fmt.Errorf("event: %w", err)
		}
		var ok bool
		if short, ok = v.(map[string]any); !ok {
			return nil, "", errors.New("event: must be an object")
		}
	}
	t := event.Trigger(c.Trigger)
	if t == "" {
		t = eventType(short)
	}
	if t == "" {
		hookWith := func(b hooks.Binding) bool {
			return b.Runtime == "" && (b.Handler == export || b.Handler == "" && export == "handler")
		}
		switch bound := s.triggersOf(c.Hook, hookWith); len(bound) {
		case 1:
			t = bound[0]
		case 0:
			what := c.Hook
			if export != "handler" {
				what += " (export " + export + ")"
			}
			return nil, "", fmt.Errorf("add trigger: to the case (%s): %s is bound to no trigger by %s, and the event has no eventType%s", strings.Join(triggers, ", "), what, s.binder(), s.configHint())
		default:
			return nil, "", fmt.Errorf("add trigger: to the case: %s is bound to %d triggers by %s (%v)", c.Hook, len(bound), s.binder(), bound)
		}
	}
	ev, err := sample.Event(t, short, s.eventDefaults(c.Hook, t))
	return ev, t, err
}

// eventType is the eventType of a whole event, if it has one.
func eventType(ev map[string]any) event.Trigger {
	recs, _ := ev["Records"].([]any)
	if len(recs) == 0 {
		return ""
	}
	rec, _ := recs[0].(map[string]any)
	cf, _ := rec["cf"].(map[string]any)
	cfg, _ := cf["config"].(map[string]any)
	s, _ := cfg["eventType"].(string)
	return event.Trigger(s)
}

// requestID is cf.config.requestId, which the hook's context also carries.
func requestID(ev map[string]any) string {
	recs, _ := ev["Records"].([]any)
	if len(recs) > 0 {
		rec, _ := recs[0].(map[string]any)
		cf, _ := rec["cf"].(map[string]any)
		cfg, _ := cf["config"].(map[string]any)
		if id, ok := cfg["requestId"].(string); ok {
			return id
		}
	}
	return "test"
}

// parsed is the handler's JSON result as data.
func parsed(out any) any {
	var v any
	if s, ok := out.(string); ok && json.Unmarshal([]byte(s), &v) == nil {
		return v
	}
	return nil
}

// scriptErr renders a hook error with its file inside the hooks folder, so that
// file:line:column can be opened from where the tests ran.
func scriptErr(s *suite, err error) string {
	var le *jsruntime.LoadError
	if errors.As(err, &le) && len(le.Problems) == 1 {
		err = le.Problems[0]
	}
	var se *jsruntime.ScriptError
	if errors.As(err, &se) && se.File != "" {
		c := *se
		c.File = s.hookPath(se.File)
		return c.Error()
	}
	return err.Error()
}

// nodeValue decodes YAML into plain JSON values.
func nodeValue(n *yaml.Node) (any, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	return jsonValue(v)
}

// nodeJSON encodes YAML as JSON.
func nodeJSON(n *yaml.Node) ([]byte, error) {
	v, err := nodeValue(n)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
