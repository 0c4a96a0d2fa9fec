package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRestoreOntoANewMachine: restoring a backup where there is no
// database yet, nor its folder (a new server, a StateDirectory not made
// yet), puts the backup there. restore took the daemon's lock beside the
// database before anything made the folder, and failed with "open
// ….lock: no such file or directory".
func TestRestoreOntoANewMachine(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	srv.set("Effective March 3, 2026")
	c.mustRun("check")
	backup := filepath.Join(t.TempDir(), "copy.db")
	c.mustRun("backup", backup)

	fresh := filepath.Join(t.TempDir(), "var", "lib", "policywatch", "policywatch.db")
	c.env["POLICYWATCH_DB"] = fresh
	out := c.mustRun("restore", backup)
	if !strings.Contains(out, "restored "+fresh+" from "+backup) || strings.Contains(out, "kept as") {
		t.Errorf("restore onto a new machine said:\n%s", out)
	}
	if out := c.mustRun("events"); strings.Count(out, "\n") != 1 {
		t.Errorf("events after the restore:\n%s\nwant the backup's one", out)
	}
	if fi, err := os.Stat(filepath.Dir(fresh)); err != nil || !fi.IsDir() || fi.Mode().Perm()&0o007 != 0 {
		t.Errorf("the database's folder: %v, %v; want it made, closed to others", fi, err)
	}
}
