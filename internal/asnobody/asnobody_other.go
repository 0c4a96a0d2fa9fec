//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package asnobody

import "testing"

// Rerun skips: there is no user nobody to run as here.
func Rerun(t *testing.T) {
	t.Helper()
	t.Skip("no user nobody on this system: permissions are tested on Unix")
}
