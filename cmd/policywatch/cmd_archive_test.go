package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlnwa/gowarc/v2"

	"github.com/policywatch/policywatch/archive"
	"github.com/policywatch/policywatch/internal/corpustest"
	"github.com/policywatch/policywatch/monitor"
)

// archivePage is a small policy page; version changes its text, noise
// only its markup.
func archivePage(version string, noise int) string {
	return fmt.Sprintf(`<!DOCTYPE html><html lang="en"><head><title>Nimbus Privacy Policy</title></head><body>
<nav class="n%d"><a href="/?t=%d">Home</a></nav><main><h1>Nimbus Privacy Policy</h1><p>Version %s.</p>
<p>We collect the posts, photos and comments you share, information about your device and your approximate location, and we use it to provide and improve our services and to keep people safe.</p>
<p>You can access and delete your information at any time, and object to some uses of it.</p></main></body></html>`, noise, noise, version)
}

const archiveConfig = `watches:
  - name: nimbus
    url: https://nimbus.example/privacy
    select: ["main"]
`

// eventsOf runs `events --json` and decodes it.
func eventsOf(t *testing.T, c *cli, args ...string) []monitor.Event {
	t.Helper()
	var events []monitor.Event
	sc := bufio.NewScanner(strings.NewReader(c.mustRun(append([]string{"events", "--json"}, args...)...)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e monitor.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("events --json: %v", err)
		}
		events = append(events, e)
	}
	return events
}

func eventKinds(events []monitor.Event) map[monitor.EventKind]int {
	out := map[monitor.EventKind]int{}
	for _, e := range events {
		out[e.Kind]++
	}
	return out
}

// TestImportCommandFacebookHistory is the acceptance test: the 492
// archived snapshots of Facebook's policy, as a folder with a manifest,
// imported with `policywatch import`, give the replay's events (1
// baseline, 35 changes, 4 reverts) at the archive's dates; the second run
// adds nothing.
func TestImportCommandFacebookHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("long import; run without -short")
	}
	h := corpustest.Open(t, corpustest.Facebook)
	dir := t.TempDir()
	var m strings.Builder
	m.WriteString("path\ttime\n")
	dates := map[int64]bool{}
	for _, s := range h.Steps {
		name := filepath.Base(s.Path)
		if err := os.Symlink(s.Path, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&m, "%s\t%s\n", name, s.Date.Format(time.RFC3339))
		dates[s.Date.Unix()] = true
	}
	if err := os.WriteFile(filepath.Join(dir, archive.ManifestName), []byte(m.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, `watches:
  - name: facebook-privacy-policy
    url: https://www.facebook.com/privacy/policy/
    select: ["#policy"]
`)
	start := time.Now()
	out, errOut, err := c.run("import", "facebook-privacy-policy", dir)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	t.Logf("import of %d snapshots: %s", len(h.Steps), time.Since(start))
	if !strings.Contains(out, "imported 492 of 492 snapshots") {
		t.Errorf("import output:\n%s", out)
	}
	if !strings.Contains(errOut, "import facebook-privacy-policy: 492/492 snapshots") {
		t.Errorf("no progress lines on stderr:\n%s", errOut)
	}
	events := eventsOf(t, c)
	got := eventKinds(events)
	if got[monitor.KindBaseline] != 1 || got[monitor.KindChange] != 35 || got[monitor.KindRevert] != 4 {
		t.Errorf("events %v, want 1 baseline, 35 changes, 4 reverts", got)
	}
	for _, e := range events {
		if !e.Imported || !dates[e.Time.Unix()] {
			t.Errorf("event %d (%s at %s): imported=%t, at an archive date: %t", e.ID, e.Kind, e.Time, e.Imported, dates[e.Time.Unix()])
		}
	}
	out = c.mustRun("import", "facebook-privacy-policy", dir)
	if !strings.Contains(out, "nothing new: all 492 snapshots") {
		t.Errorf("second import:\n%s", out)
	}
	if n := len(eventsOf(t, c)); n != len(events) {
		t.Errorf("second import: %d events, want %d", n, len(events))
	}
}

// TestImportCommandGit imports a file through the history of a small git
// repository of dated commits.
func TestImportCommandGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on the PATH")
	}
	repo := t.TempDir()
	git := func(date string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=A", "-c", "user.email=a@example.org", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Env = append(cmd.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_COMMITTER_DATE="+date, "GIT_AUTHOR_DATE="+date)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("2024-01-01T00:00:00Z", "init", "--quiet")
	for i, v := range []struct{ date, version string }{
		{"2024-01-01T06:00:00Z", "1"}, {"2024-02-01T06:00:00Z", "1"}, {"2024-03-01T06:00:00Z", "2"}, {"2024-04-01T06:00:00Z", "3"},
	} {
		if err := os.MkdirAll(filepath.Join(repo, "Nimbus"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, "Nimbus", "Privacy Policy.html"), []byte(archivePage(v.version, i)), 0o644); err != nil {
			t.Fatal(err)
		}
		git(v.date, "add", ".")
		git(v.date, "commit", "--quiet", "-m", "Record")
	}
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, archiveConfig)

	if _, _, err := c.run("import", "nimbus", repo); err == nil || !strings.Contains(err.Error(), "--path") {
		t.Errorf("import of a repository without --path: %v", err)
	}
	out := c.mustRun("import", "nimbus", repo, "--path", "Nimbus/Privacy Policy.html")
	if !strings.Contains(out, "imported 4 of 4 snapshots") || !strings.Contains(out, "2024-03-01 06:00 UTC change") {
		t.Errorf("import output:\n%s", out)
	}
	var got []string
	for _, e := range eventsOf(t, c) {
		got = append(got, e.Time.Format(time.RFC3339)+" "+string(e.Kind))
	}
	want := "[2024-01-01T06:00:00Z baseline 2024-03-01T06:00:00Z change 2024-04-01T06:00:00Z change]"
	if fmt.Sprint(got) != want {
		t.Errorf("events %v, want %s", got, want)
	}
}

