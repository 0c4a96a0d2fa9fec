package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRestoreOverADamagedDatabase: a database whose pages are damaged (a
// disk's bad sectors, a file system's crash) is what a restore is for —
// verify fails on it and says to restore a backup. Restore refused it:
// it kept the database it replaces as a VACUUM INTO copy, which SQLite
// cannot make of a damaged file ("database disk image is malformed"),
// and an operator was left to work out that the file had to be moved
// aside by hand. The damaged file is now kept byte for byte instead.
// Damage that leaves no SQLite header is refused as before: nothing says
// such a file is a database at all (a mistyped --db naming a
// configuration file must not be replaced).
func TestRestoreOverADamagedDatabase(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, f *os.File, size int64)
	}{
		{"every page but the first", func(t *testing.T, f *os.File, size int64) {
			garbage := bytes.Repeat([]byte{0xde, 0xad}, int(size-4096)/2)
			if _, err := f.WriteAt(garbage, 4096); err != nil {
				t.Fatal(err)
			}
		}},
		{"one page of rows", func(t *testing.T, f *os.File, size int64) {
			// Open reads the schema, and VACUUM INTO fails at this page.
			garbage := bytes.Repeat([]byte{0xde, 0xad}, 2048)
			if _, err := f.WriteAt(garbage, 3*4096); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, path := openDB(t)
			recordEvents(t, db, 1)
			backup := backupOf(t, db)
			recordEvents(t, db, 2)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			tc.damage(t, f, fi.Size())
			f.Close()
			damaged, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckFile(ctx, path); err == nil {
				t.Fatal("the damaged database checks out: the test damaged nothing")
			}

			kept, err := Restore(ctx, backup, path, t0)
			if err != nil {
				t.Fatalf("Restore over a damaged database: %v", err)
			}
			if got, err := os.ReadFile(kept); err != nil || !bytes.Equal(got, damaged) {
				t.Errorf("the damaged database is not kept byte for byte as %s (%d bytes, %v; want %d)", kept, len(got), err, len(damaged))
			}
			if n := eventsIn(t, path); n != 1 {
				t.Errorf("%d events after the restore, want the backup's 1", n)
			}
		})
	}
}

// TestRestoreRefusesWhatIsNoDatabase: a file at the database's path that
// SQLite does not know as one is left as it is, and the message says how
// to restore all the same when it is the damaged database.
func TestRestoreRefusesWhatIsNoDatabase(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	recordEvents(t, db, 1)
	backup := backupOf(t, db)
	path := filepath.Join(t.TempDir(), "policywatch.yaml")
	text := []byte("watches:\n  - name: a\n    url: https://example.com/\n")
	if err := os.WriteFile(path, text, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Restore(ctx, backup, path, t0)
	if !errors.Is(err, ErrNotPolicywatch) || !strings.Contains(err.Error(), "move it aside") {
		t.Errorf("Restore over a text file: %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, text) {
		t.Errorf("the text file was changed: %q", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("Restore left files beside it: %v", entries)
	}
}

// TestRestoreOfASnapshotWithItsLog: a backup taken as a copy of the
// database's folder while a daemon held it open (a file system snapshot,
// a restic or rsync copy of /var/lib/policywatch) is the database file
// and its write-ahead log beside it, the last commits in the log. The
// check of the backup read them (SQLite reads the log beside a file) and
// found the file sound; the restore then copied the file alone, and the
// restored history silently lacked those commits. Restore now puts back
// the database as the check read it, log included.
func TestRestoreOfASnapshotWithItsLog(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	recordEvents(t, db, 1)
	if _, err := db.sql.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	recordEvents(t, db, 2) // in the log only: the daemon still runs
	var want int
	if err := db.sql.QueryRow(`SELECT COUNT(*) FROM events`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	snapshot := filepath.Join(t.TempDir(), "snapshot")
	if err := os.Mkdir(snapshot, 0o700); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(snapshot, "policywatch.db")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if suffix == "-wal" && len(b) == 0 {
			t.Fatal("the log is empty: the test copies no commit in it")
		}
		if err := os.WriteFile(backup+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := CheckFile(ctx, backup); err != nil {
		t.Fatalf("CheckFile of the snapshot: %v", err)
	}

	before := map[string][]byte{}
	for _, suffix := range []string{"", "-wal"} {
		before[suffix], _ = os.ReadFile(backup + suffix)
	}
	target := filepath.Join(t.TempDir(), "restored.db")
	if _, err := Restore(ctx, backup, target, t0); err != nil {
		t.Fatal(err)
	}
	for suffix, b := range before {
		if after, err := os.ReadFile(backup + suffix); err != nil || !bytes.Equal(after, b) {
			t.Errorf("the restore changed the backup's file %s (%v)", backup+suffix, err)
		}
	}
	if n := eventsIn(t, target); n != want {
		t.Errorf("%d events after restoring the snapshot, want its %d (the file's and its log's)", n, want)
	}
}
