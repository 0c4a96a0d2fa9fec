package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/cmd/policywatch/config"
	"github.com/policywatch/policywatch/web"
)

// The tests of this file come from a user's walkthrough: mistakes on the
// command line that policywatch used to answer with an empty result, a
// doubled message or a silent success.

// importedHistory returns a CLI whose database holds nimbus's history of
// two versions (1 and 2), imported from dated files: no network needed.
func importedHistory(t *testing.T) *cli {
	t.Helper()
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, archiveConfig)
	src := t.TempDir()
	for i, v := range []string{"1", "2"} {
		name := fmt.Sprintf("2025-01-%02dT10-00-00Z.html", i+1)
		if err := os.WriteFile(filepath.Join(src, name), []byte(archivePage(v, i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c.mustRun("import", "nimbus", src)
	return c
}

// wantError runs args and checks that they fail with a message holding
// each of want, as a usage error (exit 2) or not (exit 1).
func wantError(t *testing.T, c *cli, usage bool, args []string, want ...string) {
	t.Helper()
	_, _, err := c.run(args...)
	if err == nil {
		t.Errorf("policywatch %s succeeded, want an error with %q", strings.Join(args, " "), want)
		return
	}
	var ue usageError
	if errors.As(err, &ue) != usage {
		t.Errorf("policywatch %s: %v: usage error %t, want %t", strings.Join(args, " "), err, !usage, usage)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("policywatch %s: %q lacks %q", strings.Join(args, " "), err, w)
		}
	}
}

// TestReadingCommandsCreateNoDatabase: a mistyped --db is an error naming
// the path, and leaves no file (nor folder) behind; the commands that
// write a history still create the database.
func TestReadingCommandsCreateNoDatabase(t *testing.T) {
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, archiveConfig)
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo", "policywatch.db")
	for _, args := range [][]string{
		{"events"}, {"events", "--json"}, {"history", "nimbus"}, {"show", "nimbus"}, {"diff", "nimbus"},
		{"facts", "nimbus"}, {"explain", "nimbus"}, {"export", "events"}, {"export", "warc", "-"},
		{"export", "versions", "nimbus", filepath.Join(dir, "md")},
		{"serve", "--listen", "127.0.0.1:0"}, {"backup", filepath.Join(dir, "copy.db")}, {"vacuum"},
		{"outbox"}, {"subscribers"}, {"unsubscribe", "ada@example.org"}, {"digest", "--now", "--dry-run"},
	} {
		wantError(t, c, false, append(args, "--db", typo), "no database at "+typo, "is --db right?")
		if _, err := os.Stat(filepath.Dir(typo)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("policywatch %s --db %s created %s", strings.Join(args, " "), typo, filepath.Dir(typo))
		}
	}
	// import creates the database, but not for a source it cannot read:
	// a mistyped folder must leave nothing behind.
	empty := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "nimbus", filepath.Join(dir, "nowhere")}, "no such file or directory"},
		{[]string{"import", "nimbus", empty}, "no manifest.tsv, and no HTML or Markdown file whose name begins with a date"},
		{[]string{"import", "nimbus", empty, "--select", "p[["}, "--select"},
		{[]string{"import", "nimbu", empty}, "unknown watch nimbu"},
	} {
		_, _, err := c.run(append(tc.args, "--db", typo)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("policywatch %s: %v, want an error with %q", strings.Join(tc.args, " "), err, tc.want)
		}
		if _, err := os.Stat(filepath.Dir(typo)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("policywatch %s --db %s created %s", strings.Join(tc.args, " "), typo, filepath.Dir(typo))
		}
	}
	// The hint names the setting that chose the path.
	c.env["POLICYWATCH_DB"] = typo
	wantError(t, c, false, []string{"events"}, "no database at "+typo, "is POLICYWATCH_DB right?")

	// A configuration mistake is reported before the missing database.
	if _, _, err := c.run("serve", "--listen", "0.0.0.0:0"); !errors.Is(err, web.ErrAuthRequired) {
		t.Errorf("serve --listen 0.0.0.0:0 without auth nor database: %v, want ErrAuthRequired", err)
	}
	if _, err := os.Stat(typo); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("serve created the database: %v", err)
	}

	// subscribe writes a subscriber: it creates the database, says where
	// and what chose that path (a mistyped POLICYWATCH_DB in a service
	// file otherwise goes on with an empty history), and the reading
	// commands then work on it.
	if _, errOut, err := c.run("subscribe", "ada@example.org"); err != nil || !strings.Contains(errOut, "policywatch: created a new database at "+typo+" (from POLICYWATCH_DB)\n") {
		t.Errorf("subscribe on a new database: %v, stderr %q", err, errOut)
	}
	if _, errOut, err := c.run("subscribe", "bob@example.org"); err != nil || strings.Contains(errOut, "created") {
		t.Errorf("subscribe on the database it made: %v, stderr %q", err, errOut)
	}
	if out := c.mustRun("subscribers"); !strings.Contains(out, "ada@example.org") {
		t.Errorf("subscribers after subscribe:\n%s", out)
	}
	if _, errOut, err := c.run("events"); err != nil || !strings.Contains(errOut, "no events") {
		t.Errorf("events on a new database: %v, %q", err, errOut)
	}
}