func TestImportCommandErrors(t *testing.T) {
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, archiveConfig)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "2025-01-01.html"), []byte(archivePage("1", 0)), 0o644); err != nil {
		t.Fatal(err)
	}
	var ue usageError
	if _, _, err := c.run("import", "unknown", dir); !errors.As(err, &ue) || !strings.Contains(err.Error(), "unknown watch") {
		t.Errorf("unknown watch: %v", err)
	}
	if _, _, err := c.run("import", "nimbus", dir, "--select", "p["); !errors.As(err, &ue) {
		t.Errorf("bad selector: %v", err)
	}
	// Each error about SOURCE says it is SOURCE: "stat X: no such file or
	// directory" did not.
	missing, file := filepath.Join(dir, "missing"), filepath.Join(dir, "2025-01-01.html")
	for _, tc := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{missing}, "import nimbus: source " + missing + ": no such file or directory", false},
		{[]string{missing, "--path", "a.md"}, "import nimbus: open git repository " + missing + ": ", false},
		{[]string{file}, "import: source " + file + " is not a folder (a git repository needs --path FILE)", true},
	} {
		_, _, err := c.run(append([]string{"import", "nimbus"}, tc.args...)...)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || errors.As(err, &ue) != tc.usage {
			t.Errorf("import nimbus %s: %v; want %q (a usage error: %v)", strings.Join(tc.args, " "), err, tc.want, tc.usage)
		}
	}
	// --select overrides the watch's selector.
	out := c.mustRun("import", "nimbus", dir, "--select", "nav")
	if !strings.Contains(out, "1 anomaly") {
		t.Errorf("import with --select nav (a link, too short for a policy):\n%s", out)
	}
}

// TestImportProgress: a bar redrawn in place on a terminal, at most ten
// times a second, events printed above it; plain lines at each tenth when
// piped.
func TestImportProgress(t *testing.T) {
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	step := func(p *importProgress, done, total int, events ...monitor.Event) {
		p.update(archive.Progress{Done: done, Total: total, Snapshot: archive.Snapshot{Time: clock},
			Result: &monitor.Result{Events: events}})
	}
	// A summary quoting a hostile page: an escape sequence that would clear
	// the screen, and a right-to-left override.
	change := monitor.Event{Time: clock, Kind: monitor.KindChange, Severity: monitor.SeverityCritical, Summary: "nimbus changed\x1b[2J\u202e"}

	var out, status bytes.Buffer
	bar := newImportProgress(&out, &status, "nimbus", true, now)
	step(bar, 1, 20)
	step(bar, 2, 20) // same instant: not redrawn
	clock = clock.Add(150 * time.Millisecond)
	step(bar, 10, 20, change)
	step(bar, 20, 20)
	bar.finish()
	want := "\r\x1b[Kimport nimbus [#.............................] 1/20 2025-01-01 00:00 UTC" +
		"\r\x1b[K" + // cleared for the event line
		"\r\x1b[Kimport nimbus [###############...............] 10/20 2025-01-01 00:00 UTC" +
		"\r\x1b[Kimport nimbus [##############################] 20/20 2025-01-01 00:00 UTC\n"
	if status.String() != want {
		t.Errorf("bar:\n got %q\nwant %q", status.String(), want)
	}
	if out.String() != "#0 2025-01-01 00:00 UTC change       critical -     nimbus changed<U+001B>[2J<U+202E>\n" {
		t.Errorf("event lines: %q", out.String())
	}

	out.Reset()
	status.Reset()
	plain := newImportProgress(&out, &status, "nimbus", false, now)
	for i := 1; i <= 25; i++ {
		step(plain, i, 25)
	}
	plain.finish()
	lines := strings.Split(strings.TrimSpace(status.String()), "\n")
	if len(lines) != 10 || lines[0] != "import nimbus: 3/25 snapshots (2025-01-01 00:00 UTC)" || lines[9] != "import nimbus: 25/25 snapshots (2025-01-01 00:00 UTC)" {
		t.Errorf("plain progress:\n%s", status.String())
	}
	if strings.Contains(status.String(), "\x1b") || strings.Contains(status.String(), "\r") {
		t.Errorf("plain progress holds terminal controls: %q", status.String())
	}
}

