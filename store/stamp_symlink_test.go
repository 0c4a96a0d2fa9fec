package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestChangeStampThroughASymlink: a database reached through a symbolic
// link (/var/lib/policywatch/policywatch.db pointing at a bigger disk) has
// its write-ahead log and -shm index beside the file the link points to,
// where SQLite, which resolves the link, makes them; not beside the link.
// The stamp looked for them beside the link, found neither, and moved only
// when a checkpoint wrote the database file: another process's commit
// (a 'policywatch check' beside the daemon) waited for maxQuiet, ten
// minutes, before it was notified; DiskSizes said the log was empty.
func TestChangeStampThroughASymlink(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	target := filepath.Join(dir, "disk", "policywatch.db")
	link := filepath.Join(dir, "data", "policywatch.db")
	for _, d := range []string{filepath.Dir(target), filepath.Dir(link)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := createPrivate(target); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	db, err := Open(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := Open(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	recordEvents(t, other, 1)
	if _, err := os.Stat(target + "-wal"); err != nil {
		t.Fatalf("SQLite's log is not beside the link's target: %v", err)
	}
	stamp := func() string {
		t.Helper()
		s, err := db.ChangeStamp()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := stamp()
	recordEvents(t, other, 1) // another process's commit, in the log only
	if after := stamp(); after == before {
		t.Errorf("another process's commit left the stamp of a database behind a link as it was: %q", after)
	}
	_, log, err := db.DiskSizes()
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(target + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if log != fi.Size() {
		t.Errorf("DiskSizes: log of %d bytes, the log beside the link's target has %d", log, fi.Size())
	}
}
