package testrun

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// result is how one case went.
type result struct {
	File     string // as shown (relative to the working folder when inside it)
	Name     string
	Kind     string // hook, function or distribution
	Line     int
	Duration time.Duration
	Failures []failure
	Notes    []string  // what helps to read the failures (what each origin received)
	Console  []logLine // what the hooks printed
}

func (r *result) passed() bool { return len(r.Failures) == 0 }

// failure is one thing a case found wrong: a value at a path that differs from what was
// expected (Expected and Got are JSON), or a message.
type failure struct {
	Path     string `json:"path,omitempty"`
	Expected string `json:"expected,omitempty"`
	Got      string `json:"got,omitempty"`
	Message  string `json:"message,omitempty"`
}

func (r *result) fail(format string, args ...any) {
	r.Failures = append(r.Failures, failure{Message: fmt.Sprintf(format, args...)})
}

// mismatch records a differing value; want and got are any JSON-like values, or noValue.
func (r *result) mismatch(path string, want, got any) {
	r.Failures = append(r.Failures, failure{Path: path, Expected: show(want), Got: show(got)})
}

// noValue stands for a member or element that is not there.
type missing struct{}

var noValue = missing{}

// show renders a value for a diff: JSON, so that "302" and 302 read differently.
func show(v any) string {
	if _, ok := v.(missing); ok {
		return "(absent)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	const max = 300
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// subset compares want, a subset of what is expected, with got: objects match when every
// member of want matches got's member of that name; lists match element by element and must
// have the same length; anything else must be equal (a number is not a string). Both are plain
// JSON values (map[string]any, []any, string, float64, bool, nil).
func subset(r *result, path string, want, got any) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			r.mismatch(path, want, got)
			return
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				r.mismatch(member(path, k), w[k], noValue)
				continue
			}
			subset(r, member(path, k), w[k], gv)
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			r.mismatch(path, want, got)
			return
		}
		for i := range max(len(w), len(g)) {
			p := path + "[" + strconv.Itoa(i) + "]"
			switch {
			case i >= len(g):
				r.mismatch(p, w[i], noValue)
			case i >= len(w):
				r.mismatch(p, noValue, g[i])
			default:
				subset(r, p, w[i], g[i])
			}
		}
	default:
		if want != got {
			r.mismatch(path, want, got)
		}
	}
}

var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// member is the JavaScript path of member k of path: a.b, or a["x-y"].
func member(path, k string) string {
	if identifier.MatchString(k) {
		return path + "." + k
	}
	q, _ := json.Marshal(k)
	return path + "[" + string(q) + "]"
}

// jsonValue turns decoded YAML into plain JSON values (integers become float64, as
// encoding/json decodes numbers).
func jsonValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// consoleLines checks that the lines wanted were printed, in that order (others may come in
// between).
func consoleLines(r *result, want []string, got []logLine) {
	i := 0
	for _, w := range want {
		j := slices.IndexFunc(got[i:], func(l logLine) bool { return l.Text == w })
		if j < 0 {
			texts := make([]any, len(got))
			for k, l := range got {
				texts[k] = l.Text
			}
			r.Failures = append(r.Failures, failure{Path: "console", Expected: show(w) + " (in this order after the lines before it)", Got: show(texts)})
			return
		}
		i += j + 1
	}
}

// sameList compares an expected list of names with what happened.
func sameList(r *result, path string, want, got []string) {
	if !slices.Equal(want, got) {
		if got == nil {
			got = []string{}
		}
		r.Failures = append(r.Failures, failure{Path: path, Expected: show(want), Got: show(got)})
	}
}

// oneLine shortens a multi-line message to its first line.
func oneLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// checkError compares the error a call ended with (its class, "" for none, and its text) with
// the error expected (nil for none); got is the result, shown when an error was expected. It
// reports whether the call succeeded as expected, so that its result is to be compared. A result
// CloudFront would refuse is an error: it fails the case unless the case expects it.
func checkError(r *result, want *errorExpect, class, msg string, got any) bool {
	switch {
	case class != "" && want == nil:
		r.Failures = append(r.Failures, failure{Path: "error", Expected: "no error", Got: class + ": " + msg})
	case class != "" && class != want.Class:
		r.Failures = append(r.Failures, failure{Path: "error", Expected: want.Class, Got: class + ": " + msg})
	case class != "" && !strings.Contains(msg, want.Message):
		r.Failures = append(r.Failures, failure{Path: "error.message", Expected: "text containing " + show(want.Message), Got: show(msg)})
	case class == "" && want != nil:
		r.Failures = append(r.Failures, failure{Path: "error", Expected: want.Class, Got: "a valid result: " + show(got)})
	default:
		return class == ""
	}
	return false
}