// TestExportCommands imports a short history, then exports it every way
// and reads each export back.
func TestExportCommands(t *testing.T) {
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, archiveConfig)
	src := t.TempDir()
	for i, v := range []string{"1", "1", "2", "1"} {
		name := fmt.Sprintf("2025-01-%02dT10-00-00Z.html", i+1)
		if err := os.WriteFile(filepath.Join(src, name), []byte(archivePage(v, i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c.mustRun("import", "nimbus", src)
	jsonEvents := c.mustRun("events", "--json")

	if out := c.mustRun("export", "events"); out != jsonEvents {
		t.Errorf("export events:\n%s\nwant what events --json prints:\n%s", out, jsonEvents)
	}
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "events.csv")
	_, errOut, err := c.run("export", "events", "--format", "csv", "--output", csvPath, "--watch", "nimbus")
	if err != nil || !strings.Contains(errOut, "3 events written to") {
		t.Fatalf("export events --format csv: %v\n%s", err, errOut)
	}
	data, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(data)), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[0], "id,watch,time,kind") {
		t.Errorf("CSV:\n%s", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left beside the output: %v", entries)
	}
	if _, _, err := c.run("export", "events", "--format", "xml"); err == nil {
		t.Error("--format xml: no error")
	}

	mdDir := filepath.Join(dir, "md")
	if out := c.mustRun("export", "versions", "nimbus", mdDir); !strings.Contains(out, "2 versions as Markdown") {
		t.Errorf("export versions:\n%s", out)
	}
	if manifest, err := os.ReadFile(filepath.Join(mdDir, archive.ManifestName)); err != nil || strings.Count(string(manifest), "\n") != 4 {
		t.Errorf("manifest (%v):\n%s", err, manifest)
	}
	if _, err := exec.LookPath("git"); err == nil {
		gitDir := filepath.Join(dir, "git")
		// One commit per sighting: the revert to version 1 on the 4th is
		// one too.
		if out := c.mustRun("export", "versions", "nimbus", gitDir, "--git"); !strings.Contains(out, "2 versions as 3 git commits (one per sighting)") {
			t.Errorf("export versions --git:\n%s", out)
		}
		log, err := exec.Command("git", "-C", gitDir, "log", "--format=%cI").Output()
		if err != nil || strings.ReplaceAll(string(log), "+00:00", "Z") != "2025-01-04T10:00:00Z\n2025-01-03T10:00:00Z\n2025-01-01T10:00:00Z\n" {
			t.Errorf("git log dates (%v):\n%s", err, log)
		}
	}

	warcPath := filepath.Join(dir, "nimbus.warc.gz")
	if _, errOut, err := c.run("export", "warc", warcPath); err != nil || !strings.Contains(errOut, "4 bodies") {
		t.Fatalf("export warc: %v\n%s", err, errOut)
	}
	r, err := gowarc.NewWarcFileReader(warcPath, 0, gowarc.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	resources := 0
	for {
		rec, _, v, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || !v.Valid() {
			t.Fatalf("read back: %v %v", err, v)
		}
		if rec.Type() == gowarc.Resource {
			resources++ // imported: archived files, not responses policywatch received
		}
		rec.Close()
	}
	if resources != 4 {
		t.Errorf("%d resource records, want 4", resources)
	}
	var stdout bytes.Buffer
	if err := run(t.Context(), []string{"export", "warc", "-"}, strings.NewReader(""), &stdout, io.Discard, func(k string) string { return c.env[k] }); err != nil || !bytes.HasPrefix(stdout.Bytes(), []byte("WARC/1.1\r\n")) {
		t.Errorf("export warc -: %v, %q", err, stdout.Bytes()[:min(20, stdout.Len())])
	}
	for _, bad := range [][]string{{"export"}, {"export", "things"}, {"export", "versions", "nimbus"}, {"export", "warc"}, {"export", "events", "--git"}} {
		var ue usageError
		if _, _, err := c.run(bad...); !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error", bad, err)
		}
	}
}

// TestEventsMarksImported: events says which events import backfilled
// from an archive, as the web view's timeline and watches do: a reader
// of the listing took the archive's snapshots for pages policywatch had
// fetched itself, and only --json told them apart.
func TestEventsMarksImported(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	dir := t.TempDir()
	for i, v := range []string{"1", "2"} {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("2025-01-0%d.html", i+1)), []byte(archivePage(v, i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	imported := c.mustRun("import", "nimbus", dir)
	c.mustRun("check")
	lines := strings.Split(strings.TrimSuffix(c.mustRun("events"), "\n"), "\n")
	// import prints each event as events lists it, number and version
	// included.
	for _, line := range lines[:min(2, len(lines))] {
		if !strings.Contains(imported, line+"\n") {
			t.Errorf("import's output lacks the line events gives:\n%s\nimport printed:\n%s", line, imported)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("events: %d lines, want the 2 imported and the live change:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for i, line := range lines {
		if imported := strings.Contains(line, "(imported)"); imported != (i < 2) {
			t.Errorf("events line %d marked imported: %t, want %t:\n%s", i+1, imported, i < 2, line)
		}
	}
}
