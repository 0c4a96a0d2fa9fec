package web

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/monitor/diff"
	"github.com/policywatch/policywatch/monitor/extract"
)

// watchNamePattern is the shape of watch names (the configuration allows
// no other), checked before a name from a URL reaches the database.
var watchNamePattern = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)

// maxID bounds ids from URLs: SQLite rowids, and integers JSON carries
// exactly.
const maxID = 1<<53 - 1

// pathID reads the id named name from the request's path.
func pathID(r *http.Request, name string) (int64, error) {
	raw := r.PathValue(name)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 || id > maxID || strconv.FormatInt(id, 10) != raw {
		return 0, notFoundf("%q is not a valid %s number.", raw, name)
	}
	return id, nil
}

// pathVersion reads the version whose id the request's path names.
func (s *Server) pathVersion(r *http.Request) (*monitor.Version, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.reader.Version(r.Context(), id)
}

// pathEvent reads the event the path's {id} names.
func (s *Server) pathEvent(r *http.Request) (*monitor.Event, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.reader.Event(r.Context(), id)
}

// ---- Overview ----

type overviewView struct {
	common
	Watches  []watchView // the configured ones
	Retired  []watchView // those the configuration no longer lists
	Problems int         // configured watches with an open episode
	From     time.Time
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	known, err := s.reader.Watches(ctx)
	if err != nil {
		return err
	}
	start := sparkStart(s.now())
	times, err := s.reader.ChangeTimes(ctx, start)
	if err != nil {
		return err
	}
	listed := monitor.ListWatches(s.watches, known)
	v := overviewView{common: s.common("Watches"), Watches: make([]watchView, 0, len(listed)), From: start}
	counts := make([][]int, len(listed))
	scale := 1
	for i, lw := range listed {
		counts[i] = monthlyCounts(times[lw.Name], start)
		scale = max(scale, slices.Max(counts[i]))
	}
	for i, lw := range listed {
		wv := newWatchView(lw)
		wv.Spark = newSpark(counts[i], start, scale)
		if lw.Retired {
			// An episode left open when the watch was removed is no
			// problem now: nobody checks the page any more.
			v.Retired = append(v.Retired, wv)
			continue
		}
		if lw.Episode != nil {
			v.Problems++
		}
		v.Watches = append(v.Watches, wv)
	}
	return s.render(w, http.StatusOK, "overview", v)
}

// ---- Watch timeline ----

type timelineView struct {
	common
	Watch    watchView
	Events   []eventRow
	Kinds    []option
	Levels   []option
	Filtered bool
	Older    string       // URL of the next page of older events; "" when none
	Versions []versionRow // the newest maxVersionRows
	// OlderVersions counts the versions left out of Versions; FromVersion
	// is the newest of them.
	OlderVersions int
	FromVersion   int64
	Checks        []checkRow
}

// maxVersionRows is how many versions a timeline lists, the newest: a page
// that changes at each check makes thousands.
const maxVersionRows = 50

type versionRow struct {
	monitor.Version
	Imported bool // first read from an archive by policywatch import
}

type option struct {
	Value, Label string
	Selected     bool
}

type eventRow struct {
	monitor.Event
	Analysis *analysisView
}

type checkRow struct {
	monitor.Check
	Status   int
	Duration time.Duration
	Err      string
	Imported bool // read from an archive by policywatch import, not fetched
}

// maxCheckErr is how many characters of a check's error the timeline
// shows: an error can quote what the server sent (a redirect's Location of
// a megabyte), as an event's detail does, shortened.
const maxCheckErr = 500

// clip shortens s to at most n characters, marking the cut with an
// ellipsis.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// timelinePage is how many events a timeline page lists.
const timelinePage = 50

// severityLevels are the timeline's severity filter: a minimum.
var severityLevels = []struct {
	value, label string
	severities   []monitor.Severity
}{
	{"", "any severity", nil},
	{"notable", "notable or critical", []monitor.Severity{monitor.SeverityNotable, monitor.SeverityCritical}},
	{"critical", "critical", []monitor.Severity{monitor.SeverityCritical}},
}

// eventKinds are monitor.EventKinds in the order of the timeline's menu:
// what changed first (TestEventKindMenuHasEveryKind keeps the two alike).
var eventKinds = []monitor.EventKind{
	monitor.KindChange, monitor.KindRevert, monitor.KindBaseline,
	monitor.KindAnomaly, monitor.KindFetchError, monitor.KindRecovered,
}

