//go:build !unix

package secretfile

// openFlags: no FIFOs nor controlling terminals to guard against here.
const openFlags = 0
