package testrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/hooks/event/sample"
	"github.com/hookfront/hookfront/hooks/functions"
	"github.com/hookfront/hookfront/jsruntime"
	"go.yaml.in/yaml/v3"
)

// functionCase runs one CloudFront Function once on an event, as CloudFront's TestFunction does
// (and `invoke --runtime`): compiled for the case, so on a runtime of its own.
type functionCase struct {
	Name     string          `yaml:"name"`
	Function string          `yaml:"function"` // relative to the hooks folder
	Runtime  string          `yaml:"runtime"`  // default: the config's binding of the file, else cloudfront-js-2.0
	KVS      string          `yaml:"kvs"`      // a store file, relative to the test file; default: the binding's store
	Now      string          `yaml:"now"`      // RFC 3339: the function's clock
	Trigger  string          `yaml:"trigger"`  // viewer-request or viewer-response
	Timeout  config.Duration `yaml:"timeout"`  // the compute budget; default hook_timeouts.function
	Event    yaml.Node       `yaml:"event"`    // a whole event (with version), or the short form
	Expect   functionExpect  `yaml:"expect"`

	now time.Time
	dir string // the test file's folder
}

// functionExpect is what a function case checks.
type functionExpect struct {
	Result                yaml.Node            `yaml:"result"` // a subset of {request: ...} or {response: ...}
	Error                 *functionErrorExpect `yaml:"error"`
	Console               []string             `yaml:"console"`
	OriginCalls           yaml.Node            `yaml:"origin_calls"` // [{method, args}], a subset of each
	ComputeUtilizationMax *int                 `yaml:"compute_utilization_max"`
}

// functionErrorExpect is a CloudFront Functions error class, optionally with a message part.
type functionErrorExpect struct{ errorExpect }

// UnmarshalYAML reads `error: FunctionExecutionError` and `error: {class, message}`.
func (e *functionErrorExpect) UnmarshalYAML(n *yaml.Node) error {
	return e.decode(n, "a CloudFront Functions", string(functions.ExecutionError), string(functions.ValidationError), string(functions.ThrottledError))
}

func loadFunctionCase(n *yaml.Node, f *testFile) (caseRunner, string, error) {
	c := &functionCase{dir: filepath.Dir(f.path)}
	msgs, err := decodeCase(n, c)
	if err != nil {
		return c, c.Name, err
	}
	at := problemAt(n, &msgs)
	switch {
	case c.Function == "":
		at("function", "function: names a file in the hooks folder")
	case filepath.IsAbs(c.Function) || strings.Contains(c.Function, ".."):
		at("function", "function: %q must be a path inside the hooks folder", c.Function)
	}
	c.Function = filepath.ToSlash(filepath.Clean(c.Function))
	if c.Runtime != "" && !jsruntime.FunctionRuntime(c.Runtime).Valid() {
		at("runtime", "%q is not a CloudFront Functions runtime (cloudfront-js-1.0 or cloudfront-js-2.0)", c.Runtime)
	}
	if c.KVS != "" && jsruntime.FunctionRuntime(c.Runtime) == jsruntime.Runtime10 {
		at("kvs", "a key value store needs runtime cloudfront-js-2.0")
	}
	switch t := event.Trigger(c.Trigger); {
	case c.Trigger == "" || t == event.ViewerRequest || t == event.ViewerResponse:
	case t.Valid():
		at("trigger", "CloudFront Functions run only on viewer-request and viewer-response, not %s (CloudFront refuses the association; a Lambda@Edge hook case, hook: FILE, runs there)", t)
	default:
		at("trigger", "%q is not a trigger of CloudFront Functions (viewer-request or viewer-response)", c.Trigger)
	}
	if c.Now != "" {
		if c.now, err = time.Parse(time.RFC3339Nano, c.Now); err != nil {
			at("now", "now: %q is not an RFC 3339 time such as 2030-01-02T03:04:05Z", c.Now)
		}
	}
	if c.Timeout.Set && c.Timeout.Duration <= 0 {
		at("timeout", "a timeout must be positive (write 5ms, 1s)")
	}
	want := c.Expect
	if want.Error != nil && (want.Result.Kind != 0 || want.OriginCalls.Kind != 0) {
		at("expect", "expect a result (and origin_calls) or an error, not both")
	}
	if want.ComputeUtilizationMax != nil && *want.ComputeUtilizationMax <= 0 {
		at("expect", "compute_utilization_max is a positive percentage of 1 ms of compute")
	}
	msgs = append(msgs, shortEventFields(&c.Event, "version", sample.FunctionShortFields)...)
	if len(msgs) > 0 {
		return c, c.Name, &yaml.TypeError{Errors: msgs}
	}
	return c, c.Name, nil
}

