package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/monitor"
)

// backupOfAHistory writes a backup of a database holding one check, in a
// folder of its own, and returns its path.
func backupOfAHistory(t *testing.T) string {
	t.Helper()
	db, _ := openDB(t)
	record(t, db, &monitor.CheckRecord{
		Watch: testWatch, Started: t0, Finished: t0, Outcome: monitor.OutcomeBaseline,
		Body:       body(t, "policy-v1.html", 0, t0),
		NewVersion: &monitor.Version{Hash: "h", Text: "text"},
	})
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOpenReadOnlyLeavesTheFileAsItWas: a backup opened read only and
// verified keeps its SHA-256 and its rollback-journal header (bytes 18
// and 19 are 1, not WAL's 2), and nothing is written beside it; Open
// switched it to WAL. Writes through it fail. A database of an older
// policywatch is refused and not upgraded, with what to do; a newer
// one, a missing file and another program's database are refused too.
func TestOpenReadOnlyLeavesTheFileAsItWas(t *testing.T) {
	ctx := context.Background()
	path := backupOfAHistory(t)
	before := snapshotDir(t, filepath.Dir(path))

	db, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Bodies != 1 {
		t.Errorf("verify of the backup: %+v", v)
	}
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM events`); err == nil {
		t.Errorf("a write through a read-only database succeeded")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if after := snapshotDir(t, filepath.Dir(path)); !reflect.DeepEqual(after, before) {
		t.Errorf("opening the backup read only changed its folder:\nbefore %v\nafter  %v", before, after)
	}
	header := make([]byte, 20)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f.ReadAt(header, 0)
	f.Close()
	if header[18] != 1 || header[19] != 1 {
		t.Errorf("header bytes 18-19: %d %d, want 1 1 (rollback journal)", header[18], header[19])
	}

	old, oldPath := databaseBefore(t, 9)
	old.Close()
	// In WAL mode, as a database in use is: SQLite's reader makes its
	// -wal and -shm files beside it, and leaves the database as it was.
	oldBefore := mustRead(t, oldPath)
	if _, err := OpenReadOnly(ctx, oldPath); !errors.Is(err, ErrSchemaTooOld) || !strings.Contains(err.Error(), "copy it, run any command on the copy") {
		t.Errorf("OpenReadOnly of an older database: %v, want ErrSchemaTooOld saying what to do", err)
	}
	if !bytes.Equal(mustRead(t, oldPath), oldBefore) {
		t.Errorf("opening an older database read only changed it")
	}

	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(t.TempDir(), "newer.db")
	if err := os.WriteFile(newer, mustRead(t, path), 0o600); err != nil {
		t.Fatal(err)
	}
	rw, err := Open(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.sql.Exec(fmt.Sprintf(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, 'future.sql', 1)`, len(ms)+1)); err != nil {
		t.Fatal(err)
	}
	rw.Close()
	if _, err := OpenReadOnly(ctx, newer); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("OpenReadOnly of a newer database: %v, want ErrSchemaTooNew", err)
	}
	dir := t.TempDir()
	if _, err := OpenReadOnly(ctx, filepath.Join(dir, "typo.db")); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("OpenReadOnly of a missing file: %v, want ErrNoDatabase", err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte(strings.Repeat("not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{empty, text, dir} {
		if _, err := OpenReadOnly(ctx, p); !errors.Is(err, ErrNotPolicywatch) {
			t.Errorf("OpenReadOnly(%s): %v, want ErrNotPolicywatch", p, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("OpenReadOnly left files behind: %v", entries)
	}
}

// TestShellWord: a path in a command a message tells to run is one word
// of a shell's command line, pasted as it is.
func TestShellWord(t *testing.T) {
	for path, want := range map[string]string{
		"/var/lib/policywatch/policywatch.db": "/var/lib/policywatch/policywatch.db",
		"backups/pw-2026-11-20.db":            "backups/pw-2026-11-20.db",
		"/srv/My Backups/pw.db":               "'/srv/My Backups/pw.db'",
		"/srv/ada's/pw.db":                    `'/srv/ada'\''s/pw.db'`,
		"/srv/$HOME/pw.db":                    "'/srv/$HOME/pw.db'",
		"":                                    "''",
	} {
		if got := shellWord(path); got != want {
			t.Errorf("shellWord(%q) = %s, want %s", path, got, want)
		}
	}
}
