package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/policywatch/policywatch/internal/syncbuf"
	"github.com/policywatch/policywatch/notify"
)

// The tests of this file come from a home-server operator's report: a
// daemon that SIGHUP killed without a word, two daemons on one database,
// a digest --now that said "failed" and exited 0, and other rough edges.

// proc is the real policywatch binary running in the background of a
// test, its stderr kept.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *syncbuf.Buffer
	done   chan struct{}
	err    error // of Wait, once done is closed
}

// startBinary starts policywatch with args and a clean environment; the
// test's end kills it if it still runs.
func startBinary(t *testing.T, args ...string) *proc {
	t.Helper()
	return startBinaryWith(t, nil, args...)
}

// startBinaryWith is startBinary with env (KEY=value) added to the
// environment.
func startBinaryWith(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(policywatchBinary(t), args...)
	cmd.Env = append(append(os.Environ(), "POLICYWATCH_CONFIG=", "POLICYWATCH_DB="), env...)
	p := &proc{t: t, cmd: cmd, stderr: &syncbuf.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitFor waits until the process's stderr holds want, for 20 s at most;
// the process ending first is a failure.
func (p *proc) waitFor(want string) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(p.stderr.String(), want) {
		if time.Now().After(deadline) {
			p.t.Fatalf("no %q on stderr within 20 s; stderr:\n%s", want, p.stderr)
		}
		select {
		case <-p.done:
			if !strings.Contains(p.stderr.String(), want) {
				p.t.Fatalf("policywatch ended (%v) before saying %q; stderr:\n%s", p.err, want, p.stderr)
			}
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// exitCode waits for the process to end, for 20 s at most, and returns
// its exit status.
func (p *proc) exitCode() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.t.Fatalf("policywatch still runs after 20 s; stderr:\n%s", p.stderr)
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		p.t.Fatal(p.err)
	}
	return 0
}

func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// daemonConfig writes a configuration of one watch of srv, checked at
// start and then hourly, with the web view on a free port.
func daemonConfig(t *testing.T, srv *policyServer) string {
	t.Helper()
	return writeConfig(t, daemonYAML(srv, "1h"))
}

// daemonYAML is daemonConfig's file, the watch checked every period.
func daemonYAML(srv *policyServer, period string) string {
	return fmt.Sprintf(`settings:
  schedule: "@every %s"
  host_interval: 0s
  retries: 0
web:
  listen: 127.0.0.1:0
watches:
  - name: nimbus
    url: %s/privacy
    language: en
`, period, srv.URL)
}

// logKeys returns the attribute keys of a line written by slog's text
// handler, in order.
func logKeys(line string) []string {
	var keys []string
	for i := 0; i < len(line); {
		eq := strings.IndexByte(line[i:], '=')
		if eq < 0 {
			break
		}
		keys = append(keys, line[i:i+eq])
		i += eq + 1
		if i < len(line) && line[i] == '"' { // a quoted value, escapes inside
			j := i + 1
			for j < len(line) && line[j] != '"' {
				if line[j] == '\\' {
					j++
				}
				j++
			}
			i = j + 1
		} else if sp := strings.IndexByte(line[i:], ' '); sp >= 0 {
			i += sp
		} else {
			break
		}
		for i < len(line) && line[i] == ' ' {
			i++
		}
	}
	return keys
}

// checkNoRepeatedKey fails the test for every log line of logs that has
// one key twice (two time= keys: a reader, or a log parser, keeps one).
func checkNoRepeatedKey(t *testing.T, logs string) {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		if !strings.HasPrefix(line, "time=") {
			continue
		}
		seen := map[string]bool{}
		for _, k := range logKeys(line) {
			if seen[k] {
				t.Errorf("key %s twice in a log line:\n%s", k, line)
			}
			seen[k] = true
		}
	}
}

func TestLogKeys(t *testing.T) {
	line := `time=2026-11-27T15:09:00.000Z level=INFO msg="a b=c \"d=e\"" x=1 err="f g" slot=2026-11-27T15:09:00.000Z`
	if got := strings.Join(logKeys(line), ","); got != "time,level,msg,x,err,slot" {
		t.Errorf("logKeys = %s", got)
	}
}

// TestSIGHUPKeepsTheDaemonRunning: SIGHUP (a reload, to systemd and to
// habit) used to end 'policywatch run' at once, exit status 129, without a
// log line and dropping the checks in flight. The daemon now says that it
// does not reload and keeps running; SIGTERM still stops it cleanly.
func TestSIGHUPKeepsTheDaemonRunning(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary; run without -short")
	}
	srv := newPolicyServer(t)
	dir := t.TempDir()
	d := startBinary(t, "run", "--config", daemonConfig(t, srv), "--db", filepath.Join(dir, "policywatch.db"))
	d.waitFor("outcome=baseline")
	d.signal(syscall.SIGHUP)
	d.waitFor(`level=WARN msg="SIGHUP: the configuration is not reloaded; restart policywatch to apply changes"`)
	d.signal(syscall.SIGHUP) // and again: each one is said
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(d.stderr.String(), "msg=\"SIGHUP:") < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case <-d.done:
		t.Fatalf("the daemon ended after SIGHUP: %v\n%s", d.err, d.stderr)
	case <-time.After(300 * time.Millisecond):
	}
	if n := strings.Count(d.stderr.String(), "msg=\"SIGHUP:"); n != 2 {
		t.Errorf("%d SIGHUP warnings for two signals:\n%s", n, d.stderr)
	}
	d.signal(syscall.SIGTERM)
	if code := d.exitCode(); code != 0 {
		t.Errorf("SIGTERM after SIGHUP: exit status %d, want 0\n%s", code, d.stderr)
	}

	// The start says which policywatch runs: what a bug report needs.
	version, err := exec.Command(policywatchBinary(t), "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(version)) // policywatch VERSION … GO
	start := logLine(d.stderr.String(), `msg="policywatch starting"`)
	for _, want := range []string{" version=" + fields[1], " go=" + runtime.Version()} {
		if !strings.Contains(start, want) {
			t.Errorf("the start line lacks %q:\n%s", want, start)
		}
	}
	checkNoRepeatedKey(t, d.stderr.String())

	// serve, the other daemon, alike.
	s := startBinary(t, "serve", "--listen", "127.0.0.1:0", "--config", daemonConfig(t, srv), "--db", filepath.Join(dir, "policywatch.db"))
	s.waitFor("web view listening")
	s.signal(syscall.SIGHUP)
	s.waitFor(`level=WARN msg="SIGHUP: the configuration is not reloaded`)
	s.signal(syscall.SIGTERM)
	if code := s.exitCode(); code != 0 {
		t.Errorf("serve: SIGTERM after SIGHUP: exit status %d, want 0\n%s", code, s.stderr)
	}
}

