package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

func verifyCommand() *command {
	return &command{
		name: "verify", maxArgs: 0, readOnly: true,
		interrupted: "the history was not read to the end, so nothing is said of it; run verify again",
		optionUsage: map[string]string{"db": "the database `FILE` to verify, or a backup (default $POLICYWATCH_DB, else settings.database)"},
		short:       "check the history as evidence: every raw body read back against its SHA-256",
		long: `Checks the database as the evidence it keeps: SQLite's integrity check,
the rows' references to one another, every raw body rebuilt from its
compressed deltas and its bytes hashed against the SHA-256 recorded when
it was fetched, every version's text and links decoded. It only reads:
the file is opened read only and left byte for byte as it was (a
backup's SHA-256 does not change), and may be on a read-only mount or
immutable. It may run while the daemon runs (what the daemon records
meanwhile is not read). A database from an older policywatch is not
upgraded but refused: the one the daemon runs on, once policywatch was
replaced, is upgraded when the daemon restarts (or, with no daemon
running, by any command); a backup to keep as it is, copy it, run any
command on the copy (which upgrades it), and verify the copy. Exit
status 1 when anything does not check out, each problem listed: keep the
file as it is, and restore a backup ('policywatch restore') to go on.

Example:
  policywatch verify
  policywatch verify --db /backups/policywatch-2026-11-20.db`,
		run: func(ctx context.Context, a *app, _ any, _ []string) error {
			start := time.Now()
			progress := &verifyProgress{w: a.stderr, bar: isTerminal(a.stderr), now: time.Now}
			v, err := a.db.Verify(ctx, progress.update)
			progress.finish()
			if err != nil {
				return err
			}
			out := a.stdout
			fmt.Fprintf(out, "%s\n", a.db.Path())
			if v.Integrity == "ok" {
				fmt.Fprintln(out, "  SQLite integrity check: ok")
			} else {
				fmt.Fprintln(out, "  SQLite integrity check: FAILED")
				for _, line := range strings.Split(v.Integrity, "\n") {
					fmt.Fprintf(out, "    %s\n", line)
				}
			}
			switch {
			case v.ForeignKeys == 0:
				fmt.Fprintln(out, "  references between rows: ok")
			case v.ForeignKeys < 0:
				fmt.Fprintln(out, "  references between rows: could not be checked (see the problem below)")
			default:
				fmt.Fprintf(out, "  references between rows: %d point at rows that are not there\n", v.ForeignKeys)
			}
			fmt.Fprintf(out, "  raw bodies: %d read back (%s)\n", v.Bodies, humanBytes(v.BodyBytes))
			fmt.Fprintf(out, "  versions: %d read back\n", v.Versions)
			for _, p := range v.Problems {
				fmt.Fprintf(out, "  problem: %s\n", p)
			}
			if !v.OK() {
				return fmt.Errorf("verify: %s does not check out (see above): keep it as it is, and restore a backup to go on", a.db.Path())
			}
			fmt.Fprintf(out, "the history checks out: every raw body matches the SHA-256 recorded when it was fetched (%s)\n",
				time.Since(start).Round(10*time.Millisecond))
			return nil
		},
	}
}

// verifyProgress shows how many bodies verify has read: on a terminal a
// line redrawn in place at most ten times a second; elsewhere nothing,
// the result being all a log needs.
type verifyProgress struct {
	w     io.Writer
	bar   bool
	now   func() time.Time
	drawn time.Time
	shown bool
}

func (p *verifyProgress) update(done, total int) {
	if !p.bar {
		return
	}
	if now := p.now(); done == total || now.Sub(p.drawn) >= 100*time.Millisecond {
		fmt.Fprintf(p.w, "\r\x1b[Kverify: raw bodies %d/%d", done, total)
		p.drawn, p.shown = now, true
	}
}

func (p *verifyProgress) finish() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
