package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/web"
)

// TestTablesAreLabelled: every table of the web view has a name a screen
// reader announces when it lists or enters the tables of a page — a
// caption, or a heading (or a summary) named by aria-labelledby — not
// only the diff's.
func TestTablesAreLabelled(t *testing.T) {
	r, _ := examplePolicy(t)
	_, ts := r.server(t)
	// The same history with "example" no longer configured: its table
	// is the overview's second, "No longer watched".
	_, retired := r.server(t, web.WithWatches([]monitor.Watch{{Name: "other", URL: "https://example.org/policy"}}))
	table := regexp.MustCompile(`(?s)<table([^>]*)>(.*?)</table>`)
	labelledBy := regexp.MustCompile(`aria-labelledby="([^"]+)"`)
	for _, url := range []string{ts.URL + "/", retired.URL + "/", ts.URL + "/watches/example", ts.URL + "/events/2", ts.URL + "/versions/2"} {
		html := string(mustGet(t, url))
		tables := table.FindAllStringSubmatch(html, -1)
		if len(tables) == 0 {
			t.Errorf("%s: no table", url)
		}
		for _, tb := range tables {
			attrs, inner := tb[1], tb[2]
			if strings.HasPrefix(strings.TrimSpace(inner), "<caption>") {
				continue
			}
			m := labelledBy.FindStringSubmatch(attrs)
			if m == nil {
				t.Errorf("%s: table%s has neither a caption nor aria-labelledby", url, attrs)
				continue
			}
			if !regexp.MustCompile(`<(h[1-6]|summary) id="` + regexp.QuoteMeta(m[1]) + `">[^<]+</(h[1-6]|summary)>`).MatchString(html) {
				t.Errorf("%s: table%s names no heading of the page", url, attrs)
			}
		}
	}
}