// findWatch returns the watch named name, configured or known to the
// history; a statusError 404 when there is none.
func (s *Server) findWatch(ctx context.Context, name string) (listedWatch, error) {
	if !watchNamePattern.MatchString(name) {
		return listedWatch{}, notFoundf("%q is not a watch name.", name)
	}
	known, err := s.reader.Watches(ctx)
	if err != nil {
		return listedWatch{}, err
	}
	for _, lw := range monitor.ListWatches(s.watches, known) {
		if lw.Name == name {
			return lw, nil
		}
	}
	return listedWatch{}, notFoundf("There is no watch named %q.", name)
}

func (s *Server) timeline(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sum, err := s.findWatch(ctx, r.PathValue("watch"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := monitor.EventFilter{Watch: sum.Name, Descending: true, Limit: timelinePage + 1}
	v := timelineView{common: s.watchCommon(sum.Name, sum.Name), Watch: newWatchView(sum)}

	kind := q.Get("kind")
	v.Kinds = append(v.Kinds, option{Value: "", Label: "all kinds", Selected: kind == ""})
	known := kind == ""
	for _, k := range eventKinds {
		sel := string(k) == kind
		known = known || sel
		v.Kinds = append(v.Kinds, option{Value: string(k), Label: kindName(k), Selected: sel})
	}
	if !known {
		return badRequestf("Unknown kind of event %q.", kind)
	}
	if kind != "" {
		f.Kinds = []monitor.EventKind{monitor.EventKind(kind)}
	}
	level := q.Get("severity")
	known = false
	for _, l := range severityLevels {
		sel := l.value == level
		if sel {
			known, f.Severities = true, l.severities
		}
		v.Levels = append(v.Levels, option{Value: l.value, Label: l.label, Selected: sel})
	}
	if !known {
		return badRequestf("Unknown severity %q.", level)
	}
	v.Filtered = kind != "" || level != ""
	if before := q.Get("before"); before != "" {
		id, err := strconv.ParseInt(before, 10, 64)
		if err != nil || id <= 0 {
			return badRequestf("%q is not an event number.", before)
		}
		f.BeforeID = id
	}

	events, err := s.reader.Events(ctx, f)
	if err != nil {
		return err
	}
	if len(events) > timelinePage {
		events = events[:timelinePage]
		older := url.Values{"before": {strconv.FormatInt(events[len(events)-1].ID, 10)}}
		if kind != "" {
			older.Set("kind", kind)
		}
		if level != "" {
			older.Set("severity", level)
		}
		v.Older = "/watches/" + sum.Name + "?" + older.Encode()
	}
	for _, e := range events {
		v.Events = append(v.Events, eventRow{Event: e, Analysis: s.newAnalysisView(e.Analysis, 0)})
	}
	if f.BeforeID == 0 {
		versions, err := s.reader.Versions(ctx, sum.Name)
		if err != nil {
			return err
		}
		imported, err := s.reader.ImportedVersions(ctx, sum.Name)
		if err != nil {
			return err
		}
		for i := len(versions) - 1; i >= 0; i-- {
			ver := versions[i]
			if len(v.Versions) == maxVersionRows {
				v.OlderVersions, v.FromVersion = i+1, ver.ID
				break
			}
			v.Versions = append(v.Versions, versionRow{Version: ver, Imported: imported[ver.ID]})
		}
		checks, err := s.reader.Checks(ctx, sum.Name, 10)
		if err != nil {
			return err
		}
		for _, c := range checks {
			row := checkRow{Check: c, Imported: c.Fetcher == monitor.FetcherImport}
			if n := len(c.Attempts); n > 0 {
				last := c.Attempts[n-1]
				row.Status, row.Err = last.Status, clip(last.Err, maxCheckErr)
				for _, a := range c.Attempts {
					row.Duration += a.Duration
				}
				row.Duration = row.Duration.Round(time.Millisecond)
			}
			v.Checks = append(v.Checks, row)
		}
	}
	return s.render(w, http.StatusOK, "timeline", v)
}

// ---- Event and change view ----

type eventView struct {
	common
	Event      monitor.Event
	Analysis   *analysisView
	Old, New   *monitor.Version // change and revert; text not shown
	Diff       *diffView
	Inline     bool
	Full       bool
	SideURL    string
	InlineURL  string
	FullURL    string
	HunksURL   string
	Prev, Next *monitor.Event
	// Origin is where an imported event's snapshot came from; nil for an
	// event a check of policywatch found.
	Origin *origin
	// Rendered says that the page an anomaly kept (BodyID) is one a
	// browser rendered, not the bytes the server sent; RenderedBy names
	// the browser.
	Rendered   bool
	RenderedBy string
	// Forms are the objection forms the event's version offers (its
	// statements about the right to object hold them), as the alert email
	// gives them: where to act before a deadline.
	Forms []linkView
}

// diffContext is how many unchanged lines the change view shows around
// each change.
const diffContext = 3

func (s *Server) eventPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, err := s.pathEvent(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := eventView{
		common:   s.watchCommon(eventHeading(e.Kind, e.Watch), e.Watch),
		Event:    *e,
		Analysis: s.newAnalysisView(e.Analysis, maxStatements),
		Inline:   q.Get("view") == "inline",
		Full:     q.Get("context") == "all",
	}
	v.Day = newStamp(e.Time)
	if v.Analysis != nil {
		// The event alone: /api/events lists a page of them, oldest
		// first, which holds this one only on a short history.
		v.Analysis.API = fmt.Sprintf("/api/events?watch=%s&after=%d&limit=1", e.Watch, e.ID-1)
	}
	link := func(inline, full bool) string {
		u := url.Values{}
		if inline {
			u.Set("view", "inline")
		}
		if full {
			u.Set("context", "all")
		}
		if len(u) == 0 {
			return fmt.Sprintf("/events/%d", e.ID)
		}
		return fmt.Sprintf("/events/%d?%s", e.ID, u.Encode())
	}
	v.SideURL, v.InlineURL = link(false, v.Full), link(true, v.Full)
	v.FullURL, v.HunksURL = link(v.Inline, true), link(v.Inline, false)

	if (e.Kind == monitor.KindChange || e.Kind == monitor.KindRevert) && e.Version != 0 && e.PreviousVersion != 0 {
		if v.Old, err = s.reader.Version(ctx, e.PreviousVersion); err != nil {
			return err
		}
		if v.New, err = s.reader.Version(ctx, e.Version); err != nil {
			return err
		}
		context := diffContext
		if v.Full {
			context = math.MaxInt32
		}
		dv, err := s.diffView(ctx, v.Old.Text, v.New.Text, context, !v.Inline)
		if err != nil {
			return err
		}
		dv.Lang = v.New.Language
		v.Diff = &dv
		if v.Analysis != nil {
			v.Analysis.Lang = v.New.Language
		}
		changes := []monitor.EventKind{monitor.KindChange, monitor.KindRevert}
		prev, err := s.reader.Events(ctx, monitor.EventFilter{Watch: e.Watch, Kinds: changes, BeforeID: e.ID, Descending: true, Limit: 1})
		if err != nil {
			return err
		}
		next, err := s.reader.Events(ctx, monitor.EventFilter{Watch: e.Watch, Kinds: changes, AfterID: e.ID, Limit: 1})
		if err != nil {
			return err
		}
		if len(prev) > 0 {
			v.Prev = &prev[0]
		}
		if len(next) > 0 {
			v.Next = &next[0]
		}
	}
	if e.Kind == monitor.KindAnomaly && e.BodyID != 0 {
		body, err := s.reader.Body(ctx, e.BodyID)
		if err != nil {
			return err
		}
		if renderedBody(body) {
			v.Rendered, v.RenderedBy = true, body.Agent
		}
	}
	// The event's version (a change's was read for the diff), once, for
	// its objection forms and an import's origin.
	ver := v.New
	if ver == nil && e.Version != 0 && (e.Kind == monitor.KindBaseline || e.Kind == monitor.KindChange) {
		if ver, err = s.reader.Version(ctx, e.Version); err != nil {
			return err
		}
	}
	if ver != nil {
		for _, l := range monitor.Facts(s.taxonomy, ver).ObjectionForms() {
			v.Forms = append(v.Forms, linkView{Text: l.Text, Href: l.Href, Web: extract.IsWebURL(l.Href)})
		}
	}
	if e.Imported {
		o, err := s.eventOrigin(ctx, e, ver)
		if err != nil {
			return err
		}
		v.Origin = &o
	}
	return s.render(w, http.StatusOK, "event", v)
}

// diffView makes the change view of two texts (see newDiffView), one at a
// time: the diff of a page made to be huge (20 MB of text, 330,000 lines)
// takes two seconds and 350 MB, and a few requests at once would take a
// small server's memory. A real policy's takes milliseconds.
func (s *Server) diffView(ctx context.Context, oldText, newText string, contextLines int, side bool) (diffView, error) {
	select {
	case s.diffs <- struct{}{}:
	case <-ctx.Done():
		return diffView{}, ctx.Err()
	}
	defer func() { <-s.diffs }()
	return newDiffView(diff.Compute(oldText, newText, contextLines), side, maxDiffLines), nil
}

// eventOrigin tells where the snapshot of an imported event came from.
// The archived file is known when the event's version (ver, nil for an
// event without one) was first read from it (a baseline or a change at the
// event's time, not a revert to an older text); otherwise only that it
// came from an archive.
func (s *Server) eventOrigin(ctx context.Context, e *monitor.Event, ver *monitor.Version) (origin, error) {
	o := origin{Imported: true}
	if ver == nil || (e.Kind != monitor.KindBaseline && e.Kind != monitor.KindChange) {
		return o, nil
	}
	if ver.BodyID == 0 || !ver.FirstSeen.Equal(e.Time) {
		return o, nil
	}
	body, err := s.reader.Body(ctx, ver.BodyID)
	if err != nil {
		return o, err
	}
	if bo := bodyOrigin(body); bo.Imported {
		return bo, nil
	}
	return o, nil
}

// ---- Version view ----

type versionView struct {
	common
	Version    *monitor.Version
	Blocks     []block
	Links      []linkView
	Body       *monitor.Body // metadata only; nil when the raw body is not kept
	Origin     origin        // of Body: imported from an archive, or fetched
	Rendered   bool          // Body is a page a browser rendered, not the server's bytes
	Headers    []headerView
	Prev, Next int64 // neighbouring versions of the watch; 0 when none
	Permalink  string
	Says       *factsView // what the version says; nil when it was not read
	// TextLeft counts the characters of the text past maxVersionPageText,
	// left out of Blocks: the whole text is at /versions/ID/text.
	TextLeft int
}

// maxVersionPageText is how much of a version's text its page shows, in
// bytes: a policy is a few hundred kilobytes, and a page made to be huge
// (up to max_body, 20 MiB) would make a page of as many megabytes.
const maxVersionPageText = 2 << 20

// factsView is a version's fact sheet as the version page shows it: what
// it collects, why, the rights it names, its dates, where to object — the
// CLI's 'facts', for a journalist in the web view.
type factsView struct {
	Collected, Purposes, Rights []analyze.Topic
	Dates                       []factDateView
	Uses                        []factUseView
	Forms                       []linkView
	AgeLimits                   []int
	Truncated                   bool
}

// factDateView is a date of a version: Role as messages name it
// ("Effective date", "AI training starts": analyze.DateRoleName), When as
// people read it, Written as the policy wrote it.
type factDateView struct {
	Role, When, Written, Quote, Section string
}

// factUseView is the data one purpose uses, the minors' apart, and the
// places that say so, each once.
type factUseView struct {
	Purpose        string   // its label
	Others, Minors []string // category labels
	Quotes         []useQuoteView
}

type useQuoteView struct{ Quote, Context, Section string }

// newFactsView arranges a fact sheet for the version page; nil for none.
func (s *Server) newFactsView(f *analyze.FactSheet) *factsView {
	if f == nil {
		return nil
	}
	v := &factsView{AgeLimits: f.AgeLimits, Truncated: f.Truncated}
	for _, tp := range f.Topics {
		switch tp.Kind {
		case analyze.KindCategory:
			v.Collected = append(v.Collected, tp)
		case analyze.KindPurpose:
			v.Purposes = append(v.Purposes, tp)
		case analyze.KindRight:
			v.Rights = append(v.Rights, tp)
		}
	}
	for _, d := range f.Dates {
		v.Dates = append(v.Dates, factDateView{Role: analyze.DateRoleName(d.Role, d.Use(), s.label), When: analyze.HumanDate(d.Date), Written: d.Text, Quote: d.Quote, Section: d.Section})
	}
	for _, u := range f.Uses {
		i := slices.IndexFunc(v.Uses, func(p factUseView) bool { return p.Purpose == s.label(u.Purpose) })
		if i < 0 {
			i = len(v.Uses)
			v.Uses = append(v.Uses, factUseView{Purpose: s.label(u.Purpose)})
		}
		p := &v.Uses[i]
		if u.Minors {
			p.Minors = append(p.Minors, s.label(u.Category))
		} else {
			p.Others = append(p.Others, s.label(u.Category))
		}
		if q := (useQuoteView{Quote: u.Quote, Context: u.Context, Section: u.Section}); !slices.Contains(p.Quotes, q) {
			p.Quotes = append(p.Quotes, q)
		}
	}
	for _, l := range f.ObjectionForms() {
		v.Forms = append(v.Forms, linkView{Text: l.Text, Href: l.Href, Web: extract.IsWebURL(l.Href)})
	}
	return v
}

type linkView struct {
	Text, Href string
	Web        bool // http(s): shown as a link; anything else as text only
}

type headerView struct{ Name, Value string }

func (s *Server) versionPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ver, err := s.pathVersion(r)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("%s, version %d", ver.Watch, ver.ID)
	v := versionView{
		common: s.common(title), Version: ver,
		Permalink: fmt.Sprintf("/versions/%d", ver.ID), Says: s.newFactsView(monitor.Facts(s.taxonomy, ver)),
	}
	text := ver.Text
	if len(text) > maxVersionPageText {
		// Cut at a line's end: a block is never shown in part.
		cut := strings.LastIndexByte(text[:maxVersionPageText], '\n') + 1
		text, v.TextLeft = text[:cut], utf8.RuneCountInString(text[cut:])
	}
	v.Blocks = readableBlocks(text)
	for _, l := range ver.Links {
		v.Links = append(v.Links, linkView{Text: l.Text, Href: l.Href, Web: extract.IsWebURL(l.Href)})
	}
	if ver.BodyID != 0 {
		body, err := s.reader.Body(ctx, ver.BodyID)
		if err != nil {
			return err
		}
		v.Body = body
		v.Origin = bodyOrigin(body)
		v.Rendered = renderedBody(body)
		for _, name := range slices.Sorted(maps.Keys(body.Header)) {
			for _, value := range body.Header[name] {
				v.Headers = append(v.Headers, headerView{name, value})
			}
		}
	}
	versions, err := s.reader.Versions(ctx, ver.Watch)
	if err != nil {
		return err
	}
	for i, o := range versions {
		if o.ID != ver.ID {
			continue
		}
		if i > 0 {
			v.Prev = versions[i-1].ID
		}
		if i+1 < len(versions) {
			v.Next = versions[i+1].ID
		}
	}
	return s.render(w, http.StatusOK, "version", v)
}

// versionText serves a version's readable text as text/plain, which
// browsers show as text whatever it holds.
func (s *Server) versionText(w http.ResponseWriter, r *http.Request) error {
	ver, err := s.pathVersion(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(ver.Text)))
	_, err = w.Write([]byte(ver.Text))
	return err
}

