//go:build unix

package secretfile

import "syscall"

// openFlags make opening a FIFO return at once instead of waiting for a
// writer (reads of a regular file ignore it), and keep a terminal from
// becoming the process's controlling terminal.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY
