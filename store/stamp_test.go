package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// The change stamp moves with every write, this process's or another's,
// and stays put while the database is only read.
func TestChangeStamp(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	stamp := func() string {
		t.Helper()
		s, err := db.ChangeStamp()
		if err != nil || s == "" {
			t.Fatalf("stamp %q, %v", s, err)
		}
		return s
	}
	first := stamp()
	if _, err := db.Events(ctx, monitor.EventFilter{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.NotifyState(ctx); err != nil {
		t.Fatal(err)
	}
	if got := stamp(); got != first {
		t.Errorf("reads moved the stamp: %q → %q", first, got)
	}
	// Another process: its own pool on the same file.
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	recordEvents(t, other, 1)
	second := stamp()
	if second == first {
		t.Error("another connection's write left the stamp as it was")
	}
	if _, err := db.Subscribe(ctx, Subscriber{Email: "ada@example.org", Digest: "daily", MinSeverity: "critical"}); err != nil {
		t.Fatal(err)
	}
	if stamp() == second {
		t.Error("a write of this connection left the stamp as it was")
	}
}

// TestDatabaseFiles: ChangeStamp and DiskSize read the same files, the
// database and its log but not the -shm index, take a log that is gone
// (the last connection removed it) as empty, and fail when the file
// system cannot say.
func TestDatabaseFiles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "policywatch.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	recordEvents(t, db, 1)
	file, wal, shm := fileSize(path), fileSize(path+"-wal"), fileSize(path+"-shm")
	if wal == 0 || shm == 0 {
		t.Fatalf("log %d, index %d bytes: want both on disk while open", wal, shm)
	}
	if got, err := db.DiskSize(); err != nil || got != file+wal {
		t.Errorf("DiskSize = %d, %v; want the file's %d and the log's %d bytes, not the index's %d", got, err, file, wal, shm)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the log outlived the last connection: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.DiskSize(); err != nil || got != fi.Size() {
		t.Errorf("without a log: DiskSize = %d, %v; want the file's %d bytes", got, err, fi.Size())
	}
	want := fmt.Sprintf("%d.%d;-;", fi.Size(), fi.ModTime().UnixNano())
	if got, err := db.ChangeStamp(); err != nil || got != want {
		t.Errorf("without a log: ChangeStamp = %q, %v; want %q", got, err, want)
	}

	// A path through a regular file: not "no such file", an error.
	notDir := &DB{path: filepath.Join(path, "policywatch.db")}
	if got, err := notDir.DiskSize(); err == nil {
		t.Errorf("DiskSize under a file = %d, no error", got)
	}
	if got, err := notDir.ChangeStamp(); err == nil {
		t.Errorf("ChangeStamp under a file = %q, no error", got)
	}
}

func TestNextOutboxAttempt(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	next := func() time.Time {
		t.Helper()
		n, err := db.NextOutboxAttempt(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := next(); !n.IsZero() {
		t.Fatalf("empty outbox: next %v, want none", n)
	}
	events := recordEvents(t, db, 2)
	rows := []OutboxItem{
		{Key: "a", Channel: "webhook", Kind: "webhook", Recipient: "https://h.example", EventID: events[0], CreatedAt: t0, NextAttemptAt: t0.Add(time.Hour), Status: OutboxPending},
		{Key: "b", Channel: "webhook", Kind: "webhook", Recipient: "https://h.example", EventID: events[1], CreatedAt: t0, NextAttemptAt: t0.Add(2 * time.Hour), Status: OutboxPending},
	}
	if err := db.RecordNotifyPlan(ctx, NotifyPlan{Through: events[1], Outbox: rows}); err != nil {
		t.Fatal(err)
	}
	if n := next(); !n.Equal(t0.Add(time.Hour)) {
		t.Errorf("next %v, want the earliest row's attempt %v", n, t0.Add(time.Hour))
	}
	// A claim holds the row until its lease ends: then the other row is
	// the next one.
	claimed, err := db.ClaimOutbox(ctx, t0.Add(time.Hour), t0.Add(time.Hour), 3*time.Hour, 1)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claimed %v, %v", claimed, err)
	}
	if n := next(); !n.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("next %v, want %v", n, t0.Add(2*time.Hour))
	}
	// Sent, the row is no longer pending; the last one still is.
	if _, err := db.MarkOutboxSent(ctx, claimed[0].ID, claimed[0].ClaimedUntil, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := next(); !n.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("after the send: next %v, want %v", n, t0.Add(2*time.Hour))
	}
}