// versionBody reads the version named in the path and the raw body it was
// first read from.
func (s *Server) versionBody(r *http.Request) (*monitor.Version, *monitor.Body, error) {
	ver, err := s.pathVersion(r)
	if err != nil {
		return nil, nil, err
	}
	if ver.BodyID == 0 {
		return nil, nil, notFoundf("The raw response of version %d was not kept: there is no evidence of it.", ver.ID)
	}
	body, err := s.reader.Body(r.Context(), ver.BodyID)
	if err != nil {
		return nil, nil, err
	}
	return ver, body, nil
}

// eventRawBody serves the raw body of the check that found an event: for
// an anomaly, the page served instead of the policy (a consent wall, an
// error page), which is evidence too. Always a download.
func (s *Server) eventRawBody(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, err := s.pathEvent(r)
	if err != nil {
		return err
	}
	if e.BodyID == 0 {
		return notFoundf("Event %d has no page kept: its check got none (a fetch error, or a 304).", e.ID)
	}
	body, err := s.reader.Body(ctx, e.BodyID)
	if err != nil {
		return err
	}
	setDownload(w, fmt.Sprintf("%s-event-%d-%s-body.bin", e.Watch, e.ID, e.Kind), "application/octet-stream", len(body.Data))
	_, err = w.Write(body.Data)
	return err
}

// rawBody serves the raw response body a version was read from, byte for
// byte, as a download: it is the page as the site served it, scripts and
// all, and must never run in this origin.
func (s *Server) rawBody(w http.ResponseWriter, r *http.Request) error {
	ver, body, err := s.versionBody(r)
	if err != nil {
		return err
	}
	name := "response-body"
	if bodyOrigin(body).Imported {
		name = "imported-body" // not a response: see evidence.go
	}
	setDownload(w, fmt.Sprintf("%s-version-%d-%s.bin", ver.Watch, ver.ID, name), "application/octet-stream", len(body.Data))
	_, err = w.Write(body.Data)
	return err
}
