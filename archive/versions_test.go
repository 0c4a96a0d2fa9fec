package archive_test

import (
	"context"
	"fmt"
	"os"
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
	if !strings.HasPrefix(string(md), "---\ntitle: \"Privacy Policy\"\n---\n\n# Privacy Policy\n\nVersion 1.\n\nThis policy explains") {
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
		// GFM links these by itself: the page did not.
		"Visit https://example.org/contact/form, www.example.com or ftp://x.example, or mail dpo@example.org.",
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
