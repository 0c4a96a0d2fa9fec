package diff

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	// excerptWidth is the most runes of a line's text an excerpt line
	// keeps, the "…" marks aside: an email preview, not a paragraph.
	excerptWidth = 160
	// excerptContext is how much unchanged text, in runes, an excerpt keeps
	// on each side of a changed run of words.
	excerptContext = 40
	// excerptJoin: windows of a line closer than this many bytes are shown
	// as one, the gap costing hardly more than a "…".
	excerptJoin = 8
)

// ExcerptPiece is a run of an excerpt line's text. Changed says it is part
// of a changed span of words (a Delete span on a deleted line, an Insert
// span on an inserted one): the words that differ from the paired line.
type ExcerptPiece struct {
	Text    string
	Changed bool
}

// ExcerptLine is one line of an excerpt, in pieces: Op is Delete or
// Insert for a changed line, Equal for the last line that says how many
// changed lines were left out. Its pieces, joined, are the line's text:
// shortened, control characters replaced. They are never empty, and two in
// a row differ in Changed. The pieces of a line without word highlights
// (unpaired, see Line.Spans) and of the last line are not Changed.
type ExcerptLine struct {
	Op     Op
	Pieces []ExcerptPiece
}

// Text returns the line's text: its pieces joined.
func (l ExcerptLine) Text() string {
	if len(l.Pieces) == 1 {
		return l.Pieces[0].Text
	}
	var b strings.Builder
	for _, p := range l.Pieces {
		b.WriteString(p.Text)
	}
	return b.String()
}

// ExcerptLines returns the first maxLines changed lines of the diff (all
// of them when maxLines <= 0), for emails and feeds, each in pieces that
// say which of its words changed, for a renderer that marks them (an HTML
// email). A long line keeps the words around its changes and marks what it
// leaves out with "…". Control characters are replaced by U+FFFD. When
// lines are left out, a last line says how many.
func (r *Result) ExcerptLines(maxLines int) []ExcerptLine {
	var out []ExcerptLine
	shown, total := 0, 0
	for _, h := range r.Hunks {
		for _, l := range h.Lines {
			if l.Op == Equal {
				continue
			}
			total++
			if maxLines > 0 && shown >= maxLines {
				continue
			}
			shown++
			out = append(out, ExcerptLine{Op: l.Op, Pieces: printablePieces(shorten(l))})
		}
	}
	if more := total - shown; more > 0 {
		note := "… " + strconv.Itoa(more) + " more changed line"
		if more > 1 {
			note += "s"
		}
		out = append(out, ExcerptLine{Op: Equal, Pieces: []ExcerptPiece{{Text: note}}})
	}
	return out
}

// excerptText collects the pieces of an excerpt line, merging neighbours
// of the same kind and dropping empty text.
type excerptText []ExcerptPiece

func (t *excerptText) add(text string, changed bool) {
	if text == "" {
		return
	}
	if n := len(*t); n > 0 && (*t)[n-1].Changed == changed {
		(*t)[n-1].Text += text
		return
	}
	*t = append(*t, ExcerptPiece{Text: text, Changed: changed})
}

// addRange adds the bytes [start, end) of l.Text, in pieces along its spans.
func (t *excerptText) addRange(l Line, start, end int) {
	if l.Spans == nil {
		t.add(l.Text[start:end], false)
		return
	}
	pos := 0
	for _, s := range l.Spans {
		spanEnd := pos + len(s.Text)
		if from, to := max(pos, start), min(spanEnd, end); from < to {
			t.add(l.Text[from:to], s.Op != Equal)
		}
		if spanEnd >= end {
			break
		}
		pos = spanEnd
	}
}

// printablePieces replaces the control characters of the pieces as
// printable does those of the line they make up: when the line has any,
// every piece is mapped, so that the pieces and the line agree even on
// invalid UTF-8 (which the mapping replaces too).
func printablePieces(pieces []ExcerptPiece) []ExcerptPiece {
	control := false
	for _, p := range pieces {
		control = control || hasControl(p.Text)
	}
	if !control {
		return pieces
	}
	for k := range pieces {
		pieces[k].Text = replaceControls(pieces[k].Text)
	}
	return pieces
}

// window is a byte range of a line.
type window struct{ start, end int }

// shorten returns a changed line's text in pieces, or for a long one the
// parts around its changed words, joined and ended with "…".
func shorten(l Line) []ExcerptPiece {
	var t excerptText
	text := l.Text
	if utf8.RuneCountInString(text) <= excerptWidth {
		t.addRange(l, 0, len(text))
		return t
	}
	// Windows around the changed spans, and around the places between two
	// equal spans where the counterpart line has words this one lacks.
	var windows []window
	pos := 0
	for k, s := range l.Spans {
		end := pos + len(s.Text)
		var w window
		switch {
		case s.Op != Equal:
			w = widen(text, pos, end)
		case k > 0 && l.Spans[k-1].Op == Equal:
			w = widen(text, pos, pos)
		default:
			pos = end
			continue
		}
		if n := len(windows); n > 0 && w.start <= windows[n-1].end+excerptJoin {
			windows[n-1].end = max(windows[n-1].end, w.end)
		} else {
			windows = append(windows, w)
		}
		pos = end
	}
	if len(windows) == 0 {
		windows = []window{{0, len(text)}} // unpaired: its start
	}

	runes, shownTo := 0, 0
	for k, w := range windows {
		left := excerptWidth - runes
		if k > 0 && left < excerptContext/2 {
			break // no room worth showing for another change
		}
		if k > 0 || w.start > 0 {
			t.add("…", false)
		}
		part := text[w.start:w.end]
		n := utf8.RuneCountInString(part)
		if n > left {
			t.addRange(l, w.start, w.start+len(cutWords(part, left)))
			t.add("…", false)
			return t
		}
		runes += n
		t.addRange(l, w.start, w.end)
		shownTo = w.end
	}
	if shownTo < len(text) {
		t.add("…", false)
	}
	return t
}

// widen extends the byte range [start, end) of text by excerptContext runes
// each side, then back to whole words where a space allows.
func widen(text string, start, end int) window {
	w := window{start, end}
	for n := 0; n < excerptContext && w.start > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:w.start])
		w.start -= size
	}
	if w.start > 0 {
		if i := strings.IndexByte(text[w.start:start], ' '); i >= 0 {
			w.start += i + 1
		}
	}
	for n := 0; n < excerptContext && w.end < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[w.end:])
		w.end += size
	}
	if w.end < len(text) {
		if i := strings.LastIndexByte(text[end:w.end], ' '); i >= 0 {
			w.end = end + i
		}
	}
	return w
}

// cutWords returns the first n runes of s, shortened to the last space in
// their second half so that no word is cut, when there is one.
func cutWords(s string, n int) string {
	end := 0
	for k := 0; k < n && end < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	if end < len(s) {
		if i := strings.LastIndexByte(s[:end], ' '); i > end/2 {
			end = i
		}
	}
	return s[:end]
}
