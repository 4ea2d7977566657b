package testrun

import (
	"fmt"
	"slices"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"go.yaml.in/yaml/v3"
)

// shortEventFields lists, as "line N: reason", the fields of a case's short-form event (and of
// its request and response) that fields does not have. A whole event (one with the key whole:
// Records, or version for a function) is passed as given and not checked. Found when the file
// is read, a misspelt field stops the run with its line, as any other unknown field of a test
// file does, instead of failing the case later at the case's first line.
func shortEventFields(ev *yaml.Node, whole string, fields map[string][]string) []string {
	if ev.Kind != yaml.MappingNode || mapKey(ev, whole) != nil {
		return nil
	}
	var out []string
	var check func(n *yaml.Node, part string)
	check = func(n *yaml.Node, part string) {
		known := fields[part]
		where := "event"
		if part != "" {
			where += "." + part
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case !slices.Contains(known, k.Value):
				out = append(out, fmt.Sprintf("line %d: %s: %s", k.Line, where, config.UnknownField(k.Value, known)))
			case part == "" && v.Kind == yaml.MappingNode:
				if _, sub := fields[k.Value]; sub {
					check(v, k.Value)
				}
			}
		}
	}
	check(ev, "")
	return out
}
