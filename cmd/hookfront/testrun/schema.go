package testrun

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"go.yaml.in/yaml/v3"
)

// A test file is a list of cases, or {cases: [...]}. The key a case is recognised by names its
// kind: hook (one hook on one event), function (one CloudFront Function on one event) or
// requests (the whole distribution, with scripted origins). Each kind is an entry in caseKinds
// with its own struct.

// hookCase runs one hook once on an event.
type hookCase struct {
	Name    string          `yaml:"name"`
	Hook    string          `yaml:"hook"`    // relative to the hooks folder
	Handler string          `yaml:"handler"` // default "handler"
	Trigger string          `yaml:"trigger"` // default: what the config binds the file to
	Timeout config.Duration `yaml:"timeout"` // default: hook_timeouts for the trigger
	Event   yaml.Node       `yaml:"event"`   // a whole event, or the short form {request, response, config}
	Context yaml.Node       `yaml:"context"` // fields laid over the context object
	Expect  hookExpect      `yaml:"expect"`
}

// hookExpect is what a hook case checks.
type hookExpect struct {
	Result  yaml.Node    `yaml:"result"` // a subset of the result
	Error   *errorExpect `yaml:"error"`
	Console []string     `yaml:"console"` // lines the hook logged, in this order
}

// errorExpect is a Lambda error class, optionally with a message substring.
type errorExpect struct {
	Class   string `yaml:"class"`
	Message string `yaml:"message"`
}

// UnmarshalYAML reads `error: LambdaValidationError` and `error: {class, message}`.
func (e *errorExpect) UnmarshalYAML(n *yaml.Node) error {
	return e.decode(n, "a Lambda", "LambdaExecutionError", "LambdaValidationError", "LambdaLimitExceeded")
}

// decode reads an error class, or {class, message}; the class must be one of classes.
func (e *errorExpect) decode(n *yaml.Node, what string, classes ...string) error {
	if n.Kind == yaml.ScalarNode {
		e.Class = n.Value
	} else {
		type plain errorExpect
		if err := strictDecode(n, (*plain)(e)); err != nil {
			return err
		}
	}
	if slices.Contains(classes, e.Class) {
		return nil
	}
	return lineErr(n, "error %q is not %s error class (%s or %s)", e.Class, what, strings.Join(classes[:len(classes)-1], ", "), classes[len(classes)-1])
}

// distCase runs requests through the distribution, with its origins replaced by scripted ones.
type distCase struct {
	Name     string                   `yaml:"name"`
	Origins  map[string]*originScript `yaml:"origins"` // by origin id
	Requests []*testRequest           `yaml:"requests"`
}

// originScript is what a scripted origin answers: a list of replies, one per request in order,
// or one reply for every request.
type originScript struct {
	Replies []*reply
	Every   *reply
	line    int
}

// UnmarshalYAML reads a list of replies or a single one.
func (s *originScript) UnmarshalYAML(n *yaml.Node) error {
	s.line = n.Line
	switch n.Kind {
	case yaml.SequenceNode:
		for _, item := range n.Content {
			r := &reply{}
			if err := strictDecode(item, r); err != nil {
				return err
			}
			if r.Refuse {
				return lineErr(item, "refuse: true makes the origin a closed port for every request; write it as the origin's only reply (primary: {refuse: true})")
			}
			if err := r.check(item); err != nil {
				return err
			}
			s.Replies = append(s.Replies, r)
		}
		return nil
	case yaml.MappingNode:
		s.Every = &reply{}
		if err := strictDecode(n, s.Every); err != nil {
			return err
		}
		return s.Every.check(n)
	}
	return lineErr(n, "an origin's script is a list of replies, or one reply for every request")
}

// reply is one scripted answer.
type reply struct {
	Status            int               `yaml:"status"` // default 200
	Headers           map[string]string `yaml:"headers"`
	Body              string            `yaml:"body"`
	Refuse            bool              `yaml:"refuse"`              // a closed port
	Hang              bool              `yaml:"hang"`                // accept, read the request, never answer
	ResetAfterHeaders bool              `yaml:"reset_after_headers"` // send the headers, then reset the connection
}

func (r *reply) check(n *yaml.Node) error {
	special := 0
	for _, b := range []bool{r.Refuse, r.Hang, r.ResetAfterHeaders} {
		if b {
			special++
		}
	}
	switch {
	case special > 1:
		return lineErr(n, "give one of refuse, hang and reset_after_headers")
	case (r.Refuse || r.Hang) && (r.Status != 0 || r.Body != "" || len(r.Headers) > 0):
		return lineErr(n, "an origin that refuses or hangs sends no status, headers or body")
	case r.Status != 0 && (r.Status < 100 || r.Status > 599):
		return lineErr(n, "status %d is not an HTTP status", r.Status)
	}
	if r.Status == 0 {
		r.Status = 200
	}
	return nil
}

// testRequest is one viewer request of a distribution case.
type testRequest struct {
	Method  string            `yaml:"method"` // default GET
	Path    string            `yaml:"path"`   // with the query string
	Headers map[string]string `yaml:"headers"`
	Body    string            `yaml:"body"`
	Expect  requestExpect     `yaml:"expect"`
	line    int
}

// requestExpect is what a request of a distribution case checks. Unset fields are not checked.
type requestExpect struct {
	Status       int               `yaml:"status"`
	Headers      map[string]string `yaml:"headers"` // a subset; "absent" means the header is not there
	BodyContains string            `yaml:"body_contains"`
	XCache       string            `yaml:"x_cache"`
	Attempts     *[]string         `yaml:"attempts"` // origin ids tried, in order; page: for error-page fetches
	Hooks        *[]string         `yaml:"hooks"`    // triggers that ran, in order; function: for a CloudFront Function, page: while fetching an error page
}

// absent, as a header's expected value, means the header must not be there.
const absent = "absent"

// lineErr is a decoding error yaml reports with the others, on n's line.
func lineErr(n *yaml.Node, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: ", n.Line) + fmt.Sprintf(format, args...)}}
}
