package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/syncbuf"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/store"
)

// cli runs policywatch in-process, as a person would type it, with a
// clean environment.
type cli struct {
	t   *testing.T
	env map[string]string
	// zone, when set, runs each command as a process of the built binary
	// with TZ=zone (awayFromUTC): the only way to give a command another
	// local zone than the tests', as time.Local is read by every
	// goroutine and cannot be changed under them.
	zone string
}

// openDB opens the CLI's database beside the commands, closed when the
// test ends.
func (c *cli) openDB() *store.DB {
	c.t.Helper()
	db, err := store.Open(context.Background(), c.env["POLICYWATCH_DB"])
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { db.Close() })
	return db
}

func newCLI(t *testing.T) *cli {
	dir := t.TempDir()
	return &cli{t: t, env: map[string]string{
		"POLICYWATCH_DB": filepath.Join(dir, "policywatch.db"),
		"XDG_DATA_HOME":  dir,
	}}
}

func (c *cli) run(args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	if c.zone != "" {
		cmd := exec.Command(policywatchBinary(c.t), args...)
		cmd.Env = []string{"TZ=" + c.zone}
		for k, v := range c.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err = cmd.Run()
		return out.String(), errOut.String(), err
	}
	err = run(context.Background(), args, strings.NewReader(""), &out, &errOut, func(k string) string { return c.env[k] })
	return out.String(), errOut.String(), err
}

