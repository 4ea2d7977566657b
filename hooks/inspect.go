package hooks

import (
	"sort"

	"github.com/hookfront/hookfront/hooks/event"
)

// BoundHook is one binding of a generation: which file and handler run on a behavior's trigger.
type BoundHook struct {
	Behavior string
	Trigger  event.Trigger
	File     string
	Handler  string // "handler" unless the binding names another export
}

// Bound lists the generation's bindings, by behavior and then in trigger order.
func (g *Generation) Bound() []BoundHook {
	var out []BoundHook
	for behavior, triggers := range g.bindings {
		for t, b := range triggers {
			out = append(out, BoundHook{Behavior: behavior, Trigger: t, File: b.File, Handler: b.export()})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Behavior != out[j].Behavior {
			return out[i].Behavior < out[j].Behavior
		}
		return triggerOrder(out[i].Trigger) < triggerOrder(out[j].Trigger)
	})
	return out
}

func triggerOrder(t event.Trigger) int {
	switch t {
	case event.ViewerRequest:
		return 0
	case event.OriginRequest:
		return 1
	case event.OriginResponse:
		return 2
	}
	return 3
}

// ScriptFiles lists the script files of the generation's snapshot (relative, sorted).
func (g *Generation) ScriptFiles() []string { return g.pool.Bundle().Files() }

// originEntries are the files bound to an origin trigger, and how (to compare generations). A
// nil generation (no hooks) has none.
func (g *Generation) originEntries() (files []string, bindings map[[3]string]bool) {
	bindings = map[[3]string]bool{}
	if g == nil {
		return nil, bindings
	}
	seen := map[string]bool{}
	for behavior, triggers := range g.bindings {
		for t, b := range triggers {
			if t.IsViewer() {
				continue
			}
			bindings[[3]string{behavior, string(t), b.File + "#" + b.export()}] = true
			if !seen[b.File] {
				seen[b.File] = true
				files = append(files, b.File)
			}
		}
	}
	return files, bindings
}

// OriginCode is the code that origin-request and origin-response hooks of the generation have
// run so far: their files and every file they required, directly or not (relative, sorted).
func (g *Generation) OriginCode() []string {
	if g == nil {
		return nil
	}
	files, _ := g.originEntries()
	return g.pool.Bundle().Reaches(files)
}
