//go:build !unix

package secretfile

// openNonBlocking is not needed where there are no FIFOs to block on.
const openNonBlocking = 0