// logLine returns the first line of logs holding s.
func logLine(logs, s string) string {
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

// TestSIGHUPInterruptsCheck: for a command that is not a daemon, a
// hangup (the terminal closed) is an interruption like Ctrl-C: what
// finished is recorded and it says so, exit status 130; it used to be
// killed, 129, without a word.
func TestSIGHUPInterruptsCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary; run without -short")
	}
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-r.Context().Done() // a page that never comes
	}))
	defer srv.Close()
	dir := t.TempDir()
	p := startBinary(t, "check", "--config", nimbusConfig(t, srv.URL), "--db", filepath.Join(dir, "policywatch.db"))
	select {
	case <-arrived:
	case <-time.After(20 * time.Second):
		t.Fatalf("check fetched nothing within 20 s:\n%s", p.stderr)
	}
	p.signal(syscall.SIGHUP)
	if code := p.exitCode(); code != 130 || !strings.Contains(p.stderr.String(), "interrupted") {
		t.Errorf("check after SIGHUP: exit status %d, stderr:\n%s\nwant 130 and 'interrupted'", code, p.stderr)
	}
}

// TestOneDaemonPerDatabase: a second 'policywatch run' on the database of
// a running one used to start as well, both fetching every page. It now
// refuses, naming the database and the other's pid; check and backup
// still work beside the daemon, and a daemon killed with SIGKILL (its
// pid left in the lock file) does not keep the next one from starting.
func TestOneDaemonPerDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary; run without -short")
	}
	srv := newPolicyServer(t)
	cfg := daemonConfig(t, srv)
	dir := t.TempDir()
	db := filepath.Join(dir, "policywatch.db")
	first := startBinary(t, "run", "--config", cfg, "--db", db)
	first.waitFor("outcome=baseline")

	second := startBinary(t, "run", "--config", cfg, "--db", db)
	if code := second.exitCode(); code != 1 {
		t.Errorf("a second run on the same database: exit status %d, want 1", code)
	}
	want := fmt.Sprintf("policywatch: another policywatch run (pid %d) is using %s; stop it first, or give this one its own --db",
		first.cmd.Process.Pid, db)
	if got := second.stderr.String(); !strings.Contains(got, want) {
		t.Errorf("the second run said:\n%s\nwant %q", got, want)
	}
	if strings.Contains(second.stderr.String(), "policywatch starting") {
		t.Errorf("the second run started before refusing:\n%s", second.stderr)
	}

	// The commands that are safe beside the daemon take no lock.
	bin := policywatchBinary(t)
	for _, args := range [][]string{
		{"check", "--config", cfg, "--db", db},
		{"backup", filepath.Join(dir, "copy.db"), "--config", cfg, "--db", db},
		{"events", "--config", cfg, "--db", db},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "POLICYWATCH_CONFIG=", "POLICYWATCH_DB=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("policywatch %s beside the daemon: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	// restore is refused beside it, and told what to do: stop the daemon,
	// not "give this one its own --db", which would restore a copy nobody
	// reads.
	restore := exec.Command(bin, "restore", filepath.Join(dir, "copy.db"), "--config", cfg, "--db", db)
	restore.Env = append(os.Environ(), "POLICYWATCH_CONFIG=", "POLICYWATCH_DB=")
	out, err := restore.CombinedOutput()
	if err == nil {
		t.Errorf("restore beside the daemon succeeded:\n%s", out)
	}
	wantRestore := fmt.Sprintf("policywatch: restore: the daemon, another policywatch run (pid %d), is using %s: stop it (and any policywatch serve) first, restore, then start it again",
		first.cmd.Process.Pid, db)
	if !strings.Contains(string(out), wantRestore) || strings.Contains(string(out), "its own --db") {
		t.Errorf("restore beside the daemon said:\n%s\nwant %q", out, wantRestore)
	}

	// A daemon killed outright leaves its pid in the lock file, not the lock.
	first.signal(syscall.SIGKILL)
	first.exitCode()
	if b, err := os.ReadFile(db + ".lock"); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(first.cmd.Process.Pid) {
		t.Errorf("lock file after SIGKILL: %q, %v; want the killed daemon's pid", b, err)
	}
	third := startBinary(t, "run", "--config", cfg, "--db", db)
	third.waitFor("policywatch starting")
	third.signal(syscall.SIGTERM)
	if code := third.exitCode(); code != 0 {
		t.Errorf("run after a killed one: exit status %d\n%s", code, third.stderr)
	}
}

