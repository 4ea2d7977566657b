package testrun

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/hooks/event/sample"
	"go.yaml.in/yaml/v3"
)

// testFile is one loaded test file.
type testFile struct {
	path  string // as found
	shown string // as reports name it
	data  []byte // what it held when loaded (watch mode compares)
	suite *suite
	cases []*testCase
}

// testCase is one case of any kind.
type testCase struct {
	file *testFile
	name string
	kind string
	line int
	run  caseRunner
}

// caseRunner is a case of some kind, ready to run against a suite.
type caseRunner interface {
	run(ctx context.Context, s *suite, r *result)
}

// caseKinds are the kinds of case, each recognised by a key only it has.
var caseKinds = []struct {
	key, kind string
	load      func(n *yaml.Node, f *testFile) (caseRunner, string, error)
}{
	{"hook", "hook", loadHookCase},
	{"function", "function", loadFunctionCase},
	{"requests", "distribution", loadDistCase},
}

// isTestFile reports whether a file found in a folder is a test file.
func isTestFile(name string) bool {
	for _, ext := range []string{".test.yaml", ".test.yml", ".test.json"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// findFiles lists the test files of paths: files as given, and the test files under folders
// (dot folders and node_modules skipped). Missing paths are problems.
func findFiles(paths []string) ([]string, []string) {
	var files, problems []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: no such file or folder", p))
			continue
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if !d.IsDir() && isTestFile(d.Name()) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", p, err))
		}
	}
	slices.Sort(files)
	return slices.Compact(files), problems
}

// loadFile reads a test file: a list of cases, or {cases: [...]}. Every problem is returned,
// each as file:line: reason.
func loadFile(path string, s *suite) (*testFile, []string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: %v", path, err)}
	}
	f := &testFile{path: path, shown: shownPath(path), data: data, suite: s}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, []string{config.SyntaxProblem(f.shown, data, err).String()}
	}
	if len(root.Content) == 0 {
		return nil, []string{f.shown + ": the file has no cases"}
	}
	list := root.Content[0]
	if list.Kind == yaml.MappingNode {
		var cases *yaml.Node
		for i := 0; i+1 < len(list.Content); i += 2 {
			if k := list.Content[i]; k.Value == "cases" {
				cases = list.Content[i+1]
			} else {
				return nil, []string{fmt.Sprintf("%s:%d: %s", f.shown, k.Line, config.UnknownField(k.Value, []string{"cases"}))}
			}
		}
		if cases == nil {
			return nil, []string{fmt.Sprintf("%s:%d: a test file is a list of cases, or {cases: [...]}", f.shown, list.Line)}
		}
		list = cases
	}
	if list.Kind != yaml.SequenceNode {
		return nil, []string{fmt.Sprintf("%s:%d: a test file is a list of cases, or {cases: [...]}", f.shown, list.Line)}
	}
	var problems config.Errors
	names := map[string]int{}
	for _, n := range list.Content {
		c, errs := loadCase(f, n)
		for _, e := range errs {
			problems = append(problems, lineProblems(f.shown, e)...)
		}
		if c == nil {
			continue
		}
		if prev, dup := names[c.name]; dup {
			problems = append(problems, config.Problem{File: f.shown, Line: c.line, Msg: fmt.Sprintf("the name %q is taken by the case on line %d", c.name, prev)})
		}
		names[c.name] = c.line
		f.cases = append(f.cases, c)
	}
	slices.SortStableFunc(problems, func(a, b config.Problem) int { return a.Line - b.Line })
	var out []string
	for _, p := range problems {
		out = append(out, p.String())
	}
	return f, out
}

