package config

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong (or worth a warning) in a config file.
type Problem struct {
	File  string
	Line  int
	Field string // a path such as origins[1].connection_attempts
	Msg   string
}

func (p Problem) String() string {
	loc := p.File
	if p.Line > 0 {
		loc += ":" + strconv.Itoa(p.Line)
	}
	if p.Field != "" {
		return fmt.Sprintf("%s: %s: %s", loc, p.Field, p.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, p.Msg)
}

// Errors is every problem found; a config with any is refused.
type Errors []Problem

func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// checker collects problems, locating each field in the YAML tree for its line.
type checker struct {
	file     string
	root     *yaml.Node
	errs     Errors
	warnings []Problem
}

func (c *checker) errorf(path string, format string, args ...any) {
	c.errs = append(c.errs, Problem{File: c.file, Line: c.line(path), Field: path, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) warnf(path string, format string, args ...any) {
	c.warnings = append(c.warnings, Problem{File: c.file, Line: c.line(path), Field: path, Msg: fmt.Sprintf(format, args...)})
}

var pathPart = regexp.MustCompile(`([^.\[\]]+)|\[(\d+)\]`)

// line finds the line of a field path such as "behaviors[2].hooks.viewer-request". When the
// exact field is absent (a default was missing), the nearest enclosing node's line is used.
func (c *checker) line(path string) int {
	n := c.root
	if n == nil {
		return 0
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, m := range pathPart.FindAllStringSubmatch(path, -1) {
		var next *yaml.Node
		switch {
		case m[2] != "" && n.Kind == yaml.SequenceNode:
			if i, _ := strconv.Atoi(m[2]); i < len(n.Content) {
				next = n.Content[i]
			}
		case m[1] != "" && n.Kind == yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == m[1] {
					next = n.Content[i+1]
					if next.Kind == yaml.ScalarNode {
						line = n.Content[i].Line
					}
					break
				}
			}
		}
		if next == nil {
			return line
		}
		n = next
		line = n.Line
	}
	return line
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// LineProblem reads one of yaml's "line N: message" texts into a Problem.
func LineProblem(file, msg string) Problem {
	p := Problem{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
	if g := yamlLine.FindStringSubmatch(msg); g != nil {
		p.Line, _ = strconv.Atoi(g[1])
		p.Msg = g[2]
	}
	return p
}

// typeProblems turns yaml's decoding errors (wrong types, unknown fields) into Problems.
func typeProblems(file string, te *yaml.TypeError) Errors {
	var out Errors
	for _, m := range te.Errors {
		p := LineProblem(file, m)
		// "field x not found in type config.Origin": say it in the config's words, with the
		// field meant when it is a typo of one that is valid at that place.
		if f, ok := strings.CutPrefix(p.Msg, "field "); ok {
			if name, typ, ok := strings.Cut(f, " not found in type "); ok {
				if known := fieldsByType()[typ]; known != nil {
					p.Msg = UnknownField(name, known)
				}
			}
		}
		p.Msg = strings.ReplaceAll(p.Msg, "!!str", "text")
		out = append(out, p)
	}
	return out
}

// SyntaxProblem is a YAML syntax error, on the line at fault.
func SyntaxProblem(file string, data []byte, err error) Problem {
	p := LineProblem(file, err.Error())
	lines := bytes.SplitAfter(data, []byte("\n"))
	if l := faultLine(lines, p.Msg); l > 0 {
		p.Line = l
	}
	if p.Line > 0 && p.Line <= len(lines) {
		p.Msg += syntaxHint(p.Msg, lines[p.Line-1])
	}
	return p
}

// maxRescan bounds the files faultLine rescans (its cost grows with the square of the length).
const maxRescan = 2000

// faultLine finds the line a YAML syntax error is on. yaml names the line before the one where
// the enclosing block starts (a bad indentation three lines into a mapping is reported on the
// line above the mapping), or no line at all. The first prefix of the file that fails with the
// same message ends on the line at fault, unless it fails only because it cuts a multi-line
// value (a quoted string, a flow list) short, which a slightly longer prefix shows by parsing.
// It returns 0 when it cannot tell.
func faultLine(lines [][]byte, msg string) int {
	if len(lines) > maxRescan {
		return 0
	}
	fails := func(n int) (bool, string) {
		var node yaml.Node
		err := yaml.Unmarshal(bytes.Join(lines[:n], nil), &node)
		if err == nil {
			return false, ""
		}
		return true, LineProblem("", err.Error()).Msg
	}
	for l := 1; l <= len(lines); l++ {
		if failed, m := fails(l); !failed || m != msg {
			continue
		}
		cut := false
		for k := l + 1; k <= min(l+20, len(lines)); k++ {
			if failed, _ := fails(k); !failed {
				cut, l = true, k
				break
			}
		}
		if !cut {
			return l
		}
	}
	return 0
}

// syntaxHint says what usually causes one of yaml's terse messages, given the line at fault.
func syntaxHint(msg string, line []byte) string {
	indent := line[:len(line)-len(bytes.TrimLeft(line, " \t"))]
	switch {
	case strings.Contains(msg, "tab"):
		return ""
	case bytes.ContainsRune(indent, '\t'):
		return " (YAML indents with spaces, not tabs)"
	case strings.HasPrefix(msg, "did not find expected key"), strings.HasPrefix(msg, "did not find expected '-' indicator"):
		return " (is this line indented like the ones before it?)"
	case msg == "mapping values are not allowed in this context":
		return " (is this line indented too far, or is there a second ':' in a value that needs quotes?)"
	}
	return ""
}