// TestSecondDaemonInProcess: the lock holds between two runs of one
// process too (flock locks belong to the open file, not the process),
// and is released when the daemon stops.
func TestSecondDaemonInProcess(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = daemonConfig(t, srv)
	d := c.startDaemon()
	d.waitFor("policywatch starting")
	// Not refused, it would run until the timeout: the test then fails on
	// its nil error.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err := run(ctx, []string{"run"}, strings.NewReader(""), io.Discard, io.Discard, func(k string) string { return c.env[k] })
	cancel()
	if err == nil || !strings.Contains(err.Error(), "is using "+c.env["POLICYWATCH_DB"]+"; stop it first") {
		t.Errorf("a second run: %v", err)
	}
	d.stop()
	again := c.startDaemon()
	again.waitFor("policywatch starting")
	again.stop()
}

// refusingSMTP is an SMTP server that refuses the recipients in refuse
// for good (550 5.1.1) and takes the others' mail.
type refusingSMTP struct {
	*plainSMTP
	refuse map[string]bool
}

func (rs *refusingSMTP) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &refusingSession{plainSession: plainSession{ps: rs.plainSMTP}, refuse: rs.refuse}, nil
}

type refusingSession struct {
	plainSession
	refuse map[string]bool
}

func (s *refusingSession) Rcpt(to string, opts *smtp.RcptOptions) error {
	if s.refuse[to] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	return s.plainSession.Rcpt(to, opts)
}

