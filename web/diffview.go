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
	// Shown is how many of the diff's lines the view holds; Cut says it
	// holds not all of them (past maxDiffLines), and NotShown how many
	// changed lines it leaves out.
	Shown, NotShown int
	Cut             bool
}

// maxDiffLines is how many lines of a diff the change view shows: a whole
// policy text is a few thousand lines, and a page can make one of 300,000
// changed lines, whose view took 13 s and 700 MB to make and 134 MB to
// send.
const maxDiffLines = 10_000

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

// newDiffView converts d, up to maxLines of its lines. side says whether
// to build the side-by-side rows (otherwise the inline lines).
func newDiffView(d *diff.Result, side bool, maxLines int) diffView {
	v := diffView{
		LinesAdded: d.LinesAdded, LinesRemoved: d.LinesRemoved,
		WordsAdded: d.WordsAdded, WordsRemoved: d.WordsRemoved,
		Degraded: d.Degraded,
	}
	nextOld := 1 // first old line not shown yet
	for _, h := range d.Hunks {
		if v.Shown+len(h.Lines) > maxLines {
			v.Cut = true
			v.NotShown = changedLines(h.Lines[maxLines-v.Shown:])
			for _, rest := range d.Hunks[len(v.Hunks)+1:] {
				v.NotShown += changedLines(rest.Lines)
			}
			h.Lines = h.Lines[:maxLines-v.Shown]
			if len(h.Lines) == 0 {
				break
			}
		}
		v.Shown += len(h.Lines)
		hv := hunkView{Header: hunkHeader(h)}
		if v.Cut {
			hv.Header = shownHeader(h.Lines) // not the whole hunk's: its caption
		}
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
		if v.Cut {
			break
		}
	}
	return v
}

// changedLines counts the lines of lines that are not Equal.
func changedLines(lines []diff.Line) int {
	n := 0
	for _, l := range lines {
		if l.Op != diff.Equal {
			n++
		}
	}
	return n
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

// shownHeader is the header of the lines of a hunk cut short: the old
// and new lines they hold.
func shownHeader(lines []diff.Line) string {
	var h diff.Hunk
	for _, l := range lines {
		if l.OldNo > 0 {
			if h.OldLines == 0 {
				h.OldStart = l.OldNo
			}
			h.OldLines++
		}
		if l.NewNo > 0 {
			if h.NewLines == 0 {
				h.NewStart = l.NewNo
			}
			h.NewLines++
		}
	}
	return hunkHeader(h)
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
