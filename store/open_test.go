package store

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestOpenMustExist: with MustExist, a missing file (or folder) is
// ErrNoDatabase and nothing is created; an existing database opens.
func TestOpenMustExist(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "typo.db"), filepath.Join(dir, "no-such-folder", "policywatch.db")} {
		db, err := Open(t.Context(), path, MustExist())
		if !errors.Is(err, ErrNoDatabase) {
			if db != nil {
				db.Close()
			}
			t.Errorf("Open(%s, MustExist()): %v, want ErrNoDatabase", path, err)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%s, MustExist()) created the file: %v", path, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "no-such-folder")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open with MustExist created the folder: %v", err)
	}

	path := filepath.Join(dir, "policywatch.db")
	db, err := Open(t.Context(), path) // creates it
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(t.Context(), path, MustExist())
	if err != nil {
		t.Fatalf("Open of an existing database with MustExist: %v", err)
	}
	db.Close()
}

// TestOpenLeavesOtherFilesAlone: another program's SQLite database, a
// file that is no SQLite database, or a folder given as the database is
// refused (ErrNotPolicywatch) in words that say what it is, and left as it
// was, byte for byte: Open used to add policywatch's tables to another
// program's database and switch it to WAL, even for a command that only
// reads. An empty file, or a database a policywatch killed while it
// created it left with schema_migrations alone, is initialised.
func TestOpenLeavesOtherFilesAlone(t *testing.T) {
	dir := t.TempDir()
	sqliteFile := func(name string, statements ...string) string {
		t.Helper()
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
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte(strings.Repeat("not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "folder")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"a browser's history", sqliteFile("places.sqlite", `CREATE TABLE moz_places (url TEXT)`, `CREATE TABLE moz_bookmarks (title TEXT)`, `INSERT INTO moz_places VALUES ('https://example.org/')`),
			"places.sqlite is an SQLite database but not a policywatch one (it has tables moz_bookmarks, moz_places)"},
		{"another program's migrations", sqliteFile("rails.db", `CREATE TABLE schema_migrations (version TEXT PRIMARY KEY)`, `CREATE TABLE users (name TEXT)`),
			"rails.db is an SQLite database but not a policywatch one (it has tables schema_migrations, users)"},
		{"a text file", text, "notes.txt is not an SQLite database file, so not a policywatch database"},
		{"a folder", folder, "folder is a folder, not a database file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshotDir(t, dir)
			for _, opts := range [][]OpenOption{nil, {MustExist()}} {
				db, err := Open(t.Context(), tc.path, opts...)
				if err == nil {
					db.Close()
					t.Fatalf("Open(%s) succeeded", tc.path)
				}
				if !errors.Is(err, ErrNotPolicywatch) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("Open(%s): %v, want ErrNotPolicywatch saying %q", tc.path, err, tc.want)
				}
				if strings.Contains(err.Error(), "(26)") || strings.Contains(err.Error(), "(14)") {
					t.Errorf("Open(%s) gives SQLite's words: %v", tc.path, err)
				}
			}
			if after := snapshotDir(t, dir); !reflect.DeepEqual(after, before) {
				t.Errorf("Open(%s) changed the folder:\nbefore %v\nafter  %v", tc.path, before, after)
			}
		})
	}

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	halfMade := sqliteFile("half-made.db", `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`)
	for _, path := range []string{empty, halfMade} {
		db, err := Open(t.Context(), path)
		if err != nil {
			t.Fatalf("Open(%s): %v", path, err)
		}
		db.Close()
		if err := CheckFile(t.Context(), path); err != nil {
			t.Errorf("%s is not a policywatch database once opened: %v", path, err)
		}
	}
}

// snapshotDir is each file of dir, by name, with its SHA-256.
func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[p] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