func newRefusingSMTP(t *testing.T, refuse ...string) *refusingSMTP {
	rs := &refusingSMTP{plainSMTP: &plainSMTP{}, refuse: map[string]bool{}}
	for _, r := range refuse {
		rs.refuse[r] = true
	}
	rs.addr = serveSMTP(t, rs)
	return rs
}

// TestDigestNowFailsWhenASendFails: a message refused for good used to
// leave 'digest --now' with exit status 0, so that cron said nothing. It
// now sends the rest, then fails (exit status 1) with a summary.
func TestDigestNowFailsWhenASendFails(t *testing.T) {
	c := newCLI(t)
	page := newPolicyServer(t)
	mail := newRefusingSMTP(t, "zed@example.org")
	c.env["POLICYWATCH_CONFIG"] = mailConfig(t, page.URL, mail.addr)
	c.mustRun("subscribe", "ada@example.org")
	c.mustRun("subscribe", "zed@example.org")
	checkACriticalChange(t, c, page)
	out, _, err := c.run("digest", "--now")
	var stderr bytes.Buffer
	if code := exitCode(err, &stderr); code != 1 {
		t.Errorf("digest --now with a refused message: exit status %d, want 1", code)
	}
	for _, want := range []string{"alert to ada@example.org (nimbus): sent",
		"alert to zed@example.org (nimbus): failed for good after 1 attempt: ", "No such user here"} {
		if !strings.Contains(out, want) {
			t.Errorf("digest --now lacks %q:\n%s", want, out)
		}
	}
	if want := "policywatch: digest --now: 1 of 2 notifications not sent: 1 failed for good (put the cause right, then 'policywatch outbox --retry'); see 'policywatch outbox'\n"; stderr.String() != want {
		t.Errorf("stderr:\n%q\nwant\n%q", stderr.String(), want)
	}
	if got := mail.received(); len(got) != 1 || got[0] != "ada@example.org" {
		t.Errorf("mail to %v, want ada's alert all the same", got)
	}
	if help, _, _ := c.run("digest", "--help"); !strings.Contains(help, "Exit status is 1") {
		t.Errorf("digest --help does not say when it fails:\n%s", help)
	}
	// Nothing left to send: no failure of this run.
	if out := c.mustRun("digest", "--now"); !strings.Contains(out, "nothing else waiting to be sent") {
		t.Errorf("second digest --now:\n%s", out)
	}
}

