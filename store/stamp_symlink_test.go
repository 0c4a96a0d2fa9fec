package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/monitor"
)

// linkedDatabase makes an empty database file, target, in a folder of
// dir, and a symbolic link to it, link, in another, as an operator puts a
// database on a bigger disk; it skips the test where there are no links.
func linkedDatabase(t *testing.T) (dir, target, link string) {
	t.Helper()
	dir = t.TempDir()
	target = filepath.Join(dir, "disk", "policywatch.db")
	link = filepath.Join(dir, "data", "policywatch.db")
	for _, d := range []string{filepath.Dir(target), filepath.Dir(link)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := createPrivate(target); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	return dir, target, link
}

// TestChangeStampThroughASymlink: a database reached through a symbolic
// link (/var/lib/policywatch/policywatch.db pointing at a bigger disk) has
// its write-ahead log and -shm index beside the file the link points to,
// where SQLite, which resolves the link, makes them; not beside the link.
// The stamp looked for them beside the link, found neither, and moved only
// when a checkpoint wrote the database file: another process's commit
// (a 'policywatch check' beside the daemon) waited for maxQuiet, ten
// minutes, before it was notified; DiskSizes said the log was empty.
func TestChangeStampThroughASymlink(t *testing.T) {
	ctx := context.Background()
	_, target, link := linkedDatabase(t)
	db, err := Open(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := Open(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	recordEvents(t, other, 1)
	if _, err := os.Stat(target + "-wal"); err != nil {
		t.Fatalf("SQLite's log is not beside the link's target: %v", err)
	}
	stamp := func() string {
		t.Helper()
		s, err := db.ChangeStamp()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := stamp()
	recordEvents(t, other, 1) // another process's commit, in the log only
	if after := stamp(); after == before {
		t.Errorf("another process's commit left the stamp of a database behind a link as it was: %q", after)
	}
	_, log, err := db.DiskSizes()
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(target + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if log != fi.Size() {
		t.Errorf("DiskSizes: log of %d bytes, the log beside the link's target has %d", log, fi.Size())
	}
}

// TestRestoreThroughASymlink: restoring a database reached through a
// symbolic link puts the backup in the file the link points to, as
// SQLite writes it. It renamed the backup over the link: the link was
// gone, the history then lived on the disk of the link's folder (the
// small system disk, where the link had moved it from), and the file the
// link pointed to stayed behind with the history before the restore,
// where a later link or mount found it again.
func TestRestoreThroughASymlink(t *testing.T) {
	ctx := context.Background()
	dir, target, link := linkedDatabase(t)
	db, err := Open(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	recordEvents(t, db, 1)
	backup := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	recordEvents(t, db, 1) // after the backup: the restore takes it away
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, backup, link, t0); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("after the restore, %s is no longer the link (%v, %v)", link, fi.Mode(), err)
	}
	for _, p := range []string{link, target} {
		db, err := Open(ctx, p, MustExist())
		if err != nil {
			t.Fatal(err)
		}
		evs, err := db.Events(ctx, monitor.EventFilter{})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 {
			t.Errorf("%s holds %d events after the restore, want the backup's 1", p, len(evs))
		}
	}
}

// TestOpenThroughADanglingLink: a link whose file is not there is, on a
// server, most likely a disk not mounted (yet) at boot. Open created a
// new, empty database where the link points, on the disk under the mount
// point, readable by all (0644: SQLite's mode, not the owner-only one
// policywatch gives a database it creates): the daemon then recorded a
// new history there, hidden again once the disk was mounted. Open now
// refuses, naming the link and its target, and creates nothing; a file
// made empty there on purpose is a new database, as anywhere.
func TestOpenThroughADanglingLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "mnt", "disk", "policywatch.db")
	link := filepath.Join(dir, "data", "policywatch.db")
	for _, d := range []string{filepath.Dir(target), filepath.Dir(link)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	db, err := Open(t.Context(), link)
	if err == nil {
		db.Close()
		fi, _ := os.Stat(target)
		t.Fatalf("Open through a link to a missing file created %s (%v)", target, fi.Mode())
	}
	for _, want := range []string{link, target, "mounted"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open through a dangling link: %q lacks %q", err, want)
		}
	}
	if _, err := os.Stat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open through a dangling link left a file at %s: %v", target, err)
	}

	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err = Open(t.Context(), link)
	if err != nil {
		t.Fatalf("Open through a link to an empty file: %v", err)
	}
	db.Close()
}

// TestRestoreThroughADanglingLink: restoring where the database's path is
// a link to a file that is not there (its disk not mounted) renamed the
// backup over the link: the link was gone, and the history restored lived
// on the disk of the link's folder, not on the one the link pointed at.
// Restore now refuses, and leaves the link as it was.
func TestRestoreThroughADanglingLink(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	recordEvents(t, db, 1)
	backup := backupOf(t, db)
	dir := t.TempDir()
	target := filepath.Join(dir, "mnt", "disk", "policywatch.db")
	link := filepath.Join(dir, "data", "policywatch.db")
	if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	_, err := Restore(ctx, backup, link, t0)
	if err == nil || !strings.Contains(err.Error(), "mounted") {
		t.Errorf("Restore through a dangling link: %v, want a refusal asking whether the disk is mounted", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("after the restore, %s is no longer the link (%v)", link, err)
	}
}
