//go:build linux || darwin

package hooks

import (
	"os"
	"syscall"
)

func sysStat(fi os.FileInfo) (ctime int64, dev, ino uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 0, false
	}
	return ctimeOf(st), uint64(st.Dev), st.Ino, true
}
