package notify

import (
	"container/list"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/monitor/diff"
	"github.com/policywatch/policywatch/monitor/extract"
	"github.com/policywatch/policywatch/notify/email"
)

// Caps on what one change shows. Scraped text is long and hostile; a
// notification is a pointer to the web view, not a copy of the policy.
const (
	maxSummary    = 600 // runes
	maxQuote      = 400 // runes
	maxDates      = 10
	maxScope      = 20 // scope and rights together
	maxForms      = 5
	maxUseNames   = 20  // categories named on one line of uses; the rest are counted
	maxContext    = 200 // runes of the title or lead-in that names a use's purpose
	maxDigestRows = 30  // changes in one digest; the rest are counted

	maxExcerptLine = 400 // runes of a changed line of the excerpt
	// maxMarks is the most runs of changed words an excerpt line marks in
	// HTML: past it, the line is a rewrite, shown whole as before, and the
	// markup a line adds stays a few hundred bytes.
	maxMarks = 8
)

// detail says how much of a change a message shows.
type detail struct {
	quotes, excerptLines int
}

var (
	alertDetail  = detail{quotes: 6, excerptLines: 8}
	digestDetail = detail{quotes: 3, excerptLines: 4}
	feedDetail   = detail{quotes: 6, excerptLines: 8}
)

// changeView is what people read of one event, made safe and short.
type changeView struct {
	Watch      string
	Verb       string // "changed", "went back to the text first seen on 3 May 2026 (version 3)"
	Severity   monitor.Severity
	When       string // "28 May 2025 00:30 UTC"
	Summary    string
	Dates      []dateView
	Scope      []scopeView // what is collected, and why
	Uses       []useView   // the data a purpose now uses or no longer uses
	MoreUses   int
	Rights     []scopeView // the rights the policy states
	FormsMoved []formMoveView
	Quotes     []quoteView
	MoreQuotes int
	Excerpt    []excerptLine
	Forms      []linkView
	Title      string // the page's title, as scraped
	URL        string // the web view; "" without a base URL
}

// dateView is a date changed, its values as people read them ("1 Jul
// 2026", or "none"). Note says where the new date stands against the
// message's date, for the dates a reader must act by: "passed", "today",
// "in 3 days". Role is the date's role as people read it
// (analyze.DateRoleName, as the web view names it), role the analysis's.
type dateView struct {
	Role, Old, New, Note, Quote string
	role                        analyze.DateRole
	startsAI                    bool // the day AI training starts
	days                        int  // from the message's day to New, when Note says where it stands: negative once passed
}

type scopeView struct{ Sign, What, Label string }

type quoteView struct{ Sign, Text, Section string }

// useView is the uses of one purpose that a change added ("+") or removed
// ("−") and one place of the policy says: "AI training uses Posts
// (minors'), Comments (minors')", quoted, with the title or lead-in that
// names the purpose (Context) when it is not the quote.
type useView struct{ Sign, Purpose, Categories, Quote, Context, Section string }

// formMoveView is an objection form whose address changed.
type formMoveView struct {
	Text     string
	Old, New linkView
}

// excerptLine is a line of the diff excerpt: Text as the text part shows
// it and, for a changed line with changed words to mark, Pieces, the same
// text in runs for the HTML part.
type excerptLine struct {
	Sign, Text string
	Pieces     []excerptPiece
}

// excerptPiece is a run of an excerpt line's text: Mark is "del" (on a
// removed line) or "ins" (on an added one) for words that differ from the
// paired line, "" for the rest.
type excerptPiece struct{ Text, Mark string }

// linkView is a link found in the policy. Only http(s) links are ever
// made clickable; others are shown as text. Text is empty for a clickable
// link whose text is its address (or nothing), shown once.
type linkView struct {
	Text, Href string
	Clickable  bool
}

// Dates are shown to readers one way in every message, as the analysis's
// summaries write them ("14 Jul 2026", analyze.HumanDate); machine-readable
// places (a feed's <updated>, JSON) keep RFC 3339.
const humanTime = analyze.DayLayout + " 15:04 UTC"

// soonDays is how many days ahead a deadline, an upcoming date or the
// start of a use is said to be "in N days".
const soonDays = 14

