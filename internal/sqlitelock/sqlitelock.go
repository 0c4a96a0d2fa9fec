// Package sqlitelock holds a database's write lock from another
// connection, as another process would (a sqlite3 shell after BEGIN and a
// write, a vacuum for its whole run), so that tests see what the daemon
// and the commands do meanwhile. For tests only; it imports nothing of
// policywatch.
package sqlitelock

import (
	"context"
	"database/sql"
	"testing"

	_ "modernc.org/sqlite" // the driver the store uses
)

// Hold takes the write lock of the SQLite database at path (BEGIN
// IMMEDIATE on a connection of its own) and returns what lets it go
// (ROLLBACK, then the connection closed). Both fail the test on an error;
// the lock is let go at the test's end if release was not called.
func Hold(t testing.TB, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		conn.Close()
		db.Close()
		t.Fatal(err)
	}
	released := false
	release = func() {
		t.Helper()
		if released {
			return
		}
		released = true
		_, err := conn.ExecContext(ctx, `ROLLBACK`)
		conn.Close()
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(release)
	return release
}
