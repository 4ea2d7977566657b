package config

import (
	"fmt"
	"path"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/hookfront/hookfront/hooks/event"
)

// Nearest returns the candidate a misspelt word most likely meant: the closest by edit distance
// (insertions, deletions, substitutions and swaps of neighbours each count one; case is
// ignored), if it is at most two edits away and the edits are less than half of the word, so
// that short words do not match everything. The first of equally close candidates wins.
func Nearest(word string, candidates []string) (string, bool) {
	w := strings.ToLower(word)
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(w, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" || 2*bestDist >= len([]rune(w)) {
		return "", false
	}
	return best, true
}

// editDistance is the optimal string alignment distance (Damerau–Levenshtein without
// editing a substring twice), which counts a swap of two neighbours as one typo.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// Three rows: the swap looks two back.
	prev2, prev, cur := make([]int, len(t)+1), make([]int, len(t)+1), make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}

// UnknownField says that name is not one of the fields known at its place, with the one it
// probably meant, or else the list.
func UnknownField(name string, known []string) string {
	if s, ok := Nearest(name, known); ok {
		return fmt.Sprintf("unknown field %q (did you mean %q?)", name, s)
	}
	return fmt.Sprintf("unknown field %q (known here: %s)", name, strings.Join(known, ", "))
}

// fieldsByType maps the Go type names yaml names in its "field x not found in type config.T"
// errors to the YAML fields of that type, in declaration order.
var fieldsByType = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || out[t.String()] != nil {
			return
		}
		var names []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			names = append(names, name)
			walk(f.Type)
		}
		out[t.String()] = names
	}
	walk(reflect.TypeFor[File]())
	return out
})

// triggerNames are the names hooks bind to.
var triggerNames = []string{string(event.ViewerRequest), string(event.OriginRequest), string(event.OriginResponse), string(event.ViewerResponse)}

// TriggerFileHint is the name a file at the top of a --hooks folder probably meant to have when
// its own binds no trigger but is close to one: viewer-reponse.js, origin_request.js and
// viewerRequest.ts bind nothing, and viewer-response.js, origin-request.js and
// viewer-request.ts would.
func TriggerFileHint(file string) (string, bool) {
	ext := path.Ext(file)
	base := strings.TrimSuffix(file, ext)
	if event.Trigger(base).Valid() {
		return "", false
	}
	squash := strings.NewReplacer("-", "", "_", "", ".", "", " ", "")
	squashed := make([]string, len(triggerNames))
	for i, t := range triggerNames {
		squashed[i] = squash.Replace(t)
	}
	near, ok := Nearest(squash.Replace(base), squashed)
	if !ok {
		return "", false
	}
	return triggerNames[slices.Index(squashed, near)] + ext, true
}
