package config

import (
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

// decodeProblems turns yaml's messages into Problems with a line each.
func decodeProblems(file string, err error) Errors {
	var msgs []string
	if te, ok := err.(*yaml.TypeError); ok {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var out Errors
	for _, m := range msgs {
		p := Problem{File: file, Msg: m}
		if g := yamlLine.FindStringSubmatch(m); g != nil {
			p.Line, _ = strconv.Atoi(g[1])
			p.Msg = g[2]
		}
		// "field x not found in type config.Origin" says the right thing in Go's words.
		if f, ok := strings.CutPrefix(p.Msg, "field "); ok {
			if name, typ, ok := strings.Cut(f, " not found in type "); ok {
				p.Msg = fmt.Sprintf("unknown field %q (not a field of %s)", name, strings.ToLower(strings.TrimPrefix(typ, "config.")))
			}
		}
		p.Msg = strings.ReplaceAll(p.Msg, "!!str", "text")
		out = append(out, p)
	}
	return out
}