func (c *cli) mustRun(args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("policywatch %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// policyServer serves a policy page whose text (and title) the test
// changes.
type policyServer struct {
	*httptest.Server
	mu          sync.Mutex
	text, title string
}

func newPolicyServer(t *testing.T) *policyServer {
	p := &policyServer{text: "Effective March 3, 2026", title: "Nimbus Privacy Policy"}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		text, title := p.text, p.title
		p.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><title>%s</title></head><body><main>
<h1>Nimbus Privacy Policy</h1><p>%s</p>
<p>We collect the posts, photos and comments you share, information about your device and your approximate location, and we use it to provide and improve our services and to keep people safe.</p>
<p>You can access and delete your information at any time, and object to some uses of it.</p></main></body></html>`, title, text)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *policyServer) set(text string) { p.mu.Lock(); p.text = text; p.mu.Unlock() }

func (p *policyServer) setTitle(title string) { p.mu.Lock(); p.title = title; p.mu.Unlock() }

// checkedConfig writes a configuration of one watch, nimbus, at base+"/p",
// checked without pause between hosts, and returns its path.
func checkedConfig(t *testing.T, base string) string {
	t.Helper()
	return writeConfig(t, fmt.Sprintf("settings:\n  host_interval: 0s\nwatches:\n  - name: nimbus\n    url: %s/p\n    language: en\n", base))
}

// nimbusConfig writes a configuration of one watch, nimbus, at base's
// /privacy, checked at once and without retries.
func nimbusConfig(t *testing.T, base string) string {
	t.Helper()
	return writeConfig(t, fmt.Sprintf(`settings:
  host_interval: 0s
  retries: 0
watches:
  - name: nimbus
    url: %s/privacy
    language: en
`, base))
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policywatch.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCheckEventsDiffEndToEnd: check a local page, change it, check again;
// `events --json` prints the stable format and `diff` shows the change.
func TestCheckEventsDiffEndToEnd(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = nimbusConfig(t, srv.URL)
	out, errOut, err := c.run("check")
	if err != nil || !strings.Contains(out, "nimbus") || !strings.Contains(out, "baseline") {
		t.Fatalf("first check: %v\n%s", err, out)
	}
	// The report is on stdout, once: not again as log lines.
	if strings.Contains(errOut, "baseline") {
		t.Errorf("check's stderr repeats the report:\n%s", errOut)
	}
	srv.set("Effective May 27, 2026")
	out = c.mustRun("check")
	if !strings.Contains(out, "changed") {
		t.Fatalf("second check:\n%s", out)
	}

	var events []map[string]any
	sc := bufio.NewScanner(strings.NewReader(c.mustRun("events", "--json")))
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("events --json line %q: %v", sc.Text(), err)
		}
		events = append(events, e)
	}
	if len(events) != 2 {
		t.Fatalf("%d events, want baseline and change", len(events))
	}
	change := events[1]
	for _, field := range []string{"id", "watch", "time", "kind", "severity", "summary", "version", "previous_version"} {
		if _, ok := change[field]; !ok {
			t.Errorf("change event lacks %q: %v", field, change)
		}
	}
	if change["kind"] != "change" || change["watch"] != "nimbus" {
		t.Errorf("change event: %v", change)
	}
	if ts, _ := change["time"].(string); !strings.HasSuffix(ts, "Z") {
		t.Errorf("time %q is not RFC 3339 UTC", ts)
	} else if _, err := time.Parse(time.RFC3339, ts); err != nil {
		t.Errorf("time %q: %v", ts, err)
	}
	if _, ok := events[0]["previous_version"]; ok {
		t.Errorf("baseline has a previous_version: %v", events[0])
	}

	d := c.mustRun("diff", "nimbus")
	for _, want := range []string{"-Effective March 3, 2026", "+Effective May 27, 2026", "@@"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "\x1b[") {
		t.Errorf("diff to a pipe is coloured:\n%q", d)
	}
	if d := c.mustRun("diff", "nimbus", "--color=always"); !strings.Contains(d, "\x1b[") {
		t.Errorf("--color=always is not coloured")
	}
	if h := c.mustRun("history", "nimbus"); strings.Count(h, "\n") != 3 {
		t.Errorf("history: want a header and two versions:\n%s", h)
	}
	if s := c.mustRun("show", "nimbus"); !strings.Contains(s, "# Nimbus Privacy Policy") || !strings.Contains(s, "May 27, 2026") {
		t.Errorf("show latest:\n%s", s)
	}
	if w := c.mustRun("watches"); !strings.Contains(w, "nimbus") || !strings.Contains(w, "ok") {
		t.Errorf("watches:\n%s", w)
	}
}

// TestCheckSurvivesUnreachablePages: a failed fetch is recorded and
// reported, and `check` still exits 0.
func TestCheckSurvivesUnreachablePages(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, fmt.Sprintf("settings:\n  retries: 0\nwatches:\n  - name: gone\n    url: %s/x\n", url))
	out, _, err := c.run("check")
	if err != nil {
		t.Fatalf("check with an unreachable page failed: %v", err)
	}
	if !strings.Contains(out, "fetch_error") {
		t.Errorf("check output does not say the fetch failed:\n%s", out)
	}
	// The error once, on the watch's line; the event's line says what it
	// adds: an outage starts. (It repeated the error, a second line as long.)
	if n := strings.Count(out, "GET "); n != 1 {
		t.Errorf("check output gives the error %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "fetch_error notable: recorded: the first failure in a row") {
		t.Errorf("check output does not say an outage starts:\n%s", out)
	}
	if ev := c.mustRun("events", "--json", "--kind", "fetch_error"); !strings.Contains(ev, `"reason":"connection_refused"`) {
		t.Errorf("fetch_error event:\n%s", ev)
	}
	// A second failure continues the outage: the error, no event.
	out, _, err = c.run("check")
	if err != nil || !strings.Contains(out, "fetch_error: ") || strings.Contains(out, "first failure") {
		t.Errorf("second check of an unreachable page (%v):\n%s", err, out)
	}
}

func TestConfigCheckReportsEveryProblem(t *testing.T) {
	c := newCLI(t)
	path := writeConfig(t, `settings:
  schedul: "0 */6 * * *"
watches:
  - name: Bad Name
    url: ftp://example.org/
  - name: ok
    url: https://example.org/
    select: ["div[["]
`)
	_, _, err := c.run("config", "check", "--config", path)
	if err == nil {
		t.Fatal("config check accepted a bad file")
	}
	msg := err.Error()
	for _, want := range []string{
		path + ":2:3: settings.schedul", `did you mean "schedule"`,
		path + ":4:11: watches[0].name",
		path + ":5:10: watches[0].url",
		path + ":8:14: watches[1].select[0]",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("config check output lacks %q:\n%s", want, msg)
		}
	}
	good := writeConfig(t, "watches:\n  - name: ok\n    url: https://example.org/\n")
	if out := c.mustRun("config", "check", "--config", good); !strings.Contains(out, "ok, 1 watch") {
		t.Errorf("good file: %q", out)
	}
}

// TestConfigCheckWarns: what works, but not as meant, is warned of by
// config check, which still accepts the file (the daemon too: an upgrade
// must not stop a configuration that ran before) — a digest schedule with
// no time on a Monday leaves weekly subscribers without digests; an SMTP
// timeout at or over one message's bound is never reached.
func TestConfigCheckWarns(t *testing.T) {
	const smtp = "notify:\n  smtp:\n    host: mail.example.org\n    from: policywatch@example.org\n"
	for _, tc := range []struct{ name, notify, want string }{
		{"schedule without Monday", "notify:\n  digest_schedule: \"@weekly\"\n",
			`: warning: notify.digest_schedule: weekly digests go out at the schedule's first time on a Monday, and "@weekly" has none`},
		{"timeout over the message bound", smtp + "    timeout: 5m\n",
			`: warning: notify.smtp.timeout: 5m0s is used only up to 2m0s: one message's whole exchange`},
		{"timeout under the bound", smtp + "    timeout: 90s\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			path := writeConfig(t, tc.notify+"watches:\n  - name: ok\n    url: https://example.org/\n")
			out, errOut, err := c.run("config", "check", "--config", path)
			if err != nil || !strings.Contains(out, "ok, 1 watch") {
				t.Fatalf("config check: %v\n%s%s", err, out, errOut)
			}
			if tc.want == "" {
				if errOut != "" {
					t.Errorf("config check warned:\n%s", errOut)
				}
			} else if !strings.Contains(errOut, path+tc.want) {
				t.Errorf("config check's warning:\n%s\nwant %s", errOut, path+tc.want)
			}
		})
	}
}

func TestDefaultsRoundTrip(t *testing.T) {
	c := newCLI(t)
	yaml := c.mustRun("watches", "--defaults")
	for _, name := range []string{"meta-privacy-policy", "meta-privacy-policy-fr", "meta-genai", "instagram-privacy", "instagram-genai", "threads-privacy", "whatsapp-privacy-eea", "meta-ai-terms-eu"} {
		if !strings.Contains(yaml, "name: "+name) {
			t.Errorf("defaults lack %s", name)
		}
	}
	path := writeConfig(t, yaml)
	if out := c.mustRun("config", "check", "--config", path); !strings.Contains(out, "ok, 8 watches") {
		t.Errorf("printed defaults do not validate: %s", out)
	}
	// Printing a file creates no database (nor its folder).
	if _, err := os.Stat(c.env["POLICYWATCH_DB"]); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("watches --defaults left a database behind: %v", err)
	}
}