// loadCase reads one case, of the kind its keys say.
func loadCase(f *testFile, n *yaml.Node) (*testCase, []error) {
	if n.Kind != yaml.MappingNode {
		return nil, []error{lineErr(n, "a case is a mapping with a name")}
	}
	var kinds []int
	for i, k := range caseKinds {
		// origins alone is a distribution case without requests, which its loader says.
		if mapKey(n, k.key) != nil || (k.kind == "distribution" && mapKey(n, "origins") != nil) {
			kinds = append(kinds, i)
		}
	}
	switch {
	case len(kinds) == 0:
		errs := []error{lineErr(n, "a case needs hook: FILE (a hook case), function: FILE (a CloudFront Function case) or requests: (a distribution case)")}
		// A misspelt kind key (hok:, reqests:) is the likely cause: name it.
		if msgs := unknownCaseKeys(n); len(msgs) > 0 {
			errs = append(errs, &yaml.TypeError{Errors: msgs})
		}
		return nil, errs
	case len(kinds) > 1:
		return nil, []error{lineErr(n, "a case is one of a hook case (hook:), a function case (function:) and a distribution case (requests:)")}
	}
	k := caseKinds[kinds[0]]
	run, name, err := k.load(n, f)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	if name == "" {
		errs = append(errs, lineErr(n, "a case needs a name"))
	}
	return &testCase{file: f, name: name, kind: k.kind, line: n.Line, run: run}, errs
}

// caseKeys are the keys a case of any kind may have, the kinds' own keys first (they win a tie
// when a misspelt key is matched).
var caseKeys = sync.OnceValue(func() []string {
	keys := []string{"hook", "function", "requests"}
	for _, t := range []reflect.Type{reflect.TypeFor[hookCase](), reflect.TypeFor[functionCase](), reflect.TypeFor[distCase]()} {
		for f := range t.Fields() {
			if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name != "" && !slices.Contains(keys, name) {
				keys = append(keys, name)
			}
		}
	}
	return keys
})

// unknownCaseKeys lists the keys of a case that no kind of case has, as "line N: reason".
func unknownCaseKeys(n *yaml.Node) []string {
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !slices.Contains(caseKeys(), k.Value) {
			out = append(out, fmt.Sprintf("line %d: %s", k.Line, config.UnknownField(k.Value, caseKeys())))
		}
	}
	return out
}

func mapKey(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i]
		}
	}
	return nil
}

// decodeCase decodes a case strictly and returns its problems as "line N: reason".
func decodeCase(n *yaml.Node, v any) ([]string, error) {
	err := strictDecode(n, v)
	var te *yaml.TypeError
	if err != nil && !errors.As(err, &te) {
		return nil, err
	}
	if te == nil {
		return nil, nil
	}
	return te.Errors, nil
}

func loadHookCase(n *yaml.Node, _ *testFile) (caseRunner, string, error) {
	c := &hookCase{}
	msgs, err := decodeCase(n, c)
	if err != nil {
		return c, c.Name, err
	}
	at := problemAt(n, &msgs)
	switch {
	case c.Hook == "":
		at("hook", "hook: names a file in the hooks folder")
	case filepath.IsAbs(c.Hook) || strings.Contains(c.Hook, ".."):
		at("hook", "hook: %q must be a path inside the hooks folder", c.Hook)
	}
	c.Hook = filepath.ToSlash(filepath.Clean(c.Hook))
	if c.Trigger != "" && !event.Trigger(c.Trigger).Valid() {
		if near, ok := config.Nearest(c.Trigger, triggers); ok {
			at("trigger", "%q is not a trigger (did you mean %q?)", c.Trigger, near)
		} else {
			at("trigger", "%q is not a trigger (%s)", c.Trigger, strings.Join(triggers, ", "))
		}
	}
	if c.Timeout.Set && c.Timeout.Duration <= 0 {
		at("timeout", "a timeout must be positive (write 500ms, 2s)")
	}
	if c.Expect.Result.Kind != 0 && c.Expect.Error != nil {
		at("expect", "expect a result or an error, not both")
	}
	msgs = append(msgs, shortEventFields(&c.Event, "Records", sample.ShortFields)...)
	if len(msgs) > 0 {
		return c, c.Name, &yaml.TypeError{Errors: msgs}
	}
	return c, c.Name, nil
}

