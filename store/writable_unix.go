//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"os"
	"path/filepath"
	"syscall"
)

// notWritable says why the database at path cannot be written by this
// process, when that is the case: SQLite's own error ("unable to open
// database file") names neither the file nor the reason. It returns ""
// when both the file (if it exists) and its folder are writable.
func notWritable(path string) string {
	dir := filepath.Dir(path)
	for _, p := range []string{path, dir} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		switch err := syscall.Access(p, 2 /* W_OK */); err {
		case nil:
		case syscall.EROFS:
			return p + " is on a read-only file system"
		default:
			return p + " is not writable by this user"
		}
	}
	return ""
}
