package notify_test

import (
	"cmp"
	"context"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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

// databaseID returns the database's part of a feed's id,
// "urn:policywatch:feed:<16 hex digits>:<rest>", failing the test when id
// is not of that form.
func databaseID(t *testing.T, id, rest string) string {
	t.Helper()
	db, ok := strings.CutPrefix(id, "urn:policywatch:feed:")
	db, ok2 := strings.CutSuffix(db, ":"+rest)
	if _, err := hex.DecodeString(db); !ok || !ok2 || err != nil || len(db) != 16 {
		t.Fatalf("feed id %q: want urn:policywatch:feed:<16 hex digits>:%s", id, rest)
	}
	return db
}

// entryID is the id of the feed entry of event id, recorded at at.
func entryID(id int64, at time.Time) string {
	return "urn:policywatch:event:" + strconv.FormatInt(id, 10) + "." + strconv.FormatInt(at.UnixNano(), 36)
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
	db := databaseID(t, all.ID, "all.atom")
	if all.Entries[0].ID != entryID(4, t0.Add(3*time.Hour)) ||
		all.Entries[0].Link.Href != "https://pw.example/events/4" || all.Entries[0].Updated != "2026-05-12T12:00:00Z" {
		t.Errorf("ids, links or dates: %+v", all)
	}
	if all.Entries[1].Title != "other: first capture of the policy (183 words) (info)" ||
		all.Entries[2].Title != "nimbus changed (+61/−2 words). Deadline none → 26 May 2026. Purpose added: AI training. AI training uses: Posts, Photos, Public content. … (critical)" {
		t.Errorf("titles: %q / %q", all.Entries[1].Title, all.Entries[2].Title)
	}
	critical := all.Entries[2].Content
	for _, want := range []string{"Purpose added: AI training", "3 Mar 2026 &rarr; <strong>27 May 2026</strong>", "We use public posts and photos",
		`<a href="https://nimbus.example/object-ai">`, "Diff excerpt",
		// The changed words marked, as in the emails.
		`&#43; Effective <ins style="background:#acf2bd;font-weight:bold;text-decoration:underline">May 27</ins>, 2026`} {
		if !strings.Contains(critical, want) {
			t.Errorf("critical entry lacks %q:\n%s", want, critical)
		}
	}

	// Revalidation, as RFC 9110 has it: the tag, weakened by a proxy that
	// compressed the feed, in a list, or any.
	for _, match := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		if status, _, _ := getFeed(t, web.URL+"/feeds/all.atom", match); status != http.StatusNotModified {
			t.Errorf("revalidation with If-None-Match: %s: %d, want 304", match, status)
		}
	}
	if status, _, _ := getFeed(t, web.URL+"/feeds/all.atom", `"other"`); status != http.StatusOK {
		t.Errorf("revalidation with another tag: %d, want 200", status)
	}
	_, other, _ := getFeed(t, web.URL+"/feeds/watch/other.atom", "")
	if len(other.Entries) != 2 || !strings.Contains(other.Entries[0].Title, "other") {
		t.Errorf("watch feed: %+v", other.Entries)
	}
	_, crit, _ := getFeed(t, web.URL+"/feeds/severity/critical.atom", "")
	_, crit2, _ := getFeed(t, web.URL+"/feeds/all.atom?min_severity=critical", "")
	if len(crit.Entries) != 1 || len(crit2.Entries) != 1 || crit.Entries[0].ID != entryID(2, t0.Add(time.Hour)) {
		t.Errorf("critical feed: %+v / %+v", crit.Entries, crit2.Entries)
	}
	// One feed, one id, however it is asked for.
	for path, id := range map[string]string{
		"/feeds/severity/CRITICAL.atom":        "urn:policywatch:feed:" + db + ":severity/critical.atom",
		"/feeds/all.atom?min_severity=info":    "urn:policywatch:feed:" + db + ":all.atom",
		"/feeds/all.atom?min_severity=NOTABLE": "urn:policywatch:feed:" + db + ":all.atom?min_severity=notable",
		"/feeds/watch/other.atom":              "urn:policywatch:feed:" + db + ":watch/other.atom",
	} {
		if _, f, _ := getFeed(t, web.URL+path, ""); f.ID != id {
			t.Errorf("%s: id %q, want %q", path, f.ID, id)
		}
	}
	_, notable, _ := getFeed(t, web.URL+"/feeds/severity/notable.atom", "")
	if len(notable.Entries) != 2 {
		t.Errorf("notable feed: %d entries, want 2", len(notable.Entries))
	}
	for _, bad := range []string{"/feeds/", "/feeds/all", "/feeds/severity/urgent.atom", "/feeds/watch/.atom", "/feeds/watch/a/b.atom"} {
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
	// And without a base URL, the feed's id is a URN too, and nothing links.
	bare := r.service(notify.Config{}, nil)
	body, _, err := bare.Feed(context.Background(), "", "info", "t", "/feeds/all.atom")
	if err != nil || !strings.Contains(string(body), "<id>"+entryID(6, t0.Add(5*time.Hour))+"</id>") ||
		!strings.Contains(string(body), "<id>urn:policywatch:feed:"+db+":all.atom</id>") || strings.Contains(string(body), `href=""`) {
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
		want := entryID(found[len(found)-1-i].ID, found[len(found)-1-i].Time)
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

// TestFeedEntryOfARevertSaysWhichText: the entry of a revert says which
// text came back by the day it was first seen, not by a version number
// alone; its <updated> stays RFC 3339.
func TestFeedEntryOfARevertSaysWhichText(t *testing.T) {
	r := newRig(t)
	svc := r.service(notify.Config{BaseURL: "https://pw.example"}, nil)
	web := httptest.NewServer(svc.Handler())
	t.Cleanup(web.Close)
	r.checkAs("nimbus", "policy-v2-ai.html", t0.AddDate(0, 0, -9)) // version 1, first seen on 3 May
	r.checkAs("nimbus", "policy-v3-date.html", t0)
	r.checkAs("nimbus", "policy-v2-ai.html", t0.Add(time.Hour)) // back to version 1

	_, f, _ := getFeed(t, web.URL+"/feeds/watch/nimbus.atom", "")
	if len(f.Entries) != 3 {
		t.Fatalf("%d entries, want 3", len(f.Entries))
	}
	e := f.Entries[0]
	if want := "nimbus: the text went back to the one first seen on 3 May 2026 (version 1, +2/−2 words). "; !strings.HasPrefix(e.Title, want) {
		t.Errorf("title %q, want it to start %q", e.Title, want)
	}
	if want := "went back to the text first seen on 3 May 2026 (version 1)"; !strings.Contains(e.Content, want) {
		t.Errorf("content lacks %q:\n%s", want, e.Content)
	}
	if strings.Contains(e.Title+e.Content, "went back to version") {
		t.Errorf("a version number alone:\n%s\n%s", e.Title, e.Content)
	}
	if e.Updated != "2026-05-12T10:00:00Z" {
		t.Errorf("updated %q, want RFC 3339", e.Updated)
	}
}

// atomDoc is an Atom document read with its namespace, as a validator
// reads it: elements outside the Atom namespace are not Atom's.
type atomDoc struct {
	XMLName xml.Name   `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string     `xml:"http://www.w3.org/2005/Atom id"`
	Title   string     `xml:"http://www.w3.org/2005/Atom title"`
	Updated string     `xml:"http://www.w3.org/2005/Atom updated"`
	Authors []atomName `xml:"http://www.w3.org/2005/Atom author"`
	Links   []atomRef  `xml:"http://www.w3.org/2005/Atom link"`
	Entries []struct {
		ID      string     `xml:"http://www.w3.org/2005/Atom id"`
		Title   string     `xml:"http://www.w3.org/2005/Atom title"`
		Updated string     `xml:"http://www.w3.org/2005/Atom updated"`
		Authors []atomName `xml:"http://www.w3.org/2005/Atom author"`
		Links   []atomRef  `xml:"http://www.w3.org/2005/Atom link"`
		Content *struct {
			Type string `xml:"type,attr"`
		} `xml:"http://www.w3.org/2005/Atom content"`
	} `xml:"http://www.w3.org/2005/Atom entry"`
}

type atomName struct {
	Name string `xml:"http://www.w3.org/2005/Atom name"`
}

type atomRef struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
	Href string `xml:"href,attr"`
}

// checkAtom checks what RFC 4287 requires of a feed and its entries
// (section 4.1): an id, a title and an RFC 3339 updated date on each; an
// author on the feed, since the entries carry none; content or an
// alternate link on each entry; no two entries with one id, and no two
// links with one rel and type. self is the rel="self" link the feed must
// have, "" when it must have none.
func checkAtom(t *testing.T, name string, body []byte, self string) *atomDoc {
	t.Helper()
	var d atomDoc
	if err := xml.Unmarshal(body, &d); err != nil {
		t.Fatalf("%s is not an Atom feed: %v\n%s", name, err, body)
	}
	date := func(what, s string) {
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			t.Errorf("%s: %s %q is not an RFC 3339 date", name, what, s)
		}
	}
	if d.ID == "" || d.Title == "" {
		t.Errorf("%s: feed id %q, title %q", name, d.ID, d.Title)
	}
	date("feed updated", d.Updated)
	if len(d.Authors) != 1 || d.Authors[0].Name == "" {
		t.Errorf("%s: feed authors %+v, want one with a name (its entries have none)", name, d.Authors)
	}
	links := map[string]string{}
	for _, l := range d.Links {
		rel := cmp.Or(l.Rel, "alternate")
		if _, dup := links[rel+" "+l.Type]; dup {
			t.Errorf("%s: two %s links of type %q", name, rel, l.Type)
		}
		links[rel+" "+l.Type] = l.Href
	}
	if got := links["self application/atom+xml"]; got != self {
		t.Errorf("%s: self link %q, want %q (links %+v)", name, got, self, d.Links)
	}
	ids := map[string]bool{}
	for i, e := range d.Entries {
		if e.ID == "" || e.Title == "" || ids[e.ID] {
			t.Errorf("%s: entry %d: id %q (repeated: %v), title %q", name, i, e.ID, ids[e.ID], e.Title)
		}
		ids[e.ID] = true
		date("entry updated", e.Updated)
		if len(e.Authors) > 0 {
			t.Errorf("%s: entry %d has its own author; the feed's is policywatch", name, i)
		}
		if e.Content == nil && len(e.Links) == 0 {
			t.Errorf("%s: entry %d has neither content nor a link", name, i)
		}
	}
	return &d
}

// TestFeedsAreValidAtom reads every kind of feed, with and without a base
// URL, as an Atom validator would; and checks that entries are told apart
// by their titles, which say what changed and how serious it is.
func TestFeedsAreValidAtom(t *testing.T) {
	r := newRig(t)
	r.checkAs("nimbus", "policy-v1.html", t0)
	r.checkAs("nimbus", "policy-v2-ai.html", t0.Add(time.Hour))
	r.checkAs("nimbus", "policy-v3-date.html", t0.Add(2*time.Hour))
	withBase := httptest.NewServer(r.service(notify.Config{BaseURL: "https://pw.example"}, nil).Handler())
	t.Cleanup(withBase.Close)
	bare := httptest.NewServer(r.service(notify.Config{}, nil).Handler())
	t.Cleanup(bare.Close)
	empty := newRig(t) // a history without events: a feed without entries
	emptyWeb := httptest.NewServer(empty.service(notify.Config{BaseURL: "https://pw.example"}, nil).Handler())
	t.Cleanup(emptyWeb.Close)

	for _, c := range []struct {
		server    *httptest.Server
		path      string
		self      string // "" without a base URL: no link can be absolute
		alternate string
		entries   int
	}{
		{withBase, "/feeds/all.atom", "https://pw.example/feeds/all.atom", "https://pw.example/", 3},
		{withBase, "/feeds/all.atom?min_severity=critical", "https://pw.example/feeds/all.atom?min_severity=critical", "https://pw.example/", 1},
		{withBase, "/feeds/watch/nimbus.atom", "https://pw.example/feeds/watch/nimbus.atom", "https://pw.example/watches/nimbus", 3},
		{withBase, "/feeds/severity/notable.atom", "https://pw.example/feeds/severity/notable.atom", "https://pw.example/", 2},
		{bare, "/feeds/all.atom", "", "", 3},
		{emptyWeb, "/feeds/all.atom", "https://pw.example/feeds/all.atom", "https://pw.example/", 0},
	} {
		name := c.server.URL + c.path
		resp, err := http.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", name, resp.StatusCode)
		}
		d := checkAtom(t, c.path, body, c.self)
		var alternate string
		for _, l := range d.Links {
			if l.Rel == "alternate" {
				alternate = l.Href
			}
		}
		if alternate != c.alternate || len(d.Entries) != c.entries {
			t.Errorf("%s: alternate link %q, want %q; %d entries, want %d", name, alternate, c.alternate, len(d.Entries), c.entries)
		}
		titles := map[string]bool{}
		for _, e := range d.Entries {
			if titles[e.Title] {
				t.Errorf("%s: two entries titled %q", name, e.Title)
			}
			titles[e.Title] = true
			if !strings.HasPrefix(e.Title, "nimbus") || !strings.HasSuffix(e.Title, ")") ||
				!strings.Contains(e.Title, "(info)") && !strings.Contains(e.Title, "(notable)") && !strings.Contains(e.Title, "(critical)") {
				t.Errorf("%s: title %q does not name the watch and end with the severity", name, e.Title)
			}
			if n := utf8.RuneCountInString(e.Title); n > 160 {
				t.Errorf("%s: title of %d runes: %q", name, n, e.Title)
			}
		}
	}
}

// TestFeedRequestErrors: a feed's address that names no feed is not
// found; a level that is not one is a bad request that lists the levels,
// so that a typo is not taken for a missing feed; feeds are read, never
// posted to.
func TestFeedRequestErrors(t *testing.T) {
	r := newRig(t)
	web := httptest.NewServer(r.service(notify.Config{}, nil).Handler())
	t.Cleanup(web.Close)
	for _, c := range []struct {
		method, path string
		status       int
		says         string
	}{
		{http.MethodGet, "/feeds/all.atom?min_severity=bogus", http.StatusBadRequest, "info, notable or critical"},
		{http.MethodGet, "/feeds/all.atom?min_severity=", http.StatusOK, ""},
		{http.MethodGet, "/feeds/all.atom?min_severity=CRITICAL", http.StatusOK, ""},
		{http.MethodGet, "/feeds/severity/urgent.atom", http.StatusNotFound, "info, notable or critical"},
		// A filter the feed named does not take is said so, not ignored:
		// a reader asking one watch's feed for its critical changes only
		// got every change, without a word.
		{http.MethodGet, "/feeds/watch/nimbus.atom?min_severity=critical", http.StatusBadRequest, "/feeds/all.atom"},
		{http.MethodGet, "/feeds/severity/notable.atom?min_severity=critical", http.StatusBadRequest, "/feeds/severity/LEVEL.atom"},
		{http.MethodGet, "/feeds/severity/notable.atom?min_severity=", http.StatusOK, ""},
		{http.MethodGet, "/feeds/nothing.atom", http.StatusNotFound, "/feeds/all.atom"},
		{http.MethodPost, "/feeds/all.atom", http.StatusMethodNotAllowed, ""},
		{http.MethodPost, "/feeds/all.atom?min_severity=bogus", http.StatusMethodNotAllowed, ""},
	} {
		req, err := http.NewRequest(c.method, web.URL+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(string(body), c.says) {
			t.Errorf("%s %s: %d %q, want %d saying %q", c.method, c.path, resp.StatusCode, body, c.status, c.says)
		}
		if c.status == http.StatusMethodNotAllowed && !strings.Contains(resp.Header.Get("Allow"), "GET") {
			t.Errorf("%s %s: Allow %q", c.method, c.path, resp.Header.Get("Allow"))
		}
	}
}

// TestEmptyFeedUpdated: a feed without entries — a history backfilled
// from an archive only, a minimum severity no change reached, a watch not
// checked yet — still says when it was last updated with a real time, not
// 1970, and the same time from one poll to the next, so that a feed
// reader comparing it sees no change until there is one:
//   - the newest baseline, change or revert checks found in the feed's
//     scope (its watch, or every watch), whatever its severity;
//   - without one, the newest imported from an archive;
//   - without any, the feed's first event of another kind (the first
//     fetch error or anomaly of a watch that never gave a policy);
//   - without any event, the time policywatch first served the feed.
//
// Anomalies and fetch errors, which feeds leave out, do not move it.
func TestEmptyFeedUpdated(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	archived := r.watch
	archived.Name = "archived"
	ingest := func(page string, at time.Time) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("testdata", page))
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set(monitor.ImportedFromHeader, page)
		if _, err := r.checker.Ingest(ctx, archived, &monitor.Body{
			Data: data, ContentType: "text/html; charset=utf-8", URL: archived.URL, FinalURL: archived.URL,
			Status: http.StatusOK, Header: h, FetchedAt: at, Agent: monitor.FetcherImport,
		}); err != nil {
			t.Fatal(err)
		}
	}
	t1, t2, t3 := t0.Add(-48*time.Hour), t0.Add(-24*time.Hour), t0.Add(-12*time.Hour)
	ingest("policy-v1.html", t1)    // an imported baseline
	ingest("policy-v2-ai.html", t2) // an imported critical change

	svc := r.service(notify.Config{BaseURL: "https://pw.example"}, nil, notify.WithWatches([]string{"nimbus", "archived", "other", "fresh"}))
	web := httptest.NewServer(svc.Handler())
	t.Cleanup(web.Close)
	etags := map[string]string{}
	expect := func(path string, entries int, updated time.Time, fresh bool) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, web.URL+path, nil)
		if !fresh {
			req.Header.Set("If-None-Match", etags[path])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case !fresh && resp.StatusCode == http.StatusNotModified:
			return // the same feed as at the last poll
		case !fresh:
			t.Errorf("%s: %d, want 304: the feed changed without a new entry\n%s", path, resp.StatusCode, body)
			return
		case resp.StatusCode != http.StatusOK:
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		if resp.Header.Get("ETag") == etags[path] {
			t.Errorf("%s: the ETag of the last poll, for a changed feed", path)
		}
		etags[path] = resp.Header.Get("ETag")
		d := checkAtom(t, path, body, "https://pw.example"+path)
		if len(d.Entries) != entries || d.Updated != updated.UTC().Format(time.RFC3339) {
			t.Errorf("%s: %d entries, updated %s; want %d, %s", path, len(d.Entries), d.Updated, entries, updated.UTC().Format(time.RFC3339))
		}
	}
	const (
		all       = "/feeds/all.atom"
		critical  = "/feeds/all.atom?min_severity=critical"
		critical2 = "/feeds/severity/critical.atom"
		notable   = "/feeds/severity/notable.atom"
		arch      = "/feeds/watch/archived.atom"
		nimbus    = "/feeds/watch/nimbus.atom"
		other     = "/feeds/watch/other.atom"
		fresh     = "/feeds/watch/fresh.atom"
	)
	// A history imported from an archive only: every feed is empty.
	for _, p := range []string{all, critical, critical2, notable, arch} {
		expect(p, 0, t2, true)
	}
	expect(fresh, 0, t0, true)  // no event at all: first served now
	expect(nimbus, 0, t0, true) // configured, not checked yet
	r.clock.Add(6 * time.Hour)  // the next polls: nothing changed
	for _, p := range []string{all, critical, critical2, notable, arch, fresh, nimbus} {
		expect(p, 0, time.Time{}, false)
	}

	// A check finds a first policy (info): it is news; the history of the
	// feeds that leave it out moved then all the same.
	live := t0.Add(7 * time.Hour)
	r.checkAs("nimbus", "policy-v1.html", live)
	expect(all, 1, live, true)
	expect(nimbus, 1, live, true)
	for _, p := range []string{critical, critical2, notable} {
		expect(p, 0, live, true)
	}
	expect(arch, 0, time.Time{}, false)
	expect(fresh, 0, time.Time{}, false)

	// An anomaly is not news: no feed moves, and a watch that has given
	// nothing else dates its empty feed at it.
	errAt := t0.Add(8 * time.Hour)
	r.checkAs("other", errorPage, errAt)
	for _, p := range []string{all, critical, critical2, notable, arch, nimbus, fresh} {
		expect(p, 0, time.Time{}, false)
	}
	expect(other, 0, errAt, true)
	r.checkAs("other", errorPage, errAt.Add(time.Hour))
	r.clock.Add(24 * time.Hour)
	expect(other, 0, time.Time{}, false)

	// A later import moves the archived watch's feed.
	ingest("policy-v3-date.html", t3)
	expect(arch, 0, t3, true)
	for _, p := range []string{critical, critical2, fresh} {
		expect(p, 0, time.Time{}, false)
	}
}

// TestFeedEntryIDsOutliveBaseURLAndRestore: an entry's id is the event's
// for good. It was the event's web page under notify.base_url (a URN
// without one): setting or changing base_url gave every entry a new id,
// and feed readers showed the whole feed again as new. And a database
// restored from a backup gives the ids of the events recorded since again:
// a new change got the id of one readers had seen, and they dropped it.
// Links still follow base_url.
func TestFeedEntryIDsOutliveBaseURLAndRestore(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))
	entries := func(r *rig, base string) (ids, links []string) {
		t.Helper()
		body, _, err := r.service(notify.Config{BaseURL: base}, nil).Feed(ctx, "", monitor.SeverityInfo, "all", "/feeds/all.atom")
		if err != nil {
			t.Fatal(err)
		}
		var f atomFeed
		if err := xml.Unmarshal(body, &f); err != nil {
			t.Fatal(err)
		}
		for _, e := range f.Entries {
			ids, links = append(ids, e.ID), append(links, e.Link.Href)
		}
		return ids, links
	}
	before, _ := entries(r, "")
	if len(before) != 2 {
		t.Fatalf("%d entries, want 2", len(before))
	}
	for _, base := range []string{"http://policywatch.home.arpa:8080", "https://pw.example", "https://pw.example/policywatch/"} {
		ids, links := entries(r, base)
		if strings.Join(ids, " ") != strings.Join(before, " ") {
			t.Errorf("base_url %s: entry ids %v, want %v as without one", base, ids, before)
		}
		if want := strings.TrimSuffix(base, "/") + "/events/"; len(links) != 2 || !strings.HasPrefix(links[0], want) {
			t.Errorf("base_url %s: links %v, want them under %s", base, links, want)
		}
	}

	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := r.db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	lost := r.check("policy-v3-date.html", t0.Add(2*time.Hour))
	seen, _ := entries(r, "https://pw.example")
	r2 := r.restored(backup)
	again := r2.check("policy-v3-date.html", t0.Add(3*time.Hour))
	if len(lost) != 1 || len(again) != 1 || lost[0].ID != again[0].ID {
		t.Fatalf("events %v and %v: want one change each, with the same id (the restore gives it again)", lost, again)
	}
	after, _ := entries(r2, "https://pw.example")
	if len(seen) != 3 || len(after) != 3 {
		t.Fatalf("entries %v before the restore, %v after: want 3 each", seen, after)
	}
	if after[0] == seen[0] {
		t.Errorf("the change after the restore has the id of the one lost with it: %s", after[0])
	}
	if strings.Join(after[1:], " ") != strings.Join(seen[1:], " ") {
		t.Errorf("the events the backup kept changed ids: %v, were %v", after[1:], seen[1:])
	}
}
