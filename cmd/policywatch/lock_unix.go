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
	name := path + ".lock"
	if real, err := filepath.EvalSymlinks(path); err == nil {
		name = real + ".lock"
	}
	// Go opens files close-on-exec: the browser the daemon starts does not
	// inherit the lock and cannot keep it after the daemon is gone.
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock the database: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, lockHolder(path, f)
		}
		return nil, fmt.Errorf("lock the database: flock %s: %w", name, err)
	}
	content := strconv.Itoa(os.Getpid())
	if holder != "run" {
		content += " " + holder
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(content+"\n"), 0)
	}
	return func() {
		f.Truncate(0) // the pid of a daemon that stopped would mislead a reader
		f.Close()     // releases the lock
	}, nil
}

// lockHolder is the error saying who holds the lock of the database at
// path, read from its lock file f.
func lockHolder(path string, f *os.File) error {
	e := &lockedError{path: path, holder: "run"}
	buf := make([]byte, 64)
	n, _ := f.ReadAt(buf, 0)
	if fields := strings.Fields(string(buf[:n])); len(fields) > 0 {
		if pid, err := strconv.Atoi(fields[0]); err == nil && pid > 0 {
			e.pid = pid
		}
		if len(fields) > 1 {
			e.holder = fields[1]
		}
	}
	if abs, err := filepath.Abs(path); err == nil {
		e.path = abs
	}
	return e
}
