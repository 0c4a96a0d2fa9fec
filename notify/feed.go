package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gorilla/feeds"

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
}

// parseFeedPath reads /feeds/all.atom, /feeds/watch/NAME.atom and
// /feeds/severity/LEVEL.atom; all.atom also takes ?min_severity=LEVEL.
func parseFeedPath(r *http.Request) (feedQuery, bool) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/feeds/")
	if !ok {
		return feedQuery{}, false
	}
	rest, ok = strings.CutSuffix(rest, ".atom")
	if !ok {
		return feedQuery{}, false
	}
	q := feedQuery{minSeverity: monitor.SeverityInfo}
	switch {
	case rest == "all":
		q.title = "policywatch: every change"
		if v := r.URL.Query().Get("min_severity"); v != "" {
			sev, err := ParseSeverity(v)
			if err != nil {
				return feedQuery{}, false
			}
			q.minSeverity = sev
			q.title = "policywatch: " + string(sev) + " changes and above"
		}
	case strings.HasPrefix(rest, "watch/"):
		q.watch = strings.TrimPrefix(rest, "watch/")
		if q.watch == "" || strings.ContainsAny(q.watch, "/") || len(q.watch) > 64 {
			return feedQuery{}, false
		}
		q.title = "policywatch: " + q.watch
	case strings.HasPrefix(rest, "severity/"):
		sev, err := ParseSeverity(strings.TrimPrefix(rest, "severity/"))
		if err != nil {
			return feedQuery{}, false
		}
		q.minSeverity = sev
		q.title = "policywatch: " + string(sev) + " changes and above"
	default:
		return feedQuery{}, false
	}
	return q, true
}

func (s *Service) serveFeed(w http.ResponseWriter, r *http.Request) {
	q, ok := parseFeedPath(r)
	if !ok {
		http.NotFound(w, r)
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
	body, etag, err := s.Feed(r.Context(), q.watch, q.minSeverity, q.title, r.URL.Path)
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
	if match := r.Header.Get("If-None-Match"); match != "" && match == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(body)
}

// knownWatch says whether a feed of watch may exist: the watch is
// configured, or was once (its events are still in the history). Without
// the configured list (no WithWatches), every name is taken as known.
func (s *Service) knownWatch(ctx context.Context, watch string) (bool, error) {
	if s.watches == nil || slices.Contains(s.watches, watch) {
		return true, nil
	}
	events, err := s.store.Events(ctx, monitor.EventFilter{Watch: watch, Limit: 1})
	if err != nil {
		return false, fmt.Errorf("feed of %s: %w", watch, err)
	}
	return len(events) > 0, nil
}

// Feed returns an Atom feed of the newest changes — of one watch when
// watch is set, at or above minSeverity — and its ETag. Rendered feeds are
// kept until a new event enters them.
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
	if len(events) > 0 {
		key.last = events[0].ID
	}
	key.count = len(events)
	if f, ok := s.feeds.get(key); ok {
		return f.body, f.etag, nil
	}

	feed := &feeds.Feed{Title: title, Description: "Changes to the privacy policies policywatch watches"}
	if s.cfg.BaseURL != "" {
		feed.Link = &feeds.Link{Href: s.cfg.BaseURL + path}
	}
	if len(events) > 0 {
		feed.Updated = events[0].Time
	}
	for i := range events {
		e := &events[i]
		v, err := s.changeView(ctx, e, feedDetail)
		if err != nil {
			return nil, "", fmt.Errorf("feed: %w", err)
		}
		content, err := s.tmpl.renderHTML("feed_entry", v)
		if err != nil {
			return nil, "", fmt.Errorf("feed: %w", err)
		}
		item := &feeds.Item{
			Title: fmt.Sprintf("%s %s (%s)", v.Watch, v.Verb, v.Severity),
			// Atom summaries are typed html: the text must be escaped.
			Description: html.EscapeString(v.Summary),
			Content:     content,
			Updated:     e.Time, Created: e.Time,
			Id: s.entryID(e.ID),
		}
		if v.URL != "" {
			item.Link = &feeds.Link{Href: v.URL}
		}
		feed.Items = append(feed.Items, item)
	}
	atom := (&feeds.Atom{Feed: feed}).AtomFeed()
	atom.Id = s.feedID(path)
	if s.cfg.BaseURL == "" {
		// Without a base URL there is nothing to link to; an empty href
		// would point readers at the feed itself.
		atom.Link = nil
		for _, e := range atom.Entries {
			e.Links = nil
		}
	}
	var buf bytes.Buffer
	if err := feeds.WriteXML(atom, &buf); err != nil {
		return nil, "", fmt.Errorf("feed: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	f := renderedFeed{body: buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	s.feeds.put(key, f)
	return f.body, f.etag, nil
}

// entryID is an entry's permanent id: its web page, or a URN.
func (s *Service) entryID(id int64) string {
	if s.cfg.BaseURL != "" {
		return s.eventURL(id)
	}
	return fmt.Sprintf("urn:policywatch:event:%d", id)
}

func (s *Service) feedID(path string) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL + path
	}
	return "urn:policywatch:feed:" + strings.TrimPrefix(path, "/feeds/")
}

type feedKey struct {
	watch    string
	severity monitor.Severity
	path     string
	last     int64
	count    int
}

type renderedFeed struct {
	body []byte
	etag string
}

// feedCache keeps the last rendering of each feed, by path and
// severity; a rendering is good while its key (newest event, count) holds.
type feedCache struct {
	mu    sync.Mutex
	max   int
	feeds map[string]cachedFeed
}

type cachedFeed struct {
	key  feedKey
	feed renderedFeed
}

func newFeedCache(max int) *feedCache {
	return &feedCache{max: max, feeds: map[string]cachedFeed{}}
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
