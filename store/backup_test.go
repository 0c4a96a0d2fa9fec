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

// TestCheckFile: CheckFile passes a backup and refuses a file that is no
// sound database, naming it (restore refuses such a file with it; a
// backup that fails it is never renamed into place). A backup that fails
// half way is TestBackupOnAFullDiskLeavesNothing's.
func TestCheckFile(t *testing.T) {
	db, _ := openDB(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "nightly.db")
	if err := db.Backup(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 || entries[0].Name() != "nightly.db" {
		t.Fatalf("after a backup the folder holds %v, want nightly.db alone", entries)
	}
	if err := CheckFile(context.Background(), path); err != nil {
		t.Errorf("the backup: %v", err)
	}
	broken := filepath.Join(dir, "broken.db")
	if err := os.WriteFile(broken, []byte(strings.Repeat("not a database ", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(context.Background(), broken); err == nil || !strings.Contains(err.Error(), "broken.db") {
		t.Errorf("CheckFile of a file that is no database: %v", err)
	}
}
