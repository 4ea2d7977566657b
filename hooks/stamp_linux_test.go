package hooks

import (
	"io/fs"
	"os"
	"syscall"
	"testing"
	"time"
)

// statInfo is a file's stat as a filesystem with a coarse clock (NFS, 9p, FAT: a second or two)
// reports it.
type statInfo struct{ st syscall.Stat_t }

func (i statInfo) Name() string       { return "h.js" }
func (i statInfo) Size() int64        { return i.st.Size }
func (i statInfo) Mode() fs.FileMode  { return 0o644 }
func (i statInfo) ModTime() time.Time { return time.Unix(i.st.Mtim.Unix()) }
func (i statInfo) IsDir() bool        { return false }
func (i statInfo) Sys() any           { return &i.st }

// A file read shortly after it changed, then written again within the same tick of a coarse
// clock with the same size, looks unchanged by size, times and inode. It was trusted at the first
// rescan more than racyWindow after the change, however long after the read that was: with
// rescans seconds apart (the periodic rescan of a folder without events), the second write was
// never read. What counts is how long after the change the kept copy was read.
func TestSecondWriteInTheClocksTickIsRead(t *testing.T) {
	changed := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	info := statInfo{syscall.Stat_t{Size: 4, Ino: 7, Dev: 1,
		Mtim: syscall.NsecToTimespec(changed.UnixNano()), Ctim: syscall.NsecToTimespec(changed.UnixNano())}}
	c := candidate{rel: "h.js", full: "/hooks/h.js", info: info}
	content := "aaaa"
	f := NewFolder("/hooks", nil)
	f.readFile = func(*os.Root, candidate) ([]byte, error) { return []byte(content), nil }
	scan := func(at time.Time) string {
		files := map[string]readFile{}
		data, err := f.read(nil, c, files, at)
		if err != nil {
			t.Fatal(err)
		}
		f.files = files
		return string(data)
	}
	if got := scan(changed.Add(300 * time.Millisecond)); got != "aaaa" {
		t.Fatal(got)
	}
	content = "bbbb" // written at changed+600ms: the same stamp
	if got := scan(changed.Add(5 * time.Second)); got != "bbbb" {
		t.Fatalf("the second write was missed: %q", got)
	}
	content = "cccc" // cannot happen with the same stamp now; shows the copy read late is kept
	if got := scan(changed.Add(10 * time.Second)); got != "bbbb" {
		t.Fatalf("a copy read long after the change was read again: %q", got)
	}
}