// changeView builds the view of e with the detail d, as a message dated
// asOf reads it: a deadline before asOf is marked as passed. A zero asOf
// (a feed, kept and read long after it is rendered) marks no date.
func (s *Service) changeView(ctx context.Context, e *monitor.Event, d detail, asOf time.Time) (*changeView, error) {
	v := &changeView{
		Watch: oneLine(e.Watch, 100), Severity: e.Severity, When: e.Time.UTC().Format(humanTime),
		Summary: oneLine(e.Summary, maxSummary), URL: s.eventURL(e.ID),
	}
	switch e.Kind {
	case monitor.KindChange:
		v.Verb = "changed"
	case monitor.KindRevert:
		v.Verb = fmt.Sprintf("went back to version %d", e.RevertedTo) // and its date, below
	case monitor.KindBaseline:
		v.Verb = "was captured for the first time"
	default:
		v.Verb = string(e.Kind)
	}
	if a := e.Analysis; a != nil {
		for _, dc := range a.Dates {
			if len(v.Dates) == maxDates {
				break
			}
			// As the summary names it ("AI training starts"), and as the
			// web view does.
			role := analyze.DateRoleName(dc.Role, dc.Use, func(id string) string { return oneLine(s.taxonomy.Label(id, "en"), 60) })
			dv := dateView{Role: role, Old: humanDate(dc.Old), New: humanDate(dc.New), Quote: oneLine(dc.Quote, maxQuote), role: dc.Role, startsAI: dc.StartsAITraining()}
			if dc.Role == analyze.RoleDeadline || dc.Role == analyze.RoleUpcoming || dc.Role == analyze.RoleStart {
				// A policy's dates are calendar days; its readers' today is
				// that of the zone their digests go out in (the schedule's
				// CRON_TZ, else the daemon's), not UTC's: at 08:00 in Tokyo
				// a deadline that day is today, not tomorrow.
				dv.Note, dv.days = dateNote(dc.New, asOf.In(scheduleLocation(s.digest, asOf.Location())))
			}
			v.Dates = append(v.Dates, dv)
		}
		// Losses for the reader first: more collected, new purposes, rights
		// gone; rights are not what is collected, and have their heading.
		scope := func(to *[]scopeView, sign, what string, ids []string) {
			for _, id := range ids {
				if len(v.Scope)+len(v.Rights) < maxScope {
					*to = append(*to, scopeView{Sign: sign, What: what, Label: oneLine(s.taxonomy.Label(id, "en"), 120)})
				}
			}
		}
		scope(&v.Scope, "+", "collected", a.ScopeAdded)
		scope(&v.Scope, "+", "purpose", a.PurposesAdded)
		scope(&v.Rights, "−", "right", a.RightsRemoved)
		scope(&v.Scope, "−", "collected", a.ScopeRemoved)
		scope(&v.Scope, "−", "purpose", a.PurposesRemoved)
		scope(&v.Rights, "+", "right", a.RightsAdded)
		v.Uses, v.MoreUses = s.useViews(a.UsesAdded, a.UsesRemoved, d.quotes)
		for _, m := range a.FormsMoved {
			if len(v.FormsMoved) == maxForms {
				break
			}
			v.FormsMoved = append(v.FormsMoved, formMoveView{Text: oneLine(m.Text, 120), Old: formLink("", m.Old), New: formLink("", m.New)})
		}
		for _, st := range a.Statements {
			if len(v.Quotes) == d.quotes {
				v.MoreQuotes++
				continue
			}
			sign := "+"
			if st.Change == analyze.Removed {
				sign = "−"
			}
			v.Quotes = append(v.Quotes, quoteView{Sign: sign, Text: oneLine(st.Quote, maxQuote), Section: oneLine(st.Section, 120)})
		}
	}
	if e.Version != 0 {
		info, err := s.versionInfo(ctx, e.PreviousVersion, e.Version, d.excerptLines)
		if err != nil {
			return nil, err
		}
		v.Excerpt = info.lines
		if !strings.EqualFold(info.title, v.Watch) {
			v.Title = info.title
		}
		if e.Severity == monitor.SeverityCritical {
			v.Forms = info.forms
		}
		if e.Kind == monitor.KindRevert && e.RevertedTo == e.Version && !info.firstSeen.IsZero() {
			// "version 5" means nothing in a mailbox: say which text it is.
			day := info.firstSeen.UTC().Format(analyze.DayLayout)
			v.Verb = fmt.Sprintf("went back to the text first seen on %s (version %d)", day, e.RevertedTo)
		}
	}
	return v, nil
}

// humanDate is a date of the analysis ("2026-07-14", "2026-07") as the
// summaries write it ("14 Jul 2026", "Jul 2026"); "none" for no date.
func humanDate(iso string) string { return oneLine(analyze.HumanDate(iso), 40) }

