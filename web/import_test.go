package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/archive"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/web"
)

// archivedPolicy is a policy as archives keep it in Markdown: the text
// only, without the page around it.
const archivedPolicy = `# Example Privacy Policy

Effective January 2, 2025

## What information do we collect?

We collect the content you create, such as posts, comments and audio, and information about your device, such as its operating system and IP address.

- Your activity and the information you provide.
- Information about your friends, followers and other connections.

## How do we use your information?

We use information to provide, personalise and improve our products, including to show you ads that may interest you.

We use information to promote safety, integrity and security on and off our products.

## Your rights

You have the right to access, rectify, port and erase your information, and to object to our processing of your information.
`

// importedHistory backfills the example watch from a folder, as
// `policywatch import` does — a Markdown snapshot (the baseline), then an
// HTML one (a change) — and then lets a live check fetch the page, served
// with a header that claims an import, which must not be believed. It
// returns the rig and the HTML file's bytes.
func importedHistory(t *testing.T) (*rig, []byte) {
	t.Helper()
	html := fixture(t, "policy-v1.html")
	v2 := fixture(t, "policy-v2.html")
	r := importSnapshots(t, map[string][]byte{"2025-01-02.md": []byte(archivedPolicy), "2025-03-01.html": html})
	r.step(t, time.Date(2025, 5, 28, 12, 31, 8, 0, time.UTC), 200, v2, http.Header{
		"Content-Type": {"text/html; charset=utf-8"}, "X-Policywatch-Imported-From": {"forged.html"},
	})
	return r, html
}

// importSnapshots backfills the example watch of a new rig from a folder
// of the files given, as policywatch import does, and returns the rig.
func importSnapshots(t *testing.T, files map[string][]byte) *rig {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	src, err := archive.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	im := &archive.Importer{Ingester: r.Checker, States: r.DB}
	if res, err := im.Import(context.Background(), r.Watch, src); err != nil || res.Imported != len(files) {
		t.Fatalf("import: %+v, %v", res, err)
	}
	return r
}

// TestImportedVersionsSayTheyWereNotFetched: the pages and the evidence
// bundle of a version imported from an archive say so and name the
// archived file, and claim no request, status or response header, which
// policywatch never saw; a fetched version still shows its response.
func TestImportedVersionsSayTheyWereNotFetched(t *testing.T) {
	r, html := importedHistory(t)
	_, ts := r.server(t)

	const notFetched = "not fetched by policywatch"
	for _, c := range []struct {
		path        string
		want, never []string
	}{
		{"/versions/1", []string{"Imported from <code><bdi>2025-01-02.md</bdi></code> (an archive)", notFetched,
			"HTML that policywatch rendered from that Markdown file", "Where it came from", "Imported body (download)"},
			[]string{"How it was fetched", "Status</dt>", "Requested</dt>", "Raw response", "Response header"}},
		{"/versions/2", []string{"Imported from <code><bdi>2025-03-01.html</bdi></code> (an archive)", notFetched, "the archived file's bytes"},
			[]string{"How it was fetched", "Status</dt>", "rendered from", "Raw response"}},
		{"/versions/3", []string{"How it was fetched", "Status</dt><dd>200</dd>", "Raw response (download)", "forged.html"},
			[]string{"Imported from", notFetched}},
		{"/events/1", []string{"Imported from <code><bdi>2025-01-02.md</bdi></code> (an archive)", notFetched}, nil},
		{"/events/2", []string{"Imported from <code><bdi>2025-03-01.html</bdi></code> (an archive)", notFetched}, nil},
		{"/events/3", nil, []string{"Imported from", notFetched}},
		{"/watches/example", []string{"imported from an archive, " + notFetched, "imported from an archive, not fetched</span>",
			`<a href="/versions/1">1</a> <span class="imported">imported</span>`, `<a href="/versions/2">2</a> <span class="imported">imported</span>`},
			[]string{`<a href="/versions/3">3</a> <span class="imported">`, "the live page not checked yet"}},
		// The last check fetched the page (its forged header claims an
		// import, and is not believed).
		{"/", nil, []string{"(imported)"}},
		{"/api/watches", []string{`"last_check": "2025-05-28T12:31:08Z"`}, []string{"last_check_imported"}},
	} {
		resp, body := get(t, ts.URL+c.path)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", c.path, resp.StatusCode)
		}
		for _, want := range c.want {
			if !strings.Contains(string(body), want) {
				t.Errorf("GET %s lacks %q", c.path, want)
			}
		}
		for _, never := range c.never {
			if strings.Contains(string(body), never) {
				t.Errorf("GET %s says %q", c.path, never)
			}
		}
	}
	if n := strings.Count(string(mustGet(t, ts.URL+"/watches/example")), "imported from an archive, "+notFetched); n != 2 {
		t.Errorf("the timeline marks %d events imported, want the 2 imported ones", n)
	}

	for _, c := range []struct {
		id                      int64
		from, format, readmeHas string
		body                    []byte // nil: not checked
	}{
		{1, "2025-01-02.md", "markdown", "HTML that policywatch rendered from the archived\n                             Markdown file", nil},
		{2, "2025-03-01.html", "html", "the archived file, byte for byte", html},
	} {
		url := fmt.Sprintf("%s/versions/%d/evidence.zip", ts.URL, c.id)
		_, bundle := get(t, url)
		files := unzip(t, bundle)
		if _, ok := files["response-headers.txt"]; ok {
			t.Errorf("version %d: the bundle has a response-headers.txt, of a response nobody saw", c.id)
		}
		if _, ok := files["response-body.bin"]; ok {
			t.Errorf("version %d: the bundle calls the imported body a response", c.id)
		}
		got, ok := files["imported-body.bin"]
		if !ok || c.body != nil && string(got) != string(c.body) {
			t.Errorf("version %d: imported-body.bin (%d bytes, present %v) is not the archived file", c.id, len(got), ok)
		}
		readme := string(files["README.txt"])
		for _, want := range []string{"NOT fetched by policywatch", "policywatch import", "    " + c.from + "\n", c.readmeHas, "no status line or response header"} {
			if !strings.Contains(readme, want) {
				t.Errorf("version %d: README.txt lacks %q:\n%s", c.id, want, readme)
			}
		}
		if strings.Contains(readme, "as the server sent it") {
			t.Errorf("version %d: README.txt says the server sent it:\n%s", c.id, readme)
		}
		var m web.Manifest
		if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
			t.Fatal(err)
		}
		if m.Format != web.EvidenceImportedFormat || m.Response != nil || m.Import == nil ||
			m.Import.From != c.from || m.Import.SourceFormat != c.format || m.Import.PageURL != r.Watch.URL ||
			m.Import.BodySHA256 != hexSHA256(got) || m.Import.ImportedBy != "policywatch import" {
			t.Errorf("version %d: manifest %s", c.id, files["manifest.json"])
		}
		for _, never := range []string{`"status"`, `"request_url"`, `"fetched_by"`} {
			if strings.Contains(string(files["manifest.json"]), never) {
				t.Errorf("version %d: manifest.json has %s", c.id, never)
			}
		}
		if len(m.Files) != len(files)-2 {
			t.Errorf("version %d: manifest lists %d files, the bundle holds %d besides the manifest and SHA256SUMS", c.id, len(m.Files), len(files)-2)
		}
	}
	// The live check's body, even with the header of an import, is a
	// response.
	files := unzip(t, mustGet(t, ts.URL+"/versions/3/evidence.zip"))
	if h := string(files["response-headers.txt"]); !strings.HasPrefix(h, "HTTP/1.1 200 OK\r\n") {
		t.Errorf("fetched version: response-headers.txt %q", h)
	}
	if resp, _ := get(t, ts.URL+"/versions/1/raw"); !strings.Contains(resp.Header.Get("Content-Disposition"), "example-version-1-imported-body.bin") {
		t.Errorf("imported body downloaded as %q", resp.Header.Get("Content-Disposition"))
	}
}

