package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestChangeViewOfAHugeChangeIsCut: a page can make a change of tens of
// thousands of lines (a helper's made one of 330,000: its view took 13 s,
// 700 MB and 134 MB of HTML). The change view shows its first 10,000
// lines, says how many changed lines it leaves out, and links the whole
// texts; the whole-text view is cut the same way.
func TestChangeViewOfAHugeChangeIsCut(t *testing.T) {
	page := func(changed bool) []byte {
		var b strings.Builder
		b.WriteString(`<!DOCTYPE html><html lang="en"><head><title>Policy</title></head><body><main id="policy"><h1>Privacy Policy</h1>`)
		for i := range 12000 {
			now := ""
			if changed && i%3 == 0 {
				now = " now"
			}
			fmt.Fprintf(&b, "<p>Sentence number %d about the data we collect%s.</p>\n", i, now)
		}
		b.WriteString(`</main></body></html>`)
		return []byte(b.String())
	}
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	t0 := time.Date(2026, 4, 23, 12, 0, 0, 0, time.UTC)
	header := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	r.step(t, t0, 200, page(false), header)
	r.step(t, t0.Add(24*time.Hour), 200, page(true), header)
	_, ts := r.server(t)
	events, err := r.DB.Events(context.Background(), monitor.EventFilter{Kinds: []monitor.EventKind{monitor.KindChange}})
	if err != nil || len(events) != 1 {
		t.Fatalf("events %v, %v; want one change", events, err)
	}
	e := events[0]
	for _, query := range []string{"", "?view=inline", "?context=all"} {
		_, body := get(t, fmt.Sprintf("%s/events/%d%s", ts.URL, e.ID, query))
		html := string(body)
		rows := strings.Count(html, "<tr")
		// 4,000 changed lines are 8,000 diff lines: the 10,000 shown end
		// in the changes (context 3 joins them all in one hunk; the whole
		// text has them too).
		note := "This diff is too long to show whole: its first 10000 lines are shown, and "
		texts := fmt.Sprintf(`<a href="/versions/%d/text">version %d</a> and <a href="/versions/%d/text">version %d</a>`,
			e.PreviousVersion, e.PreviousVersion, e.Version, e.Version)
		if !strings.Contains(html, note) || !strings.Contains(html, texts) {
			t.Errorf("%q: no note that the diff is cut, with the texts' links:\n%.3000s", query, html)
		}
		if rows > 10_100 || rows < 5000 || len(body) > 5<<20 {
			t.Errorf("%q: %d table rows, %d bytes: want the first 10,000 lines of the diff", query, rows, len(body))
		}
	}
}