// TestOptionsThatWouldBeIgnored: an option the rest of the command line
// leaves without effect is a usage error (exit status 2), not taken
// silently: 'watches --defaults --json' printed YAML, 'export events
// --force' without --output did nothing.
func TestOptionsThatWouldBeIgnored(t *testing.T) {
	c := newCLI(t)
	c.mustRun("watches") // export needs a database
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"watches", "--defaults", "--json"}, "watches --defaults prints the built-in configuration as YAML: --json and --all do not apply to it"},
		{[]string{"watches", "--defaults", "--all"}, "watches --defaults prints the built-in configuration as YAML: --json and --all do not apply to it"},
		{[]string{"export", "events", "--force"}, "export events: --force replaces the --output FILE; without one the events go to stdout"},
		{[]string{"export", "events", "--force", "--output", "-"}, "export events: --force replaces the --output FILE; without one the events go to stdout"},
		{[]string{"export", "warc", "-", "--force"}, "export warc: --force replaces FILE; - is stdout"},
	} {
		out, _, err := c.run(tc.args...)
		var stderr bytes.Buffer
		if code := exitCode(err, &stderr); code != 2 || err.Error() != tc.want || out != "" {
			t.Errorf("policywatch %s: %v, exit status %d, stdout %q; want %q, 2", strings.Join(tc.args, " "), err, code, out, tc.want)
		}
	}
}

