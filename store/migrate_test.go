package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
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

// TestRunningTotalsMigration: a database written before migration 0006,
// whose /metrics counters were read from the check and attempt rows and
// 0003's tables of pruned ones, keeps every count and every bucket, and
// the checks recorded after it add to them.
func TestRunningTotalsMigration(t *testing.T) {
	ctx := context.Background()
	old, path := databaseBefore(t, 6)
	const ms100 = int64(100 * time.Millisecond)
	for _, stmt := range []string{
		`INSERT INTO watches (id, name, url, config, created_at) VALUES (1, 'alpha', 'http://a/', '{}', 0), (2, 'beta', 'http://b/', '{}', 0)`,
		`INSERT INTO checks (id, watch_id, started_at, finished_at, fetcher, outcome) VALUES
			(1, 1, 1, 1, 'http', 'unchanged'), (2, 1, 2, 2, 'http', 'unchanged'),
			(3, 1, 3, 3, 'http', 'unchanged'), (4, 1, 4, 4, 'http', 'fetch_error')`,
		// On a bound (its bucket), a nanosecond above it (the next), above
		// the last bound; two attempts of one failed check.
		fmt.Sprintf(`INSERT INTO attempts (check_id, seq, started_at, url, status, bytes, duration_ns, error) VALUES
			(1, 0, 1, 'http://a/', 200, 1, %d, ''), (2, 0, 2, 'http://a/', 200, 1, %d, ''),
			(3, 0, 3, 'http://a/', 200, 1, %d, ''),
			(4, 0, 4, 'http://a/', 0, 0, %d, 'timeout'), (4, 1, 4, 'http://a/', 0, 0, %d, 'timeout')`,
			ms100, ms100+1, int64(61*time.Second), int64(30*time.Second), int64(5*time.Second)),
		`INSERT INTO pruned_checks (watch_id, outcome, n) VALUES (1, 'unchanged', 10), (2, 'not_modified', 4)`,
		// Ten attempts of 241 to 250 ms, rounded up to 250; four of 1 ms.
		`INSERT INTO pruned_attempts (watch_id, duration_ms, n, sum_ns) VALUES (1, 250, 10, 2455000000), (2, 1, 4, 3200000)`,
	} {
		if _, err := old.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db := openOld(t, old, path)
	wantChecks := map[string]map[monitor.Outcome]int64{
		"alpha": {monitor.OutcomeUnchanged: 13, monitor.OutcomeFetchError: 1},
		"beta":  {monitor.OutcomeNotModified: 4},
	}
	wantLatency := map[string][]uint64{
		//       ≤0.1 ≤0.25 ≤0.5 ≤1 ≤2.5 ≤5 ≤10 ≤30 ≤60 more
		"alpha": {1, 11, 0, 0, 0, 1, 0, 1, 0, 1},
		"beta":  {4, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	}
	wantSums := map[string]time.Duration{
		"alpha": 2*100*time.Millisecond + 1 + 61*time.Second + 30*time.Second + 5*time.Second + 2455*time.Millisecond,
		"beta":  3200 * time.Microsecond,
	}
	checks, latency, sums := metricCounters(t, db)
	if !reflect.DeepEqual(checks, wantChecks) {
		t.Errorf("check counts after the migration %v, want %v", checks, wantChecks)
	}
	if !reflect.DeepEqual(latency, wantLatency) || !reflect.DeepEqual(sums, wantSums) {
		t.Errorf("latency after the migration %v (sums %v), want %v (%v)", latency, sums, wantLatency, wantSums)
	}
	// 0003's tables stay as they were, for a daemon of the previous
	// version still running beside the new binary.
	for table, want := range map[string]int{"pruned_checks": 14, "pruned_attempts": 14} {
		var n int
		if err := db.sql.QueryRowContext(ctx, `SELECT SUM(n) FROM `+table).Scan(&n); err != nil || n != want {
			t.Errorf("%s counts %d checks or attempts (%v), want %d as before the migration", table, n, err, want)
		}
	}

	// What counts cannot change under the totals.
	for _, stmt := range []string{
		`UPDATE checks SET outcome = 'changed' WHERE id = 1`,
		`UPDATE checks SET watch_id = 2 WHERE id = 1`,
		`UPDATE attempts SET duration_ns = 1 WHERE check_id = 1`,
	} {
		if _, err := db.sql.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "cannot change") {
			t.Errorf("%s: %v, want it refused", stmt, err)
		}
	}
	if _, err := db.sql.ExecContext(ctx, `UPDATE checks SET finished_at = 9 WHERE id = 1`); err != nil {
		t.Errorf("updating a column the totals do not count: %v", err)
	}

	// A check recorded now adds to the totals; deleting rows takes nothing
	// from them.
	w := testWatch
	w.Name, w.URL = "alpha", "http://a/"
	record(t, db, &monitor.CheckRecord{
		Watch: w, Started: t0, Finished: t0, Outcome: monitor.OutcomeFetchError,
		Attempts: []monitor.Attempt{{Start: t0, URL: w.URL, Err: "refused", Duration: 420 * time.Millisecond}},
		Episode:  &monitor.Episode{Kind: monitor.KindFetchError, Reason: "refused", Since: t0, Checks: 1},
	})
	wantChecks["alpha"][monitor.OutcomeFetchError]++
	wantLatency["alpha"][2]++
	wantSums["alpha"] += 420 * time.Millisecond
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM checks`); err != nil {
		t.Fatal(err)
	}
	checks, latency, sums = metricCounters(t, db)
	if !reflect.DeepEqual(checks, wantChecks) || !reflect.DeepEqual(latency, wantLatency) || !reflect.DeepEqual(sums, wantSums) {
		t.Errorf("after a new check and every row deleted: checks %v, latency %v, sums %v; want %v, %v, %v",
			checks, latency, sums, wantChecks, wantLatency, wantSums)
	}
}

// TestFactsMigration: 0008 empties the fact sheets stored before it
// (they are read from the text now, with the taxonomy in use), and the
// versions they belonged to read as before.
func TestFactsMigration(t *testing.T) {
	ctx := context.Background()
	old, path := databaseBefore(t, 8)
	c, err := newCodec()
	if err != nil {
		t.Fatal(err)
	}
	const text = "Example Privacy Policy\nWe collect your name."
	if _, err := old.ExecContext(ctx, `INSERT INTO watches (id, name, url, config, created_at) VALUES (1, 'alpha', 'http://a/', '{}', 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(ctx, `
		INSERT INTO versions (id, watch_id, hash, text, title, language, links, facts, first_seen, last_seen)
		VALUES (1, 1, 'h1', ?, 'Example', 'en', ?, ?, 1, 2)`,
		c.compress([]byte(text)), c.compress([]byte("[]")), c.compress([]byte(`{"language":"en"}`))); err != nil {
		t.Fatal(err)
	}
	db := openOld(t, old, path)
	var stored int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM versions WHERE facts IS NOT NULL`).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("%d fact sheets still stored after 0008 (%v)", stored, err)
	}
	v, err := db.Version(ctx, 1)
	if err != nil || v.Text != text || v.Language != "en" || v.Watch != "alpha" {
		t.Errorf("version 1 after 0008: %+v, %v", v, err)
	}
}

// TestRecipientStartsMigration: 0009 changes nothing for the recipients a
// database already had. A subscriber hears of every event as before, and
// a webhook the outbox already posted to starts at 0, so that the events
// not yet planned when the daemon stopped for the upgrade still go to it;
// a webhook first seen after the upgrade starts after the newest event.
// Only the SHA-256 of a URL is stored in the new table.
func TestRecipientStartsMigration(t *testing.T) {
	ctx := context.Background()
	old, path := databaseBefore(t, 9)
	const hook = "https://chat.example/hooks/T0KEN-s3cret"
	for _, stmt := range []string{
		`INSERT INTO watches (id, name, url, config, created_at) VALUES (1, 'alpha', 'http://a/', '{}', 0)`,
		`INSERT INTO checks (id, watch_id, started_at, finished_at, fetcher, outcome) VALUES (1, 1, 1, 1, 'http', 'changed')`,
		`INSERT INTO events (id, watch_id, check_id, time, kind, severity, summary, reason, detail, words_added, words_removed) VALUES
			(1, 1, 1, 1, 'change', 'critical', 'one', '', '', 1, 0),
			(2, 1, 1, 2, 'change', 'critical', 'two', '', '', 1, 0),
			(3, 1, 1, 3, 'change', 'critical', 'three', '', '', 1, 0)`,
		`UPDATE notify_state SET cursor = 1`,
		`INSERT INTO notify_subscribers (email, digest, min_severity, created_at, updated_at) VALUES ('ada@example.org', 'daily', 'critical', 1, 1)`,
		`INSERT INTO notify_outbox (key, channel, kind, recipient, event_id, watch, created_at, next_attempt_at) VALUES
			('webhook:1:` + hook + `', 'webhook', 'webhook', '` + hook + `', 1, 'alpha', 5, 5)`,
	} {
		if _, err := old.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db := openOld(t, old, path)

	ada, err := db.SubscriberByEmail(ctx, "ada@example.org")
	if err != nil || ada.AfterEvent != 0 {
		t.Errorf("subscriber after 0009: %+v, %v; want it to hear of every event (0)", ada, err)
	}
	// Subscribing an active address again changes its settings, not its start.
	if again, err := db.Subscribe(ctx, Subscriber{Email: ada.Email, Digest: "weekly", MinSeverity: monitor.SeverityCritical}); err != nil || again.AfterEvent != 0 {
		t.Errorf("updated subscriber %+v, %v; want its start kept at 0", again, err)
	}
	const fresh = "https://hooks.example/new"
	starts, err := db.RecordWebhooks(ctx, []string{hook, fresh}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if starts[hook] != 0 || starts[fresh] != 3 {
		t.Errorf("webhook starts %v; want 0 for the one the outbox knew, 3 (the newest event) for the new one", starts)
	}
	if rows, err := db.OutboxRows(ctx, []string{OutboxPending}, 0); err != nil || len(rows) != 1 {
		t.Errorf("pending rows %+v, %v; want the webhook's delivery still pending", rows, err)
	}
	// A webhook is named by the SHA-256 of its URL, never the URL.
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM notify_webhooks`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d webhooks recorded (%v), want 2", n, err)
	}
	for u, want := range map[string]int64{hook: 0, fresh: 3} {
		sum := sha256.Sum256([]byte(u))
		var after int64
		err := db.sql.QueryRowContext(ctx, `SELECT after_event FROM notify_webhooks WHERE url_sha256 = ?`, hex.EncodeToString(sum[:])).Scan(&after)
		if err != nil || after != want {
			t.Errorf("the row named by the SHA-256 of %s: start %d (%v), want %d", u, after, err, want)
		}
	}
}

// databaseBefore returns a new database file, open without Open, with the
// migrations before the one numbered n applied: a database an older
// policywatch wrote, for a test to fill before Open migrates it.
func databaseBefore(t *testing.T, n int) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policywatch.db")
	old, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { old.Close() })
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := applyMigrations(context.Background(), old, ms[:n-1]); err != nil {
		t.Fatal(err)
	}
	return old, path
}

// openOld closes old, a database of databaseBefore, and opens it with Open,
// which applies the migrations it lacks.
func openOld(t *testing.T, old *sql.DB, path string) *DB {
	t.Helper()
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
