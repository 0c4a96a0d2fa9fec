package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"
)

// renderer writes the readable text of content elements in the format
// Document documents, and collects their links, in one walk of the tree.
type renderer struct {
	removes    []cascadia.Selector
	dropChrome bool // heuristic mode: navigation, banners and footers are chrome

	out       strings.Builder
	line      []byte // the line being written, prefix included
	lineEmpty bool   // nothing written to line yet (not even its prefix)
	space     bool   // a space is due before the next character of line

	heading   int  // level of the heading being written; 0: none
	liPending bool // the next line starts a list item
	pre       int  // depth of <pre>: its line breaks are kept

	tables []bool   // for each open table: is it for layout, not data?
	inRow  bool     // writing a data-table row: blocks do not break lines
	cells  []string // the row's cells so far; "": an empty one

	link     linkState // the <a href> being written, when inLink
	inLink   bool
	rawLinks []rawLink // as written, resolved by Document.Links

	composes bool // a character that composes with the one before was written: the text is put in NFC

	contentLen int // visible length of the content root; -1: not measured
	root       *html.Node
	firstH1    string
}

// linkState is an <a href> being written. Its text buffer is reused.
type linkState struct {
	href  string
	text  []byte
	space bool
}

func (r *renderer) render(root *html.Node) {
	r.root = root
	r.contentLen = -1
	r.breakLine()
	if root.Type == html.ElementNode {
		r.element(root, scope{})
	} else {
		r.children(root, scope{})
	}
	r.breakLine()
}

// finish returns the text written so far.
func (r *renderer) finish() string {
	r.breakLine()
	s := r.out.String()
	if r.composes {
		// Letters written decomposed (e + U+0301, as text pasted from macOS
		// often is) read as the composed ones: the same text.
		s = norm.NFC.String(s)
	}
	return strings.TrimSuffix(s, "\n")
}

// scope is what an element's ancestors say about it.
type scope struct {
	inSection    bool // inside an article, section or main: its header and footer are content
	inKeptChrome bool // inside chrome kept for its size: no chrome is dropped below
}

func (r *renderer) children(n *html.Node, sc scope) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			r.text(c.Data)
		case html.ElementNode:
			r.element(c, sc)
		}
	}
}

func (r *renderer) element(n *html.Node, sc scope) {
	if skipped(n) || isHidden(n) {
		return
	}
	if len(r.removes) > 0 && matchesAny(n, r.removes) {
		return
	}
	if r.dropChrome && !sc.inKeptChrome && n != r.root && isChrome(n, sc.inSection) {
		if r.isSmall(n) {
			return
		}
		// Measuring the chrome inside this one again would cost the
		// depth times the size of the page on hostile nesting.
		sc.inKeptChrome = true
	}
	sc.inSection = sc.inSection || isSection(n)

	switch n.DataAtom {
	case atom.A:
		href, ok := attr(n, "href")
		if !ok || r.inLink {
			r.children(n, sc)
			return
		}
		r.inLink = true
		r.link.href, r.link.text, r.link.space = href, r.link.text[:0], false
		r.children(n, sc)
		r.endLink()
		return
	case atom.Br, atom.Hr:
		r.breakLine()
		return
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		r.breakLine()
		saved := r.heading
		r.heading = headingLevel(n.DataAtom)
		r.children(n, sc)
		if n.DataAtom == atom.H1 && r.firstH1 == "" && !r.lineEmpty {
			r.firstH1 = truncate(strings.TrimPrefix(string(r.line), "# "), maxTitleLen)
		}
		r.breakLine()
		r.heading = saved
		return
	case atom.Li:
		r.breakLine()
		r.liPending = true
		r.children(n, sc)
		r.breakLine()
		r.liPending = false
		return
	case atom.Pre, atom.Listing, atom.Xmp, atom.Plaintext:
		r.breakLine()
		r.pre++
		r.children(n, sc)
		r.pre--
		r.breakLine()
		return
	case atom.Table:
		r.breakLine()
		r.tables = append(r.tables, isLayoutTable(n))
		r.children(n, sc)
		r.tables = r.tables[:len(r.tables)-1]
		r.breakLine()
		return
	case atom.Tr:
		if r.inRow || len(r.tables) == 0 || r.tables[len(r.tables)-1] || cellCount(n) < 2 {
			break // a layout row, or a row of one cell: its cells are blocks
		}
		r.breakLine()
		r.inRow = true
		r.cells = r.cells[:0]
		r.children(n, sc)
		r.endCell()
		r.inRow = false
		for len(r.cells) > 0 && r.cells[len(r.cells)-1] == "" {
			// Empty cells after the last with text place nothing: a row
			// that is a heading over the ones below reads as before.
			r.cells = r.cells[:len(r.cells)-1]
		}
		if len(r.cells) > 0 {
			for i, cell := range r.cells {
				if i > 0 {
					r.out.WriteString(" | ")
				}
				if cell == "" {
					cell = emptyCell
				}
				r.out.WriteString(cell)
			}
			r.out.WriteByte('\n')
		}
		return
	case atom.Td, atom.Th:
		if r.inRow {
			r.endCell()
			r.children(n, sc)
			if !r.endCell() {
				r.cells = append(r.cells, "") // keeps its place: see emptyCell
			}
			return
		}
	}
	if isBlock(n.DataAtom) {
		r.breakLine()
		r.children(n, sc)
		r.breakLine()
		return
	}
	r.children(n, sc)
}

