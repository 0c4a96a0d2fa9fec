package main

import (
	"crypto/sha256"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sha256File is the SHA-256 of the file at path: what an operator's
// manifest of backups holds.
func sha256File(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestForeignDatabaseIsLeftAlone: another program's SQLite file given as
// --db (a browser's history, a mistyped path) used to be made a
// policywatch database by any command, a reading one included, which then
// reported its empty history ("no events", exit 0); after that, restore
// and verify took it for one. Every command now refuses it, says what it
// is and which setting to check, and leaves it byte for byte; a text file
// and a folder get words, not SQLite's "file is not a database (26)".
func TestForeignDatabaseIsLeftAlone(t *testing.T) {
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, archiveConfig)
	dir := t.TempDir()
	places := filepath.Join(dir, "places.sqlite")
	other, err := sql.Open("sqlite", places)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`CREATE TABLE moz_places (url TEXT)`, `INSERT INTO moz_places VALUES ('https://example.org/')`} {
		if _, err := other.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	other.Close()
	text := filepath.Join(dir, "text.db")
	if err := os.WriteFile(text, []byte(strings.Repeat("plain text, no database\n", 50)), 0o600); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "dirdb")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{places, places + " is an SQLite database but not a policywatch one (it has tables moz_places); is --db right?"},
		{text, text + " is not an SQLite database file, so not a policywatch database; is --db right?"},
		{folder, folder + " is a folder, not a database file; is --db right?"},
	} {
		var sum [32]byte
		if tc.path != folder {
			sum = sha256File(t, tc.path)
		}
		for _, args := range [][]string{{"events"}, {"verify"}, {"check"}, {"watches"}} {
			wantError(t, c, false, append(args, "--db", tc.path), tc.want)
		}
		wantError(t, c, false, []string{"restore", places, "--db", filepath.Join(dir, "new.db")}, "places.sqlite is an SQLite database but not a policywatch one")
		if tc.path != folder && sha256File(t, tc.path) != sum {
			t.Errorf("%s was changed", tc.path)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("the folder holds %d files, want the 3 put there (no -wal, -shm, new.db)", len(entries))
	}
}

// TestVerifyLeavesTheBackupAsItIs: verify --db BACKUP used to switch the
// backup to WAL, changing its SHA-256 (an operator's manifest, evidence
// handed on), and would have upgraded a backup of an older policywatch in
// place; now it reads it as it is, and refuses an older one saying how
// to verify it.
func TestVerifyLeavesTheBackupAsItIs(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	srv.set("Effective March 3, 2026")
	c.mustRun("check")
	dir := t.TempDir()
	backup := filepath.Join(dir, "backup.db")
	c.mustRun("backup", backup)
	sum := sha256File(t, backup)
	if out := c.mustRun("verify", "--db", backup); !strings.Contains(out, "the history checks out") {
		t.Errorf("verify --db BACKUP said:\n%s", out)
	}
	if sha256File(t, backup) != sum {
		t.Errorf("verify changed the backup")
	}

	// A backup as an older policywatch wrote it: one migration fewer.
	older := filepath.Join(dir, "older.db")
	if err := os.WriteFile(older, mustReadFile(t, backup), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", older)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	sum = sha256File(t, older)
	wantError(t, c, false, []string{"verify", "--db", older}, "older than this policywatch", "copy it, run any command on the copy")
	if sha256File(t, older) != sum {
		t.Errorf("verify changed the older backup")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("verify left files beside the backups: %v", entries)
	}
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBackupRefusesAPathThatIsNoFile: `backup ""` (a script's unset $DEST)
// copied the whole database, then failed with "rename ./…partial-…: no
// such file or directory"; `backup DIR/` said "file exists". Both are
// usage errors now, said before any work, and leave nothing behind.
func TestBackupRefusesAPathThatIsNoFile(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = nimbusConfig(t, srv.URL)
	srv.set("Effective March 3, 2026")
	c.mustRun("check")
	dir := t.TempDir()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	cwdBefore, err := os.ReadDir(wd)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, c, true, []string{"backup", ""}, "backup: FILE is empty (an unset variable?); give the backup's file name, e.g. policywatch backup /var/backups/policywatch-")
	for _, folder := range []string{dir, dir + "/", filepath.Join(dir, "new") + "/"} {
		wantError(t, c, true, []string{"backup", folder}, "backup: "+folder+" is a folder; give the backup's file name in it, e.g. policywatch backup "+filepath.Join(folder, "policywatch-"))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused backups left %v", entries)
	}
	if cwdAfter, _ := os.ReadDir(wd); len(cwdAfter) != len(cwdBefore) {
		t.Errorf("refused backups left files in the working folder")
	}
}

// TestBackupToAnExistingFileSaysWhatToDo: a second backup to the same name
// (a cron job run twice a day on $(date +%F)) failed with "backup to
// FILE: file exists", which says neither that backups never write over a
// file nor what to do. The message says both, and the file is untouched.
func TestBackupToAnExistingFileSaysWhatToDo(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = nimbusConfig(t, srv.URL)
	srv.set("Effective March 3, 2026")
	c.mustRun("check")
	file := filepath.Join(t.TempDir(), "policywatch.db")
	if err := os.WriteFile(file, []byte("an older backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantError(t, c, false, []string{"backup", file},
		"backup: "+file+" exists, and a backup never replaces a file",
		"give another name, or remove it first")
	if b, _ := os.ReadFile(file); string(b) != "an older backup" {
		t.Errorf("the refused backup changed %s: %q", file, b)
	}
}