// TestEventFiltersThatMatchNothing: an unknown kind or watch is an error
// naming it (with the near miss), not an empty list.
func TestEventFiltersThatMatchNothing(t *testing.T) {
	c := importedHistory(t)
	kinds := "baseline, change, revert, anomaly, fetch_error, recovered"
	wantError(t, c, true, []string{"events", "--kind", "changes"}, `--kind "changes"`, "did you mean change?", kinds)
	wantError(t, c, true, []string{"events", "--kind", "Change"}, `--kind "Change"`, "did you mean change?")
	wantError(t, c, true, []string{"events", "--kind", "change,bogus", "--json"}, `--kind "bogus": want one of `+kinds)
	if out := c.mustRun("events", "--kind", "baseline, change"); strings.Count(out, "\n") != 2 {
		t.Errorf("events --kind baseline,change:\n%s", out)
	}
	// The imported history: a baseline and a change of wording, both
	// info, said imported; --severity filters as the web API's does.
	if out := c.mustRun("events", "--severity", "info", "--kind", "change"); strings.Count(out, "\n") != 1 || !strings.Contains(out, " change ") ||
		!strings.Contains(out, " info     v2    (imported) nimbus") {
		t.Errorf("events --severity info --kind change:\n%s", out)
	}
	if out, errOut, err := c.run("events", "--severity", "notable, critical"); err != nil || out != "" || !strings.Contains(errOut, "no events") {
		t.Errorf("events --severity notable,critical: %v\n%s%s", err, out, errOut)
	}
	wantError(t, c, true, []string{"events", "--severity", "high"}, `--severity "high": want info, notable or critical`)
	wantError(t, c, true, []string{"events", "--since", "yesterday"}, `--since "yesterday": want an RFC 3339 time`)
	// Times are listed in UTC, and say so; --since takes them back as
	// listed.
	if out := c.mustRun("events", "--since", "2025-01-02 10:00"); !strings.HasPrefix(out, "#2 2025-01-02 10:00 UTC change") || strings.Count(out, "\n") != 1 {
		t.Errorf("events --since \"2025-01-02 10:00\":\n%s", out)
	}

	for _, args := range [][]string{
		{"events", "--watch", "nimbu"}, {"events", "--json", "--watch", "nimbu"},
		{"export", "events", "--watch", "nimbu"}, {"export", "warc", "-", "--watch", "nimbu"},
		{"export", "versions", "nimbu", filepath.Join(t.TempDir(), "md")},
	} {
		wantError(t, c, true, args, "unknown watch nimbu: did you mean nimbus? (configured: nimbus)")
	}
	wantError(t, c, true, []string{"events", "--watch", "zzz"}, "unknown watch zzz (configured: nimbus)")

	// A watch removed from the configuration keeps its history: filtering
	// on it is no mistake.
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, "watches:\n  - name: other\n    url: https://other.example/\n")
	if out := c.mustRun("events", "--watch", "nimbus"); strings.Count(out, "\n") != 2 {
		t.Errorf("events --watch nimbus after nimbus left the configuration:\n%s", out)
	}
}

