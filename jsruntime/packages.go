package jsruntime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
)

// packageJSON is what require reads of a package's package.json.
type packageJSON struct {
	Main    string
	Exports any // nil when absent: a string, []any, or *jsonObject (conditions keep their order)
	err     error
}

// jsonObject is a JSON object that keeps its keys in order, as "exports" conditions need: the
// first condition that applies wins.
type jsonObject struct {
	keys []string
	vals map[string]any
}

// pkg parses the package.json in dir ("/"-rooted) once per bundle; nil when there is none.
func (b *Bundle) pkg(dir string) *packageJSON {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.packages[dir]; ok {
		return p
	}
	data, ok := b.files[path.Join(dir, "package.json")]
	var p *packageJSON
	if ok {
		p = &packageJSON{}
		v, err := decodeOrdered(json.NewDecoder(bytes.NewReader(data)))
		if o, isObj := v.(*jsonObject); err == nil && isObj {
			p.Main, _ = o.vals["main"].(string)
			p.Exports = o.vals["exports"]
		} else {
			p.err = fmt.Errorf("%s/package.json is not a JSON object", dir[1:])
		}
	}
	b.packages[dir] = p
	return p
}

// decodeOrdered reads one JSON value, objects as *jsonObject.
func decodeOrdered(d *json.Decoder) (any, error) {
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		o := &jsonObject{vals: map[string]any{}}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeOrdered(d)
			if err != nil {
				return nil, err
			}
			key := k.(string)
			if _, dup := o.vals[key]; !dup {
				o.keys = append(o.keys, key)
			}
			o.vals[key] = v
		}
		_, err := d.Token()
		return o, err
	case json.Delim('['):
		var a []any
		for d.More() {
			v, err := decodeOrdered(d)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := d.Token()
		return a, err
	}
	return t, nil
}

// requireConditions are the "exports" conditions require matches, as Node's require does.
var requireConditions = map[string]bool{"require": true, "node": true, "default": true}

var errNotExported = errors.New("not exported")

// packageExports resolves subpath ("." or "./x") through a package's "exports" (Node's
// PACKAGE_EXPORTS_RESOLVE with the require conditions). It returns the "/"-rooted file, or
// errNotExported, or an error about an invalid "exports".
func packageExports(dir, subpath string, exports any) (string, error) {
	o, isObj := exports.(*jsonObject)
	dotKeys := 0
	if isObj {
		for _, k := range o.keys {
			if strings.HasPrefix(k, ".") {
				dotKeys++
			}
		}
		if dotKeys > 0 && dotKeys != len(o.keys) {
			return "", fmt.Errorf("its package.json \"exports\" mixes subpaths (\".\", \"./x\") and conditions")
		}
	}
	if subpath == "." {
		main := exports
		if dotKeys > 0 {
			main = o.vals["."]
		}
		if main == nil {
			return "", errNotExported
		}
		return targetOrNotExported(dir, main, nil)
	}
	if dotKeys == 0 {
		return "", errNotExported
	}
	if t, ok := o.vals[subpath]; ok && !strings.Contains(subpath, "*") {
		return targetOrNotExported(dir, t, nil)
	}
	// Subpath patterns ("./features/*.js"): the longest prefix before the "*" wins.
	var patterns []string
	for _, k := range o.keys {
		if strings.Count(k, "*") == 1 {
			patterns = append(patterns, k)
		}
	}
	sort.SliceStable(patterns, func(i, j int) bool {
		bi, bj := strings.Index(patterns[i], "*"), strings.Index(patterns[j], "*")
		if bi != bj {
			return bi > bj
		}
		return len(patterns[i]) > len(patterns[j])
	})
	for _, k := range patterns {
		star := strings.Index(k, "*")
		base, trailer := k[:star], k[star+1:]
		if strings.HasPrefix(subpath, base) && subpath != base &&
			(trailer == "" || (strings.HasSuffix(subpath, trailer) && len(subpath) >= len(k))) {
			match := subpath[len(base) : len(subpath)-len(trailer)]
			return targetOrNotExported(dir, o.vals[k], &match)
		}
	}
	return "", errNotExported
}

func targetOrNotExported(dir string, target any, match *string) (string, error) {
	p, ok, err := resolveTarget(dir, target, match)
	if err == nil && !ok {
		err = errNotExported
	}
	return p, err
}

// resolveTarget is Node's PACKAGE_TARGET_RESOLVE: ok is false when nothing applies (no matching
// condition, or null).
func resolveTarget(dir string, target any, match *string) (string, bool, error) {
	switch t := target.(type) {
	case string:
		if !strings.HasPrefix(t, "./") || badSegments(t[2:]) {
			return "", false, fmt.Errorf("its package.json \"exports\" has the invalid target %q (targets start with ./ and stay in the package)", t)
		}
		if match != nil {
			if badSegments(*match) {
				return "", false, fmt.Errorf("%q cannot be matched by a pattern of its package.json \"exports\"", *match)
			}
			t = strings.ReplaceAll(t, "*", *match)
		}
		return path.Join(dir, t), true, nil
	case *jsonObject:
		for _, k := range t.keys {
			if !requireConditions[k] {
				continue
			}
			p, ok, err := resolveTarget(dir, t.vals[k], match)
			if err != nil || ok {
				return p, ok, err
			}
		}
		return "", false, nil
	case []any:
		var last error
		for _, alt := range t {
			p, ok, err := resolveTarget(dir, alt, match)
			if err != nil {
				last = err
				continue
			}
			if ok {
				return p, true, nil
			}
		}
		return "", false, last
	case nil:
		return "", false, nil
	}
	return "", false, fmt.Errorf("its package.json \"exports\" has a target that is not a string, object or array")
}

// badSegments reports path segments a package target may not have: empty, ".", ".." or
// node_modules (Node's rule, so that a target cannot leave its package).
func badSegments(p string) bool {
	for _, s := range strings.Split(strings.ReplaceAll(p, "\\", "/"), "/") {
		switch strings.ToLower(s) {
		case "", ".", "..", "node_modules":
			return true
		}
	}
	return false
}
