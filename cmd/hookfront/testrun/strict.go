package testrun

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"go.yaml.in/yaml/v3"
)

// strictDecode decodes n into v and refuses fields v does not have, naming the one probably
// meant. yaml's Node.Decode accepts unknown fields (only a Decoder refuses them), so they are
// found by walking the node against v's type. Every problem comes back in one *yaml.TypeError,
// each "line N: reason".
func strictDecode(n *yaml.Node, v any) error {
	var msgs []string
	if err := n.Decode(v); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return err
		}
		msgs = append(msgs, te.Errors...)
	}
	msgs = append(msgs, unknownFields(n, reflect.TypeOf(v))...)
	if len(msgs) > 0 {
		return &yaml.TypeError{Errors: msgs}
	}
	return nil
}

var unmarshaler = reflect.TypeFor[yaml.Unmarshaler]()

// unknownFields lists the keys of n that type t has no field for, recursively. Types that read
// themselves (yaml.Unmarshaler) check their own fields.
func unknownFields(n *yaml.Node, t reflect.Type) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if reflect.PointerTo(t).Implements(unmarshaler) || t.Implements(unmarshaler) {
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return unknownFields(n, t.Elem())
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		var out []string
		for _, item := range n.Content {
			out = append(out, unknownFields(item, t.Elem())...)
		}
		return out
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var out []string
		for i := 1; i < len(n.Content); i += 2 {
			out = append(out, unknownFields(n.Content[i], t.Elem())...)
		}
		return out
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" || !f.IsExported() {
				continue
			}
			fields[name] = f.Type
			names = append(names, name)
		}
		var out []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			if !ok {
				out = append(out, fmt.Sprintf("line %d: %s", k.Line, config.UnknownField(k.Value, names)))
				continue
			}
			if ft != reflect.TypeFor[yaml.Node]() {
				out = append(out, unknownFields(n.Content[i+1], ft)...)
			}
		}
		return out
	}
	return nil
}
