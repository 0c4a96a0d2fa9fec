package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/sqlitelock"
)

// TestBusyDatabaseIsNotBlamedOnTheDisk: when another process holds the
// database's write lock longer than the daemon's writes wait (a sqlite3
// shell with a transaction open), the daemon's checks are lost as on a
// full disk, but the log used to send the operator to free disk space or
// fix permissions. It now says another process holds the database, which
// kind (not a vacuum or an import, which it named: a vacuum refuses while
// run holds the database, an import writes a snapshot at a time), and
// that the checks are recorded again once it lets go.
func TestBusyDatabaseIsNotBlamedOnTheDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the daemon's 5 s busy timeout; run without -short")
	}
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, fmt.Sprintf("settings:\n  schedule: \"@every 1s\"\n  host_interval: 0s\n  retries: 0\nwatches:\n  - name: nimbus\n    url: %s/p\n    language: en\n", srv.URL))
	d := c.startDaemon()
	d.waitFor("outcome=baseline")

	// What a vacuum holds for its whole run.
	release := sqlitelock.Hold(t, c.env["POLICYWATCH_DB"])
	d.waitFor("checks are not being recorded")
	release()
	line := logLine(d.stderr.String(), "checks are not being recorded")
	if !strings.Contains(line, "another process holds the database's write lock") || !strings.Contains(line, "a sqlite3 shell") || !strings.Contains(line, "SQLITE_BUSY") {
		t.Errorf("the log does not say another process holds the database:\n%s", line)
	}
	if strings.Contains(line, "free disk space") {
		t.Errorf("the log blames the disk for a database another process holds:\n%s", line)
	}
	d.waitFor("checks are recorded again")
	d.stop()
}

// TestVacuumSaysWhenTheLogStays: a reader of the old pages (serve, a
// check) keeps the checkpoint after the vacuum from cutting the
// write-ahead log back; vacuum reported the database and its log
// together, which then read as the vacuum doubling the database. It now
// reports the file and the log apart, and says why the log stays.
func TestVacuumSaysWhenTheLogStays(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the checkpoint's 5 s busy timeout; run without -short")
	}
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	for _, text := range []string{"Effective March 3, 2026", "Effective May 27, 2026"} {
		srv.set(text)
		c.mustRun("check")
	}
	out := c.mustRun("vacuum")
	if !strings.Contains(out, "→") || strings.Contains(out, "not cut back") {
		t.Errorf("vacuum with no other reader said:\n%s", out)
	}

	reader, err := sql.Open("sqlite", c.env["POLICYWATCH_DB"]+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	ctx := context.Background()
	tx, err := reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out = c.mustRun("vacuum")
	if !strings.Contains(out, ", write-ahead log ") || !strings.Contains(out, "could not be cut back now: another process (policywatch serve, check) was reading the database") {
		t.Errorf("vacuum beside a reader said:\n%s\nwant the log reported apart, and why it stays", out)
	}
	t.Logf("vacuum beside a reader took %v:\n%s", time.Since(start), out)
}

// TestVacuumSaysTheRetentionAsConfigured: vacuum says how old the check
// rows it pruned were as the configuration sets it ("90d"); it said
// "2160h0m0s", Go's way, which no configuration reads like.
func TestVacuumSaysTheRetentionAsConfigured(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	for _, tc := range []struct{ set, want string }{{"90d", "90d"}, {"36h", "36h"}, {"90m", "1h30m"}} {
		c.env["POLICYWATCH_CONFIG"] = writeConfig(t, fmt.Sprintf("settings:\n  host_interval: 0s\n  check_retention: %s\nwatches:\n  - name: nimbus\n    url: %s/p\n    language: en\n", tc.set, srv.URL))
		c.mustRun("check")
		out := c.mustRun("vacuum")
		if want := "pruned 0 check rows older than " + tc.want + "\n"; !strings.HasPrefix(out, want) {
			t.Errorf("vacuum with check_retention: %s said:\n%s\nwant it to start %q", tc.set, out, want)
		}
	}
}
