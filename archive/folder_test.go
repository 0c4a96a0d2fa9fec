package archive_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/policywatch/policywatch/archive"
	"github.com/policywatch/policywatch/monitor"
)

func TestOpenFolderDatesFromNames(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"2025-05-28.html":                 "2025-05-28T00:00:00Z",
		"2025-05-28T00-30-00Z.html":       "2025-05-28T00:30:00Z",
		"2025-05-28T00:45:10+02:00.md":    "2025-05-27T22:45:10Z",
		"2025-06-01T10-00-00.5Z-v3.htm":   "2025-06-01T10:00:00.5Z",
		"2025-06-02_1200 policy.markdown": "2025-06-02T12:00:00Z",
		"2024-01-01T00-00-00-0500.html":   "2024-01-01T05:00:00Z",
	}
	for name := range files {
		writeFile(t, dir, name, []byte("<p>x</p>"))
	}
	for _, name := range []string{"README.md", "index.html", "2025-05-28.pdf", ".hidden.html"} {
		writeFile(t, dir, name, []byte("x"))
	}
	writeFile(t, dir, "sub/2025-01-01.html", []byte("x")) // subfolders are not read

	src, err := archive.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	var prev time.Time
	for _, s := range src.Snapshots {
		got[s.Name] = s.Time.Format(time.RFC3339Nano)
		if s.Time.Before(prev) {
			t.Errorf("%s listed after a later snapshot", s.Name)
		}
		prev = s.Time
		if s.Time.Location() != time.UTC {
			t.Errorf("%s: time in %v, want UTC", s.Name, s.Time.Location())
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(files) {
		t.Errorf("snapshots:\n got %v\nwant %v", got, files)
	}
	if want := "[2025-05-28.pdf README.md index.html]"; fmt.Sprint(src.Ignored) != want {
		t.Errorf("ignored %v, want %v", src.Ignored, want)
	}
	for _, s := range src.Snapshots {
		wantFormat := archive.HTML
		if strings.HasSuffix(s.Name, ".md") || strings.HasSuffix(s.Name, ".markdown") {
			wantFormat = archive.Markdown
		}
		if s.Format != wantFormat {
			t.Errorf("%s: format %v, want %v", s.Name, s.Format, wantFormat)
		}
	}
}

func TestOpenFolderManifest(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a/one.html", []byte("one"))
	writeFile(t, dir, "two.md", []byte("two"))
	writeFile(t, dir, "2020-01-01.html", []byte("not listed, so not read"))
	writeFile(t, dir, archive.ManifestName, []byte(
		"note\ttime\tpath\n"+
			"later\t2025-02-01T00:00:00Z\ttwo.md\n"+
			"\n"+
			"first\t2025-01-01T12:00:00+01:00\ta/one.html\n"+
			"again\t2025-03-01T00:00:00Z\ta/one.html\n"))
	src, err := archive.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range src.Snapshots {
		data, err := s.Read(context.Background(), 100)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s %s %s", s.Time.Format(time.RFC3339), s.Name, s.Format, data))
	}
	want := []string{
		"2025-01-01T11:00:00Z a/one.html html one",
		"2025-02-01T00:00:00Z two.md markdown two",
		"2025-03-01T00:00:00Z a/one.html html one",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("snapshots:\n got %q\nwant %q", got, want)
	}
}

func TestOpenFolderErrors(t *testing.T) {
	cases := []struct {
		name, manifest, want string
	}{
		{"no header", "one.html\t2025-01-01T00:00:00Z\n", "manifest.tsv:1: the header must name the columns path and time"},
		{"bad time", "path\ttime\none.html\t2025-01-01\n", "manifest.tsv:2: time \"2025-01-01\": want RFC 3339"},
		{"escapes", "path\ttime\n../secret.html\t2025-01-01T00:00:00Z\n", "manifest.tsv:2: path \"../secret.html\" must be a relative path inside the folder"},
		{"absolute", "path\ttime\n/etc/passwd.html\t2025-01-01T00:00:00Z\n", "must be a relative path"},
		{"format", "path\ttime\n\none.pdf\t2025-01-01T00:00:00Z\n", "manifest.tsv:3: \"one.pdf\" is neither HTML"},
		{"columns", "path\tnote\ttime\none.html\n", "manifest.tsv:2: 1 columns"},
		{"empty", "path\ttime\n", "no snapshot listed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, archive.ManifestName, []byte(c.manifest))
			_, err := archive.OpenFolder(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	t.Run("no dates", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "policy.html", []byte("x"))
		if _, err := archive.OpenFolder(dir); err == nil || !strings.Contains(err.Error(), "no manifest.tsv") {
			t.Errorf("error %v, want one saying the folder has no manifest and no dated file", err)
		}
	})
	t.Run("not a folder", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "f.html", []byte("x"))
		if _, err := archive.OpenFolder(filepath.Join(dir, "f.html")); err == nil || !strings.Contains(err.Error(), "not a folder") {
			t.Errorf("error %v", err)
		}
	})
}

