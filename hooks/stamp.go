package hooks

import (
	"os"
	"time"
)

// stamp identifies a version of a file without reading it.
type stamp struct {
	size         int64
	mtime, ctime int64 // ns; ctime cannot be set back by tools that keep an old mtime (cp -p)
	dev, ino     uint64
}

// changed is when the file last changed.
func (s stamp) changed() time.Time { return time.Unix(0, max(s.mtime, s.ctime)) }

// stampOf is the stamp of a file, when the system gives its change time and inode.
func stampOf(fi os.FileInfo) (stamp, bool) {
	ctime, dev, ino, ok := sysStat(fi)
	if !ok {
		return stamp{}, false
	}
	return stamp{size: fi.Size(), mtime: fi.ModTime().UnixNano(), ctime: ctime, dev: dev, ino: ino}, true
}