// quiet drops the log lines of function loads and calls: what a case needs, it gets from the
// call itself.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// run calls the function once with CloudFront's validation, as TestFunction does, and compares
// what happened with what the case expects.
func (c *functionCase) run(ctx context.Context, s *suite, r *result) {
	if s.srcErr != nil {
		r.fail("%v", s.srcErr)
		return
	}
	src, ok := s.src.Files[c.Function]
	if !ok {
		r.fail("function %s not found (function: is relative to the hooks folder %s)", s.hookPath(c.Function), s.hooksDir)
		return
	}
	ev, t, err := c.event(s)
	if err != nil {
		r.fail("%v", err)
		return
	}
	eventJSON, err := json.Marshal(ev)
	if err != nil {
		r.fail("encoding the event: %v", err)
		return
	}
	bind := s.functionBinding(s.src, c.Function, t)
	rt := jsruntime.FunctionRuntime(c.Runtime)
	if rt == "" {
		rt = jsruntime.Runtime20
		if bind.Runtime != "" {
			rt = bind.Runtime
		}
	}
	var store *functions.Store
	if path, name := c.storeFile(s, bind); path != "" {
		if store, err = readStore(name, path); err != nil {
			r.fail("%v", err)
			return
		}
	}
	budget := c.Timeout.Duration
	if budget == 0 {
		budget = s.cfg.HookTimeouts.Function.Duration
	}
	res, err := functions.Test(ctx, c.Function, src, rt, eventJSON, store, c.now, functions.Options{Budget: budget, Log: quiet})
	for _, l := range res.Logs {
		r.Console = append(r.Console, logLine{Level: "log", Text: l})
	}
	var fe *functions.Error
	switch {
	case errors.As(err, &fe):
	case err != nil:
		var se *jsruntime.ScriptError
		var le *jsruntime.LoadError
		if errors.As(err, &se) || errors.As(err, &le) {
			r.fail("the function does not load: %s", scriptErr(s, err))
		} else {
			r.fail("%v", err)
		}
		return
	}
	var out map[string]any
	if fe == nil {
		if err := json.Unmarshal(res.Output, &out); err != nil {
			r.fail("reading the function's output: %v", err)
			return
		}
		if msg := s.unknownOrigin(out["originCalls"]); msg != "" {
			fe = &functions.Error{Kind: functions.ValidationError, Err: errors.New(msg)}
		}
	}
	c.compare(s, r, fe, out, res.ComputeUtilization)
}

// compare checks the outcome against the expectations. A result CloudFront would refuse fails
// the case unless the case expects that error.
func (c *functionCase) compare(s *suite, r *result, fe *functions.Error, out map[string]any, utilization int) {
	want := c.Expect
	var wantErr *errorExpect
	if want.Error != nil {
		wantErr = &want.Error.errorExpect
	}
	var class, msg string
	if fe != nil {
		class, msg = string(fe.Kind), functionErr(s, fe)
	}
	if checkError(r, wantErr, class, msg, resultOf(out)) {
		if want.Result.Kind != 0 {
			if exp, err := nodeValue(&want.Result); err != nil {
				r.fail("expect.result: %v", err)
			} else {
				subset(r, "result", exp, resultOf(out))
			}
		}
		if want.OriginCalls.Kind != 0 {
			calls, ok := out["originCalls"]
			if !ok {
				calls = []any{}
			}
			if exp, err := nodeValue(&want.OriginCalls); err != nil {
				r.fail("expect.origin_calls: %v", err)
			} else {
				subset(r, "origin_calls", exp, calls)
			}
		}
	}
	consoleLines(r, want.Console, r.Console)
	if max := want.ComputeUtilizationMax; max != nil && utilization > *max {
		r.Failures = append(r.Failures, failure{Path: "compute_utilization", Expected: fmt.Sprintf("at most %d", *max), Got: fmt.Sprint(utilization)})
	} else if !r.passed() {
		r.Notes = append(r.Notes, fmt.Sprintf("compute utilization %d", utilization))
	}
}

// resultOf is the output without the origin helper calls: {request: ...} or {response: ...}.
func resultOf(out map[string]any) map[string]any {
	res := make(map[string]any, len(out))
	for k, v := range out {
		if k != "originCalls" {
			res[k] = v
		}
	}
	return res
}

