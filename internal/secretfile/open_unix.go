//go:build unix

package secretfile

import "syscall"

// openNonBlocking makes opening a FIFO return at once instead of waiting
// for a writer; reads of a regular file ignore it.
const openNonBlocking = syscall.O_NONBLOCK
