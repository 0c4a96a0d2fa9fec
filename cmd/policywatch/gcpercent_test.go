package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestCollectorTargetUnlessGOGCSaysOtherwise: the binary runs its
// collector at gcPercent (a smaller heap than Go's default for the same
// work), and GOGC set in the environment wins, as an operator expects.
// Read where an operator reads it: go_gc_gogc_percent on /metrics.
func TestCollectorTargetUnlessGOGCSaysOtherwise(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary; run without -short")
	}
	db := filepath.Join(t.TempDir(), "policywatch.db")
	c := newCLI(t)
	c.env["POLICYWATCH_DB"] = db
	c.mustRun("watches") // creates the database, which serve does not
	listening := regexp.MustCompile(`"web view listening" url=(\S+)`)
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"GOGC="}, "go_gc_gogc_percent 75\n"},
		{[]string{"GOGC=100"}, "go_gc_gogc_percent 100\n"},
		{[]string{"GOGC=off"}, "go_gc_gogc_percent -1\n"},
	} {
		serve := startBinaryWith(t, tc.env, "serve", "--db", db, "--listen", "127.0.0.1:0")
		serve.waitFor("web view listening")
		m := listening.FindStringSubmatch(serve.stderr.String())
		if m == nil {
			t.Fatalf("%v: no address in\n%s", tc.env, serve.stderr)
		}
		_, body := get(t, strings.TrimSuffix(m[1], "/")+"/metrics")
		if !strings.Contains(body, tc.want) {
			t.Errorf("%v: /metrics lacks %q: %s", tc.env, tc.want, logLine(body, "gogc_percent "))
		}
		serve.signal(syscall.SIGTERM)
		if code := serve.exitCode(); code != 0 {
			t.Fatalf("serve: exit status %d\n%s", code, serve.stderr)
		}
	}
}
