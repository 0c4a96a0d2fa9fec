package web

import (
	"fmt"

	"github.com/policywatch/policywatch/monitor/diff"
)

// The change view shows a diff.Result two ways: inline, as the diff's own
// lines, and side by side, old on the left and new on the right, a
// changed line next to the line it became.

// diffView is a diff as the templates show it.
type diffView struct {
	// Lang is the language of the texts compared, for their cells (a
	// screen reader reads a French policy in French); "" unknown.
	Lang                     string
	Hunks                    []hunkView
	LinesAdded, LinesRemoved int
	WordsAdded, WordsRemoved int
	Degraded                 bool
}

type hunkView struct {
	// Skipped is the number of unchanged lines between the previous hunk
	// (or the start) and this one.
	Skipped int
	Header  string
	Lines   []lineView // inline
	Rows    []sideRow  // side by side
}

// lineView is one line of the inline diff.
type lineView struct {
	Mark         string // "ins", "del" or "" for an unchanged line
	OldNo, NewNo int
	Spans        []spanView // the line's text, changed words marked
}

// spanView is a run of words; Mark is "ins", "del" or "".
type spanView struct {
	Mark string
	Text string
}

// sideRow is one row of the side-by-side diff; a nil side is empty.
type sideRow struct {
	Left, Right *lineView
}

// newDiffView converts d. side says whether to build the side-by-side
// rows (otherwise the inline lines).
func newDiffView(d *diff.Result, side bool) diffView {
	v := diffView{
		LinesAdded: d.LinesAdded, LinesRemoved: d.LinesRemoved,
		WordsAdded: d.WordsAdded, WordsRemoved: d.WordsRemoved,
		Degraded: d.Degraded,
	}
	nextOld := 1 // first old line not shown yet
	for _, h := range d.Hunks {
		hv := hunkView{Header: hunkHeader(h)}
		if first := firstOldLine(h); first > 0 {
			hv.Skipped = first - nextOld
		}
		lines := make([]lineView, len(h.Lines))
		for i, l := range h.Lines {
			lines[i] = newLineView(l)
			if l.OldNo > 0 {
				nextOld = l.OldNo + 1
			}
		}
		if side {
			hv.Rows = sideBySide(h.Lines, lines)
		} else {
			hv.Lines = lines
		}
		v.Hunks = append(v.Hunks, hv)
	}
	return v
}

func firstOldLine(h diff.Hunk) int {
	for _, l := range h.Lines {
		if l.OldNo > 0 {
			return l.OldNo
		}
	}
	return 0
}

func hunkHeader(h diff.Hunk) string {
	span := func(start, n int) string {
		switch n {
		case 0:
			return "none"
		case 1:
			return fmt.Sprintf("line %d", start)
		}
		return fmt.Sprintf("lines %d–%d", start, start+n-1)
	}
	return fmt.Sprintf("Old %s · new %s", span(h.OldStart, h.OldLines), span(h.NewStart, h.NewLines))
}

func newLineView(l diff.Line) lineView {
	lv := lineView{OldNo: l.OldNo, NewNo: l.NewNo, Mark: mark(l.Op)}
	if l.Spans == nil {
		lv.Spans = []spanView{{Text: l.Text}}
		return lv
	}
	lv.Spans = make([]spanView, len(l.Spans))
	for i, sp := range l.Spans {
		lv.Spans[i] = spanView{Mark: mark(sp.Op), Text: sp.Text}
	}
	return lv
}

func mark(op diff.Op) string {
	switch op {
	case diff.Insert:
		return "ins"
	case diff.Delete:
		return "del"
	}
	return ""
}

// sideBySide lays out a hunk's lines in rows. The diff puts a changed line
// and the line it became one after the other, both with spans: they share
// a row. Within a run of changes, the other deleted lines are set beside
// the other inserted ones in order, as most side-by-side views do.
func sideBySide(lines []diff.Line, views []lineView) []sideRow {
	var rows []sideRow
	var dels, ins []*lineView
	flush := func() {
		for i := 0; i < max(len(dels), len(ins)); i++ {
			var r sideRow
			if i < len(dels) {
				r.Left = dels[i]
			}
			if i < len(ins) {
				r.Right = ins[i]
			}
			rows = append(rows, r)
		}
		dels, ins = dels[:0], ins[:0]
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case l.Op == diff.Equal:
			flush()
			rows = append(rows, sideRow{Left: &views[i], Right: &views[i]})
		case l.Op == diff.Delete && l.Spans != nil && i+1 < len(lines) && lines[i+1].Op == diff.Insert && lines[i+1].Spans != nil:
			flush()
			rows = append(rows, sideRow{Left: &views[i], Right: &views[i+1]})
			i++
		case l.Op == diff.Delete:
			dels = append(dels, &views[i])
		default:
			ins = append(ins, &views[i])
		}
	}
	flush()
	return rows
}