// isSmall reports whether n holds a small enough part of the content to
// be dropped as chrome without losing text a reader came for.
func (r *renderer) isSmall(n *html.Node) bool {
	if r.contentLen < 0 {
		r.contentLen = visibleLen(r.root)
	}
	return float64(visibleLen(n)) <= chromeShare*float64(r.contentLen)
}

// emptyCell stands for an empty cell of a data-table row before one with
// text: in a table that ticks which data serve which purpose, a tick that
// moves to another column is a change a reader sees, which a row written
// without its empty cells would hide ("Posts | ✓" either way). Empty
// cells after the last with text are left out: they place nothing.
const emptyCell = "–"

// endCell closes the cell being written in a data-table row, and says
// whether it had text.
func (r *renderer) endCell() bool {
	wrote := !r.lineEmpty
	if wrote {
		r.cells = append(r.cells, string(r.line))
	}
	r.line = r.line[:0]
	r.lineEmpty = true
	r.space = false
	return wrote
}

func (r *renderer) endLink() {
	r.inLink = false
	if len(r.rawLinks) >= maxRawLinks {
		return
	}
	// The href is cut from the page's one string (parse.go): copied, so
	// that a document whose links are not resolved yet does not keep the
	// page.
	r.rawLinks = append(r.rawLinks, rawLink{href: strings.Clone(r.link.href), text: truncate(string(r.link.text), maxLinkText)})
}

// breakLine ends the current line, if it has any text. Inside a
// data-table row a block boundary is only a space.
func (r *renderer) breakLine() {
	if r.inLink {
		r.link.space = true
	}
	if r.inRow {
		r.space = true
		return
	}
	if !r.lineEmpty {
		r.out.Write(r.line)
		r.out.WriteByte('\n')
	}
	r.line = r.line[:0]
	r.lineEmpty = true
	r.space = false
}

// text writes a text node with its white space folded. Runs of visible
// characters joined by single spaces are written at once: prose is most
// of a page's text.
func (r *renderer) text(s string) {
	start := -1 // start of the run being scanned
	flush := func(end int) {
		if start >= 0 {
			r.emit(s[start:end])
			start = -1
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c > ' ' && c < 0x7f: // visible ASCII: most of a page
			if start < 0 {
				start = i
			}
			i++
			continue
		case c == ' ' && start >= 0 && i+1 < len(s) && s[i+1] > ' ' && s[i+1] < 0x7f:
			// A single space inside a run: keep it in the run.
			i++
			continue
		case c < utf8.RuneSelf:
			// White space, or a control character, which shows as nothing.
			flush(i)
			switch {
			case c == '\n' && r.pre > 0:
				r.breakLine()
			case asciiSpace(c):
				r.markSpace()
			}
			i++
			continue
		}
		rn, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case rn == utf8.RuneError && size == 1:
			flush(i)
			r.emit("\uFFFD")
		case invisible(rn):
			flush(i)
		case unicode.IsSpace(rn):
			flush(i)
			r.markSpace()
		default:
			if start < 0 {
				start = i
			}
			if !r.composes && rn >= 0x300 && !norm.NFC.PropertiesString(s[i:]).BoundaryBefore() {
				r.composes = true // a combining mark, a Hangul vowel or final…
			}
		}
		i += size
	}
	flush(len(s))
}

