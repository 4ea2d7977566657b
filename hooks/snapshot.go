package hooks

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hookfront/hookfront/jsruntime"
)

const (
	// maxFileSize bounds one hook file, so that a stray large file cannot blow up a reload.
	maxFileSize = 8 << 20
	// MaxFolderSize bounds the scripts of a hooks folder together: Lambda@Edge's limit for an
	// origin-trigger function package (50 MB, compressed there; hookfront counts the files as
	// they are).
	MaxFolderSize = 50 << 20
	// racyWindow is how long after a file's last change its size, times and inode are not
	// trusted to tell a later change: two writes of the same size within one tick of the
	// filesystem's clock (or within a network filesystem's coarse timestamps) look alike. Such
	// a file is read again at every rescan until one that began this long after the change has
	// read it.
	racyWindow = 2 * time.Second
)

// Folder reads a hooks folder into snapshots, following symlinks that stay inside it (a
// Kubernetes ConfigMap is a folder of links into "..data"). Dot files and folders and editor
// droppings are skipped; inside node_modules only .js, .cjs and .json files are read. It
// remembers what it read: a file whose size, times and inode are unchanged since the last read
// is not read again. Reads are serialised; a Folder is meant for one watcher.
type Folder struct {
	dir string
	log *slog.Logger // nil: skipped links are not reported

	mu      sync.Mutex
	files   map[string]readFile // what the last Read read, by path in the snapshot
	skipped map[string]bool     // links already reported as leading outside

	// Seams for tests: how a file inside root is read, and what time it is (for racyWindow).
	readFile func(r *os.Root, c candidate) ([]byte, error)
	now      func() time.Time
}

type readFile struct {
	stamp stamp
	data  []byte
	at    time.Time // when the scan that read it began (no later than the read)
}

// NewFolder returns a reader of dir. Links that lead outside the folder are reported to log
// (once each) when it is not nil.
func NewFolder(dir string, log *slog.Logger) *Folder {
	return &Folder{dir: dir, log: log, files: map[string]readFile{}, skipped: map[string]bool{},
		readFile: readWithin, now: time.Now}
}

// ReadDir snapshots the scripts of a hooks folder once (see Folder).
func ReadDir(dir string) (jsruntime.Source, error) {
	return NewFolder(dir, nil).Read()
}

// Read snapshots the folder. A folder whose scripts are larger than MaxFolderSize together is an
// error (and so is one larger than maxFileSize).
func (f *Folder) Read() (jsruntime.Source, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	src := jsruntime.Source{Files: map[string][]byte{}}
	root, err := filepath.EvalSymlinks(f.dir)
	if err != nil {
		return src, fmt.Errorf("reading the hooks folder: %w", err)
	}
	s := scan{root: root, outside: map[string]string{}}
	if err := s.walk(root, "", 0, false); err != nil {
		return src, err
	}
	if s.total > MaxFolderSize {
		return src, fmt.Errorf("reading the hooks folder: its scripts are %.1f MB together; the limit is %d MB (Lambda@Edge's limit for an origin-trigger function package)",
			float64(s.total)/(1<<20), MaxFolderSize>>20)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return src, fmt.Errorf("reading the hooks folder: %w", err)
	}
	defer r.Close()
	files, start := make(map[string]readFile, len(s.found)), f.now()
	for _, c := range s.found {
		data, err := f.read(r, c, files, start)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // gone since the listing
			}
			return src, fmt.Errorf("reading the hooks folder: %w", err)
		}
		src.Files[c.rel] = data
	}
	f.files = files
	f.report(s.outside)
	return src, nil
}

// read returns a file's content: what the last Read kept when the file looks unchanged, else
// what is on disk. What it read is kept in files.
func (f *Folder) read(r *os.Root, c candidate, files map[string]readFile, start time.Time) ([]byte, error) {
	stamp, ok := stampOf(c.info)
	// The kept copy counts only if it was read well after the change: a write in the same tick
	// of the filesystem's clock, after that read, would leave the stamp as it is.
	if prev, found := f.files[c.rel]; ok && found && prev.stamp == stamp && prev.at.Sub(stamp.changed()) > racyWindow {
		files[c.rel] = prev
		return prev.data, nil
	}
	data, err := f.readFile(r, c)
	if err != nil {
		return nil, err
	}
	if ok {
		files[c.rel] = readFile{stamp: stamp, data: data, at: start}
	}
	return data, nil
}

