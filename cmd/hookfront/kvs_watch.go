package main

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/hooks"
)

// watchStores watches the key value store files that are not in the hooks folder (those in it
// are seen by its watcher): a saved store reloads the hooks and functions like a saved hook, and
// a broken one is refused while the last good store keeps serving.
func (l *live) watchStores(ctx context.Context, cfg *config.Config, opt hooks.WatchOptions, rescan func()) {
	hooksDir := filepath.Clean(cfg.Resolve(cfg.HooksDir)) + string(filepath.Separator)
	byDir := map[string]map[string]bool{}
	for _, s := range cfg.KeyValueStores {
		p := filepath.Clean(cfg.Resolve(s.File))
		if strings.HasPrefix(p, hooksDir) {
			continue
		}
		dir := filepath.Dir(p)
		if byDir[dir] == nil {
			byDir[dir] = map[string]bool{}
		}
		byDir[dir][filepath.Base(p)] = true
	}
	for dir, names := range byDir {
		o := opt
		o.Match = func(name string) bool { return names[name] }
		go func() {
			if err := hooks.Watch(ctx, dir, o, rescan); err != nil {
				l.log.Error("hot reload of key value stores is off", "dir", dir, "error", err)
			}
		}()
	}
}