// event is the event the function gets, and the trigger it runs as: the case's, else the
// whole event's eventType, else the one the config binds the file to, else viewer-response when
// the short form has a response and viewer-request when not.
func (c *functionCase) event(s *suite) (map[string]any, event.Trigger, error) {
	short := map[string]any{}
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
	ctxType := ""
	if _, whole := short["version"]; whole {
		cx, _ := short["context"].(map[string]any)
		ctxType, _ = cx["eventType"].(string)
	}
	switch {
	case t != "" && ctxType != "" && ctxType != string(t):
		return nil, "", fmt.Errorf("the event's context.eventType is %s, the case's trigger %s", ctxType, t)
	case t != "":
	case ctxType != "":
		t = event.Trigger(ctxType)
	default:
		switch bound := s.triggersOf(c.Function, func(b hooks.Binding) bool { return b.Runtime != "" }); {
		case len(bound) == 1:
			t = bound[0]
		case len(bound) > 1:
			return nil, "", fmt.Errorf("add trigger: to the case: %s is bound to %d triggers by %s (%v)", c.Function, len(bound), s.binder(), bound)
		case short["response"] != nil:
			t = event.ViewerResponse
		default:
			t = event.ViewerRequest
		}
	}
	ev, err := sample.FunctionEvent(t, short, s.eventDefaults(c.Function, t))
	return ev, t, err
}

// storeFile is the key value store the function opens: the case's kvs file, else the store of
// the config's binding; "" for none.
func (c *functionCase) storeFile(s *suite, bind hooks.Binding) (path, name string) {
	if c.KVS != "" {
		p := filepath.Join(c.dir, filepath.FromSlash(c.KVS))
		if filepath.IsAbs(c.KVS) {
			p = c.KVS
		}
		return p, filepath.Base(p)
	}
	if bind.KeyValueStore == "" || s.byName {
		return "", ""
	}
	for _, st := range s.cfg.KeyValueStores {
		if st.Name == bind.KeyValueStore {
			return s.cfg.Resolve(st.File), st.Name
		}
	}
	return "", ""
}

// readStore reads a key value store file in CloudFront's import format.
func readStore(name, path string) (*functions.Store, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key value store %s: %w", name, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("key value store %s: %w", name, err)
	}
	return functions.ParseStore(name, shownPath(path), data, st.ModTime())
}

// functionErr renders a function's error as a case shows it: what went wrong, with the
// function's position inside the hooks folder, so that file:line:column can be opened from
// where the tests ran.
func functionErr(s *suite, fe *functions.Error) string {
	var se *jsruntime.ScriptError
	if errors.As(fe.Err, &se) && se.File != "" {
		return scriptErr(s, se)
	}
	return fe.Err.Error()
}

// unknownOrigin says which origin named by the origin helper calls the config does not have,
// as the edge refuses it (FunctionValidationError); "" when every one is there, or without a
// config (the origins are the test's).
func (s *suite) unknownOrigin(calls any) string {
	if s.byName {
		return ""
	}
	list, _ := calls.([]any)
	var named []string
	for _, c := range list {
		call, _ := c.(map[string]any)
		args, _ := call["args"].([]any)
		if len(args) == 0 {
			continue
		}
		switch call["method"] {
		case "selectRequestOriginById":
			if id, ok := args[0].(string); ok {
				named = append(named, id)
			}
		case "createRequestOriginGroup":
			g, _ := args[0].(map[string]any)
			ids, _ := g["originIds"].([]any)
			for _, x := range ids {
				if m, ok := x.(map[string]any); ok {
					x = m["originId"]
				}
				if id, ok := x.(string); ok {
					named = append(named, id)
				}
			}
		}
	}
	known := make([]string, len(s.cfg.Origins))
	for i, o := range s.cfg.Origins {
		known[i] = o.ID
	}
	for _, id := range named {
		if !slices.Contains(known, id) {
			return fmt.Sprintf("the function chose origin %q, which is not an origin of this distribution (origins: %s)", id, strings.Join(known, ", "))
		}
	}
	return ""
}

// functionBinding is how the config binds a function file: on trigger t if it is bound there,
// else on the first behavior that binds it (runtime and store are what a case takes from it);
// the zero Binding when it binds it nowhere.
func (s *suite) functionBinding(src jsruntime.Source, file string, t event.Trigger) hooks.Binding {
	b, _ := s.cfg.Hooks()(src) // a binding error fails distribution cases when they load
	var found *hooks.Binding
	for _, behavior := range slices.Sorted(maps.Keys(b)) {
		for bt, bind := range b[behavior] {
			if bind.Runtime == "" || bind.File != file {
				continue
			}
			if bt == t {
				return bind
			}
			if found == nil {
				found = &bind
			}
		}
	}
	if found == nil {
		return hooks.Binding{}
	}
	return *found
}
