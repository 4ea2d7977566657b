package hooks

import (
	"fmt"
	"log/slog"
	"path"
	"sort"
	"strings"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/hooks/functions"
	"github.com/hookfront/hookfront/jsruntime"
)

// Binding names the hook file (relative to the hooks folder) and export for one trigger.
type Binding struct {
	File    string
	Handler string // "" means "handler"
	// Runtime, when set, makes the file a CloudFront Function of that runtime instead of a
	// Lambda@Edge hook; KeyValueStore names the store associated with it.
	Runtime       jsruntime.FunctionRuntime
	KeyValueStore string

	logAttrs []slog.Attr         // tags of the hook's console lines
	fn       *functions.Function // the compiled function, when Runtime is set
}

// Bindings are the hooks of each behavior (by behavior id, its path pattern) and trigger.
type Bindings map[string]map[event.Trigger]Binding

// BindFunc decides the bindings of a snapshot: fixed ones from a config file, or the
// zero-config rule.
type BindFunc func(src jsruntime.Source) (Bindings, error)

// Static binds what a config file says, whatever the folder holds (a missing file is an error
// of the generation, reported with its name).
func Static(b Bindings) BindFunc { return func(jsruntime.Source) (Bindings, error) { return b, nil } }

// ByTriggerName is the zero-config rule: files at the top of the folder named after a trigger
// (viewer-request.js, origin-response.ts, …) bind to the behavior behaviorID.
func ByTriggerName(behaviorID string) BindFunc {
	return func(src jsruntime.Source) (Bindings, error) {
		b := Bindings{}
		names := make([]string, 0, len(src.Files))
		for n := range src.Files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			bind, ok := bindByName(n)
			if !ok {
				continue
			}
			t := event.Trigger(strings.TrimSuffix(path.Base(n), path.Ext(n)))
			if b[behaviorID] == nil {
				b[behaviorID] = map[event.Trigger]Binding{}
			}
			if prev, dup := b[behaviorID][t]; dup {
				return nil, fmt.Errorf("both %s and %s bind %s; keep one", prev.File, n, t)
			}
			b[behaviorID][t] = bind
		}
		if err := b.checkFunctions(); err != nil {
			return nil, err
		}
		return b, nil
	}
}

// entries lists the bound files and their exports, for compiling and checking.
func (b Bindings) entries() (files []string, handlers []jsruntime.Export) {
	seen := map[string]bool{}
	seenExport := map[jsruntime.Export]bool{}
	for _, triggers := range b {
		for _, bind := range triggers {
			if bind.Runtime != "" {
				continue // a CloudFront Function is compiled on its own (functions.go)
			}
			if !seen[bind.File] {
				seen[bind.File] = true
				files = append(files, bind.File)
			}
			if e := (jsruntime.Export{File: bind.File, Name: bind.export()}); !seenExport[e] {
				seenExport[e] = true
				handlers = append(handlers, e)
			}
		}
	}
	sort.Strings(files)
	return files, handlers
}

func (b Binding) export() string {
	if b.Handler == "" {
		return "handler"
	}
	return b.Handler
}

// bindByName is the zero-config rule for one file: a trigger name at the top of the folder is a
// Lambda@Edge hook; viewer-request.js or viewer-response.js under functions/ is a CloudFront
// Function (runtime 2.0).
func bindByName(n string) (Binding, bool) {
	if path.Ext(n) == ".json" {
		return Binding{}, false
	}
	dir, base := path.Split(n)
	t := event.Trigger(strings.TrimSuffix(base, path.Ext(base)))
	switch {
	case !t.Valid():
		return Binding{}, false
	case dir == "":
		return Binding{File: n}, true
	case dir == "functions/":
		return Binding{File: n, Runtime: jsruntime.Runtime20}, true
	}
	return Binding{}, false
}
