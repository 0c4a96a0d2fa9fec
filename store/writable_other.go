//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

// notWritable is for the systems with access(2): elsewhere SQLite's own error stands alone.
func notWritable(string) string { return "" }
