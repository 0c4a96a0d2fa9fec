package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// TestDiffColourOnATerminal: diff colours on a terminal unless NO_COLOR
// is set (to anything: no-color.org) or TERM is dumb; --color always and
// never win over both. It coloured on any terminal.
func TestDiffColourOnATerminal(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = nimbusConfig(t, srv.URL)
	c.mustRun("check")
	srv.set("Effective May 27, 2026")
	c.mustRun("check")
	for _, tc := range []struct {
		name  string
		env   map[string]string
		flag  string
		color bool
	}{
		{"a terminal", map[string]string{"TERM": "xterm-256color"}, "", true},
		{"NO_COLOR", map[string]string{"TERM": "xterm-256color", "NO_COLOR": "1"}, "", false},
		{"NO_COLOR=0 is set too", map[string]string{"NO_COLOR": "0"}, "", false},
		{"TERM=dumb", map[string]string{"TERM": "dumb"}, "", false},
		{"--color always over NO_COLOR", map[string]string{"NO_COLOR": "1", "TERM": "dumb"}, "--color=always", true},
		{"--color never", map[string]string{"TERM": "xterm"}, "--color=never", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			terminal, reader := openPTY(t)
			args := []string{"diff", "nimbus"}
			if tc.flag != "" {
				args = append(args, tc.flag)
			}
			getenv := func(k string) string {
				if v, ok := tc.env[k]; ok {
					return v
				}
				return c.env[k]
			}
			var errOut bytes.Buffer
			if err := run(context.Background(), args, strings.NewReader(""), terminal, &errOut, getenv); err != nil {
				t.Fatalf("diff: %v\n%s", err, errOut.String())
			}
			terminal.Close()
			out, _ := io.ReadAll(reader) // ends with EIO once the terminal is closed
			if !strings.Contains(string(out), "May 27") {
				t.Fatalf("the terminal got %q", out)
			}
			if got := bytes.Contains(out, []byte("\x1b[")); got != tc.color {
				t.Errorf("coloured: %v, want %v\n%q", got, tc.color, out)
			}
		})
	}
}
