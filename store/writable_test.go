//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/internal/asnobody"
)

// TestOpenSaysTheFolderIsNotWritable: a database in a folder the user
// may not write fails to open, and the error says why, not only SQLite's
// "unable to open database file".
func TestOpenSaysTheFolderIsNotWritable(t *testing.T) {
	if os.Geteuid() == 0 {
		// Root writes everywhere: the test runs again as nobody (CI runs
		// as root).
		asnobody.Rerun(t)
		return
	}
	_, path := openDB(t)
	dir := filepath.Dir(path)
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o750)
	db, err := Open(context.Background(), path, MustExist())
	if err == nil {
		db.Close()
		t.Fatal("opened a database in a folder it may not write")
	}
	if !strings.Contains(err.Error(), dir+" is not writable by this user") {
		t.Errorf("error %q does not say the folder is not writable", err)
	}
}

func TestNotWritable(t *testing.T) {
	dir := t.TempDir()
	if got := notWritable(filepath.Join(dir, "new.db")); got != "" {
		t.Errorf("a writable folder: %q", got)
	}
}
