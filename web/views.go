package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/monitor/extract"
)

// status is a watch's state at a glance.
type status struct {
	Key    string // ok, anomaly, fetch_error, never: the CSS class
	Label  string
	Detail string // the reason of an open episode
	Since  time.Time
}

// statusLabels are the words the overview shows for a watch's status key.
var statusLabels = map[string]string{"anomaly": "anomaly", "fetch_error": "fetch error", "never": "never checked", "ok": "ok"}

func watchStatus(s monitor.WatchSummary) status {
	var st status
	st.Key, st.Detail, st.Since = s.Status()
	st.Label = statusLabels[st.Key]
	return st
}

// watchView is a watch as the overview and the timeline head show it.
type watchView struct {
	listedWatch
	Status  status
	URLSafe bool // URL is http(s), so it may be a link
	Spark   spark
}

func newWatchView(w listedWatch) watchView {
	return watchView{listedWatch: w, Status: watchStatus(w.WatchSummary), URLSafe: extract.IsWebURL(w.URL)}
}

// listedWatch is a watch the web view lists (see monitor.ListWatches).
type listedWatch = monitor.ListedWatch

// The overview's bars: changes per month over the last sparkMonths.
const (
	sparkMonths    = 24
	sparkBarWidth  = 4
	sparkBarGap    = 1
	sparkHeight    = 20
	sparkMinHeight = 3 // a month with one change among months of many is still visible
)

// monthStart returns the first instant of t's month, UTC.
func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// sparkStart is the first month the overview's bars cover.
func sparkStart(now time.Time) time.Time { return monthStart(now).AddDate(0, -(sparkMonths - 1), 0) }

// monthlyCounts counts times by month from start on, sparkMonths months.
func monthlyCounts(times []time.Time, start time.Time) []int {
	counts := make([]int, sparkMonths)
	for _, t := range times {
		t = t.UTC()
		i := (t.Year()-start.Year())*12 + int(t.Month()) - int(start.Month())
		if 0 <= i && i < sparkMonths {
			counts[i]++
		}
	}
	return counts
}

// spark is a small SVG bar chart of changes per month, drawn as one path
// so that a page of hundreds of watches stays quick to render.
type spark struct {
	Width, Height int    // of the drawing: the bars and, below them, the axis
	AxisY         int    // top of the axis line
	Path          string // the bars, as SVG path data
	Total         int
	Label         string // what the chart says, for screen readers and as its tooltip
}

// newSpark draws counts with bars scaled to scaleMax, shared by every
// watch of the overview so that their bars compare.
func newSpark(counts []int, start time.Time, scaleMax int) spark {
	sp := spark{Width: len(counts) * (sparkBarWidth + sparkBarGap), Height: sparkHeight + 1, AxisY: sparkHeight}
	var path, months strings.Builder
	for i, n := range counts {
		sp.Total += n
		if n == 0 {
			continue
		}
		h := max(sparkMinHeight, n*sparkHeight/max(scaleMax, 1))
		fmt.Fprintf(&path, "M%d %dh%dv%dh-%dz", i*(sparkBarWidth+sparkBarGap), sparkHeight-h, sparkBarWidth, h, sparkBarWidth)
		if months.Len() > 0 {
			months.WriteString(", ")
		}
		fmt.Fprintf(&months, "%s: %d", start.AddDate(0, i, 0).Format("Jan 2006"), n)
	}
	sp.Path = path.String()
	sp.Label = fmt.Sprintf("%d %s since %s", sp.Total, plural(sp.Total, "change", "changes"), start.Format("January 2006"))
	if months.Len() > 0 {
		sp.Label += " (" + months.String() + ")"
	}
	return sp
}

// analysisView is an event's analysis as people read it.
type analysisView struct {
	// Lang is the language of the quoted sentences; "" unknown.
	Lang    string
	Summary string
	Dates   []dateView
	Topics  []topicGroup
	// Uses are the data a purpose now uses or no longer uses, grouped by
	// purpose and the place that says so; MoreUses counts those left out.
	Uses     []useView
	MoreUses int
	// FormsMoved are the objection forms whose address changed.
	FormsMoved []formMoveView
	Statements []statementView
	// MoreStatements counts the statements left out of Statements.
	MoreStatements int
	// API is the address of the event in the JSON API, with all its
	// statements and uses: where the page sends for those it leaves out.
	API string
}

