// Command policywatch watches privacy policies and AI-training pages and
// says, precisely and without noise, when what a company collects, why, or
// by when you must act has changed.
//
// This package is the wiring: flags, configuration, signals and
// subcommands. It may import every package of the project; none imports it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	// The time zones of CRON_TZ= schedules, built in: the one static
	// binary then runs the same file on a host without tzdata (a scratch
	// or distroless image, a NAS) as on the one it was tried on, where
	// config check and run refused it ("unknown time zone"). The host's
	// zoneinfo, when there is one, is still read first. About 410 KB of the binary.
	_ "time/tzdata"
)

func main() {
	// Nothing reads a heap profile of this process, and the sampling's
	// bucket table (1.4 MB, filled as the daemon allocates) would stay
	// resident for its lifetime. GODEBUG=memprofilerate=N overrides this
	// for someone who wants one.
	if !strings.Contains(os.Getenv("GODEBUG"), "memprofilerate") {
		runtime.MemProfileRate = 0
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// SIGHUP's default action ends the process at once (exit status 129,
	// without a word, checks in flight dropped): it is caught from the
	// start, and each command says what it means (see execute).
	hangup := make(chan os.Signal, 1)
	signal.Notify(hangup, syscall.SIGHUP)
	err := runEnv(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, hangup: hangup})
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// gcPercent is the collector's target unless GOGC says otherwise: the
// heap may grow to 1.75 times what the last collection kept, not Go's
// default 2. A check's pages come and go by the megabyte, and on a small
// server memory is scarcer than the CPU of a pass that runs a few times
// a day: with bench/run.sh's 100 watches, the pass of churned markup
// (the steady state) peaks at 39 MiB instead of 41–42 for the same CPU,
// a pass of 100 first captures at 43–45 MiB instead of 45–46 for 6% more
// CPU (four runs of each, alternating).
const gcPercent = 75

// usageError is a mistake in the command line: exit status 2. command,
// when known, is the command whose help to point to.
type usageError struct {
	msg     string
	command string
}

func (e usageError) Error() string { return e.msg }

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	// Printed as the rest of the output is: an error may quote a name
	// typed with an escape sequence, a page's or a server's words, or the
	// raw bytes of a damaged database's schema in SQLite's.
	msg := printableLines(err.Error())
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "policywatch:", msg)
		if ue.command != "" {
			fmt.Fprintf(stderr, "Run 'policywatch help %s' for usage.\n", ue.command)
		} else {
			fmt.Fprintln(stderr, "Run 'policywatch help' for usage.")
		}
		return 2
	}
	if errors.Is(err, errHelpShown) {
		return 0
	}
	if errors.Is(err, errNoCommand) {
		return 2 // the overview, printed, said it all
	}
	if ie := (interruptedError{}); errors.As(err, &ie) {
		// Interrupted (Ctrl-C, SIGTERM; SIGHUP but for the daemons): say
		// what that leaves, as "check X: context canceled" or "vacuum:
		// interrupted (9)" does not.
		fmt.Fprintln(stderr, "policywatch: interrupted;", printableLines(ie.left))
		return 130
	}
	fmt.Fprintln(stderr, "policywatch:", msg)
	return 1
}
