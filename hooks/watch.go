package hooks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// WatchOptions tune Watch.
type WatchOptions struct {
	// Debounce is how long the folder must be quiet after an event before it is rescanned: one
	// save makes several events, and a burst of saves makes one reload. 0 means 100ms.
	Debounce time.Duration
	// Poll is the interval of the periodic rescan that covers lost events, network and FUSE
	// mounts and Docker bind mounts. 0 means 5s; with PollOnly, 0 means 1s.
	Poll time.Duration
	// PollOnly skips filesystem events and relies on the periodic rescan (--poll).
	PollOnly bool
	// Match limits which names in the folder matter (nil: all but Ignored ones). It is used to
	// watch one file, such as a config, through its folder.
	Match func(name string) bool
	Log   *slog.Logger
}

func (o WatchOptions) withDefaults() WatchOptions {
	if o.Debounce <= 0 {
		o.Debounce = 100 * time.Millisecond
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
		if o.PollOnly {
			o.Poll = time.Second
		}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return o
}

// Watch calls rescan whenever dir may have changed, until ctx ends, and once as soon as its
// watches are in place. Events are a hint, not the truth: after a burst of them (debounced) the
// caller rescans the whole folder, which also makes the periodic rescan and a rescan after lost
// events the same operation. Watches are on folders only (an editor's atomic save replaces the
// file, and a watch on it would die), on every subfolder as it appears, and on the parent, to see
// the folder itself deleted and recreated.
func Watch(ctx context.Context, dir string, opt WatchOptions, rescan func()) error {
	opt = opt.withDefaults()
	dir = filepath.Clean(dir)
	ticker := time.NewTicker(opt.Poll)
	defer ticker.Stop()
	if opt.PollOnly {
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-ticker.C:
				rescan()
			}
		}
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching %s: %w", dir, watchLimitHint(err))
	}
	defer w.Close()
	parent := filepath.Dir(dir)
	if err := w.Add(parent); err != nil {
		opt.Log.Warn("cannot watch the folder's parent; a replaced folder is noticed by the periodic rescan", "dir", parent, "error", watchLimitHint(err))
	}
	add := func(p string) {
		if opt.Match != nil {
			if err := w.Add(p); err != nil && !os.IsNotExist(err) {
				opt.Log.Warn("cannot watch a folder; its changes are noticed by the periodic rescan", "dir", p, "error", watchLimitHint(err))
			}
			return // one file's folder: its subfolders do not matter
		}
		addTree(w, p, opt.Log)
	}
	add(dir)
	// A change made after the caller's last read and before the watches were in place sent no
	// event we could see: look once now.
	rescan()

	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !relevant(ev, dir, opt.Match) {
				continue
			}
			if ev.Name == dir || (ev.Has(fsnotify.Create) && isDir(ev.Name)) {
				// The folder came back, or a subfolder appeared: watch it (and what is in it).
				add(ev.Name)
			}
			debounce.Reset(opt.Debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				opt.Log.Warn("filesystem events were lost; rescanning", "dir", dir)
				rescan()
				continue
			}
			opt.Log.Warn("watching the hooks folder", "dir", dir, "error", watchLimitHint(err))
		case <-debounce.C:
			rescan()
		case <-ticker.C:
			add(dir) // cheap when already watched; heals a lost watch
			rescan()
		}
	}
}

// relevant filters events: only those inside dir (or dir itself, seen from its parent), not
// chmod-only, not editor droppings.
func relevant(ev fsnotify.Event, dir string, match func(string) bool) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	if ev.Name == dir {
		return true
	}
	if !strings.HasPrefix(ev.Name, dir+string(filepath.Separator)) {
		return false // a sibling of the folder, seen through the parent watch
	}
	base := filepath.Base(ev.Name)
	if match != nil {
		return match(base) || strings.HasPrefix(base, "..") // ConfigMap swaps show only on ..data
	}
	return !Ignored(base) || strings.HasPrefix(base, "..")
}

// addTree watches dir and its subfolders (not dot folders, which are no hooks' home; a
// ConfigMap's ..data swap is seen on dir itself).
func addTree(w *fsnotify.Watcher, dir string, log *slog.Logger) {
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil // gone already, or unreadable: the next rescan says so
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if err := w.Add(p); err != nil && !os.IsNotExist(err) {
			log.Warn("cannot watch a folder; its changes are noticed by the periodic rescan", "dir", p, "error", watchLimitHint(err))
		}
		return nil
	})
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// watchLimitHint names the sysctl to raise when the kernel's inotify limits are hit.
func watchLimitHint(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%w (the inotify watch limit: raise fs.inotify.max_user_watches, or use --poll)", err)
	case errors.Is(err, syscall.EMFILE):
		return fmt.Errorf("%w (the inotify instance limit: raise fs.inotify.max_user_instances, or use --poll)", err)
	}
	return err
}