// useView is the uses of one purpose that a change added or removed and
// one place of the text says: "AI training uses Posts (minors'),
// Comments (minors')", quoted.
type useView struct {
	Added      bool
	Purpose    string   // its label
	Categories []string // labels, "(minors')" after a minors' one
	Quote      string
	Context    string // the title, heading, lead-in or row title naming the purpose, when not the quote
	Section    string
}

// formMoveView is an objection form whose address changed: its text, and
// both addresses, each a link only when it is a web address.
type formMoveView struct {
	Text     string
	Old, New linkView
}

type dateView struct {
	Role           string // as messages name it: "Deadline to object", "AI training starts" (analyze.DateRoleName)
	Old, New       string // as people read them; "none" when absent
	OldISO, NewISO string
	Quote          string
}

type topicGroup struct {
	Name           string
	Added, Removed []string // labels
}

type statementView struct {
	Added   bool
	Labels  []string
	Quote   string
	Section string
}

// maxStatements bounds the statements a page quotes: a rewritten policy
// can add hundreds.
const maxStatements = 40

// newAnalysisView arranges a for a page that quotes at most statements
// statements and as many groups of uses (the timeline, 0: none).
func (s *Server) newAnalysisView(a *analyze.Analysis, statements int) *analysisView {
	if a == nil {
		return nil
	}
	v := &analysisView{Summary: a.Summary}
	for _, d := range a.Dates {
		v.Dates = append(v.Dates, dateView{
			Role: analyze.DateRoleName(d.Role, d.Use, s.label), Old: analyze.HumanDate(d.Old), New: analyze.HumanDate(d.New),
			OldISO: d.Old, NewISO: d.New, Quote: d.Quote,
		})
	}
	labels := func(ids []string) []string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = s.label(id)
		}
		return out
	}
	for _, g := range []struct {
		name           string
		added, removed []string
	}{
		{"Data collected or used", a.ScopeAdded, a.ScopeRemoved},
		{"Purposes", a.PurposesAdded, a.PurposesRemoved},
		{"Rights", a.RightsAdded, a.RightsRemoved},
	} {
		if len(g.added)+len(g.removed) > 0 {
			v.Topics = append(v.Topics, topicGroup{Name: g.name, Added: labels(g.added), Removed: labels(g.removed)})
		}
	}
	for i, g := range analyze.GroupUses(a.UsesAdded, a.UsesRemoved) {
		if i >= statements {
			v.MoreUses++
			continue
		}
		v.Uses = append(v.Uses, useView{Added: g.Added, Purpose: s.label(g.Uses[0].Purpose), Categories: g.Categories(s.label),
			Quote: g.Uses[0].Quote, Context: g.Uses[0].Context, Section: g.Uses[0].Section})
	}
	for _, m := range a.FormsMoved {
		v.FormsMoved = append(v.FormsMoved, formMoveView{Text: m.Text,
			Old: linkView{Href: m.Old, Web: extract.IsWebURL(m.Old)}, New: linkView{Href: m.New, Web: extract.IsWebURL(m.New)}})
	}
	for i, st := range a.Statements {
		if i >= statements {
			v.MoreStatements = len(a.Statements) - i
			break
		}
		v.Statements = append(v.Statements, statementView{
			Added: st.Change == analyze.Added, Labels: labels(st.IDs), Quote: st.Quote, Section: st.Section,
		})
	}
	return v
}

// block is one block of a version's readable text.
type block struct {
	Heading int      // 2–6 for a heading, 0 otherwise
	Text    string   // a heading's or paragraph's text
	Items   []string // a list's items
}

// readableBlocks reads the extractor's text format: one block per line,
// "#"s and a space before a heading, "- " before a list item. The page's
// own h1 is the version's title, so the text's headings start at h2.
func readableBlocks(text string) []block {
	var blocks []block
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimRight(line, " \t\r")
		if line == "" {
			continue
		}
		if item, ok := strings.CutPrefix(line, "- "); ok {
			if n := len(blocks); n > 0 && blocks[n-1].Items != nil {
				blocks[n-1].Items = append(blocks[n-1].Items, item)
			} else {
				blocks = append(blocks, block{Items: []string{item}})
			}
			continue
		}
		level := len(line) - len(strings.TrimLeft(line, "#"))
		if level > 0 && level < len(line) && line[level] == ' ' {
			blocks = append(blocks, block{Heading: min(level+1, 6), Text: line[level+1:]})
			continue
		}
		blocks = append(blocks, block{Text: line})
	}
	return blocks
}
