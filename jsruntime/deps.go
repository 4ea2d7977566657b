package jsruntime

import (
	"log/slog"
	"sort"
	"sync"
)

// ConsoleSink receives a call's console lines as the hook prints them (besides the log).
type ConsoleSink interface {
	ConsoleLine(level slog.Level, text string)
}

// depGraph is the module graph as the bundle's runtimes actually walked it: an edge from a
// module (or from the entry whose call was running) to each file it required. Requires are
// dynamic (a require inside a handler runs only when that code path does), so no static reading
// of the sources could be sure; what ran is what a cached response can depend on.
type depGraph struct {
	mu    sync.Mutex
	edges map[string]map[string]bool
}

func (g *depGraph) add(from, to string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.edges == nil {
		g.edges = map[string]map[string]bool{}
	}
	if g.edges[from] == nil {
		g.edges[from] = map[string]bool{}
	}
	g.edges[from][to] = true
}

// vmDeps is one runtime's part: the modules being loaded right now (innermost last), and the
// edges it already reported, so that a require inside a handler costs a map lookup per call.
type vmDeps struct {
	loading []string
	seen    map[[2]string]bool
}

// required notes that the code running now required the file p ("/"-rooted). The requirer is
// the module whose top level is running, or else the entry of the call in progress.
func (v *vm) required(p string) {
	from := ""
	if n := len(v.deps.loading); n > 0 {
		from = v.deps.loading[n-1]
	} else if v.cur != nil {
		from = v.cur.entry
	}
	if from == "" || from == p {
		return
	}
	k := [2]string{from, p}
	if v.deps.seen[k] {
		return
	}
	if v.deps.seen == nil {
		v.deps.seen = map[[2]string]bool{}
	}
	v.deps.seen[k] = true
	v.b.deps.add(from, p)
}

// Reaches lists the files (relative to the hooks folder, sorted) that the given entries have
// required so far, directly or through other modules, on any runtime of the bundle; the entries
// themselves are included.
func (b *Bundle) Reaches(entries []string) []string {
	b.deps.mu.Lock()
	defer b.deps.mu.Unlock()
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		for next := range b.deps.edges[p] {
			walk(next)
		}
	}
	for _, e := range entries {
		walk("/" + e)
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p[1:])
	}
	sort.Strings(out)
	return out
}

// Files lists the script files of the bundle (relative, sorted), compiled or not.
func (b *Bundle) Files() []string {
	out := make([]string, 0, len(b.files))
	for p := range b.files {
		out = append(out, p[1:])
	}
	sort.Strings(out)
	return out
}

// Bundle is the compiled snapshot the pool runs.
func (p *Pool) Bundle() *Bundle { return p.b }
