//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"os"
	"path/filepath"
	"strings"
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