// dateNote says where the date iso ("2026-07-14", or a month, "2026-07")
// stands against the day of asOf, in asOf's zone: "passed" before it, "today",
// "tomorrow" and "in N days" up to soonDays ahead, "" further on, for a
// zero asOf, or for no date a reader can act by; and, with a note, how
// many days after asOf's day the date is (negative: passed).
func dateNote(iso string, asOf time.Time) (string, int) {
	if asOf.IsZero() || iso == "" {
		return "", 0
	}
	y, m, d := asOf.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t, err := time.Parse(time.DateOnly, iso); err == nil {
		switch days := int(t.Sub(today).Hours() / 24); {
		case days < 0:
			return "passed", days
		case days == 0:
			return "today", days
		case days == 1:
			return "tomorrow", days
		case days <= soonDays:
			return fmt.Sprintf("in %d days", days), days
		}
		return "", 0
	}
	if t, err := time.Parse("2006-01", iso); err == nil && t.AddDate(0, 1, 0).Compare(today) <= 0 {
		return "passed", -1 // the whole month is over
	}
	return "", 0
}

// versionInfo returns the title of the version newID, the objection forms
// it offers, when it was first seen, and the first lines of the diff from
// oldID (none when oldID is 0). It is cached: versions never change, and a
// digest, an alert and a feed often show the same change.
func (s *Service) versionInfo(ctx context.Context, oldID, newID int64, lines int) (cachedInfo, error) {
	key := infoKey{oldID, newID, lines}
	if c, ok := s.excerpts.get(key); ok {
		return c, nil
	}
	newV, err := s.store.Version(ctx, newID)
	if err != nil {
		return cachedInfo{}, fmt.Errorf("version %d: %w", newID, err)
	}
	info := cachedInfo{title: oneLine(newV.Title, 120), forms: objectionForms(monitor.Facts(s.taxonomy, newV)), firstSeen: newV.FirstSeen}
	if oldID != 0 {
		oldV, err := s.store.Version(ctx, oldID)
		if err != nil {
			return cachedInfo{}, fmt.Errorf("version %d: %w", oldID, err)
		}
		for _, l := range diff.Compute(oldV.Text, newV.Text, 0).ExcerptLines(lines) {
			switch l.Op {
			case diff.Delete:
				info.lines = append(info.lines, changedLine("−", "del", l))
			case diff.Insert:
				info.lines = append(info.lines, changedLine("+", "ins", l))
			default: // how many lines were left out
				info.lines = append(info.lines, excerptLine{Text: oneLine(l.Text(), 100)})
			}
		}
	}
	s.excerpts.put(key, info)
	return info, nil
}

// changedLine is the excerpt line of l, a removed or added line, its
// changed words marked with mark.
func changedLine(sign, mark string, l diff.ExcerptLine) excerptLine {
	text := oneLine(l.Text(), maxExcerptLine)
	return excerptLine{Sign: sign, Text: text, Pieces: markWords(l.Pieces, mark, text, maxExcerptLine)}
}

// markWords cleans the pieces of a line as oneLine(line, max) cleans the
// line and returns them as runs, the changed ones marked with mark; joined,
// they are want, the line as oneLine cleaned it. A space folded from white
// space or control characters is marked only inside a changed run, so that
// a mark starts and ends on a word. It returns nil, the line to be shown
// whole, when no word changed, when more than maxMarks runs did, or should
// the pieces cleaned not join to want.
func markWords(pieces []diff.ExcerptPiece, mark, want string, max int) []excerptPiece {
	var b strings.Builder
	type run struct {
		start   int
		changed bool
	}
	var runs []run
	emit := func(r rune, changed bool) {
		if n := len(runs); n == 0 || runs[n-1].changed != changed {
			runs = append(runs, run{b.Len(), changed})
		}
		b.WriteRune(r)
	}
	// The rules of email.HeaderText, piece by piece: a run of invalid
	// bytes is one U+FFFD; white space, control and format characters
	// separate words, which are joined by one space.
	space, spaceChanged, invalid := false, true, false
	for _, p := range pieces {
		for i := 0; i < len(p.Text); {
			r, size := utf8.DecodeRuneInString(p.Text[i:])
			i += size
			if r == utf8.RuneError && size == 1 {
				if invalid {
					continue
				}
				invalid = true
			} else {
				invalid = false
			}
			if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				if b.Len() > 0 {
					space, spaceChanged = true, spaceChanged && p.Changed
				}
				continue
			}
			if space {
				emit(' ', spaceChanged && runs[len(runs)-1].changed && p.Changed)
				space, spaceChanged = false, true
			}
			emit(r, p.Changed)
		}
	}
	s := b.String()
	if max > 0 && utf8.RuneCountInString(s) > max {
		cut := 0
		for range max - 1 {
			_, size := utf8.DecodeRuneInString(s[cut:])
			cut += size
		}
		for len(runs) > 0 && runs[len(runs)-1].start >= cut {
			runs = runs[:len(runs)-1]
		}
		s = s[:cut] + "…"
		if n := len(runs); n == 0 || runs[n-1].changed {
			runs = append(runs, run{cut, false})
		}
	}
	if s != want {
		return nil
	}
	marks := 0
	for _, r := range runs {
		if r.changed {
			marks++
		}
	}
	if marks == 0 || marks > maxMarks {
		return nil
	}
	out := make([]excerptPiece, len(runs))
	for k, r := range runs {
		end := len(s)
		if k+1 < len(runs) {
			end = runs[k+1].start
		}
		out[k] = excerptPiece{Text: s[r.start:end]}
		if r.changed {
			out[k].Mark = mark
		}
	}
	return out
}

