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

// Excerpt returns the first maxLines changed lines of the diff (all of them
// when maxLines <= 0) as plain text for emails and feeds, one per line:
// "- " and the old text, "+ " and the new. A long line keeps the words
// around its changes and marks what it leaves out with "…". Control
// characters are replaced by U+FFFD. When lines are left out, a last line
// says how many.
func (r *Result) Excerpt(maxLines int) string {
	var b strings.Builder
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
			if l.Op == Delete {
				b.WriteString("- ")
			} else {
				b.WriteString("+ ")
			}
			b.WriteString(printable(shorten(l)))
			b.WriteByte('\n')
		}
	}
	if more := total - shown; more > 0 {
		b.WriteString("… " + strconv.Itoa(more) + " more changed line")
		if more > 1 {
			b.WriteByte('s')
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// window is a byte range of a line.
type window struct{ start, end int }

// shorten returns a changed line's text, or for a long one the parts around
// its changed words, joined and ended with "…".
func shorten(l Line) string {
	text := l.Text
	if utf8.RuneCountInString(text) <= excerptWidth {
		return text
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

	var b strings.Builder
	runes, shownTo := 0, 0
	for k, w := range windows {
		left := excerptWidth - runes
		if k > 0 && left < excerptContext/2 {
			break // no room worth showing for another change
		}
		if k > 0 || w.start > 0 {
			b.WriteString("…")
		}
		part := text[w.start:w.end]
		n := utf8.RuneCountInString(part)
		if n > left {
			b.WriteString(cutWords(part, left))
			b.WriteString("…")
			return b.String()
		}
		runes += n
		b.WriteString(part)
		shownTo = w.end
	}
	if shownTo < len(text) {
		b.WriteString("…")
	}
	return b.String()
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
