package archive_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
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

// linkedPage is a policy page whose <title> is not its first heading, with
// an objection form and a relative link in its text, as real policies
// have them.
func linkedPage(version string, extra ...string) []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><title>Example Corp | Privacy Notice [EU]</title></head><body>
<nav><a href="/">Home</a></nav><div id="policy"><h1>Privacy Policy</h1>`)
	fmt.Fprintf(&b, "<p>Version %s.</p>\n", version)
	for _, p := range append(policyParagraphs[:len(policyParagraphs):len(policyParagraphs)], extra...) {
		fmt.Fprintf(&b, "<p>%s</p>\n", p)
	}
	b.WriteString(`<h2>Your <a href="/rights">rights</a></h2>
<p>You can object using <a href="https://example.org/object?x=1">this form</a>.</p>
<ul><li>Write to <a href="mailto:dpo@example.com">our data protection officer</a> [*at any time*].</li>
<li>Read <a href="/help?a=1&amp;b=<2>">the help centre</a> or the <a href="https://example.org/">home page</a>.</li></ul>
</div></body></html>`)
	return []byte(b.String())
}

// sightingsRig records a history with everything an export must carry:
// a baseline, a critical change, a revert to the first version (seen
// again after the change), later sightings that change nothing, titles
// and links — the objection form among them.
func sightingsRig(t *testing.T) *rig {
	t.Helper()
	r := newRig(t)
	for _, s := range []struct {
		at   string
		page []byte
	}{
		{"2025-01-01T00:00:00Z", linkedPage("1")},
		{"2025-01-05T00:00:00Z", linkedPage("1")}, // overwritten by the later sightings of version 1
		{"2025-02-01T08:00:00Z", linkedPage("2", "We may use your public posts and photos to train our artificial intelligence models.")},
		{"2025-02-02T00:00:00Z", linkedPage("2", "We may use your public posts and photos to train our artificial intelligence models.")},
		{"2025-02-03T00:00:00Z", linkedPage("1")}, // the revert
		{"2025-02-10T12:30:00Z", linkedPage("1")}, // version 1's last sighting
	} {
		if _, err := r.checker.Ingest(context.Background(), testWatch, &monitor.Body{
			Data: s.page, ContentType: "text/html", URL: testWatch.URL, FinalURL: testWatch.URL, Status: 200,
			FetchedAt: mustTime(t, s.at),
		}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// historyOf describes what an export must keep of a watch: its baseline,
// changes and reverts (time, kind, version's text hash) and each version's
// title, language and links (what its facts are read from) and, when asked, its last sighting. Times are cut to
// the second when asked: git keeps no less.
func historyOf(t *testing.T, r *rig, seconds, lastSeen bool) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	short := map[int64]string{}
	versions, err := r.db.Versions(ctx, testWatch.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range versions {
		full, err := r.db.Version(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		short[v.ID] = full.Hash[:12]
		links, _ := json.Marshal(full.Links)
		fmt.Fprintf(&b, "version %s: title %q, language %q\n  links %s\n", short[v.ID], full.Title, full.Language, links)
		if lastSeen {
			fmt.Fprintf(&b, "  last seen %s\n", full.LastSeen.UTC().Format(time.RFC3339Nano))
		}
	}
	for _, e := range r.events(t, testWatch.Name) {
		if e.Kind != monitor.KindBaseline && e.Kind != monitor.KindChange && e.Kind != monitor.KindRevert {
			continue
		}
		at := e.Time.UTC()
		if seconds {
			at = at.Truncate(time.Second)
		}
		fmt.Fprintf(&b, "%s %s %s %s\n", at.Format(time.RFC3339Nano), e.Kind, e.Severity, short[e.Version])
	}
	return b.String()
}

// TestExportImportRoundTrip: exporting a watch's versions and importing
// the export into a new database gives back the same history — the revert
// as a revert, not as an invented critical change; the links (so the
// objection form in the facts); the <title>, not the first heading; and,
// from Markdown, when each version was last seen.
func TestExportImportRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name     string
		git      bool
		lastSeen bool // git commits only what changed: a sighting without a change is not one
	}{
		{"markdown", false, true},
		{"git", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := exec.LookPath("git"); tc.git && err != nil {
				t.Skip("git not on the PATH")
			}
			ctx := context.Background()
			r := sightingsRig(t)
			want := historyOf(t, r, tc.git, tc.lastSeen)
			// The history the export must carry is the one this test means.
			for _, s := range []string{"revert notable", `{"text":"this form","href":"https://example.org/object?x=1"}`,
				`title "Example Corp | Privacy Notice [EU]"`, "last seen 2025-02-10T12:30:00Z"} {
				if !strings.Contains(historyOf(t, r, false, true), s) {
					t.Fatalf("the original history lacks %q:\n%s", s, historyOf(t, r, false, true))
				}
			}
			dir := filepath.Join(t.TempDir(), "export")
			var src *archive.Source
			if tc.git {
				if _, err := archive.ExportGit(ctx, r.db, testWatch.Name, dir); err != nil {
					t.Fatal(err)
				}
				var err error
				if src, err = archive.OpenGit(ctx, dir, testWatch.Name+".md"); err != nil {
					t.Fatal(err)
				}
				defer src.Close()
			} else {
				if _, err := archive.ExportMarkdown(ctx, r.db, testWatch.Name, dir); err != nil {
					t.Fatal(err)
				}
				var err error
				if src, err = archive.OpenFolder(dir); err != nil {
					t.Fatal(err)
				}
			}
			back := newRig(t)
			back.importSource(t, testWatch, src)
			if got := historyOf(t, back, tc.git, tc.lastSeen); got != want {
				t.Errorf("history imported from the export:\n%s\nwant the original:\n%s", got, want)
			}
		})
	}
}

// TestExportGitOneCommitPerSighting: the git export has a commit each time
// a version became current, reverts included, dated then, its subject the
// event's summary and its trailers the exact time, kind and version.
func TestExportGitOneCommitPerSighting(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on the PATH")
	}
	ctx := context.Background()
	r := sightingsRig(t)
	dir := filepath.Join(t.TempDir(), "repo")
	res, err := archive.ExportGit(ctx, r.db, testWatch.Name, dir)
	if err != nil {
		t.Fatal(err)
	}
	var want []monitor.Event
	for _, e := range r.events(t, testWatch.Name) {
		if e.Kind == monitor.KindBaseline || e.Kind == monitor.KindChange || e.Kind == monitor.KindRevert {
			want = append(want, e)
		}
	}
	if res.Versions != 2 || res.Rows != len(want) {
		t.Errorf("exported %d versions in %d commits, want 2 in %d", res.Versions, res.Rows, len(want))
	}
	out, err := exec.Command("git", "-C", dir, "log", "--reverse", "--format=%H%x00%aI%x00%cI%x00%s%x00%b%x1e").Output()
	if err != nil {
		t.Fatal(err)
	}
	commits := strings.Split(strings.TrimSuffix(strings.TrimSpace(string(out)), "\x1e"), "\x1e")
	if len(commits) != len(want) {
		t.Fatalf("%d commits, want one per sighting (%d):\n%s", len(commits), len(want), out)
	}
	for i, c := range commits {
		f := strings.Split(strings.TrimLeft(c, "\n"), "\x00")
		e := want[i]
		when := e.Time.UTC().Format("2006-01-02T15:04:05+00:00")
		if f[1] != when || f[2] != when {
			t.Errorf("commit %d dated author %s, committer %s; want %s", i+1, f[1], f[2], when)
		}
		// The subject is the summary, cut at 200 bytes with the whole
		// summary in the body when longer.
		cut := strings.TrimSuffix(f[3], "…")
		if f[3] != e.Summary && !(cut != f[3] && strings.HasPrefix(e.Summary, cut) && strings.Contains(f[4], e.Summary)) {
			t.Errorf("commit %d subject %q, want the %s's summary %q", i+1, f[3], e.Kind, e.Summary)
		}
		for _, trailer := range []string{"Policywatch-Event: " + string(e.Kind), "Policywatch-Time: " + e.Time.UTC().Format(time.RFC3339Nano),
			fmt.Sprintf("Policywatch-Version: %d", e.Version)} {
			if !strings.Contains(f[4], trailer) {
				t.Errorf("commit %d message lacks %q:\n%s", i+1, trailer, f[4])
			}
		}
		content, err := exec.Command("git", "-C", dir, "show", f[0]+":"+testWatch.Name+".md").Output()
		if err != nil {
			t.Fatal(err)
		}
		v, err := r.db.Version(ctx, e.Version)
		if err != nil {
			t.Fatal(err)
		}
		if string(content) != archive.VersionMarkdown(v) {
			t.Errorf("commit %d: file is not version %d's Markdown:\n%s", i+1, v.ID, content)
		}
	}
	// The working tree shows the last version; nothing is left to commit.
	if status, err := exec.Command("git", "-C", dir, "status", "--porcelain").Output(); err != nil || len(status) != 0 {
		t.Errorf("git status: %q, %v", status, err)
	}
	if _, err := os.Stat(filepath.Join(dir, testWatch.Name+".md")); err != nil {
		t.Errorf("working tree: %v", err)
	}
	if _, err := archive.ExportGit(ctx, r.db, testWatch.Name, dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export into a non-empty folder: %v", err)
	}
}

// TestMarkdownLinks: links become Markdown links that render to the same
// targets, whatever their text and target hold; text that only looks like
// a link stays text.
func TestMarkdownLinks(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		links      []extract.Link
		want       []string // hrefs of the rendered page, in order
	}{
		{"objection form", "You can object using this form.",
			[]extract.Link{{Text: "this form", Href: "https://example.org/object?x=1"}},
			[]string{"https://example.org/object?x=1"}},
		{"markup in the text and the target", "See [the *rules*] <here> & more.",
			[]extract.Link{{Text: "[the *rules*] <here>", Href: "https://example.org/a?b=<c>&d=\\e"}},
			[]string{"https://example.org/a?b=<c>&d=\\e"}},
		{"targets the renderer would percent-encode", "Café, tableau et entité.",
			[]extract.Link{{Text: "Café", Href: "https://example.fr/café?q=a b"}, {Text: "tableau", Href: "https://example.fr/?a[]=1|2"},
				{Text: "entité", Href: "https://example.fr/?x=&amp;&y=%zz"}},
			[]string{"https://example.fr/café?q=a b", "https://example.fr/?a[]=1|2", "https://example.fr/?x=&amp;&y=%zz"}},
		{"in a heading and a list item, not in their markers", "# Your rights\n- Write to us\n- rights",
			[]extract.Link{{Text: "rights", Href: "https://example.org/r"}, {Text: "- Write", Href: "https://example.org/bad"}, {Text: "us", Href: "mailto:dpo@example.org"}},
			[]string{"https://example.org/r", "mailto:dpo@example.org"}},
		{"at the start of a block that looks like a list", "2024. A year",
			[]extract.Link{{Text: "A year", Href: "https://example.org/y"}},
			[]string{"https://example.org/y"}},
		{"text not found, and a line break in a target", "Nothing here.",
			[]extract.Link{{Text: "elsewhere", Href: "https://example.org/x"}, {Text: "Nothing", Href: "https://example.org/\n# x"}},
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := archive.VersionMarkdown(&monitor.Version{Text: tc.text, Links: tc.links})
			if tc.name == "objection form" && !strings.Contains(md, "[this form](<https://example.org/object?x=1>)") {
				t.Errorf("the link is not written as a Markdown link:\n%s", md)
			}
			page, err := archive.MarkdownPage([]byte(md))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, part := range strings.Split(string(page), `<a href="`)[1:] {
				href, _, _ := strings.Cut(part, `"`)
				got = append(got, html.UnescapeString(href))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("links %q, want %q\nMarkdown:\n%s\npage:\n%s", got, tc.want, md, page)
			}
			for _, bad := range []string{"<script", "<em", "<here>", "<ol"} {
				if strings.Contains(string(page), bad) {
					t.Errorf("rendered Markdown holds %s:\n%s", bad, page)
				}
			}
		})
	}
}

