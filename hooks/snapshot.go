package hooks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hookfront/hookfront/jsruntime"
)

// maxFileSize bounds one hook file, so that a stray large file cannot blow up a reload.
const maxFileSize = 8 << 20

// ReadDir snapshots the scripts of a hooks folder, following symlinks (a Kubernetes ConfigMap
// is a folder of links into "..data"). Dot files and folders and editor droppings are skipped.
func ReadDir(dir string) (jsruntime.Source, error) {
	src := jsruntime.Source{Files: map[string][]byte{}}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return src, fmt.Errorf("reading the hooks folder: %w", err)
	}
	err = walk(root, "", src.Files, 0)
	return src, err
}

func walk(dir, rel string, files map[string][]byte, depth int) error {
	if depth > 16 {
		return fmt.Errorf("reading the hooks folder: %s is nested too deep (a symlink loop?)", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reading the hooks folder: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if Ignored(name) {
			continue
		}
		full := filepath.Join(dir, name)
		st, err := os.Stat(full) // through symlinks
		if err != nil {
			continue // a dangling link, or a file gone since the listing
		}
		relName := path.Join(rel, name)
		if st.IsDir() {
			if err := walk(full, relName, files, depth+1); err != nil {
				return err
			}
			continue
		}
		if !st.Mode().IsRegular() || !jsruntime.IsScript(name) {
			continue
		}
		if st.Size() > maxFileSize {
			return fmt.Errorf("reading the hooks folder: %s is %d bytes; the limit is %d", relName, st.Size(), maxFileSize)
		}
		b, err := os.ReadFile(full)
		if err != nil {
			if errorsIsNotExist(err) {
				continue
			}
			return fmt.Errorf("reading the hooks folder: %w", err)
		}
		files[relName] = b
	}
	return nil
}

func errorsIsNotExist(err error) bool { return os.IsNotExist(err) || err == fs.ErrNotExist }

// Ignored reports whether a name in the hooks folder is not ours to read: dot files (and the
// ConfigMap's "..data" entries) and the temporary files editors leave behind.
func Ignored(name string) bool {
	switch {
	case strings.HasPrefix(name, "."), strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"),
		strings.HasSuffix(name, "~"), strings.HasSuffix(name, ".swp"), strings.HasSuffix(name, ".swx"),
		name == "4913", strings.Contains(name, "___jb_"), strings.HasSuffix(name, ".tmp"):
		return true
	}
	return false
}

// hashSource is a digest of a snapshot: equal snapshots need no reload.
func hashSource(src jsruntime.Source, extra string) string {
	names := make([]string, 0, len(src.Files))
	for n := range src.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	h.Write([]byte(extra))
	for _, n := range names {
		fmt.Fprintf(h, "\x00%s\x00%d\x00", n, len(src.Files[n]))
		h.Write(src.Files[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}
