//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockDatabase takes the daemon's exclusive lock on the database at path:
// flock(2) on path+".lock", held until the returned unlock is called or
// the process ends (the kernel releases it then, however the daemon died:
// a lock file left by a killed daemon holds no lock). The lock file holds
// the holder's pid, and the command when it is not run ("PID vacuum"),
// for the message of a process refused; a stale pid in it means nothing,
// since only the flock counts. When another process holds the lock, the
// error (a *lockedError) names the database and that process.
//
// run takes it, and the commands that must not run beside it: restore
// (which replaces the file) and vacuum (which holds SQLite's write lock
// longer than the daemon waits for it). check, backup and the reading
// commands work beside a daemon.
//
// The lock file is named after the database's real path, symbolic links
// resolved: a daemon given a link to the database (or a path through a
// linked folder) locks the same file as one given the database itself.
func lockDatabase(path, holder string) (unlock func(), err error) {
	return flockFile(path, lockName(path, ".lock"), syscall.LOCK_EX, holder, "")
}

// shareDatabase takes serve's shared lock on the database at path: flock(2)
// on path+".serve.lock", which any number of serves hold together and
// run, check, vacuum and backup never take (run and serve side by side
// is the usual home setup). restore takes it exclusively (excludeServers):
// a restore refuses while a serve has the database open, which would go
// on showing the file replaced, and a serve refuses while a restore
// runs. The lock file holds the pid of the last serve to take it, for the
// message of a restore refused.
func shareDatabase(path string) (unlock func(), err error) {
	return flockFile(path, lockName(path, ".serve.lock"), syscall.LOCK_SH, "serve", "restore")
}

// excludeServers takes, for restore, serve's lock exclusively
// (shareDatabase): the error, a *lockedError of holder serve, names the
// serve that holds it when the lock file says which one still runs.
func excludeServers(path string) (unlock func(), err error) {
	return flockFile(path, lockName(path, ".serve.lock"), syscall.LOCK_EX, "restore", "serve")
}

// lockName is the lock file of the database at path, suffix after its
// name: beside the database's real path, symbolic links resolved, so that
// a daemon given a link to the database (or a path through a linked
// folder) locks the same file as one given the database itself.
func lockName(path, suffix string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real + suffix
	}
	return path + suffix
}

// flockFile takes the lock how (LOCK_EX, LOCK_SH) on the lock file name
// of the database at path, without waiting, and writes the holder's pid
// (and the holder when it is not run) in it. other, when not empty, is
// the only command that can hold the lock against this one (of serve's
// lock: a serve against a restore, a restore against a serve), named
// whatever the file says; "" reads it from the file.
func flockFile(path, name string, how int, holder, other string) (unlock func(), err error) {
	// Go opens files close-on-exec: the browser the daemon starts does not
	// inherit the lock and cannot keep it after the daemon is gone.
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock the database: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, lockHolder(path, f, other)
		}
		return nil, fmt.Errorf("lock the database: flock %s: %w", name, err)
	}
	content := strconv.Itoa(os.Getpid())
	if holder != "run" {
		content += " " + holder
	}
	content += "\n"
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(content), 0)
	}
	return func() {
		// The pid of a daemon that stopped would mislead a reader; of a
		// shared lock, only the holder named is gone.
		if how != syscall.LOCK_SH || ownContent(f, content) {
			f.Truncate(0)
		}
		f.Close() // releases the lock
	}, nil
}

// ownContent says whether the lock file f still holds content, what this
// process wrote in it.
func ownContent(f *os.File, content string) bool {
	buf := make([]byte, len(content)+1)
	n, _ := f.ReadAt(buf, 0)
	return string(buf[:n]) == content
}

// lockHolder is the error saying who holds the lock of the database at
// path, read from its lock file f; holder, when not empty, is who holds
// it whatever the file says, and the pid the file gives is taken only
// when it is that holder's and still runs (serves share their lock, and
// the file names the last one to take it, which may have stopped).
func lockHolder(path string, f *os.File, holder string) error {
	e := &lockedError{path: path, holder: "run"}
	if holder != "" {
		e.holder = holder
	}
	buf := make([]byte, 64)
	n, _ := f.ReadAt(buf, 0)
	if fields := strings.Fields(string(buf[:n])); len(fields) > 0 {
		pid, err := strconv.Atoi(fields[0])
		named := "run"
		if len(fields) > 1 {
			named = fields[1]
		}
		if holder == "" {
			e.holder = named
		}
		if err == nil && pid > 0 && (holder == "" || named == holder && !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)) {
			e.pid = pid
		}
	}
	if abs, err := filepath.Abs(path); err == nil {
		e.path = abs
	}
	return e
}
