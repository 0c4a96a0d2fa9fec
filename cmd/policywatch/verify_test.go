package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestVerify: verify reads a history back and says it checks out; after a
// raw body's bytes were changed in the file (here its stored hash, which
// is what a changed body fails against), it names the body, says what to
// do and fails. Also on a backup, with --db.
func TestVerify(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	for _, text := range []string{"Effective March 3, 2026", "Effective May 27, 2026", "Effective June 1, 2026"} {
		srv.set(text)
		c.mustRun("check")
	}
	out := c.mustRun("verify")
	for _, want := range []string{"SQLite integrity check: ok", "references between rows: ok", "raw bodies: 3 read back", "versions: 3 read back", "the history checks out"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify said:\n%s\nwant %q in it", out, want)
		}
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	c.mustRun("backup", backup)
	if out := c.mustRun("verify", "--db", backup); !strings.Contains(out, backup+"\n") || !strings.Contains(out, "the history checks out") {
		t.Errorf("verify --db BACKUP said:\n%s", out)
	}

	db, err := sql.Open("sqlite", c.env["POLICYWATCH_DB"]+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE bodies SET sha256 = '00' || substr(sha256, 3) WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	out, _, err = c.run("verify")
	if err == nil || !strings.Contains(err.Error(), "does not check out") || !strings.Contains(err.Error(), "restore a backup") {
		t.Errorf("verify of a changed body: %v, want an error saying it does not check out and what to do", err)
	}
	if !regexp.MustCompile(`(?m)^  problem: body 2: its \d+ bytes read back hash to [0-9a-f]{64}; stored when fetched: \d+ bytes, SHA-256 00`).MatchString(out) {
		t.Errorf("verify does not name the changed body:\n%s", out)
	}
	if strings.Contains(out, "checks out:") {
		t.Errorf("verify of a changed body says it checks out:\n%s", out)
	}
}

// TestVerifyOfAnOlderSchemaSaysWhatToDo: verify reads without writing, so
// it refuses a database an older policywatch wrote rather than upgrade
// it. On the database policywatch runs on, after the binary was replaced
// and before the daemon was restarted, it said only to copy it and verify
// the copy: it now says that restarting the daemon (or any command, with
// none running) upgrades it, naming the file, and keeps the copy for a
// backup that must stay byte for byte.
func TestVerifyOfAnOlderSchemaSaysWhatToDo(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	c.mustRun("check")
	db, err := sql.Open("sqlite", c.env["POLICYWATCH_DB"]+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	// An older policywatch's database, as far as verify reads: its last
	// migration not recorded.
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, _, err = c.run("verify")
	if err == nil {
		t.Fatal("verify of an older database checked it")
	}
	for _, want := range []string{
		"schema is older than this policywatch",
		"restart the daemon",
		"policywatch watches --db " + c.env["POLICYWATCH_DB"],
		"copy it, run any command on the copy",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("verify of an older database: %q lacks %q", err, want)
		}
	}
}

// TestVerifyOfADamagedFile: on a file with a damaged page, verify stopped
// with SQLite's "database disk image is malformed" alone, and the other
// commands (the daemon's start among them) the same: nothing said that
// the file is damaged, nor what to do. verify now reports it as failing
// its integrity check, says what it could not check, and gives its advice;
// the other commands say the file is damaged and to restore a backup.
func TestVerifyOfADamagedFile(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	for _, text := range []string{"Effective March 3, 2026", "Effective May 27, 2026"} {
		srv.set(text)
		c.mustRun("check")
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	c.mustRun("backup", backup)
	sound, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	damage := func(page int) string {
		b := bytes.Clone(sound)
		for i := page * 4096; i < (page+1)*4096; i++ {
			b[i] = 0xa5
		}
		p := filepath.Join(t.TempDir(), fmt.Sprintf("damaged-%d.db", page))
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rootPage := func(table string) int {
		db, err := sql.Open("sqlite", backup+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var page int
		if err := db.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = ?`, table).Scan(&page); err != nil {
			t.Fatal(err)
		}
		return page - 1
	}
	// The bodies' table's root: SQLite stops the integrity check there.
	out, _, err := c.run("verify", "--db", damage(rootPage("bodies")))
	if err == nil || !strings.Contains(err.Error(), "does not check out") || !strings.Contains(err.Error(), "restore a backup") {
		t.Errorf("verify of a damaged file: %v, want it to say the file does not check out and what to do", err)
	}
	for _, want := range []string{"SQLite integrity check: FAILED", "database disk image is malformed"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify of a damaged file said:\n%s\nwant %q in it", out, want)
		}
	}
	if strings.Contains(out, "references between rows: ok") {
		t.Errorf("verify says the references are ok, though it could not check them:\n%s", out)
	}
	// The schema version's table: no command can open the file.
	for _, args := range [][]string{{"verify"}, {"watches"}} {
		wantError(t, c, false, append(args, "--db", damage(rootPage("schema_migrations"))), "damaged", "policywatch restore")
	}
}
