//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestABackupKilledHalfWayIsSweptByTheNext kills (SIGKILL) a process in
// the middle of a backup, which leaves its partial copy (and SQLite's
// journal of it) in the backup folder, hidden, for good: nightly backups
// each have their own name, and none ever came back for it. The next
// backup there removes them, once they are 10 minutes old, and is sound.
func TestABackupKilledHalfWayIsSweptByTheNext(t *testing.T) {
	if src := os.Getenv("POLICYWATCH_STORE_BACKUP_DB"); src != "" {
		db, err := Open(context.Background(), src, MustExist())
		if err != nil {
			t.Fatal(err)
		}
		t.Fatal(db.Backup(context.Background(), os.Getenv("POLICYWATCH_STORE_BACKUP_TO")))
		return
	}
	if testing.Short() {
		t.Skip("spawns a process")
	}
	ctx := context.Background()
	db, src := openDB(t)
	addBallast(t, db)
	dir := t.TempDir()
	killWhenPartial(t, "TestABackupKilledHalfWayIsSweptByTheNext", dir, "the backup",
		"POLICYWATCH_STORE_BACKUP_DB="+src, "POLICYWATCH_STORE_BACKUP_TO="+filepath.Join(dir, "monday.db"))
	left := names(t, dir)
	if len(left) == 0 || slices.Contains(left, "monday.db") {
		t.Fatalf("after the kill the folder holds %v, want a partial copy and no monday.db", left)
	}
	t.Logf("the killed backup left %v", left)

	// A backup right after leaves them: their writer could be another
	// machine's, whose pid means nothing here.
	removed, err := SweepInterruptedBackups(dir, time.Now())
	if err != nil || len(removed) != 0 {
		t.Fatalf("a sweep at once removed %v (%v), want nothing", removed, err)
	}
	removed, err = SweepInterruptedBackups(dir, time.Now().Add(11*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(removed)
	if !slices.Equal(removed, left) {
		t.Errorf("the sweep removed %v, want %v", removed, left)
	}
	if _, err := db.sql.Exec(`DROP TABLE ballast`); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, filepath.Join(dir, "tuesday.db")); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"tuesday.db"}) {
		t.Errorf("after the sweep and the next backup the folder holds %v, want tuesday.db alone", got)
	}
}

// TestSweepLeavesWhatIsNotAnInterruptedBackup: a partial copy whose
// process still runs (this one's, or another's) is a backup in progress;
// files that only look like one stay too.
func TestSweepLeavesWhatIsNotAnInterruptedBackup(t *testing.T) {
	dir := t.TempDir()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dead := strconv.Itoa(gone.Process.Pid)
	keep := []string{
		".nightly.db.partial-" + strconv.Itoa(os.Getpid()) + "-1",        // this process's
		".nightly.db.partial-" + strconv.Itoa(os.Getppid()) + "-2",       // a running process's
		"nightly.db.partial-" + dead + "-3",                              // not hidden: not one of ours
		".nightly.db.partial-x" + dead,                                   // no pid
		".policywatch.db.restoring-" + strconv.Itoa(os.Getppid()) + "-7", // a restore running
		"nightly.db",
	}
	sweep := []string{".nightly.db.partial-" + dead + "-4", ".nightly.db.partial-" + dead + "-4-journal",
		// A restore's copy, when the backups are written in the database's
		// folder.
		".policywatch.db.restoring-" + dead + "-6", ".policywatch.db.restoring-" + dead + "-6-journal"}
	old := time.Now().Add(-time.Hour)
	for _, name := range append(slices.Clone(keep), sweep...) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".d.partial-"+dead+"-5"), 0o700); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, ".d.partial-"+dead+"-5") // a folder
	removed, err := SweepInterruptedBackups(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(removed)
	slices.Sort(sweep)
	if !slices.Equal(removed, sweep) {
		t.Errorf("removed %v, want %v", removed, sweep)
	}
	got := names(t, dir)
	slices.Sort(keep)
	if !slices.Equal(got, keep) {
		t.Errorf("left %v, want %v", got, keep)
	}
	if removed, err := SweepInterruptedBackups(filepath.Join(dir, "none"), time.Now()); err != nil || removed != nil {
		t.Errorf("a folder that is not there: %v, %v", removed, err)
	}
}

// TestARestoreKilledHalfWayIsSweptByTheNext kills (SIGKILL) a restore
// while it copies the database it replaces, which leaves that partial
// copy (.policywatch.db.replaced-TIME.partial-PID-…, as large as the
// database) beside the database: the next restore removed only its own
// kind of leftover (.restoring-…), and nothing else ever came for it. The
// next restore now removes both, their writer being gone, and is sound.
func TestARestoreKilledHalfWayIsSweptByTheNext(t *testing.T) {
	if from := os.Getenv("POLICYWATCH_STORE_RESTORE_FROM"); from != "" {
		_, err := Restore(context.Background(), from, os.Getenv("POLICYWATCH_STORE_RESTORE_TO"), time.Now())
		t.Fatal(err)
		return
	}
	if testing.Short() {
		t.Skip("spawns a process")
	}
	ctx := context.Background()
	db, path := openDB(t)
	recordEvents(t, db, 1)
	backup := backupOf(t, db)
	recordEvents(t, db, 2)
	addBallast(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	before := names(t, dir)
	killWhenPartial(t, "TestARestoreKilledHalfWayIsSweptByTheNext", dir, "the restore",
		"POLICYWATCH_STORE_RESTORE_FROM="+backup, "POLICYWATCH_STORE_RESTORE_TO="+path)
	var left []string
	for _, name := range names(t, dir) {
		if !slices.Contains(before, name) {
			left = append(left, name)
		}
	}
	if len(left) == 0 {
		t.Fatal("the killed restore left nothing: the test killed it too late")
	}
	t.Logf("the killed restore left %v", left)

	kept, err := Restore(ctx, backup, path, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names(t, dir) {
		if strings.Contains(name, partialMark) || strings.Contains(name, restoringMark) {
			t.Errorf("after the next restore the folder still holds %s", name)
		}
	}
	if n := eventsIn(t, path); n != 1 {
		t.Errorf("%d events after the restore, want the backup's 1", n)
	}
	if n := eventsIn(t, kept); n != 3 {
		t.Errorf("%d events in the database kept, want its 3", n)
	}
}

// addBallast makes db large enough (48 MiB) that copying it takes a
// while. Made here: SQLite's randomblob takes 45 s under -race.
func addBallast(t *testing.T, db *DB) {
	t.Helper()
	if _, err := db.sql.Exec(`CREATE TABLE ballast (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	blob := make([]byte, 1<<20)
	for range 48 {
		rand.Read(blob)
		if _, err := db.sql.Exec(`INSERT INTO ballast VALUES (?)`, blob); err != nil {
			t.Fatal(err)
		}
	}
}

// killWhenPartial runs the test named test of this test binary with env
// added (the test then does what is to be killed: what, "the backup"),
// and kills it (SIGKILL) once a partial copy of 2 MiB stands in dir.
func killWhenPartial(t *testing.T, test, dir, what string, env ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for partialSize(dir) < 2<<20 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%s wrote nothing in 30 s", what)
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

func partialSize(dir string) int64 {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), partialMark) && !strings.HasSuffix(e.Name(), "-journal") {
			if info, err := e.Info(); err == nil {
				return info.Size()
			}
		}
	}
	return 0
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}
