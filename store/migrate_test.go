package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrationsApplyOnceAndSurviveReopen(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	known, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	applied := func(db *DB) map[int]int64 {
		rows, err := db.sql.Query(`SELECT version, applied_at FROM schema_migrations`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		m := map[int]int64{}
		for rows.Next() {
			var v int
			var at int64
			if err := rows.Scan(&v, &at); err != nil {
				t.Fatal(err)
			}
			m[v] = at
		}
		return m
	}
	first := applied(db)
	if len(first) != len(known) {
		t.Fatalf("fresh database: %d migrations recorded, %d known", len(first), len(known))
	}
	for _, table := range []string{"watches", "checks", "attempts", "bodies", "versions", "events"} {
		var n int
		if err := db.sql.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: found %d (%v)", table, n, err)
		}
	}
	if _, err := db.State(ctx, testWatch); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	again, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer again.Close()
	second := applied(again)
	for v, at := range first {
		if second[v] != at {
			t.Errorf("migration %d re-applied on reopen (applied_at %d then %d)", v, at, second[v])
		}
	}
	if len(second) != len(first) {
		t.Errorf("reopen: %d migrations recorded, want %d", len(second), len(first))
	}
	if ws, err := again.Watches(ctx); err != nil || len(ws) != 1 {
		t.Errorf("reopen lost data: %v, %v", ws, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	known, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	// A later policywatch has migrated this file further.
	if _, err := db.sql.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sql', 1)`, len(known)+1); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = Open(ctx, path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema: err = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "upgrade policywatch") {
		t.Errorf("error does not say what to do: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "page.html")
	if err := os.WriteFile(notDB, []byte("<!DOCTYPE html><p>not a database, but long enough to have a header</p>"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
	}{
		{"empty path", ""},
		{"question mark", filepath.Join(dir, "a?b.db")},
		{"not a database", notDB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(context.Background(), tt.path)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded", tt.path)
			}
		})
	}
}

// The pragmas live in the DSN so that every connection of the pool gets
// them; a connection without them would write without foreign keys or
// keep a 2 MB page cache for the daemon's life. Several connections are
// held at once so that the pool must open new ones.
func TestEveryConnectionHasThePragmas(t *testing.T) {
	db, _ := openDB(t)
	ctx := context.Background()
	want := map[string]string{
		"foreign_keys":       "1",
		"journal_mode":       "wal",
		"busy_timeout":       "5000",
		"synchronous":        "1", // NORMAL
		"cache_size":         "-256",
		"journal_size_limit": "8388608",
	}
	for i := range 3 {
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for name, value := range want {
			var got string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+name).Scan(&got); err != nil {
				t.Fatalf("connection %d: PRAGMA %s: %v", i, name, err)
			}
			if got != value {
				t.Errorf("connection %d: PRAGMA %s = %s, want %s", i, name, got, value)
			}
		}
	}
}
