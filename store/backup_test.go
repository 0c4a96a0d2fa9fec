package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFilesAreOwnersOnly: the database and its backups hold subscribers'
// addresses and the key that signs their unsubscribe links; they are
// created readable by their owner only, whatever the umask.
func TestFilesAreOwnersOnly(t *testing.T) {
	db, path := openDB(t)
	if _, err := db.Subscribe(context.Background(), Subscriber{Email: "ada@example.org", Digest: "daily", MinSeverity: "critical"}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", backup} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s: mode %v, want -rw-------", filepath.Base(p), mode)
		}
	}
}

// TestFailedBackupLeavesNothing: a backup that fails leaves no file at
// its path (a nightly job's next try, with the same name, would find an
// empty or half-written one and stop at "file exists"), nor a partial
// file beside it; the same command then succeeds.
func TestFailedBackupLeavesNothing(t *testing.T) {
	db, _ := openDB(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "nightly.db")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.Backup(cancelled, path); err == nil {
		t.Fatal("a backup with its context cancelled succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed backup left %v", entries)
	}
	if err := db.Backup(context.Background(), path); err != nil {
		t.Fatalf("the backup again: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "nightly.db" {
		t.Fatalf("after a backup the folder holds %v, want nightly.db alone", entries)
	}
	if err := CheckFile(context.Background(), path); err != nil {
		t.Errorf("the backup: %v", err)
	}
	// CheckFile tells a file that is not a sound database.
	broken := filepath.Join(dir, "broken.db")
	if err := os.WriteFile(broken, []byte(strings.Repeat("not a database ", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(context.Background(), broken); err == nil {
		t.Error("CheckFile passed a file that is not a database")
	}
}
