// Package modgraph reads which files of a hooks folder a hook requires or imports, from the
// sources, without running them: what a deployment package has to hold, and what a change to
// a file can affect. A require whose name is not a string literal cannot be seen this way.
package modgraph

import (
	"encoding/json"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/hookfront/hookfront/jsruntime"
)

// specifiers finds the module names of require('x'), import … from 'x', import 'x',
// export … from 'x' and import('x').
var specifiers = regexp.MustCompile(`(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bimport\s+(?:[\w$*{}\s,]+\s+from\s+)?|\bexport\s+(?:[\w$*{}\s,]+\s+)?from\s+)['"]([^'"\n]+)['"]`)

// Reach lists file and every file of src it reaches through requires and imports, sorted.
// Names that resolve to nothing in src (built-in modules, missing files) are left out.
func Reach(src jsruntime.Source, file string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(f string) {
		if seen[f] {
			return
		}
		seen[f] = true
		if path.Ext(f) == ".json" {
			return
		}
		for _, m := range specifiers.FindAllStringSubmatch(string(src.Files[f]), -1) {
			if dep, ok := Resolve(src, path.Dir(f), m[1]); ok {
				walk(dep)
			}
		}
	}
	if _, ok := src.Files[file]; ok {
		walk(file)
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Resolve finds the file of src that a require of name from the folder dir loads, as Node
// does: a relative name as a file, with an extension added, or a folder's index; a bare name
// in the node_modules folders from dir up to the top of the hooks folder.
func Resolve(src jsruntime.Source, dir, name string) (string, bool) {
	if strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../") || strings.HasPrefix(name, "/") {
		p := path.Join(dir, name)
		if strings.HasPrefix(name, "/") {
			p = strings.TrimPrefix(path.Clean(name), "/")
		}
		return fileOrFolder(src, p)
	}
	if strings.HasPrefix(name, "node:") {
		return "", false
	}
	for d := dir; ; d = path.Dir(d) {
		if f, ok := fileOrFolder(src, path.Join(d, "node_modules", name)); ok {
			return f, true
		}
		if d == "." || d == "/" || d == "" {
			return "", false
		}
	}
}

var extensions = []string{"", ".js", ".cjs", ".mjs", ".ts", ".mts", ".cts", ".json"}

func fileOrFolder(src jsruntime.Source, p string) (string, bool) {
	p = strings.TrimPrefix(path.Clean(p), "./")
	for _, ext := range extensions {
		if _, ok := src.Files[p+ext]; ok {
			return p + ext, true
		}
	}
	if pkg, ok := src.Files[path.Join(p, "package.json")]; ok {
		var meta struct {
			Main string `json:"main"`
		}
		if json.Unmarshal(pkg, &meta) == nil && meta.Main != "" {
			if f, ok := fileOrFolder(src, path.Join(p, meta.Main)); ok {
				return f, true
			}
		}
	}
	for _, index := range []string{"index.js", "index.cjs", "index.mjs", "index.ts", "index.json"} {
		if _, ok := src.Files[path.Join(p, index)]; ok {
			return path.Join(p, index), true
		}
	}
	return "", false
}
