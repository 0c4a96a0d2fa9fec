package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestTimelineListsTheNewestVersions: a watch's timeline lists its newest
// versions, not every version ever recorded — a page that changes at each
// check makes thousands, and its timeline megabytes — and says how many
// older ones it leaves out, with the way to them.
func TestTimelineListsTheNewestVersions(t *testing.T) {
	filler := strings.Repeat("<p>This policy explains how the service works, what it keeps and for how long, and how you can reach us with questions about it.</p>\n", 20)
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	header := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	at := time.Date(2025, 1, 6, 12, 0, 0, 0, time.UTC)
	const versions = 70
	for i := range versions {
		page := fmt.Sprintf(`<!DOCTYPE html><html lang="en"><head><title>Example</title></head><body><main id="policy">
<h1>Example Privacy Policy</h1>
<p>Edition number %d of this policy.</p>
%s</main></body></html>`, i+1, filler)
		r.step(t, at, 200, []byte(page), header)
		at = at.Add(24 * time.Hour)
	}
	_, ts := r.server(t)
	html := string(mustGet(t, ts.URL+"/watches/example"))
	table := between(html, `<table class="versions"`, `</table>`)
	rows := strings.Count(table, `<tr><th scope="row"><a href="/versions/`)
	if rows == 0 || rows >= versions {
		t.Fatalf("the timeline lists %d of %d versions; want the newest ones only", rows, versions)
	}
	if !strings.Contains(table, fmt.Sprintf(`<a href="/versions/%d">%d</a>`, versions, versions)) {
		t.Errorf("the newest version is not listed")
	}
	newestLeftOut := versions - rows
	want := fmt.Sprintf(`%d older versions are not listed here: from <a href="/versions/%d">version %d</a> on`, versions-rows, newestLeftOut, newestLeftOut)
	if !strings.Contains(html, want) {
		t.Errorf("the timeline does not say %q", want)
	}
	if !strings.Contains(html, fmt.Sprintf("<dt>Versions</dt><dd>%d", versions)) {
		t.Errorf("the timeline does not count every version")
	}
}
