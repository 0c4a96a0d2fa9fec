package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/policywatch/policywatch/monitor"
)

// feedEntries is how many of the newest events a feed holds.
const feedEntries = 50

// feedKinds are the events feeds carry: the history of the policies.
// Anomalies and fetch errors are the operator's business.
var feedKinds = []monitor.EventKind{monitor.KindBaseline, monitor.KindChange, monitor.KindRevert}

// feedQuery is what one feed shows.
type feedQuery struct {
	watch       string
	minSeverity monitor.Severity
	title       string
	// path is the feed's own address, one spelling per feed
	// ("/feeds/severity/critical.atom" for CRITICAL.atom, no
	// ?min_severity=info): in its id, and its rel=self, which a reader
	// must see the same however the feed was asked for.
	path string
}

// feedError is why a request names no feed: its status and what to say.
type feedError struct {
	status  int
	message string
}

// severityChoices is what a severity in a feed's address may be.
const severityChoices = "info, notable or critical"

// parseFeedPath reads /feeds/all.atom, /feeds/watch/NAME.atom and
// /feeds/severity/LEVEL.atom; all.atom also takes ?min_severity=LEVEL,
// and the others refuse it. A path that names no feed is not found; a
// query that asks the one feed it names for something it does not have is
// a bad request, so that a mistyped level is not mistaken for a feed that
// does not exist.
func parseFeedPath(r *http.Request) (feedQuery, *feedError) {
	notFound := &feedError{http.StatusNotFound, "no such feed: the feeds are /feeds/all.atom, /feeds/watch/NAME.atom and /feeds/severity/LEVEL.atom (LEVEL: " + severityChoices + ")"}
	rest, ok := strings.CutPrefix(r.URL.Path, "/feeds/")
	if !ok {
		return feedQuery{}, notFound
	}
	rest, ok = strings.CutSuffix(rest, ".atom")
	if !ok {
		return feedQuery{}, notFound
	}
	q := feedQuery{minSeverity: monitor.SeverityInfo}
	switch {
	case rest == "all":
		q.title, q.path = "policywatch: every change", "/feeds/all.atom"
		if v := r.URL.Query().Get("min_severity"); v != "" {
			sev, err := ParseSeverity(v)
			if err != nil {
				return feedQuery{}, &feedError{http.StatusBadRequest, fmt.Sprintf("min_severity %q is not a severity: use %s", v, severityChoices)}
			}
			if sev != monitor.SeverityInfo {
				q.minSeverity = sev
				q.path += "?min_severity=" + string(sev)
				q.title = "policywatch: " + string(sev) + " changes and above"
			}
		}
	case strings.HasPrefix(rest, "watch/"):
		q.watch = strings.TrimPrefix(rest, "watch/")
		if q.watch == "" || strings.ContainsAny(q.watch, "/") || len(q.watch) > 64 {
			return feedQuery{}, notFound
		}
		q.title, q.path = "policywatch: "+q.watch, "/feeds/watch/"+url.PathEscape(q.watch)+".atom"
	case strings.HasPrefix(rest, "severity/"):
		sev, err := ParseSeverity(strings.TrimPrefix(rest, "severity/"))
		if err != nil {
			return feedQuery{}, notFound
		}
		q.minSeverity = sev
		q.title, q.path = "policywatch: "+string(sev)+" changes and above", "/feeds/severity/"+string(sev)+".atom"
	default:
		return feedQuery{}, notFound
	}
	if rest != "all" && r.URL.Query().Get("min_severity") != "" { // empty: none, as for all.atom
		// Ignored, it gave a reader every change of the feed it named,
		// whatever it asked for.
		return feedQuery{}, &feedError{http.StatusBadRequest, "min_severity filters /feeds/all.atom only; " +
			"the feed of every watch's changes from a severity up is /feeds/severity/LEVEL.atom (LEVEL: " + severityChoices + ")"}
	}
	return q, nil
}

