package store

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
)

// TestBackupOnAFullDiskLeavesNothing: a backup that runs out of room
// half way (here, the process may write files of 8 KiB at most) leaves
// no file at its path: it used to leave an empty one, and the retry with
// the same name then failed with "file exists".
func TestBackupOnAFullDiskLeavesNothing(t *testing.T) {
	db, _ := openDB(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "nightly.db")

	signal.Ignore(syscall.SIGXFSZ) // a write over the limit fails with EFBIG instead of ending the process
	defer signal.Reset(syscall.SIGXFSZ)
	var was syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &was); err != nil {
		t.Fatal(err)
	}
	limited := was
	limited.Cur = 8 << 10
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limited); err != nil {
		t.Skipf("cannot limit file sizes here: %v", err)
	}
	err := db.Backup(context.Background(), path)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &was); err != nil {
		t.Fatal(err)
	}
	if err == nil {
		t.Fatal("a backup larger than the files the process may write succeeded")
	}
	t.Logf("the backup failed as it should: %v", err)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed backup left %v", entries)
	}
	if err := db.Backup(context.Background(), path); err != nil {
		t.Fatalf("the backup again, with room: %v", err)
	}
}