// TestNoCommandIsAUsageError: policywatch without a command prints the
// overview on stderr and exits 2, as the go command does, where it exited
// 0 and a script with an empty $CMD read success; 'policywatch help' (and
// --help) prints it on stdout, exit status 0.
func TestNoCommandIsAUsageError(t *testing.T) {
	bin := policywatchBinary(t)
	for _, tc := range []struct {
		args               []string
		code               int
		onStdout, onStderr bool // where the overview is
	}{
		{nil, 2, false, true},
		{[]string{"help"}, 0, true, false},
		{[]string{"--help"}, 0, true, false},
	} {
		cmd := exec.Command(bin, tc.args...)
		cmd.Env = append(os.Environ(), "POLICYWATCH_CONFIG=", "POLICYWATCH_DB=")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		const overview = "Run 'policywatch help COMMAND'"
		if code != tc.code || strings.Contains(stdout.String(), overview) != tc.onStdout || strings.Contains(stderr.String(), overview) != tc.onStderr {
			t.Errorf("policywatch %s: exit status %d, want %d; stdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), code, tc.code, stdout.String(), stderr.String())
		}
		if tc.code == 2 && strings.Count(stderr.String(), "Run 'policywatch help") != 1 {
			t.Errorf("policywatch: more than the overview on stderr:\n%s", stderr.String())
		}
	}
}

func TestHelpTeaches(t *testing.T) {
	c := newCLI(t)
	overview := c.mustRun("help")
	for _, cmd := range commands() {
		if !strings.Contains(overview, "  "+cmd.name+" ") {
			t.Errorf("overview lacks %s", cmd.name)
		}
		out, _, err := c.run(cmd.name, "--help")
		if err != nil && !errors.Is(err, errHelpShown) {
			t.Errorf("%s --help: %v", cmd.name, err)
		}
		if !strings.Contains(out, "Usage: policywatch "+cmd.name) || !strings.Contains(out, "Example") || !strings.Contains(out, "\nOptions") {
			t.Errorf("%s --help does not teach (usage, example, options):\n%s", cmd.name, out)
		}
		// --config is listed where the command reads it, and said not to
		// apply where it does not; what the command does with a file that
		// is not there says which. ("-config" anywhere in the help was
		// found in version's "--config, --db and -v do not apply".)
		reads, known := readsConfigFile(c, cmd)
		if !known {
			continue
		}
		listed := helpOptions(out)["config"]
		m := notApplying.FindStringSubmatch(out)
		saidNotToApply := m != nil && hasOption(m[1], "config")
		switch {
		case reads && (!listed || saidNotToApply):
			t.Errorf("%s reads --config, but its help does not list it (listed %t, said not to apply %t):\n%s", cmd.name, listed, saidNotToApply, out)
		case !reads && (listed || !saidNotToApply):
			t.Errorf("%s does not read --config, but its help lists it or does not say it does not apply (listed %t, said not to apply %t):\n%s", cmd.name, listed, saidNotToApply, out)
		}
	}
	// A usage error points to the help that teaches it: the command's own
	// when there is one.
	for _, tc := range []struct {
		args []string
		help string
	}{
		{[]string{"frobnicate"}, "Run 'policywatch help' for usage."},
		{[]string{"diff"}, "Run 'policywatch help diff' for usage."},
		{[]string{"config", "frob"}, "Run 'policywatch help config' for usage."},
		{[]string{"help", "frobnicate"}, "Run 'policywatch help' for usage."},
	} {
		_, _, err := c.run(tc.args...)
		var stderr bytes.Buffer
		if code := exitCode(err, &stderr); code != 2 || !strings.HasSuffix(stderr.String(), tc.help+"\n") {
			t.Errorf("policywatch %s: exit %d, %q; want a usage error (exit 2) ending %q", strings.Join(tc.args, " "), code, stderr.String(), tc.help)
		}
	}
	if _, _, err := c.run("check", "no-such-watch"); err == nil || !strings.Contains(err.Error(), "unknown watch no-such-watch") {
		t.Errorf("unknown watch: %v", err)
	}
}

// notApplying is the help's Options line naming the common options that
// do not apply to the command.
var notApplying = regexp.MustCompile(`(?m)^Options[^\n]*\(([^)\n]*) (?:does|do) not apply\)`)

// readsConfigFile says whether cmd reads --config: given a file that is
// not there, a command that reads it fails to (an error naming the file),
// one that does not refuses the option (a usage error). known is false,
// and the test failed, when it did neither.
func readsConfigFile(c *cli, cmd *command) (reads, known bool) {
	c.t.Helper()
	missing := filepath.Join(c.t.TempDir(), "missing.yaml")
	args := []string{cmd.name, "--config", missing}
	if cmd.name == "config" {
		args = append(args, "check")
	}
	for range cmd.minArgs - (len(args) - 3) {
		args = append(args, "x")
	}
	_, _, err := c.run(args...)
	var ue usageError
	switch {
	case err != nil && !errors.As(err, &ue) && strings.Contains(err.Error(), missing):
		return true, true
	case errors.As(err, &ue) && hasOption(err.Error(), "config"):
		return false, true
	}
	c.t.Errorf("policywatch %s: %v; want the file read (an error naming it) or --config refused", strings.Join(args, " "), err)
	return false, false
}

// TestBackupAndVacuumKeepEveryVersion: a backup is a complete database
// and vacuum loses nothing (store's tests check raw bodies byte for byte
// after both).
func TestBackupAndVacuumKeepEveryVersion(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, fmt.Sprintf("settings:\n  host_interval: 0s\n  check_retention: 1h\nwatches:\n  - name: nimbus\n    url: %s/p\n    language: en\n", srv.URL))
	for _, text := range []string{"Effective March 3, 2026", "Effective May 27, 2026", "Effective June 1, 2026"} {
		srv.set(text)
		c.mustRun("check")
	}
	// A backup killed half way the night before left its partial copy
	// (store's tests kill one); this one removes it, and says so.
	backupDir := filepath.Join(t.TempDir(), "backups")
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	partial := filepath.Join(backupDir, fmt.Sprintf(".monday.db.partial-%d-1", gone.Process.Pid))
	if err := os.MkdirAll(backupDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(partial, []byte("half a copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	yesterday := time.Now().Add(-24 * time.Hour)
	if err := os.Chtimes(partial, yesterday, yesterday); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(backupDir, "copy.db")
	out := c.mustRun("backup", backup)
	for _, want := range []string{"integrity ok", "removed " + partial + ", left by a backup that was killed"} {
		if !strings.Contains(out, want) {
			t.Errorf("backup said %q, want %q in it", out, want)
		}
	}
	if _, err := os.Stat(partial); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the partial copy is still there: %v", err)
	}
	// A folder that is not there is made, and said to be.
	elsewhere := filepath.Join(t.TempDir(), "new", "copy.db")
	if out := c.mustRun("backup", elsewhere); !strings.Contains(out, "created the folder "+filepath.Dir(elsewhere)) {
		t.Errorf("backup into a new folder said %q", out)
	}
	if out := c.mustRun("vacuum"); !strings.Contains(out, "→") {
		t.Errorf("vacuum: %s", out)
	}
	for _, db := range []string{c.env["POLICYWATCH_DB"], backup} {
		c.env["POLICYWATCH_DB"] = db
		for _, v := range []string{"1", "2", "3"} {
			if s := c.mustRun("show", "nimbus", v); !strings.Contains(s, "Nimbus Privacy Policy") {
				t.Errorf("%s: version %s lost: %q", db, v, s)
			}
		}
	}
	if _, _, err := c.run("backup", backup); err == nil {
		t.Errorf("backup over an existing file succeeded")
	}
}

// TestRestore: restore puts a backup in place of the database, keeps the
// database it replaces (its write-ahead log included) and removes the old
// log, which copied over by hand made SQLite read the restored file as
// corrupt; it refuses a file that is no sound database, and a database a
// daemon holds.
func TestRestore(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	path := c.env["POLICYWATCH_DB"]
	srv.set("Effective March 3, 2026")
	c.mustRun("check")
	backup := filepath.Join(t.TempDir(), "copy.db")
	c.mustRun("backup", backup)
	srv.set("Effective May 27, 2026")
	c.mustRun("check")
	events := func() int { return strings.Count(c.mustRun("events"), "\n") }
	if n := events(); n != 2 {
		t.Fatalf("%d events before the restore, want 2", n)
	}
	// A reader left open keeps the write-ahead log beside the database,
	// as a daemon stopped with kill -9 does.
	reader := c.openDB()
	if _, err := reader.Events(context.Background(), monitor.EventFilter{}); err != nil {
		t.Fatal(err)
	}

	// Refused while a daemon holds the database.
	unlock, err := lockDatabase(path, "run")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, c, false, []string{"restore", backup}, "another policywatch run")
	unlock()
	// Refused: not a database.
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("junk ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	wantError(t, c, false, []string{"restore", junk}, "is not a sound database")
	// Refused: files SQLite opens as sound databases, which put in place
	// of the database would have been taken for a new one, its history
	// gone without a word.
	empty := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	wantError(t, c, false, []string{"restore", empty}, "empty.db is empty, not a policywatch database")
	other := filepath.Join(t.TempDir(), "other.db")
	otherDB, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := otherDB.Exec(`CREATE TABLE notes (body TEXT)`); err != nil {
		t.Fatal(err)
	}
	otherDB.Close()
	wantError(t, c, false, []string{"restore", other}, "other.db is an SQLite database but not a policywatch one")
	wantError(t, c, false, []string{"restore", filepath.Join(t.TempDir(), "nothere.db")}, "nothere.db: no such file")
	if n := events(); n != 2 {
		t.Fatalf("%d events after refused restores, want 2", n)
	}

	out := c.mustRun("restore", backup)
	kept := regexp.MustCompile(`kept as (\S+)`).FindStringSubmatch(out)
	if kept == nil || !strings.Contains(out, "restored "+path+" from "+backup) {
		t.Fatalf("restore said:\n%s", out)
	}
	if n := events(); n != 1 {
		t.Errorf("%d events after the restore, want the backup's 1", n)
	}
	if out := c.mustRun("check"); !strings.Contains(out, "changed") {
		t.Errorf("check after the restore:\n%s", out)
	}
	c.env["POLICYWATCH_DB"] = kept[1]
	if n := events(); n != 2 {
		t.Errorf("the database replaced, kept as %s, has %d events, want 2", kept[1], n)
	}
}

// TestFactsAndExplain: a change that adds AI training and moves the
// effective date is explained with the purpose, the dates and the quote.
func TestFactsAndExplain(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	c.mustRun("check")
	srv.set(`Effective May 27, 2026. We use public posts and photos you share to develop and improve artificial intelligence technology at Nimbus, including to train our AI models. You have the right to object to this use of your information with <a href="https://nimbus.example/object">this form</a> or at <a href="https://nimbus.example/objection-form">https://nimbus.example/objection-form</a>.`)
	c.mustRun("check")
	facts := c.mustRun("facts", "nimbus")
	for _, want := range []string{"Purposes:", "ai_training", "effective", "2026-05-27", "Data categories:", "photos",
		"Where to object:\n  this form: https://nimbus.example/object\n",
		"\n  https://nimbus.example/objection-form\n"} { // a form whose text is its address: said once
		if !strings.Contains(facts, want) {
			t.Errorf("facts lack %q:\n%s", want, facts)
		}
	}
	var sheet map[string]any
	if err := json.Unmarshal([]byte(c.mustRun("facts", "nimbus", "--json")), &sheet); err != nil {
		t.Fatalf("facts --json: %v", err)
	}
	explain := c.mustRun("explain", "nimbus", "2")
	for _, want := range []string{"critical", "Purposes added:", "ai_training", "2026-03-03 → 2026-05-27", "train our AI models",
		// The uses, by purpose and the place that says them, quoted.
		"\nUses:\n  + AI training uses Posts, Photos, Public content\n      (Nimbus Privacy Policy) We use public posts and photos you share to develop"} {
		if !strings.Contains(explain, want) {
			t.Errorf("explain lacks %q:\n%s", want, explain)
		}
	}
	if want := "\nUses:\n  AI training: Posts, Photos, Public content\n"; !strings.Contains(facts, want) {
		t.Errorf("facts lack %q:\n%s", want, facts)
	}

	// AI training extended to teens' posts and comments, photos no longer
	// used, and the objection form moved.
	srv.set(`Effective May 27, 2026. We use public posts you share to develop and improve artificial intelligence technology at Nimbus, including to train our AI models.</p><h2>Teens</h2><p>We use the following information of teens to train our AI models:</p><ul><li>Public posts and comments</li></ul><p>You have the right to object to this use of your information with <a href="https://nimbus.example/help/object">this form</a> or at <a href="https://nimbus.example/objection-form">https://nimbus.example/objection-form</a>.`)
	c.mustRun("check")
	explain = c.mustRun("explain", "nimbus", "3")
	for _, want := range []string{
		"\n  + AI training uses Posts (minors'), Comments (minors'), Public content (minors')\n      (Teens) Public posts and comments\n" +
			"      under: We use the following information of teens to train our AI models:\n",
		"\n  − AI training uses Photos\n      (Nimbus Privacy Policy) We use public posts and photos you share",
		"\nObjection form moved: this form: https://nimbus.example/object → https://nimbus.example/help/object\n",
	} {
		if !strings.Contains(explain, want) {
			t.Errorf("explain lacks %q:\n%s", want, explain)
		}
	}
	if want := "\n  AI training: Posts, Public content; minors': "; !strings.Contains(c.mustRun("facts", "nimbus"), want) {
		t.Errorf("facts lack %q:\n%s", want, c.mustRun("facts", "nimbus"))
	}
}

// TestFactsFollowTheTaxonomyInUse: a version's fact sheet is read with the
// taxonomy of the configuration in use, not the one of the day it was
// captured: an entry added to the configuration afterwards shows in the
// facts of a baseline captured before it (a stored sheet would have kept
// the old reading for ever).
func TestFactsFollowTheTaxonomyInUse(t *testing.T) {
	srv := newPolicyServer(t)
	srv.set("We collect the shoe sizes of people who call us.")
	c := newCLI(t)
	base := fmt.Sprintf("settings:\n  host_interval: 0s\nwatches:\n  - name: nimbus\n    url: %s/p\n    language: en\n", srv.URL)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, base)
	c.mustRun("check")
	if facts := c.mustRun("facts", "nimbus", "1"); strings.Contains(facts, "shoe_sizes") || !strings.Contains(facts, "photos") {
		t.Fatalf("the built-in taxonomy knows no shoe sizes, and photos:\n%s", facts)
	}
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, base+`taxonomy:
  - id: shoe_sizes
    kind: category
    labels: {en: Shoe sizes}
    patterns: {en: ["shoe size*"]}
`)
	if facts := c.mustRun("facts", "nimbus", "1"); !strings.Contains(facts, "shoe_sizes (1)") {
		t.Errorf("facts of version 1 after the taxonomy gained shoe sizes:\n%s", facts)
	}
}