// TestOpenFolderErrorQuotesShortened: a manifest's line quoted in an error
// is cut at a byte bound, never inside a character, so that the message
// stays readable text (%q would show the halves as \x escapes).
func TestOpenFolderErrorQuotesShortened(t *testing.T) {
	dir := t.TempDir()
	// "../" then two-byte characters: the 200th byte is the second half
	// of one, which the quote leaves out whole.
	path := "../" + strings.Repeat("é", 150) + ".html"
	writeFile(t, dir, archive.ManifestName, []byte("path\ttime\n"+path+"\t2025-01-01T00:00:00Z\n"))
	_, err := archive.OpenFolder(dir)
	if err == nil {
		t.Fatal("a path outside the folder accepted")
	}
	want := `path "../` + strings.Repeat("é", 98) + `…" must be a relative path`
	if msg := err.Error(); !strings.Contains(msg, want) || !utf8.ValidString(msg) || strings.Contains(msg, `\x`) {
		t.Errorf("error %q, want one containing %q", msg, want)
	}
}

func TestSnapshotReadLimit(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "2025-01-01.html", []byte(strings.Repeat("x", 101)))
	src, err := archive.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Snapshots[0].Read(context.Background(), 100); !errors.Is(err, archive.ErrTooLarge) {
		t.Errorf("read of 101 bytes with a limit of 100: %v, want ErrTooLarge", err)
	}
	if data, err := src.Snapshots[0].Read(context.Background(), 101); err != nil || len(data) != 101 {
		t.Errorf("read with a limit of 101: %d bytes, %v", len(data), err)
	}
}

// TestImportFolder imports a folder of dated pages through the monitor's
// path: events where the text changed, none where only markup did, each
// dated at its file's date and marked imported; an error page opens an
// anomaly episode; a Markdown snapshot of the same text as the HTML
// version before it is no change.
func TestImportFolder(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "2025-01-01.html", policyPage("1", 1))
	writeFile(t, dir, "2025-01-02.html", policyPage("1", 2)) // markup only
	writeFile(t, dir, "2025-02-01T08-00-00Z.html", policyPage("2", 3, "We may use public posts to train artificial intelligence models."))
	writeFile(t, dir, "2025-02-02.html", []byte(`<html><body><div id="policy"><h1>Something went wrong</h1><p>Sorry, something went wrong. We're working on it.</p></div></body></html>`))
	writeFile(t, dir, "2025-02-03.html", policyPage("1", 4)) // back to the first text
	src, err := archive.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t)
	var progress []string
	r.importer.Progress = func(p archive.Progress) {
		var events []monitor.Event
		if p.Result != nil {
			events = p.Result.Events
		}
		progress = append(progress, fmt.Sprintf("%d/%d %s %v", p.Done, p.Total, p.Snapshot.Name, kinds(events)))
	}
	res := r.importSource(t, testWatch, src)
	if res.Imported != 5 || res.Skipped != 0 {
		t.Errorf("imported %d, skipped %d", res.Imported, res.Skipped)
	}
	wantProgress := []string{
		"1/5 2025-01-01.html [baseline]",
		"2/5 2025-01-02.html []",
		"3/5 2025-02-01T08-00-00Z.html [change]",
		"4/5 2025-02-02.html [anomaly]",
		"5/5 2025-02-03.html [recovered revert]",
	}
	if fmt.Sprint(progress) != fmt.Sprint(wantProgress) {
		t.Errorf("progress:\n got %q\nwant %q", progress, wantProgress)
	}
	events := r.events(t, testWatch.Name)
	wantTimes := []string{"2025-01-01T00:00:00Z", "2025-02-01T08:00:00Z", "2025-02-02T00:00:00Z", "2025-02-03T00:00:00Z", "2025-02-03T00:00:00Z"}
	for i, e := range events {
		if !e.Imported {
			t.Errorf("event %d (%s) not marked imported", e.ID, e.Kind)
		}
		if i < len(wantTimes) && e.Time.Format(time.RFC3339) != wantTimes[i] {
			t.Errorf("event %d (%s) dated %s, want %s", e.ID, e.Kind, e.Time.Format(time.RFC3339), wantTimes[i])
		}
	}
	if len(events) != len(wantTimes) {
		t.Errorf("%d events, want %d", len(events), len(wantTimes))
	}
	if e := events[1]; e.Analysis == nil || e.WordsAdded == 0 {
		t.Errorf("change event without analysis or word counts: %+v", e)
	}
	// The raw body is kept, with where it came from.
	checks, err := r.db.Checks(context.Background(), testWatch.Name, 0)
	if err != nil {
		t.Fatal(err)
	}
	body, err := r.db.Body(context.Background(), checks[len(checks)-1].BodyID)
	if err != nil {
		t.Fatal(err)
	}
	if string(body.Data) != string(policyPage("1", 1)) || body.Header.Get("X-Policywatch-Imported-From") != "2025-01-01.html" {
		t.Errorf("first body: %q from %q", body.Data[:40], body.Header.Get("X-Policywatch-Imported-From"))
	}
	if checks[0].Fetcher != "import" {
		t.Errorf("check fetcher %q, want import", checks[0].Fetcher)
	}

	// Markdown of the current text (the first version) is no change, even
	// though the watch's selector (#policy) is nowhere in it.
	writeFile(t, dir, "2025-03-01.md", []byte("# Privacy Policy\n\nVersion 1.\n\n"+strings.Join(policyParagraphs, "\n\n")+"\n"))
	writeFile(t, dir, "2025-03-02.md", []byte("# Privacy Policy\n\nVersion 1.\n\n"+strings.Join(policyParagraphs, "\n\n")+"\n\nWe now sell your data to *data brokers*.\n"))
	src, err = archive.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	progress = nil
	res = r.importSource(t, testWatch, src)
	if res.Imported != 2 || res.Skipped != 5 {
		t.Errorf("second import: imported %d, skipped %d; want 2 and 5", res.Imported, res.Skipped)
	}
	if want := "[1/7 2025-01-01.html [] 2/7 2025-01-02.html [] 3/7 2025-02-01T08-00-00Z.html [] 4/7 2025-02-02.html [] 5/7 2025-02-03.html [] 6/7 2025-03-01.md [] 7/7 2025-03-02.md [change]]"; fmt.Sprint(progress) != want {
		t.Errorf("second import progress:\n got %v\nwant %v", progress, want)
	}
	v, err := r.db.LatestVersion(context.Background(), testWatch.Name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(v.Text, "We now sell your data to data brokers.") {
		t.Errorf("latest text from Markdown:\n%s", v.Text)
	}
}