// readWithin reads the regular file c through r, the folder: a link swapped in after the listing
// (which checks links; a plain read would follow them) cannot lead outside, and a FIFO swapped in
// cannot block the read for good. A file the listing reached through a link is resolved first, as
// the listing resolved it, since r refuses absolute links (even to files inside).
func readWithin(r *os.Root, c candidate) ([]byte, error) {
	name := filepath.FromSlash(c.rel)
	if c.linked {
		target, err := filepath.EvalSymlinks(c.full)
		if err != nil {
			return nil, err
		}
		if name, err = filepath.Rel(r.Name(), target); err != nil || !within(r.Name(), target) {
			return nil, fmt.Errorf("%s leads outside the folder now", c.full)
		}
	}
	fh, err := r.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if st, err := fh.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file now", c.full)
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err == nil && len(data) > maxFileSize {
		err = fmt.Errorf("%s grew past %d bytes while it was read", c.full, maxFileSize)
	}
	return data, err
}

// report warns about links leading outside the folder, once each (again only after one was gone).
func (f *Folder) report(outside map[string]string) {
	skipped := make(map[string]bool, len(outside))
	for name, target := range outside {
		if !f.skipped[name] && f.log != nil {
			f.log.Warn("hooks folder: skipped a link that leads outside the folder; require cannot load it", "link", name, "target", target)
		}
		skipped[name] = true
	}
	f.skipped = skipped
}

// scan lists the files of one Read, before any is read.
type scan struct {
	root    string
	found   []candidate
	outside map[string]string // skipped link → where it leads
	total   int64
}

type candidate struct {
	rel, full string
	info      os.FileInfo
	linked    bool // the listing reached it through a link
}

func (s *scan) walk(dir, rel string, depth int, linked bool) error {
	if depth > 16 {
		return fmt.Errorf("reading the hooks folder: %s is nested too deep (a symlink loop?)", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reading the hooks folder: %w", err)
	}
	inPackages := inNodeModules(rel)
	for _, e := range entries {
		name := e.Name()
		if Ignored(name) {
			continue
		}
		full, relName := filepath.Join(dir, name), path.Join(rel, name)
		link := e.Type()&fs.ModeSymlink != 0
		if link {
			target, err := filepath.EvalSymlinks(full)
			if err != nil {
				continue // a dangling link
			}
			if !within(s.root, target) {
				s.outside[relName] = target
				continue
			}
		}
		st, err := os.Stat(full) // through symlinks
		if err != nil {
			continue // a dangling link, or a file gone since the listing
		}
		if st.IsDir() {
			if err := s.walk(full, relName, depth+1, linked || link); err != nil {
				return err
			}
			continue
		}
		if !st.Mode().IsRegular() || !jsruntime.IsScript(name) || (inPackages && !isPackageScript(name)) {
			continue
		}
		if st.Size() > maxFileSize {
			return fmt.Errorf("reading the hooks folder: %s is %d bytes; the limit is %d", relName, st.Size(), maxFileSize)
		}
		s.total += st.Size()
		s.found = append(s.found, candidate{rel: relName, full: full, info: st, linked: linked || link})
	}
	return nil
}

// within reports whether path p is root or inside it.
func within(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}

// inNodeModules reports whether a folder of the snapshot is inside a node_modules folder.
func inNodeModules(rel string) bool {
	return strings.Contains("/"+rel+"/", "/node_modules/")
}

// isPackageScript tells the files of npm packages that require can load: CommonJS and JSON.
func isPackageScript(name string) bool {
	switch path.Ext(name) {
	case ".js", ".cjs", ".json":
		return true
	}
	return false
}

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
