package archive_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/archive"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/extract"
)

// TestExportMarkdownRoundTrip exports a watch's versions as Markdown with
// a manifest, imports the folder into a new database, and finds the same
// history: the same texts (by hash), the same baseline, changes and
// revert at the same times.
func TestExportMarkdownRoundTrip(t *testing.T) {
	r := historyRig(t)
	dir := filepath.Join(t.TempDir(), "export")
	res, err := archive.ExportMarkdown(context.Background(), r.db, testWatch.Name, dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Versions != 2 || res.Rows != 3 {
		t.Errorf("exported %d versions in %d manifest rows, want 2 and 3", res.Versions, res.Rows)
	}
	manifest, err := os.ReadFile(filepath.Join(dir, archive.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	wantManifest := "path\ttime\tversion\tkind\n" +
		"2025-01-01T00-00-00Z-v1.md\t2025-01-01T00:00:00Z\t1\tbaseline\n" +
		"2025-02-01T08-00-00Z-v2.md\t2025-02-01T08:00:00Z\t2\tchange\n" +
		"2025-01-01T00-00-00Z-v1.md\t2025-02-03T00:00:00Z\t1\trevert\n"
	if string(manifest) != wantManifest {
		t.Errorf("manifest:\n%s\nwant:\n%s", manifest, wantManifest)
	}
	md, err := os.ReadFile(filepath.Join(dir, "2025-01-01T00-00-00Z-v1.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(md), "# Privacy Policy\n\nVersion 1.\n\nThis policy explains") {
		t.Errorf("Markdown of version 1:\n%s", md)
	}

	src, err := archive.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	back := newRig(t)
	back.importSource(t, testWatch, src)
	summary := func(r *rig) string {
		var b strings.Builder
		for _, e := range r.events(t, testWatch.Name) {
			if e.Kind == monitor.KindBaseline || e.Kind == monitor.KindChange || e.Kind == monitor.KindRevert {
				v, err := r.db.Version(context.Background(), e.Version)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "%s %s %s\n", e.Time.Format(time.RFC3339), e.Kind, v.Hash[:12])
			}
		}
		return b.String()
	}
	if got, want := summary(back), summary(r); got != want {
		t.Errorf("history imported from the export:\n%s\nwant the original:\n%s", got, want)
	}

	if _, err := archive.ExportMarkdown(context.Background(), r.db, testWatch.Name, dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export into a non-empty folder: %v", err)
	}
	if _, err := archive.ExportMarkdown(context.Background(), r.db, "no-such-watch", t.TempDir()); err == nil || !strings.Contains(err.Error(), "no versions") {
		t.Errorf("export of an unknown watch: %v", err)
	}
	if _, err := archive.ExportMarkdown(context.Background(), r.db, "../evil", t.TempDir()); err == nil {
		t.Error("export of a watch named ../evil: no error")
	}
}

// TestMarkdownTextEscapes: a scraped text full of Markdown and HTML
// renders back to the same words and never to markup.
func TestMarkdownTextEscapes(t *testing.T) {
	text := strings.Join([]string{
		"# Heading with *stars* and a # sign #",
		"<script>alert(1)</script> & &amp; entity",
		"[a link](javascript:alert(1)) and ![img](x.png) and <https://auto.example>",
		"- item with `code` and _under_ and ~~strike~~",
		"- second | cell | row",
		"2024. A year that starts a line",
		"1) Not a list",
		"---",
		"=== not a heading",
		"+ not a list",
		"> not a quote",
		"    indented \\ backslash",
		"Plain sentence.",
	}, "\n")
	md := archive.MarkdownText(text)
	page, err := archive.MarkdownPage([]byte(md))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<a ", "<img", "<code", "<em", "<del", "<ol", "<hr", "<blockquote", "<pre", "<table"} {
		if strings.Contains(string(page), bad) {
			t.Errorf("rendered Markdown holds %s:\n%s\nfrom:\n%s", bad, page, md)
		}
	}
	doc, err := extract.Extract(page, "https://example.com/", extract.Rules{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := extract.TextHash(doc.Text), extract.TextHash(text); got != want {
		t.Errorf("words changed in the round trip:\n got %s\nwant %s\nMarkdown:\n%s", doc.Text, text, md)
	}
	if !strings.Contains(string(page), "<h1>") || strings.Count(string(page), "<li>") != 2 {
		t.Errorf("heading and list items not kept:\n%s", page)
	}
}

// TestExportGit writes a watch's versions as a git repository: one commit
// per version, author and committer dated at the version's first sighting,
// the file holding its text; and reads it back with OpenGit.
func TestExportGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on the PATH")
	}
	r := historyRig(t)
	dir := filepath.Join(t.TempDir(), "repo")
	res, err := archive.ExportGit(context.Background(), r.db, testWatch.Name, dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Versions != 2 {
		t.Errorf("%d versions exported, want 2", res.Versions)
	}
	out, err := exec.Command("git", "-C", dir, "log", "--reverse", "--format=%H %aI %cI %s").Output()
	if err != nil {
		t.Fatal(err)
	}
	versions, err := r.db.Versions(context.Background(), testWatch.Name)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(versions) {
		t.Fatalf("%d commits, want one per version (%d):\n%s", len(lines), len(versions), out)
	}
	// Each message quotes the baseline or change that recorded the version,
	// not a later revert to it.
	events, err := r.db.Events(context.Background(), monitor.EventFilter{Watch: testWatch.Name})
	if err != nil {
		t.Fatal(err)
	}
	recordedBy := map[int64]string{}
	for _, e := range events {
		if _, ok := recordedBy[e.Version]; !ok && (e.Kind == monitor.KindBaseline || e.Kind == monitor.KindChange) {
			recordedBy[e.Version] = e.Summary
		}
	}
	for i, line := range lines {
		body, err := exec.Command("git", "-C", dir, "log", "-1", "--format=%b", strings.Fields(line)[0]).Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := recordedBy[versions[i].ID]; want == "" || !strings.Contains(string(body), want) {
			t.Errorf("commit %d message:\n%s\nwant the summary %q", i+1, body, want)
		}
	}
	for i, line := range lines {
		f := strings.SplitN(line, " ", 4)
		when := versions[i].FirstSeen.UTC().Format("2006-01-02T15:04:05+00:00")
		if f[1] != when || f[2] != when {
			t.Errorf("commit %d dated author %s, committer %s; want %s", i+1, f[1], f[2], when)
		}
		if want := fmt.Sprintf("%s version %d, first seen", testWatch.Name, versions[i].ID); !strings.HasPrefix(f[3], want) {
			t.Errorf("commit %d subject %q, want %q…", i+1, f[3], want)
		}
		content, err := exec.Command("git", "-C", dir, "show", f[0]+":"+testWatch.Name+".md").Output()
		if err != nil {
			t.Fatal(err)
		}
		v, err := r.db.Version(context.Background(), versions[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(content) != archive.MarkdownText(v.Text) {
			t.Errorf("commit %d: file is not version %d's text", i+1, v.ID)
		}
	}
	// The working tree shows the last version; nothing is left to commit.
	if status, err := exec.Command("git", "-C", dir, "status", "--porcelain").Output(); err != nil || len(status) != 0 {
		t.Errorf("git status: %q, %v", status, err)
	}
	if _, err := os.Stat(filepath.Join(dir, testWatch.Name+".md")); err != nil {
		t.Errorf("working tree: %v", err)
	}
	src, err := archive.OpenGit(context.Background(), dir, testWatch.Name+".md")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if len(src.Snapshots) != len(versions) || !src.Snapshots[1].Time.Equal(versions[1].FirstSeen.Truncate(time.Second)) {
		t.Errorf("read back: %d snapshots, second at %s", len(src.Snapshots), src.Snapshots[1].Time)
	}
}
