//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"syscall"
)

// processGone reports whether no process of this pid runs (signal 0
// checks without sending anything; EPERM means one runs as another user).
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