// TestVersionNotFoundMessages: show, diff, facts and explain tell an
// unknown watch from one without versions yet and from a missing version,
// each once and with what to do.
func TestVersionNotFoundMessages(t *testing.T) {
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, archiveConfig)
	c.mustRun("watches") // an empty database
	for _, cmd := range []string{"history", "show", "diff", "facts", "explain"} {
		wantError(t, c, false, []string{cmd, "nimbus"}, `no versions of "nimbus" yet (run 'policywatch check nimbus')`)
		wantError(t, c, true, []string{cmd, "nimbsu"}, "unknown watch nimbsu: did you mean nimbus?")
	}

	c = importedHistory(t)
	doubled := regexp.MustCompile(`(version \d+: ){2}|(latest version of \S+: ){2}`)
	for _, args := range [][]string{
		{"show", "nimbus", "99"}, {"diff", "nimbus", "1", "99"}, {"facts", "nimbus", "99"}, {"explain", "nimbus", "99"},
	} {
		wantError(t, c, false, args, "nimbus has no version 99 (see 'policywatch history nimbus')")
		if _, _, err := c.run(args...); err != nil && doubled.MatchString(err.Error()) {
			t.Errorf("policywatch %s: doubled prefix in %q", strings.Join(args, " "), err)
		}
	}
	wantError(t, c, true, []string{"show", "nosuch"}, "unknown watch nosuch (configured: nimbus)")
	wantError(t, c, true, []string{"show", "nosuch", "1"}, "unknown watch nosuch")
	wantError(t, c, true, []string{"show", "nimbus", "two"}, `version "two": want a version number`)
}

// TestExplainDefaultsToTheLatestVersion, like show and facts.
func TestExplainDefaultsToTheLatestVersion(t *testing.T) {
	c := importedHistory(t)
	latest := c.mustRun("explain", "nimbus")
	if latest != c.mustRun("explain", "nimbus", "2") || !strings.Contains(latest, "nimbus — change") {
		t.Errorf("explain nimbus:\n%s", latest)
	}
	if help := c.mustRun("help", "explain"); !strings.Contains(help, "explain WATCH [VERSION]") {
		t.Errorf("explain's help does not say VERSION is optional:\n%s", help)
	}
}

// TestDiffOptionsAreChecked: a value diff does not know is a usage error
// naming the allowed ones.
func TestDiffOptionsAreChecked(t *testing.T) {
	c := importedHistory(t)
	wantError(t, c, true, []string{"diff", "nimbus", "--color", "sometimes"}, `--color "sometimes": want auto, always or never`)
	wantError(t, c, true, []string{"diff", "nimbus", "--context", "-1"}, "--context -1: want 0 or more lines")
	if out := c.mustRun("diff", "nimbus", "--color", "never", "--context", "0"); !strings.Contains(out, "+Version 2.") {
		t.Errorf("diff --context 0:\n%s", out)
	}
}

// TestCheckRepeatedWatchOnce: a watch named twice is checked once.
func TestCheckRepeatedWatchOnce(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, fmt.Sprintf("settings:\n  host_interval: 0s\n  retries: 0\nwatches:\n  - name: nimbus\n    url: %s/p\n    language: en\n  - name: other\n    url: %s/q\n    language: en\n", srv.URL, srv.URL))
	out := c.mustRun("check", "nimbus", "nimbus")
	if !strings.Contains(out, "[1/1] nimbus") || strings.Contains(out, "/2]") {
		t.Errorf("check nimbus nimbus:\n%s", out)
	}
	w, err := (&app{cfg: mustLoadConfig(t, c)}).selectWatches(t.Context(), []string{"other", "nimbus", "other"})
	if err != nil || len(w) != 2 || w[0].Name != "other" || w[1].Name != "nimbus" {
		t.Errorf("selectWatches(other nimbus other) = %v, %v; want other, nimbus", w, err)
	}
}