// TestRunKeepsCheckingWhenTheWebPortIsTaken: the history matters more than
// its view; a taken port is logged, the checks go on, and the web view is
// served once the port is free.
func TestRunKeepsCheckingWhenTheWebPortIsTaken(t *testing.T) {
	srv := newPolicyServer(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, fmt.Sprintf("settings:\n  host_interval: 0s\nweb:\n  listen: %s\nwatches:\n  - name: nimbus\n    url: %s/p\n    language: en\n", taken.Addr(), srv.URL))
	d := c.startDaemon()
	d.waitFor("outcome=baseline")
	if !strings.Contains(d.stderr.String(), "the web view is not served") {
		t.Errorf("the taken port was not reported:\n%s", d.stderr)
	}
	// Once the port is free, the web view comes by itself.
	addr := taken.Addr().String()
	taken.Close()
	d.waitFor("web view listening")
	if resp, err := http.Get("http://" + addr + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz once the port was free: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	d.stop()
}

// daemon is `policywatch run` running in the background of a test.
type daemon struct {
	t      *testing.T
	stderr *syncbuf.Buffer
	done   chan error
	cancel context.CancelFunc
}

// startDaemon starts `policywatch run` with c's environment; the test
// stops it with stop, or its end does.
func (c *cli) startDaemon() *daemon {
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{t: c.t, stderr: &syncbuf.Buffer{}, done: make(chan error, 1), cancel: cancel}
	go func() {
		d.done <- run(ctx, []string{"run"}, strings.NewReader(""), io.Discard, d.stderr, func(k string) string { return c.env[k] })
	}()
	c.t.Cleanup(cancel)
	return d
}

// waitFor waits until the daemon's log holds want, for 20 s at most.
func (d *daemon) waitFor(want string) {
	d.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(d.stderr.String(), want) {
		if time.Now().After(deadline) {
			d.t.Fatalf("no %q in the log within 20 s; stderr:\n%s", want, d.stderr)
		}
		select {
		case err := <-d.done:
			d.t.Fatalf("run stopped: %v\n%s", err, d.stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop interrupts the daemon, which must stop without an error.
func (d *daemon) stop() {
	d.t.Helper()
	d.cancel()
	if err := <-d.done; err != nil {
		d.t.Errorf("run after interruption: %v", err)
	}
}

// TestWatchesJSONNames: `watches --json` uses the web API's field names.
func TestWatchesJSONNames(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	c.mustRun("check")
	var w map[string]any
	if err := json.Unmarshal([]byte(c.mustRun("watches", "--json")), &w); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"name", "url", "last_check", "last_outcome", "current_version", "versions", "last_change", "last_change_severity", "fetcher"} {
		if _, ok := w[k]; !ok {
			t.Errorf("watches --json lacks %q: %v", k, w)
		}
	}
}

// TestCheckBesideAnotherProcess: a `check` overtaken by another process
// checking the same watch (the daemon, here a second `check` run while the
// first fetches) says it recorded nothing and exits 0; the other's check
// is the history. It used to fail: "watch state changed by another
// writer", exit status 1.
func TestCheckBesideAnotherProcess(t *testing.T) {
	policy := newPolicyServer(t)
	c := newCLI(t)
	var requests atomic.Int64
	var otherOut string
	var otherErr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			otherOut, _, otherErr = c.run("check", "nimbus")
		}
		policy.Config.Handler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c.env["POLICYWATCH_CONFIG"] = nimbusConfig(t, srv.URL)
	out := c.mustRun("check", "nimbus")
	if otherErr != nil || !strings.Contains(otherOut, "baseline") {
		t.Fatalf("the other check: %v\n%s", otherErr, otherOut)
	}
	if !strings.Contains(out, "nimbus") || !strings.Contains(out, "not recorded: another policywatch process checked it meanwhile") {
		t.Errorf("the overtaken check printed:\n%s\nwant it to say it recorded nothing", out)
	}
	if events := c.mustRun("events", "--json"); strings.Count(events, "\n") != 1 || !strings.Contains(events, `"baseline"`) {
		t.Errorf("events:\n%s\nwant the one baseline", events)
	}
}

// TestVersionAndFlagsBeforeTheCommand: `--version` and `version` say what
// to put in a bug report; the common flags may come before the command,
// as in git ("policywatch --db F events"), where they used to be an
// unknown command.
func TestVersionAndFlagsBeforeTheCommand(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{{"--version"}, {"version"}} {
		if out := c.mustRun(args...); !strings.HasPrefix(out, "policywatch ") || !strings.Contains(out, runtime.Version()) {
			t.Errorf("%v printed %q, want policywatch's version and Go's", args, out)
		}
	}
	srv := newPolicyServer(t)
	config := nimbusConfig(t, srv.URL)
	db := filepath.Join(t.TempDir(), "elsewhere.db")
	c.mustRun("check", "--config", config, "--db", db)
	want := c.mustRun("events", "--config", config, "--db", db)
	if !strings.Contains(want, "baseline") {
		t.Fatalf("events after a check:\n%s", want)
	}
	for _, args := range [][]string{
		{"--db", db, "--config", config, "events"},
		{"--db=" + db, "-config", config, "events"},
		{"-v", "--db", db, "--config", config, "events"},
	} {
		if out := c.mustRun(args...); out != want {
			t.Errorf("%v printed\n%s\nwant what 'events --db ... --config ...' prints:\n%s", args, out, want)
		}
	}
	if _, _, err := c.run("--bogus", "events"); err == nil || !strings.Contains(err.Error(), `unknown command "--bogus"`) {
		t.Errorf("an unknown flag before the command: %v", err)
	}
}

// TestCheckInterrupted: Ctrl-C during a check is an interruption (exit
// status 130, said so), not "check hang: context canceled" and status 1.
func TestCheckInterrupted(t *testing.T) {
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done() // a page that never comes
	}))
	defer srv.Close()
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = nimbusConfig(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	err := run(ctx, []string{"check"}, strings.NewReader(""), io.Discard, io.Discard, func(k string) string { return c.env[k] })
	var stderr bytes.Buffer
	if code := exitCode(err, &stderr); code != 130 || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("check interrupted: %v, exit status %d, said %q; want 130 and 'interrupted'", err, code, stderr.String())
	}
}

