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

// TestOpenReadOnlyWhereNothingMayBeWritten: a backup kept where this user
// may not write (read-only file and folder: a read-only mount, evidence
// owned by another user) is opened read only and verified, where Open
// failed ("attempt to write a readonly database"); so is a database in
// WAL mode there, which SQLite cannot read with mode=ro without writing
// its -shm index beside it.
func TestOpenReadOnlyWhereNothingMayBeWritten(t *testing.T) {
	if os.Geteuid() == 0 {
		asnobody.Rerun(t)
		return
	}
	ctx := context.Background()
	// A subscriber is history enough: this run, as nobody, is in a
	// folder without the testdata pages.
	db, livePath := openDB(t)
	if _, err := db.Subscribe(ctx, Subscriber{Email: "ada@example.org", Digest: "daily", MinSeverity: "critical"}); err != nil {
		t.Fatal(err)
	}
	backup := backupOf(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(backup)
	wal := filepath.Join(dir, "wal.db")
	if err := os.WriteFile(wal, mustRead(t, livePath), 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(backup, 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)

	if old, err := Open(ctx, backup, MustExist()); err == nil {
		old.Close()
		t.Fatalf("Open wrote nothing where it may not write: the test shows nothing")
	}
	for _, path := range []string{backup, wal} {
		db, err := OpenReadOnly(ctx, path)
		if err != nil {
			t.Errorf("OpenReadOnly(%s): %v", path, err)
			continue
		}
		v, err := db.Verify(ctx, nil)
		db.Close()
		if err != nil || !v.OK() {
			t.Errorf("verify of %s: %+v, %v", path, v, err)
		}
	}
}
