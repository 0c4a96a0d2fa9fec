//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

// lockDatabase takes no lock where flock(2) is not available (Windows,
// Solaris, Plan 9…): two daemons on one database are not prevented there.
// The history stays consistent (each write checks what it replaces); the
// pages are only fetched, and alerts planned, by both.
func lockDatabase(path, holder string) (unlock func(), err error) {
	return func() {}, nil
}

// shareDatabase takes no lock here either (see lockDatabase).
func shareDatabase(path string) (unlock func(), err error) {
	return func() {}, nil
}

// excludeServers takes no lock here either (see lockDatabase).
func excludeServers(path string) (unlock func(), err error) {
	return func() {}, nil
}
