package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestLeftOutStatementsLinkTheEventInTheAPI: a change that quotes more
// statements than its page shows says "… and N more (see the API)"; the
// link leads to that event's own entry, with all its statements, not to
// the first page of every event of the history, which on a history of more
// than a hundred events does not hold it.
func TestLeftOutStatementsLinkTheEventInTheAPI(t *testing.T) {
	filler := strings.Repeat("<p>This policy explains how the service works, what it keeps and for how long, and how you can reach us with questions about it.</p>\n", 20)
	page := func(extra string) []byte {
		return []byte(`<!DOCTYPE html><html lang="en"><head><title>Example Privacy Policy</title></head><body><main id="policy">
<h1>Example Privacy Policy</h1>
<p>We collect the posts and comments you share, and we use them to provide our services.</p>
` + filler + extra + `</main></body></html>`)
	}
	var added strings.Builder
	places := []string{"Paris", "Lyon", "Nantes", "Lille", "Brest", "Dijon", "Tours", "Nice", "Metz"}
	for i := range 50 {
		fmt.Fprintf(&added, "<p>When you visit %s on day %d, we collect your precise location and use it to show you ads.</p>\n", places[i%len(places)], i+1)
	}
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	header := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	at := time.Date(2025, 1, 6, 12, 0, 0, 0, time.UTC)
	r.step(t, at, 200, page(""), header)
	// A long history before the change: fetch errors and recoveries, two
	// events a cycle.
	for range 55 {
		at = at.Add(6 * time.Hour)
		r.step(t, at, 500, []byte("down"), nil)
		at = at.Add(6 * time.Hour)
		r.step(t, at, 200, page(""), header)
	}
	at = at.Add(6 * time.Hour)
	change := eventOf(t, r.step(t, at, 200, page(added.String()), header), monitor.KindChange)
	if change.ID <= 100 {
		t.Fatalf("the change is event %d; the test wants it past the API's first page of 100", change.ID)
	}
	if change.Analysis == nil || len(change.Analysis.Statements) <= 40 {
		t.Fatalf("the change quotes %d statements; the test wants more than the page shows", len(change.Analysis.Statements))
	}
	_, ts := r.server(t)
	html := string(mustGet(t, fmt.Sprintf("%s/events/%d", ts.URL, change.ID)))
	m := regexp.MustCompile(`… and \d+ more statements \(see the diff below, or the <a href="([^"]+)">API</a>\)`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("the event page does not say how many statements it leaves out, with a link to the API")
	}
	link := strings.ReplaceAll(m[1], "&amp;", "&")
	var events []struct {
		ID         int64             `json:"id"`
		Statements []json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal(mustGet(t, ts.URL+link), &events); err != nil {
		t.Fatalf("GET %s: %v", link, err)
	}
	if len(events) == 0 || events[0].ID != change.ID || len(events[0].Statements) != len(change.Analysis.Statements) {
		ids := make([]int64, len(events))
		for i, e := range events {
			ids[i] = e.ID
		}
		t.Fatalf("the link %s leads to events %v, not to event %d with its %d statements", link, ids, change.ID, len(change.Analysis.Statements))
	}
	// Uses left out, when there are, send to the same place.
	for _, more := range regexp.MustCompile(`… and \d+ more \(see the <a href="([^"]+)">API</a>\)`).FindAllStringSubmatch(html, -1) {
		if more[1] != m[1] {
			t.Errorf("the uses left out link %q, want %q", more[1], m[1])
		}
	}
}