// TestDigestsPlannedLogLine: "digests planned" used to carry a second
// time= key (the digest time): a log reader keeps one of the two.
func TestDigestsPlannedLogLine(t *testing.T) {
	c := newCLI(t)
	page := newPolicyServer(t)
	mail := newPlainSMTP(t)
	c.env["POLICYWATCH_CONFIG"] = mailConfig(t, page.URL, mail.addr)
	c.mustRun("subscribe", "ada@example.org")
	c.mustRun("check")
	page.set("Effective May 27, 2026") // a notable change: it waits for the digest
	c.mustRun("check")

	ctx := context.Background()
	db := c.openDB()
	var logs bytes.Buffer
	a := &app{env: env{getenv: func(k string) string { return c.env[k] }}, cfg: mustLoadConfig(t, c), db: db,
		log: slog.New(slog.NewTextHandler(&logs, nil))}
	now := time.Now()
	svc, err := a.newNotifier(notify.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ScheduledDigests(ctx); err != nil { // starts the schedule
		t.Fatal(err)
	}
	now = now.Add(25 * time.Hour)
	if n, err := svc.ScheduledDigests(ctx); n != 1 || err != nil {
		t.Fatalf("ScheduledDigests a day later: %d, %v; want ada's digest", n, err)
	}
	line := logLine(logs.String(), `msg="digests planned"`)
	if line == "" || !strings.Contains(line, " slot=") {
		t.Errorf("the digests planned line has no slot=:\n%s", logs.String())
	}
	checkNoRepeatedKey(t, logs.String())
}

// TestDaemonLogsItsVersion: the start line names the version and Go's.
func TestDaemonLogsItsVersion(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = daemonConfig(t, srv)
	d := c.startDaemon()
	d.waitFor("outcome=baseline")
	d.stop()
	start := logLine(d.stderr.String(), `msg="policywatch starting"`)
	for _, want := range []string{" version=", " go=" + runtime.Version()} {
		if !strings.Contains(start, want) {
			t.Errorf("the start line lacks %q:\n%s", want, start)
		}
	}
	checkNoRepeatedKey(t, d.stderr.String())
}

// TestRelativeDatabaseBesideTheConfiguration: a relative
// settings.database is found beside the configuration file whatever the
// current directory (/ under systemd); it used to be made in the current
// directory. --db stays relative to the current directory, as any path
// on the command line.
func TestRelativeDatabaseBesideTheConfiguration(t *testing.T) {
	cwd := t.TempDir()
	t.Chdir(cwd)
	c := newCLI(t)
	delete(c.env, "POLICYWATCH_DB")
	confDir := t.TempDir()
	conf := filepath.Join(confDir, "policywatch.yaml")
	if err := os.WriteFile(conf, []byte("settings:\n  database: rel/rel.db\nwatches:\n  - name: a\n    url: https://example.org/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.env["POLICYWATCH_CONFIG"] = conf
	c.mustRun("watches") // creates the database
	if _, err := os.Stat(filepath.Join(confDir, "rel", "rel.db")); err != nil {
		t.Errorf("no database beside the configuration: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cwd, "rel")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a database folder in the current directory: %v", err)
	}
	c.mustRun("watches", "--db", "flag.db")
	if _, err := os.Stat(filepath.Join(cwd, "flag.db")); err != nil {
		t.Errorf("--db flag.db is not in the current directory: %v", err)
	}
}

// TestNoHomeNoDefaultDatabase: without HOME and XDG_DATA_HOME (a system
// unit without User=), the default database is refused with what to set;
// it was policywatch.db in the current directory, / under systemd, and
// another one for each directory a command ran in. Any database created
// is named by its absolute path: "created a new database at
// policywatch.db" said nothing of where.
func TestNoHomeNoDefaultDatabase(t *testing.T) {
	cwd := t.TempDir()
	t.Chdir(cwd)
	t.Setenv("HOME", "")
	t.Setenv("XDG_DATA_HOME", "")
	c := newCLI(t)
	delete(c.env, "POLICYWATCH_DB")
	delete(c.env, "XDG_DATA_HOME")
	conf := writeConfig(t, "watches:\n  - name: a\n    url: https://example.org/\n")
	backup := filepath.Join(t.TempDir(), "backup.db")
	const refusal = "no home directory to hold the default database (HOME and XDG_DATA_HOME are unset): set --db, POLICYWATCH_DB or settings.database"
	for _, tc := range []struct {
		name   string
		args   []string
		config string
		env    map[string]string
		want   string // the error; "" for none
		stderr string // what stderr says, "" for nothing
	}{
		{"watches, built-in configuration", []string{"watches"}, "", nil, refusal, ""},
		{"events, a file without settings.database", []string{"events"}, conf, nil, refusal, ""},
		{"check", []string{"check", "a"}, conf, nil, refusal, ""},
		{"restore", []string{"restore", backup}, conf, nil, refusal, ""},
		{"watches --defaults opens no database", []string{"watches", "--defaults"}, "", nil, "", ""},
		{"--db relative", []string{"watches", "--db", "flag.db"}, conf, nil, "",
			"policywatch: created a new database at " + filepath.Join(cwd, "flag.db") + " (from --db)\n"},
		{"POLICYWATCH_DB relative", []string{"watches"}, conf, map[string]string{"POLICYWATCH_DB": "env.db"}, "",
			"policywatch: created a new database at " + filepath.Join(cwd, "env.db") + " (from POLICYWATCH_DB)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.env["POLICYWATCH_CONFIG"] = tc.config
			delete(c.env, "POLICYWATCH_DB")
			for k, v := range tc.env {
				c.env[k] = v
			}
			_, errOut, err := c.run(tc.args...)
			if (err == nil) != (tc.want == "") || (err != nil && err.Error() != tc.want) {
				t.Errorf("policywatch %s: %v, want %q", strings.Join(tc.args, " "), err, tc.want)
			}
			if errOut != tc.stderr {
				t.Errorf("stderr %q, want %q", errOut, tc.stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(cwd, "policywatch.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a database in the current directory: %v", err)
	}
}

// TestConcurrencyAtLeastOne: --concurrency 0 or -3 used to be taken (as
// 4, silently); it is a usage error.
func TestConcurrencyAtLeastOne(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = daemonConfig(t, srv)
	for _, cmd := range []string{"run", "check"} {
		for _, n := range []string{"0", "-3", "x"} {
			// A run that is not refused would keep running: the timeout
			// ends it, and the test fails on its nil error.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := run(ctx, []string{cmd, "--concurrency", n}, strings.NewReader(""), io.Discard, io.Discard, func(k string) string { return c.env[k] })
			cancel()
			var stderr bytes.Buffer
			if code := exitCode(err, &stderr); code != 2 {
				t.Errorf("%s --concurrency %s: %v, exit status %d; want 2", cmd, n, err, code)
				continue
			}
			if want := fmt.Sprintf(`invalid value %q for flag --concurrency: must be at least 1`, n); n != "x" && !strings.Contains(err.Error(), want) {
				t.Errorf("%s --concurrency %s: %q lacks %q", cmd, n, err, want)
			}
		}
		if _, err := os.Stat(c.env["POLICYWATCH_DB"]); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s with a bad --concurrency created the database", cmd)
		}
	}
	if out := c.mustRun("check", "--concurrency", "1"); !strings.Contains(out, "[1/1] nimbus") {
		t.Errorf("check --concurrency 1:\n%s", out)
	}
	if help, _, _ := c.run("check", "--help"); !strings.Contains(help, fmt.Sprintf("(default %d)", concurrencyFor(runtime.NumCPU()))) {
		t.Errorf("check --help does not give the default:\n%s", help)
	}
}

// TestConcurrencyFollowsTheCPUs: checks run one per CPU unless told
// otherwise, two at least and four at most.
func TestConcurrencyFollowsTheCPUs(t *testing.T) {
	for cpus, want := range map[int]int{1: 2, 2: 2, 3: 3, 4: 4, 16: 4} {
		if got := concurrencyFor(cpus); got != want {
			t.Errorf("concurrencyFor(%d) = %d, want %d", cpus, got, want)
		}
	}
}

// mailConfig writes a configuration of one watch, nimbus, at pageURL, with
// the SMTP server at addr, and returns its path.
func mailConfig(t *testing.T, pageURL, addr string) string {
	t.Helper()
	return notifyConfig(t, pageURL, smtpYAML(addr))
}

// notifyConfig writes a configuration of one watch, nimbus, at pageURL's
// /policy, with notify, the lines of the notify: section, indented.
func notifyConfig(t *testing.T, pageURL, notify string) string {
	t.Helper()
	return writeConfig(t, fmt.Sprintf(`settings:
  host_interval: 0s
watches:
  - name: nimbus
    url: %s/policy
    language: en
notify:
%s`, pageURL, notify))
}

// smtpYAML is the notify: section's line for a plain SMTP server at addr.
func smtpYAML(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("  smtp: {host: %s, port: %s, tls: none, from: \"policywatch <alerts@policywatch.example>\"}\n", host, port)
}

// checkACriticalChange checks the page as it is, then once more after a
// critical change: AI training added and the effective date moved.
func checkACriticalChange(t *testing.T, c *cli, page *policyServer) {
	t.Helper()
	c.mustRun("check")
	page.set("Effective May 27, 2026. We use public posts and photos you share to develop and improve artificial intelligence technology at Nimbus, including to train our AI models.")
	if out := c.mustRun("check"); !strings.Contains(out, "critical") {
		t.Fatalf("the second check found no critical change:\n%s", out)
	}
}

// TestDaemonLogsItsDatabaseAbsolute: the daemon's start line names its
// database by its absolute path, as every other message does; a relative
// --db or POLICYWATCH_DB said nothing of where, in a journal.
func TestDaemonLogsItsDatabaseAbsolute(t *testing.T) {
	cwd := t.TempDir()
	t.Chdir(cwd)
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_DB"] = "rel.db"
	c.env["POLICYWATCH_CONFIG"] = daemonConfig(t, srv)
	d := c.startDaemon()
	d.waitFor("policywatch starting")
	d.stop()
	if want := "database=" + filepath.Join(cwd, "rel.db"); !strings.Contains(d.stderr.String(), want) {
		t.Errorf("the daemon's start line lacks %s:\n%s", want, d.stderr)
	}
}
