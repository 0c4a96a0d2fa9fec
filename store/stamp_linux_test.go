package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestChangeStampKeepsTheLocks: ChangeStamp reads the -shm index beside
// SQLite's own connections in this process, and a descriptor closed
// drops every POSIX lock the process holds on the file, whichever
// descriptor took it: reading the index with os.ReadFile released the
// read mark of a read in progress, and the lock that tells another
// process the index is in use.
func TestChangeStampKeepsTheLocks(t *testing.T) {
	if _, err := os.Stat("/proc/locks"); err != nil {
		t.Skip("no /proc/locks to list the locks")
	}
	ctx := context.Background()
	db, path := openDB(t)
	recordEvents(t, db, 1)
	tx, err := db.readTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	held := shmLocks(t, path)
	if len(held) < 2 {
		t.Fatalf("locks on the index during a read: %q, want its read mark's and the one that says it is in use", held)
	}
	for range 3 {
		if _, err := db.ChangeStamp(); err != nil {
			t.Fatal(err)
		}
	}
	if got := shmLocks(t, path); fmt.Sprint(got) != fmt.Sprint(held) {
		t.Errorf("locks on the index after ChangeStamp: %q, want those of the read in progress %q", got, held)
	}
}

// shmLocks lists the POSIX locks this process holds on the database's
// -shm file, from /proc/locks: each as its type and range.
func shmLocks(t *testing.T, path string) []string {
	t.Helper()
	fi, err := os.Stat(path + "-shm")
	if err != nil {
		t.Fatal(err)
	}
	ino := fi.Sys().(*syscall.Stat_t).Ino
	b, err := os.ReadFile("/proc/locks")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		// 1: POSIX  ADVISORY  READ 10976 fe:00:10218456 124 124
		f := strings.Fields(line)
		if len(f) == 8 && f[1] == "POSIX" && f[4] == strconv.Itoa(os.Getpid()) && strings.HasSuffix(f[5], ":"+strconv.FormatUint(ino, 10)) {
			out = append(out, f[3]+" "+f[6]+"-"+f[7])
		}
	}
	return out
}