// TestInterruptedCommandsSayWhatTheyLeave: a maintenance command stopped
// by Ctrl-C or SIGTERM exits with status 130 and says what the
// interruption leaves — no backup file, the database not replaced, no
// export file — not "what finished before is recorded", which says nothing
// of them. The context is cancelled before the command starts, so this
// checks the words and that nothing is left when nothing ran; what a
// backup cut short leaves is its failure path's, which
// TestBackupOnAFullDiskLeavesNothing (store) checks.
func TestInterruptedCommandsSayWhatTheyLeave(t *testing.T) {
	policy := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = nimbusConfig(t, policy.URL)
	c.mustRun("check")
	dir := t.TempDir()
	backup := filepath.Join(dir, "backup.db")
	c.mustRun("backup", backup)
	before, err := os.ReadFile(c.env["POLICYWATCH_DB"])
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		args    []string
		says    string
		missing string // a file the interruption must not leave
	}{
		{[]string{"backup", filepath.Join(dir, "b2.db")}, "no backup was written", filepath.Join(dir, "b2.db")},
		{[]string{"restore", backup}, "the database was not replaced", ""},
		{[]string{"verify"}, "the history was not read to the end", ""},
		{[]string{"vacuum"}, "the database is whole and was not compacted", ""},
		{[]string{"export", "events", "--output", filepath.Join(dir, "events.jsonl")}, "the export is incomplete", filepath.Join(dir, "events.jsonl")},
		{[]string{"import", "nimbus", dir}, "the snapshots imported before are recorded; the same import again picks up", ""},
		{[]string{"check"}, "what finished before is recorded", ""},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(cancelled, tc.args, strings.NewReader(""), io.Discard, &stderr, func(k string) string { return c.env[k] })
			code := exitCode(err, &stderr)
			if want := "policywatch: interrupted; " + tc.says; code != 130 || !strings.Contains(stderr.String(), want) {
				t.Errorf("%v: %v, exit status %d, said %q; want 130 and %q", tc.args, err, code, stderr.String(), want)
			}
			if tc.missing != "" {
				if _, err := os.Stat(tc.missing); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%v left %s (%v)", tc.args, tc.missing, err)
				}
			}
		})
	}
	after, err := os.ReadFile(c.env["POLICYWATCH_DB"])
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("the database changed: %v", err)
	}
	if kept, _ := filepath.Glob(c.env["POLICYWATCH_DB"] + ".replaced-*"); len(kept) != 0 {
		t.Errorf("restore kept %q, as if it had replaced the database", kept)
	}
}