// useViews groups the uses added, then those removed, by purpose and by
// the place that says them, and returns at most max groups and the count
// of those left out.
func (s *Service) useViews(added, removed []analyze.UseChange, max int) ([]useView, int) {
	groups := analyze.GroupUses(added, removed)
	var out []useView
	for _, g := range groups[:min(len(groups), max)] {
		names := analyze.UseGroup{Uses: g.Uses[:min(len(g.Uses), maxUseNames)]}.Categories(func(id string) string { return s.taxonomy.Label(id, "en") })
		list := strings.Join(names, ", ")
		if rest := len(g.Uses) - len(names); rest > 0 {
			list += fmt.Sprintf(" and %d more", rest)
		}
		u := g.Uses[0]
		out = append(out, useView{Sign: signOf(g.Added), Purpose: oneLine(s.taxonomy.Label(u.Purpose, "en"), 120),
			Categories: oneLine(list, maxUseNames*40), Quote: oneLine(u.Quote, maxQuote),
			Context: oneLine(u.Context, maxContext), Section: oneLine(u.Section, 120)})
	}
	return out, len(groups) - len(out)
}

// maxFormHref is the longest objection form address a message shows.
const maxFormHref = 500

// formLink is an objection form's link as a message shows it: its
// address cut to maxFormHref, clickable only when it is a web address and
// was not cut.
func formLink(text, href string) linkView {
	// A link cut to fit is shown, not followed: it leads elsewhere.
	shown := oneLine(href, maxFormHref)
	return linkView{Text: oneLine(text, 120), Href: shown, Clickable: shown == href && extract.IsWebURL(href)}
}

// objectionForms returns the links the policy offers with the right to
// object: where to act before a deadline.
func objectionForms(f *analyze.FactSheet) []linkView {
	var out []linkView
	for _, l := range f.ObjectionForms() {
		if len(out) == maxForms {
			break
		}
		f := formLink(l.Text, l.Href)
		if f.Clickable && oneLine(l.Text, maxFormHref) == f.Href {
			f.Text = "" // the address is the text: shown once
		}
		out = append(out, f)
	}
	return out
}

// oneLine makes scraped text safe to show on one line. Every text a
// message or feed shows follows the rule of email headers, so that the same
// value is never cleaned two ways.
func oneLine(s string, max int) string { return email.HeaderText(s, max) }

type infoKey struct {
	oldID, newID int64
	lines        int
}

type cachedInfo struct {
	title     string
	lines     []excerptLine
	forms     []linkView
	firstSeen time.Time // of the new version
}

// excerptCache is a small LRU of excerpts: diffs of long policies cost
// milliseconds each, and feeds are read often.
type excerptCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of cachedEntry, most recent first
	items map[infoKey]*list.Element
}

type cachedEntry struct {
	key  infoKey
	info cachedInfo
}

func newExcerptCache(max int) *excerptCache {
	return &excerptCache{max: max, order: list.New(), items: map[infoKey]*list.Element{}}
}

func (c *excerptCache) get(k infoKey) (cachedInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return cachedInfo{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(cachedEntry).info, true
}

func (c *excerptCache) put(k infoKey, v cachedInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.order.MoveToFront(el)
		el.Value = cachedEntry{k, v}
		return
	}
	c.items[k] = c.order.PushFront(cachedEntry{k, v})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(cachedEntry).key)
	}
}

// signOf is the sign of a use added ("+") or removed ("−").
func signOf(added bool) string {
	if added {
		return "+"
	}
	return "−"
}
