package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// TestCheckFile: CheckFile passes a backup and refuses, naming it, a file
// that is not a policywatch database restore could put in place of the
// database (a backup that fails it is never renamed into place either):
// not there, empty (which SQLite opens as an empty database), no database,
// another program's sound SQLite database, a newer policywatch's. A
// backup that fails half way is TestBackupOnAFullDiskLeavesNothing's.
func TestCheckFile(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "nightly.db")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 || entries[0].Name() != "nightly.db" {
		t.Fatalf("after a backup the folder holds %v, want nightly.db alone", entries)
	}
	if err := CheckFile(ctx, path); err != nil {
		t.Errorf("the backup: %v", err)
	}

	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sqliteFile := func(name string, statements ...string) string {
		p := filepath.Join(dir, name)
		c, err := sql.Open("sqlite", p)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for _, st := range statements {
			if _, err := c.Exec(st); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	copyOf := func(name string) string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return write(name, data)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	newer := copyOf("newer.db")
	sqliteFile("newer.db", fmt.Sprintf(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, 'future.sql', 1)`, len(ms)+1))
	noEvents := copyOf("no-events.db")
	sqliteFile("no-events.db", `DROP TABLE events`)

	for _, tc := range []struct {
		name, path, want string
	}{
		{"no such file", filepath.Join(dir, "nothere.db"), "nothere.db: no such file"},
		{"a folder", dir, "is a folder"},
		{"empty", write("empty.db", nil), "empty.db is empty"},
		{"not a database", write("broken.db", []byte(strings.Repeat("not a database ", 400))), "broken.db is not an SQLite database file"},
		{"another program's database", sqliteFile("other.db", `CREATE TABLE notes (body TEXT)`, `INSERT INTO notes VALUES ('x')`), "other.db is an SQLite database but not a policywatch one (it has tables notes)"},
		{"an SQLite database with no table", sqliteFile("blank.db", `PRAGMA user_version = 1`), "blank.db is an SQLite database but not a policywatch one (it has no table)"},
		{"a policywatch database missing a table", noEvents, "no events table"},
		{"a newer policywatch's database", newer, "newer.db: database schema is newer than this policywatch: schema version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckFile(ctx, tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("CheckFile(%s) = %v, want an error with %q", filepath.Base(tc.path), err, tc.want)
			}
		})
	}
	if err := CheckFile(ctx, newer); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("a newer database: %v, want ErrSchemaTooNew", err)
	}
}

// TestBackupRefusesAPathThatIsNoFile: an empty path and a folder are
// refused before the copy, which failed only at the rename once written.
func TestBackupRefusesAPathThatIsNoFile(t *testing.T) {
	db, _ := openDB(t)
	dir := t.TempDir()
	for _, tc := range []struct{ path, want string }{
		{"", "backup: empty path"},
		{dir, "a folder, not a file name"},
		{filepath.Join(dir, "new") + "/", "a folder, not a file name"},
	} {
		if err := db.Backup(context.Background(), tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Backup(%q): %v, want %q", tc.path, err, tc.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused backups left %v", entries)
	}
}
