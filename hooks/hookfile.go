package hooks

import "github.com/hookfront/hookfront/hooks/event"

// HookFile names the file bound to trigger t of the behavior ("" when none), so that the edge
// can tell metrics and logs which file ran without asking for a whole call trace.
func (g *Generation) HookFile(behavior string, t event.Trigger) string {
	return g.bindings[behavior][t].File
}
