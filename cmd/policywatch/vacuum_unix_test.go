//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestVacuumRefusesWhileTheDaemonRuns: vacuum, said to be safe beside the
// daemon, held SQLite's write lock longer than the daemon's writes wait
// for it, and the daemon lost its checks and blamed the disk. vacuum now
// takes the daemon's lock: it refuses while a daemon runs, naming it and
// saying to stop it, and works once it is stopped; a daemon started while
// a vacuum runs refuses, naming the vacuum.
func TestVacuumRefusesWhileTheDaemonRuns(t *testing.T) {
	cfg, db := binaryDaemon(t)
	daemon := startBinary(t, "run", "--config", cfg, "--db", db)
	daemon.waitFor("outcome=baseline")

	vacuum := func() (string, error) {
		cmd := exec.Command(policywatchBinary(t), "vacuum", "--config", cfg, "--db", db)
		cmd.Env = append(os.Environ(), "POLICYWATCH_CONFIG=", "POLICYWATCH_DB=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := vacuum()
	want := fmt.Sprintf("policywatch: vacuum: the daemon, another policywatch run (pid %d), is using %s: stop it first, vacuum, then start it again", daemon.cmd.Process.Pid, db)
	if err == nil || !strings.Contains(out, want) {
		t.Errorf("vacuum beside the daemon: %v\n%s\nwant %q", err, out, want)
	}
	if strings.Contains(out, "→") {
		t.Errorf("vacuum beside the daemon compacted the database:\n%s", out)
	}

	daemon.signal(syscall.SIGTERM)
	if code := daemon.exitCode(); code != 0 {
		t.Fatalf("daemon: exit status %d\n%s", code, daemon.stderr)
	}
	if out, err := vacuum(); err != nil || !strings.Contains(out, "→") {
		t.Errorf("vacuum with the daemon stopped: %v\n%s", err, out)
	}

	// A vacuum running (the lock taken as vacuum takes it) keeps a
	// daemon from starting, which says what it waits for.
	unlock, err := lockDatabase(db, "vacuum")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	wantLockedOut(t, startBinary(t, "run", "--config", cfg, "--db", db), "run", "vacuum", db)
}