// eventsReader is a history that records the filters of the events read
// from it.
type eventsReader struct {
	web.Reader
	mu      sync.Mutex
	filters []monitor.EventFilter
}

func (r *eventsReader) Events(ctx context.Context, f monitor.EventFilter) ([]monitor.Event, error) {
	r.mu.Lock()
	r.filters = append(r.filters, f)
	r.mu.Unlock()
	return r.Reader.Events(ctx, f)
}

// TestTimelineReadsOnePageOfEvents: a timeline reads the page of events it
// shows and no more; which of its versions were imported it asks the
// history, instead of reading every baseline and change ever recorded.
func TestTimelineReadsOnePageOfEvents(t *testing.T) {
	r, _ := importedHistory(t)
	reader := &eventsReader{Reader: r.DB}
	s, err := web.New(web.Config{}, reader, web.WithLogger(quiet()), web.WithNotFound(store.ErrNotFound),
		web.WithWatches([]monitor.Watch{r.Watch}), web.WithClock(r.Clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	body := string(mustGet(t, ts.URL+"/watches/example"))
	for _, want := range []string{`<a href="/versions/1">1</a> <span class="imported">imported</span>`, `<a href="/versions/2">2</a> <span class="imported">imported</span>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the timeline lacks %q", want)
		}
	}
	reader.mu.Lock()
	defer reader.mu.Unlock()
	if len(reader.filters) != 1 || reader.filters[0].Limit == 0 || reader.filters[0].Watch != "example" {
		t.Errorf("the timeline read events %d times, %+v; want once, one page of the watch's", len(reader.filters), reader.filters)
	}
}

// TestOnlyImportedSaysTheLivePageWasNotChecked: a watch whose last check
// read an archive's snapshot says so wherever its last check is shown.
func TestOnlyImportedSaysTheLivePageWasNotChecked(t *testing.T) {
	r := importSnapshots(t, map[string][]byte{"2025-01-02.md": []byte(archivedPolicy)})
	_, ts := r.server(t)
	for path, want := range map[string]string{
		"/":                `<span class="muted">(imported)</span>`,
		"/watches/example": "(imported from an archive; the live page not checked yet)",
		"/api/watches":     `"last_check_imported": true`,
	} {
		if body := string(mustGet(t, ts.URL+path)); !strings.Contains(body, want) {
			t.Errorf("GET %s lacks %q", path, want)
		}
	}
}
