package main

import (
	"log/slog"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/jsruntime"
)

// nameHint is a file of a --hooks folder that binds nothing although its name is close to a
// trigger's, with the name that would bind.
type nameHint struct{ file, suggestion string }

// triggerNameHints lists the near misses of a --hooks folder, by file name: scripts at its top
// (Lambda@Edge hooks) and in functions/ (CloudFront Functions, viewer triggers only), the only
// places hooks.ByTriggerName binds.
func triggerNameHints(src jsruntime.Source) []nameHint {
	var out []nameHint
	for name := range src.Files {
		if path.Ext(name) == ".json" {
			continue
		}
		dir, file := path.Split(name)
		if dir != "" && dir != "functions/" {
			continue
		}
		s, ok := config.TriggerFileHint(file)
		if ok && dir == "functions/" && !strings.HasPrefix(s, "viewer-") {
			continue // CloudFront Functions run on viewer triggers only
		}
		if ok {
			out = append(out, nameHint{name, dir + s})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].file < out[j].file })
	return out
}

// nameHints warns about the near misses of a --hooks folder once per file: when the folder is
// first read and when such a file appears, not at every rescan.
type nameHints struct {
	mu     sync.Mutex
	warned map[string]bool
}

func (h *nameHints) warn(src jsruntime.Source, log *slog.Logger) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := map[string]bool{}
	for _, n := range triggerNameHints(src) {
		now[n.file] = true
		if !h.warned[n.file] {
			log.Warn("a file in the hooks folder binds no trigger; is its name misspelt?", "file", n.file, "suggestion", n.suggestion)
		}
	}
	h.warned = now // a file renamed away and back is warned about again
}