// TestMarkdownFrontMatter: the title of a front matter becomes the page's
// <title>, escaped; what only looks like a front matter stays text.
func TestMarkdownFrontMatter(t *testing.T) {
	for _, tc := range []struct {
		name, md, title, text string
	}{
		{"exported", "---\ntitle: \"A </title><script>x</script> \\\"title\\\"\"\n---\n\n# Policy\n\nText.\n",
			"<title>A &lt;/title&gt;&lt;script&gt;x&lt;/script&gt; &#34;title&#34;</title>", "<h1>Policy</h1>"},
		{"hand-written, other keys", "---\r\nlayout: page\r\ntitle: Terms\r\n...\r\nText.\n", "<title>Terms</title>", "<p>Text.</p>"},
		{"no title", "---\nlayout: page\n---\nText.\n", "", "<p>Text.</p>"},
		{"a thematic break and a setext heading", "---\nSome text\n---\nMore.\n", "", "<h2>Some text</h2>"},
		{"never closed", "---\ntitle: x\n\nText.\n", "", "title: x"},
		{"not at the start", "Text.\n---\ntitle: x\n---\n", "", "title: x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, err := archive.MarkdownPage([]byte(tc.md))
			if err != nil {
				t.Fatal(err)
			}
			head, body, _ := strings.Cut(string(page), "<main>")
			if tc.title == "" && strings.Contains(head, "<title>") || tc.title != "" && !strings.Contains(head, tc.title) {
				t.Errorf("head %q, want %q", head, tc.title)
			}
			if !strings.Contains(body, tc.text) {
				t.Errorf("body lacks %q:\n%s", tc.text, body)
			}
		})
	}
}
