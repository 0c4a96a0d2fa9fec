//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOpenSaysTheFolderIsNotWritable: a database in a folder the user
// may not write fails to open, and the error says why, not only SQLite's
// "unable to open database file".
func TestOpenSaysTheFolderIsNotWritable(t *testing.T) {
	if os.Geteuid() == 0 {
		// Root writes everywhere: the test runs again as nobody (CI runs
		// as root).
		runAsNobody(t)
		return
	}
	_, path := openDB(t)
	dir := filepath.Dir(path)
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o750)
	db, err := Open(context.Background(), path, MustExist())
	if err == nil {
		db.Close()
		t.Fatal("opened a database in a folder it may not write")
	}
	if !strings.Contains(err.Error(), dir+" is not writable by this user") {
		t.Errorf("error %q does not say the folder is not writable", err)
	}
}

func TestNotWritable(t *testing.T) {
	dir := t.TempDir()
	if got := notWritable(filepath.Join(dir, "new.db")); got != "" {
		t.Errorf("a writable folder: %q", got)
	}
}

// nobody is the user and group id root's tests run as to meet permissions.
const nobody = 65534

// runAsNobody runs the calling test alone again, in a copy of the test
// binary that user nobody may run (go test builds into a folder only its
// user reads), as nobody, with a temporary folder nobody may write, and
// fails if that run fails or skips.
func runAsNobody(t *testing.T) {
	t.Helper()
	dir, err := os.MkdirTemp("", "policywatch-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "store.test")
	if err := copyFile(self, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Dir = dir
	cmd.Env = []string{"TMPDIR=" + dir, "PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("as nobody, the test did not pass:\n%s", out)
	}
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