func (r *renderer) markSpace() {
	r.space = true
	if r.inLink {
		r.link.space = true
	}
}

// emit writes visible characters to the line, starting it if need be.
func (r *renderer) emit(s string) {
	if r.lineEmpty {
		r.lineEmpty = false
		r.writePrefix()
	} else if r.space {
		r.line = append(r.line, ' ')
	}
	r.space = false
	r.line = append(r.line, s...)
	if r.inLink {
		l := &r.link
		if l.space && len(l.text) > 0 {
			l.text = append(l.text, ' ')
		}
		l.space = false
		if len(l.text) < maxLinkText {
			l.text = append(l.text, s...)
		}
	}
}

func (r *renderer) writePrefix() {
	switch {
	case r.inRow:
	case r.heading > 0:
		for i := 0; i < r.heading; i++ {
			r.line = append(r.line, '#')
		}
		r.line = append(r.line, ' ')
		r.liPending = false
	case r.liPending:
		r.line = append(r.line, '-', ' ')
		r.liPending = false
	}
}

func asciiSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\f', '\v':
		return true
	}
	return false
}

// invisible reports whether a character takes no room on screen: soft
// hyphens, zero-width spaces, direction marks, and the bidi isolates that
// message formatters (ICU, Fluent) wrap around the values they insert, on
// some fetches and not others. Pages add and drop them without a reader
// seeing any change. Not the embeddings and overrides (U+202A–U+202E):
// an override reverses what a reader sees ("Fees: 0001 euros" shown as
// 1000), so it stays in the text, where every command and page shows it
// escaped, as evidence of the spoof. (Zero-width joiners stay too: they
// change how Arabic, Indic scripts and emoji are drawn.)
func invisible(r rune) bool {
	switch r {
	case '\u00AD', '\u061C', '\u200B', '\u200E', '\u200F', '\u2060', '\uFEFF',
		'\u2066', '\u2067', '\u2068', '\u2069':
		return true
	}
	return false
}

func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	}
	return 6
}

// isBlock reports whether an element starts and ends a line.
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Body,
		atom.Caption, atom.Center, atom.Dd, atom.Details, atom.Dialog, atom.Dir,
		atom.Div, atom.Dl, atom.Dt, atom.Fieldset, atom.Figcaption, atom.Figure,
		atom.Footer, atom.Form, atom.Header, atom.Hgroup, atom.Html, atom.Legend,
		atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P, atom.Section,
		atom.Summary, atom.Tbody, atom.Td, atom.Tfoot, atom.Th, atom.Thead,
		atom.Tr, atom.Ul, atom.Search:
		return true
	}
	return false
}

// isLayoutTable reports whether a table lays out the page rather than
// holding data: it says so (role=presentation) or holds another table.
func isLayoutTable(t *html.Node) bool {
	if role, ok := attr(t, "role"); ok {
		switch strings.ToLower(strings.TrimSpace(role)) {
		case "presentation", "none":
			return true
		}
	}
	budget := layoutSearchBudget
	return containsTable(t, &budget)
}

// layoutSearchBudget bounds the elements isLayoutTable looks at: a table
// that big is taken for layout, and nested tables cost no more than that
// per level.
const layoutSearchBudget = 20000

func containsTable(n *html.Node, budget *int) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if *budget--; *budget <= 0 || c.DataAtom == atom.Table || containsTable(c, budget) {
			return true
		}
	}
	return false
}

// cellCount counts the visible cells of a row.
func cellCount(tr *html.Node) int {
	n := 0
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Td || c.DataAtom == atom.Th) && !isHidden(c) {
			n++
		}
	}
	return n
}

// foldSpace folds runs of white space to single spaces and trims the ends.
func foldSpace(s string) string {
	// Control characters show as nothing on a page, and printed raw to a
	// terminal (a title in 'policywatch history') an ESC starts a command:
	// they go, as in the text (see text).
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
