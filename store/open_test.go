package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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
