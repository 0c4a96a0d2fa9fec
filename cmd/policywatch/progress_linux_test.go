package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runOnTerminal runs policywatch in-process with its stderr on a
// pseudo-terminal, and returns its stdout and what the terminal showed.
func (c *cli) runOnTerminal(args ...string) (stdout, shown string, err error) {
	c.t.Helper()
	tty, terminal := openPTY(c.t)
	var screen bytes.Buffer
	read := make(chan struct{})
	go func() {
		io.Copy(&screen, terminal) // ends with EIO once tty is closed
		close(read)
	}()
	var out bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(""), &out, tty, func(k string) string { return c.env[k] })
	tty.Close()
	<-read
	return out.String(), screen.String(), err
}

// TestBackupAndVacuumSayWhatTheyDoOnATerminal: backup and vacuum, minutes
// long on a large database, were silent until done. On a terminal they
// now say what they are doing (no percentage: SQLite tells none) and clear
// the line when done; in a log, nothing.
func TestBackupAndVacuumSayWhatTheyDoOnATerminal(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = nimbusConfig(t, srv.URL)
	srv.set("Effective March 3, 2026")
	c.mustRun("check")
	backup := filepath.Join(t.TempDir(), "copy.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"backup", backup}, "backup: copying the database ("},
		{[]string{"vacuum"}, "vacuum: rewriting the database ("},
	} {
		out, shown, err := c.runOnTerminal(tc.args...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.args[0], err, shown)
		}
		if !strings.Contains(shown, tc.want) || !strings.HasSuffix(shown, "\r\x1b[K") {
			t.Errorf("%s on a terminal showed %q, want %q, then the line cleared", tc.args[0], shown, tc.want)
		}
		if strings.Contains(out, tc.want) {
			t.Errorf("%s wrote its progress to stdout: %q", tc.args[0], out)
		}
	}
	os.Remove(backup)
	for _, args := range [][]string{{"backup", backup}, {"vacuum"}} {
		if _, errOut, err := c.run(args...); err != nil || errOut != "" {
			t.Errorf("%s, stderr not a terminal: %v, stderr %q, want nothing", args[0], err, errOut)
		}
	}
}