func mustLoadConfig(t *testing.T, c *cli) *config.Config {
	t.Helper()
	cfg, err := loadConfig("", func(k string) string { return c.env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestOverviewColumnsAligned: every command's description starts in the
// same column, and a usage line has no trailing space.
func TestOverviewColumnsAligned(t *testing.T) {
	c := newCLI(t)
	col := -1
	in := false
	for _, line := range strings.Split(c.mustRun("help"), "\n") {
		if line == "Commands:" {
			in = true
			continue
		}
		if !in {
			continue
		}
		if line == "" {
			break
		}
		name := strings.Fields(line)[0]
		i := strings.Index(line[2+len(name):], strings.Fields(line)[1]) + 2 + len(name)
		if col == -1 {
			col = i
		} else if i != col {
			t.Errorf("%s's description starts at column %d, the first at %d:\n%s", name, i, col, line)
		}
	}
	if col == -1 {
		t.Fatal("no command list in the overview")
	}
	for _, cmd := range commands() {
		help := c.mustRun("help", cmd.name)
		if first, _, _ := strings.Cut(help, "\n"); strings.HasSuffix(first, " ") {
			t.Errorf("%q ends in a space", first)
		}
	}
}

// TestExportRefusesToOverwrite: like export versions and backup, the
// events and WARC exports leave an existing file alone unless --force.
func TestExportRefusesToOverwrite(t *testing.T) {
	c := importedHistory(t)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"export", "events", "--output", filepath.Join(dir, "events.jsonl")},
		{"export", "warc", filepath.Join(dir, "bodies.warc")},
	} {
		path := args[len(args)-1]
		if err := os.WriteFile(path, []byte("keep me"), 0o644); err != nil {
			t.Fatal(err)
		}
		wantError(t, c, false, args, path+" exists: name another file, or add --force to replace it")
		if b, _ := os.ReadFile(path); string(b) != "keep me" {
			t.Errorf("policywatch %s overwrote the file: %q", strings.Join(args, " "), b)
		}
		c.mustRun(append(args, "--force")...)
		if b, _ := os.ReadFile(path); string(b) == "keep me" {
			t.Errorf("policywatch %s --force left the file as it was", strings.Join(args, " "))
		}
	}
	wantError(t, c, true, []string{"export", "versions", "nimbus", filepath.Join(dir, "md"), "--force"}, "usage: policywatch export versions WATCH DIR")
}

// TestImportSkippedShowsNoProgress: an import that skips every snapshot
// says so once, without "n/N snapshots" progress lines of nothing done.
func TestImportSkippedShowsNoProgress(t *testing.T) {
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, archiveConfig)
	src := t.TempDir()
	for i, v := range []string{"1", "2", "2", "1"} {
		name := fmt.Sprintf("2025-01-%02dT10-00-00Z.html", i+1)
		if err := os.WriteFile(filepath.Join(src, name), []byte(archivePage(v, i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, errOut, err := c.run("import", "nimbus", src); err != nil || !strings.Contains(errOut, "4/4 snapshots") {
		t.Fatalf("first import: %v\n%s", err, errOut)
	}
	out, errOut, err := c.run("import", "nimbus", src)
	if err != nil || !strings.Contains(out, "nothing new: all 4 snapshots") {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	if strings.Contains(errOut, "snapshots") {
		t.Errorf("second import printed progress of skipped snapshots:\n%s", errOut)
	}
}

// TestWatchesTellAnImportFromACheck: after an import, the last check is
// an archive's snapshot, dated at its own time: the listing says so, so
// that nobody takes it for a look at the live page; a live check after
// it is a check like any other.
func TestWatchesTellAnImportFromACheck(t *testing.T) {
	c := importedHistory(t)
	if out := c.mustRun("watches"); !strings.Contains(out, "2025-01-02 10:00 UTC (imported)") {
		t.Errorf("watches after an import:\n%s", out)
	}
	if out := c.mustRun("watches", "--json"); !strings.Contains(out, `"last_check_imported":true`) {
		t.Errorf("watches --json after an import:\n%s", out)
	}
	srv := newPolicyServer(t)
	c.env["POLICYWATCH_CONFIG"] = nimbusConfig(t, srv.URL)
	c.mustRun("check")
	if out := c.mustRun("watches"); strings.Contains(out, "imported") || !strings.Contains(out, "nimbus") {
		t.Errorf("watches after a live check:\n%s", out)
	}
	if out := c.mustRun("watches", "--json"); strings.Contains(out, "last_check_imported") {
		t.Errorf("watches --json after a live check:\n%s", out)
	}
}

// TestVerboseSaysEachRequest: -v logs every request of a check, with its
// status, size and time: what an operator looks at when a page misbehaves.
func TestVerboseSaysEachRequest(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = nimbusConfig(t, srv.URL)
	_, errOut, err := c.run("check", "-v")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "msg=request watch=nimbus attempt=1 url="+srv.URL+"/privacy") || !strings.Contains(errOut, "status=200") {
		t.Errorf("check -v did not log the request:\n%s", errOut)
	}
	if _, errOut, _ := c.run("check"); strings.Contains(errOut, "msg=request") {
		t.Errorf("check without -v logged requests:\n%s", errOut)
	}
}