// problemAt returns a function that adds a problem to msgs on the line of n's key (n's own line
// when the key is not there).
func problemAt(n *yaml.Node, msgs *[]string) func(key, format string, args ...any) {
	return func(key, format string, args ...any) {
		line := n.Line
		if k := mapKey(n, key); k != nil {
			line = k.Line
		}
		*msgs = append(*msgs, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
	}
}

var triggers = []string{string(event.ViewerRequest), string(event.OriginRequest), string(event.OriginResponse), string(event.ViewerResponse)}

func loadDistCase(n *yaml.Node, f *testFile) (caseRunner, string, error) {
	c := &distCase{}
	msgs, err := decodeCase(n, c)
	if err != nil {
		return c, c.Name, err
	}
	if len(c.Requests) == 0 {
		msgs = append(msgs, fmt.Sprintf("line %d: a distribution case needs requests", n.Line))
	}
	for i, item := range valueOf(n, "requests").Content {
		if i < len(c.Requests) {
			c.Requests[i].line = item.Line
		}
	}
	for _, req := range c.Requests {
		msgs = append(msgs, req.check()...)
	}
	msgs = append(msgs, c.checkOrigins(n, f.suite)...)
	if len(msgs) > 0 {
		return c, c.Name, &yaml.TypeError{Errors: msgs}
	}
	return c, c.Name, nil
}

// valueOf is the value node of key in mapping n.
func valueOf(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return &yaml.Node{}
}

func (r *testRequest) check() []string {
	var msgs []string
	bad := func(format string, args ...any) {
		msgs = append(msgs, fmt.Sprintf("line %d: ", r.line)+fmt.Sprintf(format, args...))
	}
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	r.Method = strings.ToUpper(r.Method)
	if !slices.Contains(edge.KnownMethods, r.Method) {
		bad("method %q is not one of %s", r.Method, strings.Join(edge.KnownMethods, ", "))
	}
	if !strings.HasPrefix(r.Path, "/") {
		bad("path %q must start with /", r.Path)
	}
	if r.Expect.Hooks != nil {
		for _, h := range *r.Expect.Hooks {
			name := strings.TrimPrefix(h, "page:")
			fn, isFunction := strings.CutPrefix(name, "function:")
			switch t := event.Trigger(fn); {
			case isFunction && t != event.ViewerRequest && t != event.ViewerResponse:
				bad("expect.hooks: %q: CloudFront Functions run on viewer-request and viewer-response", h)
			case !t.Valid():
				bad("expect.hooks: %q is not a trigger (%s, function:viewer-request or function:viewer-response, each optionally page:…)", h, strings.Join(triggers, ", "))
			}
		}
	}
	return msgs
}

// checkOrigins checks that the scripted origins are origins of the distribution.
func (c *distCase) checkOrigins(n *yaml.Node, s *suite) []string {
	var known []string
	if s.byName {
		known = []string{"origin", "primary", "secondary"}
	} else {
		for _, o := range s.cfg.Origins {
			known = append(known, o.ID)
		}
	}
	var msgs []string
	for id, script := range c.Origins {
		if !slices.Contains(known, id) {
			what := "the config has no origin " + id
			if s.byName {
				what = "without --config the origins are origin (one), or primary and secondary (a group)"
			}
			msgs = append(msgs, fmt.Sprintf("line %d: origins.%s: %s (%s)", script.line, id, what, strings.Join(known, ", ")))
		}
	}
	if s.byName && c.Origins["origin"] != nil && (c.Origins["primary"] != nil || c.Origins["secondary"] != nil) {
		msgs = append(msgs, fmt.Sprintf("line %d: script origin, or primary and secondary, not both", valueOf(n, "origins").Line))
	}
	return msgs
}

// lineProblems turns decoding errors ("line N: reason") into problems of file.
func lineProblems(file string, err error) []config.Problem {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []config.Problem{{File: file, Msg: err.Error()}}
	}
	out := make([]config.Problem, len(te.Errors))
	for i, m := range te.Errors {
		out[i] = config.LineProblem(file, m)
	}
	return out
}

// shownPath names a file relative to the working folder when it is inside it.
func shownPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}