// TestImportResumes stops an import half way (as a killed process would)
// and runs it again: the result is the same as one import in one go.
func TestImportResumes(t *testing.T) {
	dir := t.TempDir()
	for i := range 6 {
		writeFile(t, dir, fmt.Sprintf("2025-01-%02d.html", i+1), policyPage(fmt.Sprint(i/2), i))
	}
	src, err := archive.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	whole := newRig(t)
	whole.importSource(t, testWatch, src)

	r := newRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	r.importer.Progress = func(p archive.Progress) {
		if p.Done == 3 {
			cancel()
		}
	}
	res, err := r.importer.Import(ctx, testWatch, src)
	if !errors.Is(err, context.Canceled) || res.Imported != 3 {
		t.Fatalf("interrupted import: %d imported, error %v", res.Imported, err)
	}
	r.importer.Progress = nil
	res = r.importSource(t, testWatch, src)
	if res.Imported != 3 || res.Skipped != 3 {
		t.Errorf("resumed import: imported %d, skipped %d; want 3 and 3", res.Imported, res.Skipped)
	}
	got, want := r.events(t, testWatch.Name), whole.events(t, testWatch.Name)
	summary := func(es []monitor.Event) string {
		var b strings.Builder
		for _, e := range es {
			fmt.Fprintf(&b, "%s %s v%d;", e.Time.Format(time.DateOnly), e.Kind, e.Version)
		}
		return b.String()
	}
	if summary(got) != summary(want) {
		t.Errorf("resumed import events:\n got %s\nwant %s", summary(got), summary(want))
	}
}

// TestImportSkipsOlderThanLastCheck: snapshots older than the watch's last check
// are skipped, not interleaved into the history.
func TestImportSkipsOlderThanLastCheck(t *testing.T) {
	r := newRig(t)
	dir := t.TempDir()
	writeFile(t, dir, "2025-01-01.html", policyPage("1", 1))
	src, err := archive.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	later := &monitor.Body{Data: policyPage("1", 0), ContentType: "text/html", URL: testWatch.URL, Status: 200, FetchedAt: mustTime(t, "2025-06-01T00:00:00Z")}
	if _, err := r.checker.Ingest(context.Background(), testWatch, later); err != nil {
		t.Fatal(err)
	}
	res := r.importSource(t, testWatch, src)
	if res.Imported != 0 || res.Skipped != 1 || !res.LastCheck.Equal(later.FetchedAt) {
		t.Errorf("imported %d, skipped %d, last check %s", res.Imported, res.Skipped, res.LastCheck)
	}
}

func TestImportTooLarge(t *testing.T) {
	r := newRig(t)
	r.importer.MaxBody = 100
	dir := t.TempDir()
	writeFile(t, dir, "2025-01-01.html", policyPage("1", 1))
	src, err := archive.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.importer.Import(context.Background(), testWatch, src); !errors.Is(err, archive.ErrTooLarge) || !strings.Contains(err.Error(), "2025-01-01.html") {
		t.Errorf("error %v, want ErrTooLarge naming the file", err)
	}
}
