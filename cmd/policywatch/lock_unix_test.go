//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLockFollowsLinks: a second daemon given a symbolic link to the
// database, or a path through a linked folder, finds the first one's
// lock; it used to lock "link.db.lock" and run beside it.
func TestLockFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "data", "policywatch.db")
	if err := os.MkdirAll(filepath.Dir(real), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	linkedDir := filepath.Join(dir, "linked")
	if err := os.Symlink(filepath.Dir(real), linkedDir); err != nil {
		t.Fatal(err)
	}
	unlock, err := lockDatabase(real, "run")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	for _, other := range []string{link, filepath.Join(linkedDir, "policywatch.db")} {
		if again, err := lockDatabase(other, "run"); err == nil {
			again()
			t.Errorf("a second lock through %s was granted", other)
		} else if !strings.Contains(err.Error(), "another policywatch run") {
			t.Errorf("a second lock through %s: %v", other, err)
		}
	}
	if _, err := os.Stat(link + ".lock"); err == nil {
		t.Errorf("a lock file was made beside the link")
	}
}

// TestRestoreRefusesWhileServeRuns: restore took the daemon's lock, which
// serve (the web view alone) does not take, and replaced the database
// under a running serve, which went on showing the file replaced. serve
// now holds a lock of its own, shared: run and serve still run side by
// side on one database, restore refuses while a serve has it open, naming
// it, and works once it is stopped; a serve started while a restore runs
// refuses, naming the restore.
func TestRestoreRefusesWhileServeRuns(t *testing.T) {
	cfg, db := binaryDaemon(t)
	command := func(args ...string) (string, error) {
		cmd := exec.Command(policywatchBinary(t), append(args, "--config", cfg, "--db", db)...)
		cmd.Env = append(os.Environ(), "POLICYWATCH_CONFIG=", "POLICYWATCH_DB=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := command("check"); err != nil {
		t.Fatalf("check: %v\n%s", err, out)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if out, err := command("backup", backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}

	serve := startBinary(t, "serve", "--config", cfg, "--db", db)
	serve.waitFor("web view listening")
	// The daemon beside it, as a home server runs them.
	daemon := startBinary(t, "run", "--config", cfg, "--db", db)
	daemon.waitFor("scheduler started")
	daemon.signal(syscall.SIGTERM)
	if code := daemon.exitCode(); code != 0 {
		t.Fatalf("run beside serve: exit status %d\n%s", code, daemon.stderr)
	}

	before, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	out, err := command("restore", backup)
	want := fmt.Sprintf("policywatch: restore: policywatch serve (pid %d) has %s open: stop it first, restore, then start it again", serve.cmd.Process.Pid, db)
	if err == nil || !strings.Contains(out, want) {
		t.Errorf("restore beside serve: %v\n%s\nwant %q", err, out, want)
	}
	if after, err := os.Stat(db); err != nil || !os.SameFile(before, after) {
		t.Errorf("restore beside serve replaced the database (%v)", err)
	}

	serve.signal(syscall.SIGTERM)
	if code := serve.exitCode(); code != 0 {
		t.Fatalf("serve: exit status %d\n%s", code, serve.stderr)
	}
	if out, err := command("restore", backup); err != nil || !strings.Contains(out, "restored "+db) {
		t.Errorf("restore with serve stopped: %v\n%s", err, out)
	}

	// A restore running (its locks taken as restore takes them) keeps a
	// serve from starting, which says what it waits for.
	unlock, err := lockDatabase(db, "restore")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	unlockServers, err := excludeServers(db)
	if err != nil {
		t.Fatal(err)
	}
	defer unlockServers()
	wantLockedOut(t, startBinary(t, "serve", "--config", cfg, "--db", db), "serve", "restore", db)
}

// wantLockedOut: p, the command what started while this test holds the
// database's lock as holder does, exits 1 saying who holds it.
func wantLockedOut(t *testing.T, p *proc, what, holder, db string) {
	t.Helper()
	if code := p.exitCode(); code != 1 {
		t.Errorf("%s while a %s runs: exit status %d, want 1", what, holder, code)
	}
	want := fmt.Sprintf("policywatch %s (pid %d) is using %s; wait for it to finish", holder, os.Getpid(), db)
	if !strings.Contains(p.stderr.String(), want) {
		t.Errorf("%s while a %s runs said:\n%s\nwant %q", what, holder, p.stderr, want)
	}
}

// TestServeLockNamesTheServeThatRuns: serves share their lock, and its
// file names the last one to take it; once that one has stopped, a
// restore refused names no pid rather than a process that is gone.
func TestServeLockNamesTheServeThatRuns(t *testing.T) {
	db := filepath.Join(t.TempDir(), "policywatch.db")
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	first, err := shareDatabase(db)
	if err != nil {
		t.Fatal(err)
	}
	defer first()
	second, err := shareDatabase(db)
	if err != nil {
		t.Fatalf("a second serve: %v", err)
	}
	if again, err := lockDatabase(db, "run"); err != nil {
		t.Errorf("run beside two serves: %v", err)
	} else {
		again()
	}
	if _, err := excludeServers(db); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("policywatch serve (pid %d) has %s open", os.Getpid(), db)) {
		t.Errorf("restore beside two serves: %v", err)
	}
	second()
	if _, err := excludeServers(db); err == nil || err.Error() != "policywatch serve has "+db+" open: stop it first, restore, then start it again (it would go on showing the database replaced)" {
		t.Errorf("restore beside the serve left: %v", err)
	}
	if f, err := os.OpenFile(db+".serve.lock", os.O_RDWR, 0); err == nil {
		f.WriteString("999999999 serve\n") // a pid that runs nowhere
		f.Close()
	}
	if _, err := excludeServers(db); err == nil || err.Error() != "policywatch serve has "+db+" open: stop it first, restore, then start it again (it would go on showing the database replaced)" {
		t.Errorf("restore beside a serve whose file names a pid gone: %v", err)
	}
}

// TestLockTakenBeforeTheDatabaseIsOpened: run, vacuum and serve take
// their lock before they open the database, so that a restore finishing
// in between cannot leave them on the file it replaced. Seen from outside: while a
// restore holds the lock, they report it, not what they would have found
// opening the file (here half a database, as a restore's copy may look).
func TestLockTakenBeforeTheDatabaseIsOpened(t *testing.T) {
	cfg, db := binaryDaemon(t)
	if err := os.WriteFile(db, []byte("not a database yet"), 0o600); err != nil {
		t.Fatal(err)
	}
	unlock, err := lockDatabase(db, "restore")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	wantLockedOut(t, startBinary(t, "run", "--config", cfg, "--db", db), "run", "restore", db)
	wantLockedOut(t, startBinary(t, "vacuum", "--config", cfg, "--db", db), "vacuum", "restore", db)
	unlockServers, err := excludeServers(db)
	if err != nil {
		t.Fatal(err)
	}
	defer unlockServers()
	wantLockedOut(t, startBinary(t, "serve", "--config", cfg, "--db", db), "serve", "restore", db)
}

// binaryDaemon is what the tests that run the binary beside a daemon
// need: a daemon configuration of one watch of a policy server, and a
// database path not yet made. They are skipped with -short.
func binaryDaemon(t *testing.T) (cfg, db string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the binary; run without -short")
	}
	return daemonConfig(t, newPolicyServer(t)), filepath.Join(t.TempDir(), "policywatch.db")
}