// TestHealthzSaysChecksAreNotRecorded: when the daemon cannot record its
// checks (here SQLite refuses every new check row, as a full disk does),
// it logs each, retries it, goes on, and /healthz answers 503 with why,
// until a check is recorded again; the log says once where the run of
// lost checks begins, with what to do, and where it ends.
func TestHealthzSaysChecksAreNotRecorded(t *testing.T) {
	srv := newPolicyServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, fmt.Sprintf("settings:\n  schedule: \"@every 1s\"\n  host_interval: 0s\n  retries: 0\nweb:\n  listen: %s\nwatches:\n  - name: nimbus\n    url: %s/p\n    language: en\n", addr, srv.URL))
	d := c.startDaemon()
	d.waitFor("web view listening")
	d.waitFor("outcome=baseline")
	healthz := func() (int, string) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	waitHealth := func(code int, want string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			got, body := healthz()
			if got == code && strings.Contains(body, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("/healthz: %d %q, want %d with %q\n%s", got, body, code, want, d.stderr)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitHealth(http.StatusOK, "ok")

	// A connection of the test's own: the store has no SQL door.
	db, err := sql.Open("sqlite", c.env["POLICYWATCH_DB"]+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TRIGGER refuse BEFORE INSERT ON checks BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`)
	waitHealth(http.StatusServiceUnavailable, "checks are not being recorded, since ")
	// The log says so once, with what to do, and each check lost.
	for deadline := time.Now().Add(15 * time.Second); strings.Count(d.stderr.String(), "check not recorded; will retry") < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 3 checks not recorded in 15 s:\n%s", d.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := strings.Count(d.stderr.String(), "checks are not being recorded: "); n != 1 {
		t.Errorf("the log says %d times that checks are not being recorded, want once:\n%s", n, d.stderr)
	}
	if !strings.Contains(d.stderr.String(), "free disk space where the database is") {
		t.Errorf("the log does not say what to do:\n%s", d.stderr)
	}
	exec(`DROP TRIGGER refuse`)
	waitHealth(http.StatusOK, "ok")
	d.waitFor("checks are recorded again")
	m := regexp.MustCompile(`checks are recorded again" lost=(\d+)`).FindStringSubmatch(d.stderr.String())
	if m == nil {
		t.Fatalf("the recovery does not count the checks lost:\n%s", d.stderr)
	}
	if lost, _ := strconv.Atoi(m[1]); lost < 3 {
		t.Errorf("the recovery does not count the checks lost (at least 3):\n%s", d.stderr)
	}
	d.stop()
}

// TestConfigCheckNamesTheFileOption: 'config check FILE', the way most
// checkers take their file, answered only with the usage line; the
// message now shows the command to run, with the file the user gave.
func TestConfigCheckNamesTheFileOption(t *testing.T) {
	c := newCLI(t)
	path := writeConfig(t, "watches:\n  - name: ok\n    url: https://example.org/\n")
	wantError(t, c, true, []string{"config", "check", path},
		"config check takes the file as --config FILE: policywatch config check --config "+path)
}

// TestOptionWithoutItsValue: an option that takes a value, given last
// without one, took the "--" that ends the options as its value:
// 'events --watch' said "unknown watch --" (or, without a database, that
// there was none), 'diff W --context' "invalid value "--"". It is a usage
// error that names the option.
func TestOptionWithoutItsValue(t *testing.T) {
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, "watches:\n  - name: ok\n    url: https://example.org/\n")
	for _, args := range [][]string{{"events", "--watch"}, {"diff", "ok", "--context"}, {"events", "--db"}} {
		wantError(t, c, true, args, "flag needs an argument: --"+strings.TrimLeft(args[len(args)-1], "-"))
	}
}

// TestEventsColumnsLineUp: events pads the event's and the version's
// numbers to the widest listed, so that times, kinds and summaries stay
// in their columns from #9 to #10 (they moved a character to the right).
func TestEventsColumnsLineUp(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	for day := 1; day <= 11; day++ {
		srv.set(fmt.Sprintf("Effective March %d, 2026", day))
		c.mustRun("check")
	}
	out := c.mustRun("events")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 11 {
		t.Fatalf("events listed %d lines, want 11:\n%s", len(lines), out)
	}
	column := func(line, of string) int { return strings.Index(line, of) }
	for _, line := range lines {
		if column(line, " 20") != column(lines[0], " 20") || column(line, " nimbus") != column(lines[0], " nimbus") {
			t.Errorf("events' columns do not line up:\n%s", out)
			break
		}
	}
}

// TestHintsCarryTheConfigAndDatabase: a command line an output suggests
// next carries the --config and --db the command was given, quoted for
// the shell where the path needs it: pasted as printed, it read the
// default configuration and database instead.
func TestHintsCarryTheConfigAndDatabase(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	db := filepath.Join(t.TempDir(), "my data", "pw.db")
	cfg := checkedConfig(t, srv.URL)
	flags := " --config " + cfg + " --db \"" + db + "\""
	c.mustRun("check", "--config", cfg, "--db", db)

	for _, tc := range []struct {
		args  []string
		envDB bool // POLICYWATCH_DB names db
		want  string
	}{
		{[]string{"show", "nimbus", "99", "--config", cfg, "--db", db}, false, "(see 'policywatch history nimbus" + flags + "')"},
		{[]string{"unsubscribe", "nobody@example.org", "--db", db, "--config", cfg}, false, "(see 'policywatch subscribers --all" + flags + "')"},
		// Without the options, the hint has none: the environment's
		// POLICYWATCH_DB reaches it.
		{[]string{"show", "nimbus", "99", "--config", cfg}, true, "(see 'policywatch history nimbus --config " + cfg + "')"},
	} {
		if tc.envDB {
			c.env["POLICYWATCH_DB"] = db
		}
		_, _, err := c.run(tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("policywatch %s: %v\nwant the hint %s", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

// TestCheckOfAWatchNoLongerConfigured: checking a watch the configuration
// no longer lists says so, and where its history is; it said "unknown
// watch", though events and history still list it.
func TestCheckOfAWatchNoLongerConfigured(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	c.mustRun("check")
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, fmt.Sprintf("settings:\n  host_interval: 0s\nwatches:\n  - name: other\n    url: %s/p\n", srv.URL))
	_, _, err := c.run("check", "nimbus")
	if err == nil || !strings.Contains(err.Error(), "nimbus is no longer in the configuration") || !strings.Contains(err.Error(), "'policywatch history nimbus'") {
		t.Errorf("check of a watch no longer configured: %v", err)
	}
	// Named beside a typo, it is still the one said.
	if _, _, err := c.run("check", "nimbsu", "nimbus"); err == nil || !strings.Contains(err.Error(), "nimbus is no longer in the configuration") {
		t.Errorf("check of a typo and a watch no longer configured: %v", err)
	}
	if _, _, err := c.run("check", "nimbsu"); err == nil || !strings.Contains(err.Error(), "unknown watch nimbsu") {
		t.Errorf("check of a watch never known: %v", err)
	}
}

// TestShellWord: a path quoted as a shell reads it back, in double quotes
// where they suffice (a hint stands between single quotes), and what a
// shell would expand at its start is quoted too.
func TestShellWord(t *testing.T) {
	for in, want := range map[string]string{
		"/etc/policywatch/policywatch.yaml": "/etc/policywatch/policywatch.yaml",
		"rel/pw.db":                         "rel/pw.db",
		"/my data/pw.db":                    `"/my data/pw.db"`,
		"/données/pw.db":                    `"/données/pw.db"`,
		"~/pw.db":                           `"~/pw.db"`,
		"=pw.db":                            `"=pw.db"`,
		"/a$b/pw.db":                        `'/a$b/pw.db'`,
		"/it's/pw.db":                       `"/it's/pw.db"`,
		`/it's "x"/pw.db`:                   `'/it'\''s "x"/pw.db'`,
		"":                                  `""`,
	} {
		if got := shellWord(in); got != want {
			t.Errorf("shellWord(%q) = %s, want %s", in, got, want)
		}
	}
}