func (s *Service) serveFeed(w http.ResponseWriter, r *http.Request) {
	q, ferr := parseFeedPath(r)
	if ferr != nil {
		http.Error(w, ferr.message, ferr.status)
		return
	}
	if q.watch != "" {
		known, err := s.knownWatch(r.Context(), q.watch)
		if err != nil {
			s.log.Error("feed", "path", r.URL.Path, "err", err)
			http.Error(w, "temporary failure; try again later", http.StatusServiceUnavailable)
			return
		}
		if !known {
			http.Error(w, fmt.Sprintf("no watch %q: it is neither configured nor in the history", q.watch), http.StatusNotFound)
			return
		}
	}
	body, etag, err := s.Feed(r.Context(), q.watch, q.minSeverity, q.title, q.path)
	if err != nil {
		s.log.Error("feed", "path", r.URL.Path, "err", err)
		http.Error(w, "temporary failure; try again later", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/atom+xml; charset=utf-8")
	h.Set("ETag", etag)
	h.Set("Cache-Control", "max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent answers If-None-Match as RFC 9110 says: a list of tags,
	// "*", and weak comparison, so that a W/ tag (a proxy that compressed
	// the feed weakens its ETag) still gets a 304.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// knownWatch says whether a feed of watch may exist: the watch is
// configured, or was once (the history still knows it). Without
// the configured list (no WithWatches), every name is taken as known.
func (s *Service) knownWatch(ctx context.Context, watch string) (bool, error) {
	if s.watches == nil || slices.Contains(s.watches, watch) {
		return true, nil
	}
	known, err := s.store.HasWatch(ctx, watch)
	if err != nil {
		return false, fmt.Errorf("feed of %s: %w", watch, err)
	}
	return known, nil
}

// Feed returns an Atom feed of the newest changes — of one watch when
// watch is set, at or above minSeverity — and its ETag. path is the feed's
// address below the base URL, its query included (its self link, and in
// its id: feedID). Rendered feeds are kept until a new event enters them, or,
// for a feed without entries, until its date moves (see emptyFeedUpdated).
func (s *Service) Feed(ctx context.Context, watch string, minSeverity monitor.Severity, title, path string) ([]byte, string, error) {
	// The newest entries only, selected by the database: a feed reader
	// polls every few minutes for years, and the history only grows.
	filter := monitor.EventFilter{Watch: watch, Kinds: feedKinds, FoundOnly: true, Descending: true, Limit: feedEntries}
	if minSeverity.Rank() > monitor.SeverityInfo.Rank() {
		for _, sev := range []monitor.Severity{monitor.SeverityNotable, monitor.SeverityCritical} {
			if sev.Rank() >= minSeverity.Rank() {
				filter.Severities = append(filter.Severities, sev)
			}
		}
	}
	events, err := s.store.Events(ctx, filter)
	if err != nil {
		return nil, "", fmt.Errorf("feed: %w", err)
	}
	// Newest first, as the entries are written.
	key := feedKey{watch: watch, severity: minSeverity, path: path}
	var updated time.Time
	if len(events) > 0 {
		key.last = events[0].ID
		updated = events[0].Time
	} else if updated, err = s.emptyFeedUpdated(ctx, watch); err != nil {
		return nil, "", fmt.Errorf("feed: %w", err)
	}
	key.count = len(events)
	key.updated = updated.Unix()
	if f, ok := s.feeds.get(key); ok {
		return f.body, f.etag, nil
	}

	id, err := s.feedID(ctx, path)
	if err != nil {
		return nil, "", fmt.Errorf("feed: %w", err)
	}
	feed := &atomFeed{
		Title:    title,
		ID:       id,
		Subtitle: "Changes to the privacy policies policywatch watches",
		// RFC 4287 requires an author of the feed when its entries have
		// none: the entries are written by policywatch, not by the sites.
		Author:  atomPerson{Name: "policywatch"},
		Updated: atomTime(updated),
	}
	if s.cfg.BaseURL != "" {
		// Without a base URL there is nothing to link to: relative links
		// would break behind a proxy that serves the feeds under a prefix.
		feed.Links = []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: s.cfg.BaseURL + path},
			{Rel: "alternate", Type: "text/html", Href: s.cfg.BaseURL + feedPage(watch)},
		}
	}
	for i := range events {
		e := &events[i]
		// No date is marked as passed: a feed is kept until a new event
		// comes, and read long after.
		v, err := s.changeView(ctx, e, feedDetail, time.Time{})
		if err != nil {
			return nil, "", fmt.Errorf("feed: %w", err)
		}
		content, err := s.tmpl.renderHTML("feed_entry", v)
		if err != nil {
			return nil, "", fmt.Errorf("feed: %w", err)
		}
		entry := atomEntry{
			Title: entryTitle(e, v),
			ID:    entryID(e), Updated: atomTime(e.Time), Published: atomTime(e.Time),
			// Atom summaries are typed html: the text must be escaped.
			Summary: &atomText{Type: "html", Body: html.EscapeString(v.Summary)},
			Content: &atomText{Type: "html", Body: content},
		}
		if v.URL != "" { // "" without a base URL
			entry.Links = []atomLink{{Rel: "alternate", Type: "text/html", Href: v.URL}}
		}
		feed.Entries = append(feed.Entries, entry)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(feed); err != nil {
		return nil, "", fmt.Errorf("feed: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	f := renderedFeed{body: buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	s.feeds.put(key, f)
	return f.body, f.etag, nil
}

// emptyFeedUpdated is the <updated> of a feed without entries, of one
// watch or of every watch (watch ""): a real time, and the same from one
// poll to the next until the history the feed draws from moves, since
// feed readers compare it between polls (the time of the request would
// tell them of a change at every one). It is the first of:
//
//   - the newest baseline, change or revert checks found in the feed's
//     scope, whatever its severity: a feed of critical changes that has
//     none is as recent as the history it was chosen from;
//   - the last one imported from an archive (`policywatch import`), dated
//     at its snapshot: the history is an archive's alone, and its last
//     snapshot is when it was last updated;
//   - the first event of another kind (an anomaly, a fetch error): a
//     watch that never gave a policy has been watched since then. The
//     first, not the newest, so that a failing watch's episodes, which
//     are no feed's news, do not move it;
//   - without any event, the time this process first served a feed that
//     needed such a date: stable while it runs, later after a restart.
//
// Anomalies and fetch errors never move the date of a feed that has a
// baseline, change or revert to go by.
func (s *Service) emptyFeedUpdated(ctx context.Context, watch string) (time.Time, error) {
	for _, f := range []monitor.EventFilter{
		{Watch: watch, Kinds: feedKinds, FoundOnly: true, Descending: true, Limit: 1},
		{Watch: watch, Kinds: feedKinds, Descending: true, Limit: 1}, // imported only, the found ones being none
		{Watch: watch, Limit: 1},
	} {
		events, err := s.store.Events(ctx, f)
		if err != nil {
			return time.Time{}, err
		}
		if len(events) > 0 {
			return events[0].Time, nil
		}
	}
	return s.feeds.firstServed(s.now), nil
}

// entryID is an entry's permanent id: "urn:policywatch:event:<event
// id>.<its time in base 36>", as a webhook delivery's id (deliveryID).
// Neither base_url nor where the feed is served from is in it: an id was
// the event's web page, and setting or changing base_url gave every entry
// a new id, so that feed readers showed the whole feed again as new. The
// time keeps apart two events given one id, as after a restore (the
// events recorded since the backup are gone, and their ids are given
// again): a reader that has seen the id drops the entry as one it knows.
func entryID(e *monitor.Event) string {
	return "urn:policywatch:event:" + stampedID(e.ID, e.Time)
}

// feedPage is the web view's page of what a feed holds: the watch's
// timeline, or the overview.
func feedPage(watch string) string {
	if watch != "" {
		return "/watches/" + url.PathEscape(watch)
	}
	return "/"
}

// maxEntryTitle bounds an entry's title, in runes, before its severity:
// feed readers list titles on one line.
const maxEntryTitle = 140

// entryTitle is an entry's title: the event's summary (which names the
// watch), shortened at a word, then its severity, so that entries of one
// watch read apart in a feed reader's list.
func entryTitle(e *monitor.Event, v *changeView) string {
	text := oneLine(e.Summary, 0)
	if e.Kind == monitor.KindRevert {
		text = v.Summary // which text came back, with its date
	}
	if text == "" {
		text = v.Watch + " " + v.Verb
	} else if !strings.HasPrefix(text, e.Watch) {
		text = v.Watch + ": " + text
	}
	return shortenAtWord(text, maxEntryTitle) + " (" + string(e.Severity) + ")"
}

// shortenAtWord shortens s to at most max runes, ellipsis included: at the
// end of a sentence, or else at a space, when that leaves more than half
// of it (a date such as "3 Mar 2026" is better left out whole than cut);
// a string without either is cut.
func shortenAtWord(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	head := string(r[:max-2])
	long := func(i int) bool { return utf8.RuneCountInString(head[:i]) > max/2 }
	if i := strings.LastIndex(head, ". "); i >= 0 && long(i) {
		return head[:i+1] + " …"
	}
	if i := strings.LastIndex(head, " "); i >= 0 && long(i) {
		return strings.TrimRight(head[:i], " ,;:") + "…"
	}
	return string(r[:max-1]) + "…"
}

// The Atom document (RFC 4287) as the feeds write it: everything it
// requires of a feed — id, title, updated, an author since entries have
// none — a link to itself and to the web view, and per entry id, title,
// updated, summary, content and a link to the event's page.
type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title    string      `xml:"title"`
	ID       string      `xml:"id"`
	Updated  string      `xml:"updated"`
	Subtitle string      `xml:"subtitle,omitempty"`
	Links    []atomLink  `xml:"link,omitempty"`
	Author   atomPerson  `xml:"author"`
	Entries  []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title     string     `xml:"title"`
	ID        string     `xml:"id"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Links     []atomLink `xml:"link,omitempty"`
	Summary   *atomText  `xml:"summary"`
	Content   *atomText  `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// atomTime writes t as RFC 3339, UTC.
func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// feedID is a feed's permanent id: "urn:policywatch:feed:<database>:<its
// path below /feeds/>" ("urn:policywatch:feed:3f9c0a7e5d21b486:all.atom",
// "…:watch/nimbus.atom", "…:all.atom?min_severity=notable"). Like an
// entry's (entryID), it holds neither base_url nor where the feed is
// served from: it was base_url and the path, so that setting or changing
// base_url made every feed another one to readers that go by ids. A feed
// is one of a history: the database part (databaseID) keeps apart the
// feeds of two installations, which have the same paths, as RFC 4287
// wants ids universally unique, and stays with the database through a
// backup, a restore, a move to another host, and a change of
// notify.secret_file. It differs between two databases, even one
// imported from the other's export.
func (s *Service) feedID(ctx context.Context, path string) (string, error) {
	db, err := s.feeds.databaseID(ctx, s.store)
	if err != nil {
		return "", err
	}
	return "urn:policywatch:feed:" + db + ":" + strings.TrimPrefix(path, "/feeds/"), nil
}

// databaseID names the history a feed is of: 16 hex digits of an HMAC,
// under the database's own notification secret (Store.NotifySecret, made
// on first use and kept in the database, never the configured signing
// key, which an operator may change), of a fixed label. It is read once
// a Service.
func (c *feedCache) databaseID(ctx context.Context, st Store) (string, error) {
	c.mu.Lock()
	id := c.dbID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	secret, err := st.NotifySecret(ctx)
	if err != nil {
		return "", fmt.Errorf("the database's id: %w", err)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("policywatch feed id"))
	id = hex.EncodeToString(mac.Sum(nil)[:8])
	c.mu.Lock()
	c.dbID = id
	c.mu.Unlock()
	return id, nil
}

type feedKey struct {
	watch    string
	severity monitor.Severity
	path     string
	last     int64
	count    int
	updated  int64 // the feed's <updated>, Unix seconds
}

type renderedFeed struct {
	body []byte
	etag string
}

// feedCache keeps the last rendering of each feed, by path and
// severity; a rendering is good while its key (newest event, count,
// date) holds.
type feedCache struct {
	mu    sync.Mutex
	max   int
	feeds map[string]cachedFeed
	// since is when a feed first needed a date no event gave (see
	// emptyFeedUpdated); zero until then.
	since time.Time
	// dbID is the database's part of the feeds' ids (databaseID); ""
	// until read.
	dbID string
}

type cachedFeed struct {
	key  feedKey
	feed renderedFeed
}

func newFeedCache(max int) *feedCache {
	return &feedCache{max: max, feeds: map[string]cachedFeed{}}
}

// firstServed returns since, set to now the first time it is asked for.
func (c *feedCache) firstServed(now func() time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.since.IsZero() {
		c.since = now().UTC().Truncate(time.Second)
	}
	return c.since
}

func (k feedKey) slot() string { return k.path + "\x00" + string(k.severity) }

func (c *feedCache) get(k feedKey) (renderedFeed, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.feeds[k.slot()]
	if !ok || e.key != k {
		return renderedFeed{}, false
	}
	return e.feed, true
}

func (c *feedCache) put(k feedKey, f renderedFeed) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.feeds[k.slot()]; !ok && len(c.feeds) >= c.max {
		for other := range c.feeds { // drop any one: feeds are few
			delete(c.feeds, other)
			break
		}
	}
	c.feeds[k.slot()] = cachedFeed{k, f}
}
