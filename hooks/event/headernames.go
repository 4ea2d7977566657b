package event

import (
	"cmp"
	"slices"
	"strings"
)

// HeaderNamesInOrder returns the keys of a header object a hook returned in the order their
// values are merged: "X-A" and "x-a" are one header, the lower-case name first, then the others
// in sorted order. The result then never depends on the map's order.
func HeaderNamesInOrder[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		la, lb := strings.ToLower(a), strings.ToLower(b)
		return cmp.Or(strings.Compare(la, lb), cmp.Compare(notLower(a, la), notLower(b, lb)), strings.Compare(a, b))
	})
	return names
}

func notLower(name, lower string) int {
	if name != lower {
		return 1
	}
	return 0
}
