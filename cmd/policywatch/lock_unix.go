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
// the holder's pid, for the message of a second daemon; a stale pid in it
// means nothing, since only the flock counts. When another process holds
// the lock, the error names the database and that process.
//
// Only 'run' takes it: check, backup and the reading commands work beside
// a daemon.
//
// The lock file is named after the database's real path, symbolic links
// resolved: a daemon given a link to the database (or a path through a
// linked folder) locks the same file as one given the database itself.
func lockDatabase(path string) (unlock func(), err error) {
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
			return nil, anotherDaemonError(path, f)
		}
		return nil, fmt.Errorf("lock the database: flock %s: %w", name, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() {
		f.Truncate(0) // the pid of a daemon that stopped would mislead a reader
		f.Close()     // releases the lock
	}, nil
}

// anotherDaemonError says that another daemon uses the database at path,
// with its pid when the lock file f has one.
func anotherDaemonError(path string, f *os.File) error {
	who := "another policywatch run"
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	if pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n]))); err == nil && pid > 0 {
		who = fmt.Sprintf("another policywatch run (pid %d)", pid)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return fmt.Errorf("%s is using %s; stop it first, or give this one its own --db", who, path)
}
