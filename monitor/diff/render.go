package diff

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RenderOptions say how WriteUnified writes a diff.
type RenderOptions struct {
	// Color writes ANSI colours: deleted lines red, inserted lines green,
	// changed words in bold reverse video. Whether the output is a terminal
	// is the caller's call.
	//
	// With Color or Width, control characters of the texts and labels are
	// written as U+FFFD: the texts are scraped, and an escape sequence in
	// them must not reach a terminal as one. Without either, the output is
	// byte for byte what patch needs.
	Color bool

	// OldLabel and NewLabel follow "---" and "+++"; empty: "a" and "b".
	OldLabel, NewLabel string

	// Width, when positive, wraps lines longer than Width columns at spaces,
	// each continuation row starting with its line's marker. Wrapped output
	// is for reading: patch needs Width 0. Columns are counted per rune,
	// two for East Asian wide characters, none for combining marks.
	Width int
}

// ANSI escape sequences. Each output row closes what it opens, so rows can
// be paged or cut without colours bleeding.
const (
	ansiReset     = "\x1b[0m"
	ansiBold      = "\x1b[1m"
	ansiCyan      = "\x1b[36m"
	ansiRed       = "\x1b[31m"
	ansiGreen     = "\x1b[32m"
	ansiHighlight = "\x1b[1;7m"   // bold, reverse video
	ansiNoHigh    = "\x1b[22;27m" // normal intensity, reverse off
)

