package notify_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/notify"
)

type atomFeed struct {
	ID      string `xml:"id"`
	Title   string `xml:"title"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Link    struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content string `xml:"content"`
	} `xml:"entry"`
}

func getFeed(t *testing.T, url, etag string) (int, *atomFeed, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, resp.Header.Get("ETag")
	}
	var f atomFeed
	if err := xml.Unmarshal(body, &f); err != nil {
		t.Fatalf("%s: %v\n%s", url, err, body)
	}
	return resp.StatusCode, &f, resp.Header.Get("ETag")
}

// TestFeeds: every change, per watch and per minimum severity, newest
// first, with the summary, dates, quotes and an excerpt; revalidation by
// ETag; unknown feeds are 404.
func TestFeeds(t *testing.T) {
	r := newRig(t)
	svc := r.service(notify.Config{BaseURL: "https://pw.example"}, nil)
	web := httptest.NewServer(svc.Handler())
	t.Cleanup(web.Close)

	r.checkAs("nimbus", "policy-v1.html", t0)
	r.checkAs("nimbus", "policy-v2-ai.html", t0.Add(time.Hour))  // critical
	r.checkAs("other", "policy-v2-ai.html", t0.Add(2*time.Hour)) // baseline
	r.checkAs("other", "policy-v3-date.html", t0.Add(3*time.Hour))
	r.checkAs("other", errorPage, t0.Add(4*time.Hour)) // an anomaly: not in feeds

	_, all, etag := getFeed(t, web.URL+"/feeds/all.atom", "")
	if len(all.Entries) != 4 {
		t.Fatalf("all: %d entries, want 4", len(all.Entries))
	}
	if all.ID != "https://pw.example/feeds/all.atom" || all.Entries[0].ID != "https://pw.example/events/4" ||
		all.Entries[0].Link.Href != "https://pw.example/events/4" || all.Entries[0].Updated != "2026-05-12T12:00:00Z" {
		t.Errorf("ids, links or dates: %+v", all)
	}
	if all.Entries[1].Title != "other was captured for the first time (info)" || all.Entries[2].Title != "nimbus changed (critical)" {
		t.Errorf("titles: %q / %q", all.Entries[1].Title, all.Entries[2].Title)
	}
	critical := all.Entries[2].Content
	for _, want := range []string{"Purpose added: AI training", "2026-05-27", "We use public posts and photos",
		`<a href="https://nimbus.example/object-ai">`, "Diff excerpt", "&#43; Effective May 27, 2026"} {
		if !strings.Contains(critical, want) {
			t.Errorf("critical entry lacks %q:\n%s", want, critical)
		}
	}

	if status, _, _ := getFeed(t, web.URL+"/feeds/all.atom", etag); status != http.StatusNotModified {
		t.Errorf("revalidation: %d, want 304", status)
	}
	_, other, _ := getFeed(t, web.URL+"/feeds/watch/other.atom", "")
	if len(other.Entries) != 2 || !strings.Contains(other.Entries[0].Title, "other") {
		t.Errorf("watch feed: %+v", other.Entries)
	}
	_, crit, _ := getFeed(t, web.URL+"/feeds/severity/critical.atom", "")
	_, crit2, _ := getFeed(t, web.URL+"/feeds/all.atom?min_severity=critical", "")
	if len(crit.Entries) != 1 || len(crit2.Entries) != 1 || crit.Entries[0].ID != "https://pw.example/events/2" {
		t.Errorf("critical feed: %+v / %+v", crit.Entries, crit2.Entries)
	}
	_, notable, _ := getFeed(t, web.URL+"/feeds/severity/notable.atom", "")
	if len(notable.Entries) != 2 {
		t.Errorf("notable feed: %d entries, want 2", len(notable.Entries))
	}
	for _, bad := range []string{"/feeds/", "/feeds/all", "/feeds/severity/urgent.atom", "/feeds/watch/.atom", "/feeds/all.atom?min_severity=x", "/feeds/watch/a/b.atom"} {
		if status, _, _ := getFeed(t, web.URL+bad, ""); status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, status)
		}
	}

	// A new change makes a new feed.
	r.checkAs("nimbus", "policy-v3-date.html", t0.Add(5*time.Hour))
	status, again, etag2 := getFeed(t, web.URL+"/feeds/all.atom", etag)
	if status != http.StatusOK || len(again.Entries) != 5 || etag2 == etag {
		t.Errorf("after a change: %d, %d entries, etag %s (was %s)", status, len(again.Entries), etag2, etag)
	}
	// And without a base URL, ids are URNs.
	bare := r.service(notify.Config{}, nil)
	body, _, err := bare.Feed(context.Background(), "", "info", "t", "/feeds/all.atom")
	if err != nil || !strings.Contains(string(body), "<id>urn:policywatch:event:6</id>") ||
		!strings.Contains(string(body), "<id>urn:policywatch:feed:all.atom</id>") || strings.Contains(string(body), `href=""`) {
		t.Errorf("feed without base URL: %v\n%s", err, body)
	}
}

// TestFeedHoldsTheNewestChangesFoundByChecks: a feed is the newest 50
// changes, reverts and baselines that checks found, oldest of them last;
// events backfilled from an archive are history, not news, and stay out
// however new they are.
func TestFeedHoldsTheNewestChangesFoundByChecks(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	pages := []string{"policy-v1.html", "policy-v2-ai.html"}
	for i := range 60 { // a baseline, then a change or a revert each time
		r.checkAs("nimbus", pages[i%2], t0.Add(time.Duration(i)*time.Hour))
	}
	archived := r.watch
	archived.Name = "archived"
	for i, page := range []string{"policy-v1.html", "policy-v3-date.html"} {
		data, err := os.ReadFile(filepath.Join("testdata", page))
		if err != nil {
			t.Fatal(err)
		}
		body := &monitor.Body{Data: data, ContentType: "text/html; charset=utf-8", URL: "https://archive.example/" + page,
			Status: http.StatusOK, FetchedAt: t0.Add(time.Duration(100+i) * time.Hour)}
		if _, err := r.checker.Ingest(ctx, archived, body); err != nil {
			t.Fatal(err)
		}
	}
	found, err := r.db.Events(ctx, monitor.EventFilter{Watch: "nimbus"})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 60 {
		t.Fatalf("%d events recorded, want 60", len(found))
	}

	svc := r.service(notify.Config{BaseURL: "https://pw.example"}, nil)
	body, _, err := svc.Feed(ctx, "", monitor.SeverityInfo, "all", "/feeds/all.atom")
	if err != nil {
		t.Fatal(err)
	}
	var feed atomFeed
	if err := xml.Unmarshal(body, &feed); err != nil {
		t.Fatal(err)
	}
	if len(feed.Entries) != 50 {
		t.Fatalf("%d entries, want 50", len(feed.Entries))
	}
	for i, e := range feed.Entries {
		want := fmt.Sprintf("https://pw.example/events/%d", found[len(found)-1-i].ID)
		if e.ID != want {
			t.Fatalf("entry %d is %s, want %s (the newest found events, newest first)", i, e.ID, want)
		}
	}
	if strings.Contains(string(body), "archived") {
		t.Error("an event imported from an archive is in the feed")
	}
}

// TestFeedOfAnUnknownWatch: the feed of a watch that is neither configured
// nor in the history is not found, so that a mistyped name does not look
// like a policy that never changes; a configured watch not checked yet,
// and one removed from the configuration whose history remains, have
// feeds.
func TestFeedOfAnUnknownWatch(t *testing.T) {
	r := newRig(t)
	r.checkAs("retired", "policy-v1.html", t0) // in the history, no longer configured
	svc := r.service(notify.Config{}, nil, notify.WithWatches([]string{"nimbus", "fresh"}))
	web := httptest.NewServer(svc.Handler())
	t.Cleanup(web.Close)
	for _, c := range []struct {
		watch   string
		status  int
		entries int
	}{
		{"fresh", http.StatusOK, 0},   // configured, not checked yet
		{"retired", http.StatusOK, 1}, // its history is still there
		{"NOSUCH", http.StatusNotFound, 0},
		{"nimbu", http.StatusNotFound, 0},
	} {
		status, f, _ := getFeed(t, web.URL+"/feeds/watch/"+c.watch+".atom", "")
		if status != c.status {
			t.Errorf("%s: status %d, want %d", c.watch, status, c.status)
			continue
		}
		if f != nil && len(f.Entries) != c.entries {
			t.Errorf("%s: %d entries, want %d", c.watch, len(f.Entries), c.entries)
		}
	}
}
