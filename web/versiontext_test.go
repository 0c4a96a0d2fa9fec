package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestVersionPageShowsAHugeTextInPart: a page made to be huge (a body up
// to max_body, 20 MiB, nearly all text) made a version page of as many
// megabytes. The page shows the first 2 MiB of the text, whole lines,
// says how much it leaves out and links the whole text, which is still
// served in full.
func TestVersionPageShowsAHugeTextInPart(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Privacy Policy</title></head><body><main id="policy"><h1>Privacy Policy</h1>`)
	for i := 0; b.Len() < 3<<20; i++ {
		fmt.Fprintf(&b, "<p>Paragraph %06d: we collect your posts and share them with partners for advertising.</p>\n", i)
	}
	b.WriteString(`<p>The very last paragraph.</p></main></body></html>`)
	r := newRig(t, monitor.Watch{Name: "huge", Select: []string{"#policy"}})
	r.step(t, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), 200, []byte(b.String()), http.Header{"Content-Type": {"text/html; charset=utf-8"}})
	_, ts := r.server(t)

	page := string(mustGet(t, ts.URL+"/versions/1"))
	if len(page) > 3<<20 {
		t.Errorf("the version page is %d bytes, want the text shown up to 2 MiB", len(page))
	}
	if !strings.Contains(page, "Paragraph 000000:") {
		t.Error("the page does not show the text's start")
	}
	if strings.Contains(page, "The very last paragraph.") {
		t.Error("the page shows the text's end, past 2 MiB")
	}
	if !strings.Contains(page, `more characters, left out of this page: <a href="/versions/1/text">the whole text</a>`) {
		t.Errorf("the page does not say what it leaves out nor link the whole text:\n%s", page[max(0, len(page)-2000):])
	}
	whole := string(mustGet(t, ts.URL+"/versions/1/text"))
	if !strings.Contains(whole, "The very last paragraph.") {
		t.Error("the whole text lost its end")
	}

	// A policy of the usual size is shown whole, with no such note.
	r2 := newRig(t, monitor.Watch{Name: "usual", Select: []string{"#policy"}})
	short := `<!DOCTYPE html><html lang="en"><head><title>P</title></head><body><main id="policy"><h1>P</h1>` +
		strings.Repeat("<p>We collect your posts and share them with partners for advertising, and we keep them for as long as your account exists.</p>", 8) +
		`<p>The last paragraph of a short policy, long enough to be read as one.</p></main></body></html>`
	r2.step(t, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), 200, []byte(short), http.Header{"Content-Type": {"text/html; charset=utf-8"}})
	_, ts2 := r2.server(t)
	if page := string(mustGet(t, ts2.URL+"/versions/1")); !strings.Contains(page, "The last paragraph of a short policy") || strings.Contains(page, "left out of this page") {
		t.Error("a short policy's page is not shown whole")
	}
}