// WriteUnified writes r as a unified diff: "--- old" and "+++ new" headers,
// then each hunk under its "@@ -l,n +l,n @@" header, with a line's paired
// counterpart right after it. Without Color and Width, patch(1) applied to
// the old text gives the new one, each ending with a line break (Compute
// does not compare the final one, and no line is marked "\ No newline at
// end of file"). An empty result writes nothing.
func (r *Result) WriteUnified(w io.Writer, opt RenderOptions) error {
	if r.Empty() {
		return nil
	}
	p := printer{w: bufio.NewWriter(w), opt: opt, sanitize: opt.Color || opt.Width > 0}
	p.plain(ansiBold, "--- "+orDefault(opt.OldLabel, "a"))
	p.plain(ansiBold, "+++ "+orDefault(opt.NewLabel, "b"))
	for _, h := range r.Hunks {
		p.plain(ansiCyan, "@@ -"+hunkRange(h.OldStart, h.OldLines)+" +"+hunkRange(h.NewStart, h.NewLines)+" @@")
		for _, l := range h.Lines {
			p.line(l)
		}
	}
	// bufio.Writer keeps the first write error and returns it here.
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("write unified diff: %w", err)
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// hunkRange formats one side of a hunk header as diff -u does: the count
// is left out when it is 1.
func hunkRange(start, count int) string {
	if count == 1 {
		return strconv.Itoa(start)
	}
	return strconv.Itoa(start) + "," + strconv.Itoa(count)
}

type printer struct {
	w        *bufio.Writer
	opt      RenderOptions
	sanitize bool    // write control characters as U+FFFD
	row      []piece // reused
}

// text returns s as the printer writes it.
func (p *printer) text(s string) string {
	if p.sanitize {
		return printable(s)
	}
	return s
}

// piece is a part of an output row, highlighted or not.
type piece struct {
	text      string
	highlight bool
}

// plain writes a header row, not wrapped, in color when colours are on.
func (p *printer) plain(color, text string) {
	text = p.text(text)
	if p.opt.Color && color != "" {
		p.w.WriteString(color + text + ansiReset + "\n")
		return
	}
	p.w.WriteString(text + "\n")
}

func (p *printer) line(l Line) {
	marker, color := " ", ""
	switch l.Op {
	case Delete:
		marker, color = "-", ansiRed
	case Insert:
		marker, color = "+", ansiGreen
	}
	pieces := []piece{{text: p.text(l.Text)}}
	if l.Spans != nil {
		pieces = make([]piece, len(l.Spans))
		for k, s := range l.Spans {
			pieces[k] = piece{text: p.text(s.Text), highlight: s.Op != Equal}
		}
	}
	if p.opt.Width <= 0 {
		p.row = append(p.row[:0], pieces...)
		p.writeRow(marker, color)
		return
	}
	p.wrap(marker, color, pieces)
}

// writeRow writes the pieces of p.row after the marker.
func (p *printer) writeRow(marker, color string) {
	if !p.opt.Color || color == "" {
		p.w.WriteString(marker)
		for _, pc := range p.row {
			p.w.WriteString(pc.text)
		}
		p.w.WriteByte('\n')
		return
	}
	p.w.WriteString(color + marker)
	for _, pc := range p.row {
		if pc.highlight {
			p.w.WriteString(ansiHighlight + pc.text + ansiNoHigh)
		} else {
			p.w.WriteString(pc.text)
		}
	}
	p.w.WriteString(ansiReset + "\n")
}

// wrap writes a line as rows of at most Width columns, marker included,
// breaking at white space, or inside a word longer than a row. The space
// at a break is dropped.
func (p *printer) wrap(marker, color string, pieces []piece) {
	avail := max(p.opt.Width-1, 1)
	p.row = p.row[:0]
	used := 0
	continued := false // a row of this line was written
	flush := func() {
		p.writeRow(marker, color)
		p.row = p.row[:0]
		used = 0
		continued = true
	}
	// breakRow ends a row before the line's end, without the spaces the
	// break falls on.
	breakRow := func() {
		for n := len(p.row); n > 0; n = len(p.row) {
			last := &p.row[n-1]
			last.text = strings.TrimRightFunc(last.text, unicode.IsSpace)
			if last.text != "" {
				break
			}
			p.row = p.row[:n-1]
		}
		flush()
	}
	add := func(text string, highlight bool, width int) {
		if n := len(p.row); n > 0 && p.row[n-1].highlight == highlight {
			p.row[n-1].text += text
		} else {
			p.row = append(p.row, piece{text, highlight})
		}
		used += width
	}
	for _, pc := range pieces {
		for i := 0; i < len(pc.text); {
			end, _ := nextToken(pc.text, i)
			tok := pc.text[i:end]
			i = end
			w := textWidth(tok)
			space := isSpaceToken(tok)
			switch {
			case used+w <= avail:
				if space && used == 0 && continued {
					continue // no leading space on a continuation row
				}
				add(tok, pc.highlight, w)
			case space:
				if used > 0 {
					breakRow()
				}
			case w <= avail:
				breakRow()
				add(tok, pc.highlight, w)
			default:
				// A word longer than a row: cut it by columns.
				for _, r := range tok {
					rw := runeWidth(r)
					if used+rw > avail && used > 0 {
						breakRow()
					}
					add(string(r), pc.highlight, rw)
				}
			}
		}
	}
	if len(p.row) > 0 || !continued {
		flush() // the last row, or the only one of an empty line
	}
}

func isSpaceToken(tok string) bool {
	r, _ := utf8.DecodeRuneInString(tok)
	return unicode.IsSpace(r)
}

func textWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

// runeWidth approximates the terminal columns of r: 0 for combining and
// format characters, 2 for East Asian wide ones, else 1.
func runeWidth(r rune) int {
	switch {
	case r < 0x300:
		return 1
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana),
		r >= 0xFF00 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6:
		return 2
	}
	return 1
}

// printable returns s with its control characters but tab replaced by
// U+FFFD, so that scraped text cannot drive a terminal or a mail reader.
func printable(s string) string {
	if !hasControl(s) {
		return s
	}
	return replaceControls(s)
}

// replaceControls is printable without its fast path: every control
// character but tab, and every invalid byte, becomes U+FFFD.
func replaceControls(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\t' {
			return utf8.RuneError
		}
		return r
	}, s)
}

// hasControl is printable's fast path: a byte scan for C0 controls but tab,
// DEL, and the C1 controls U+0080..U+009F (0xC2 0x80..0x9F in UTF-8).
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 && c != '\t', c == 0x7f:
			return true
		case c == 0xC2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] < 0xA0:
			return true
		}
	}
	return false
}
