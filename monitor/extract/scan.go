package extract

import (
	"bytes"

	"golang.org/x/net/html"
)

// scanner reads a page's tokens exactly as a standalone html.Tokenizer
// does (the one Shape's argument rests on: no CDATA, no scripting flag, no
// buffer limit), for Shape, at 2.5 times the speed (a sixth of the cost
// of parsing): the tokenizer reads
// every byte through a method call and copies every attribute's key
// (twice) and value, where the scanner finds the next "<" with
// bytes.IndexByte and reads attributes only when asked, without copying
// them unless they hold a character reference. It covers what real pages
// hold and gives up (failed) on what it does not: the end of the page
// inside markup, a script holding "<!--" (the tokenizer's escaped-script
// states). Shape then starts again with the tokenizer. A tag whose
// attributes the scanner cannot decode itself is handed to a tokenizer
// alone (see TagAttr); past maxAlone such tokens, the scanner gives up
// after the current one. TestScannerAgreesWithTokenizer and
// FuzzScannerAgreesWithTokenizer hold the two to the same tokens.
//
// Each function below is a port of the tokenizer's function of the same
// name (golang.org/x/net/html, token.go), over a slice instead of a
// reader; keep them in step when x/net changes its tokenizer (the tests
// above fail when they part).
type scanner struct {
	page   []byte
	pos    int    // where the next token starts
	rawTag string // the raw-text element whose content comes next, lowercase
	failed bool   // gave up: see scanner

	// For the parser (parse.go): the raw-text element whose content the
	// current text token is, and whether "<![CDATA[" is a CDATA section
	// (the scanner gives up on one) rather than a bogus comment.
	rawText    string
	allowCDATA bool
	data       [2]int // a comment's text: where it starts and ends

	raw       []byte              // the current token's bytes
	nameStart int                 // of the current tag's name
	nameEnd   int                 //
	attrs     [][4]int            // the current start tag's attributes: key start, end, value start, end
	names     map[string]struct{} // of attrs, lowercase, once there are manyAttributes (seen)
	lower     []byte              // a key lowercased, for names
	returned  int                 // attributes TagAttr returned
	scratch   []byte              // keys lowercased, values unescaped: valid until the next tag
	slow      *html.Tokenizer
	alone     int // tokens handed to a tokenizer alone (tokenizer)
}

// maxAlone is how many tokens of a page are handed to a tokenizer alone
// before the scanner gives up on the page: each costs a tokenizer (a 4 KB
// buffer), so that a hostile page of tags full of carriage returns cost
// twenty times what reading it with one tokenizer does. Real pages have a
// doctype and few such tags, if any (both histories: the doctype alone).
const maxAlone = 256

// tokenizer returns a tokenizer that has read the current token alone,
// as the tokenizer reading the page read it (it starts each token in the
// data state); past maxAlone of them, the scanner gives up after this
// token.
func (s *scanner) tokenizer() *html.Tokenizer {
	if s.alone++; s.alone > maxAlone {
		s.failed = true
	}
	t := html.NewTokenizer(bytes.NewReader(s.raw))
	t.Next()
	return t
}

func newScanner(page []byte) *scanner {
	return &scanner{page: page, attrs: make([][4]int, 0, 16), scratch: make([]byte, 0, 1024)}
}

// Raw returns the current token's bytes.
func (s *scanner) Raw() []byte { return s.raw }

// Next returns the type of the next token, html.ErrorToken at the end of
// the page or when the scanner gave up (failed).
func (s *scanner) Next() html.TokenType {
	s.attrs, s.returned, s.slow, s.rawText = s.attrs[:0], 0, nil, ""
	if len(s.names) > 0 {
		clear(s.names)
	}
	if s.failed || s.pos >= len(s.page) && s.rawTag == "" {
		return s.token(html.ErrorToken, s.pos)
	}
	if tag := s.rawTag; tag != "" {
		start := s.pos
		end := s.readRawOrRCDATA()
		if s.failed {
			return html.ErrorToken
		}
		if end > start {
			s.pos, s.rawText = end, tag
			return s.token(html.TextToken, start)
		}
	}
	start := s.pos
	for i := start; ; {
		j := bytes.IndexByte(s.page[i:], '<')
		if j < 0 || i+j+1 >= len(s.page) {
			// No markup up to the end ("<" last is text too).
			s.pos = len(s.page)
			if start < s.pos {
				return s.token(html.TextToken, start)
			}
			return s.token(html.ErrorToken, start)
		}
		lt := i + j
		c := s.page[lt+1]
		if !isASCIILetter(c) && c != '/' && c != '!' && c != '?' {
			i = lt + 1 // text: c is read again, and may open markup
			continue
		}
		if start < lt {
			s.pos = lt // the text before, then the markup on the next call
			return s.token(html.TextToken, start)
		}
		return s.markup(lt, c)
	}
}

// token makes the bytes from start to s.pos the current token.
func (s *scanner) token(tt html.TokenType, start int) html.TokenType {
	s.raw = s.page[start:s.pos]
	return tt
}

// fail gives up on the page.
func (s *scanner) fail() html.TokenType {
	s.failed = true
	return html.ErrorToken
}

// markup reads the token at lt, a "<" followed by c: a letter, "/", "!"
// or "?".
func (s *scanner) markup(lt int, c byte) html.TokenType {
	switch {
	case isASCIILetter(c):
		p, ok := s.readTag(lt+1, true)
		if !ok {
			return s.fail()
		}
		s.pos = p
		return s.readStartTag(lt)
	case c == '/':
		if lt+2 >= len(s.page) {
			return s.fail()
		}
		switch c := s.page[lt+2]; {
		case c == '>':
			// "</>" is no token; the tokenizer calls it an empty comment.
			s.pos, s.data = lt+3, [2]int{lt, lt}
			return s.token(html.CommentToken, lt)
		case isASCIILetter(c):
			p, ok := s.readTag(lt+2, false)
			if !ok {
				return s.fail()
			}
			s.pos = p
			return s.token(html.EndTagToken, lt)
		}
		return s.untilCloseAngle(lt, lt+2, html.CommentToken)
	case c == '!':
		return s.readMarkupDeclaration(lt)
	}
	return s.untilCloseAngle(lt, lt+1, html.CommentToken) // "<?": a bogus comment
}

// readStartTag ends a start tag's token: its type, and the raw-text
// element its name may open.
func (s *scanner) readStartTag(lt int) html.TokenType {
	name := s.page[s.nameStart:s.nameEnd]
	s.rawTag = ""
	for _, raw := range rawTextElements {
		if len(name) == len(raw) && hasPrefixFold(name, raw) {
			s.rawTag = raw
			break
		}
	}
	// "<br/>" closes itself, "<p a=/>" does not: the "/" is the value's.
	n := len(s.attrs)
	if s.page[s.pos-2] == '/' && (n == 0 || s.pos-2 != s.attrs[n-1][3]-1) {
		return s.token(html.SelfClosingTagToken, lt)
	}
	return s.token(html.StartTagToken, lt)
}

// rawTextElements are the elements whose content the tokenizer reads as
// text up to their end tag (its readStartTag's list).
var rawTextElements = [...]string{"iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea", "title", "xmp"}

// readTag reads a tag's name, from its first letter at p, and its
// attributes (kept in s.attrs if save), up to and with the closing ">";
// it returns where the tag ends, or ok false at the end of the page.
func (s *scanner) readTag(p int, save bool) (end int, ok bool) {
	page := s.page
	// readTagName
	s.nameStart = p
	for p++; ; p++ {
		if p >= len(page) {
			return 0, false
		}
		if c := page[p]; isSpace(c) {
			s.nameEnd = p
			p++
			break
		} else if c == '/' || c == '>' {
			s.nameEnd = p
			break
		}
	}
	if p = s.skipWhiteSpace(p); p >= len(page) {
		return 0, false
	}
	for {
		if page[p] == '>' {
			return p + 1, true
		}
		// readTagAttrKey
		keyStart := p
		for ; ; p++ {
			if p >= len(page) {
				return 0, false
			}
			c := page[p]
			if c == '=' && p == keyStart {
				continue // "=" first is part of the name
			}
			if c == '=' || isSpace(c) || c == '/' || c == '>' {
				break
			}
		}
		keyEnd := p
		// readTagAttrVal
		valStart, valEnd := p, p
		if p = s.skipWhiteSpace(p); p >= len(page) {
			return 0, false
		}
		switch page[p] {
		case '/':
			p++
		case '=':
			if p = s.skipWhiteSpace(p + 1); p >= len(page) {
				return 0, false
			}
			switch quote := page[p]; quote {
			case '>':
			case '\'', '"':
				q := bytes.IndexByte(page[p+1:], quote)
				if q < 0 {
					return 0, false
				}
				valStart, valEnd = p+1, p+1+q
				p = valEnd + 1
			default:
				valStart = p
				for p++; ; p++ {
					if p >= len(page) {
						return 0, false
					}
					if c := page[p]; isSpace(c) {
						valEnd = p
						p++
						break
					} else if c == '>' {
						valEnd = p
						break
					}
				}
			}
		}
		if save && keyEnd > keyStart && !s.seen(page[keyStart:keyEnd]) {
			s.attrs = append(s.attrs, [4]int{keyStart, keyEnd, valStart, valEnd})
		}
		if p = s.skipWhiteSpace(p); p >= len(page) {
			return 0, false
		}
	}
}

// seen reports whether the tag has an attribute named key already (the
// tokenizer keeps the first of the same name, ASCII case folded); if not,
// the caller keeps key. Past a few attributes the names go in a set: a
// hostile tag of thousands of distinct attributes would make the search
// quadratic (a 256 KB tag took 2.4 s).
func (s *scanner) seen(key []byte) bool {
	if len(s.attrs) < manyAttributes {
		for _, a := range s.attrs {
			if a[1]-a[0] == len(key) && equalFold(s.page[a[0]:a[1]], key) {
				return true
			}
		}
		return false
	}
	if s.names == nil {
		s.names = make(map[string]struct{}, 2*manyAttributes)
	}
	if len(s.names) == 0 {
		for _, a := range s.attrs {
			s.lower = appendLower(s.lower[:0], s.page[a[0]:a[1]])
			s.names[string(s.lower)] = struct{}{}
		}
	}
	s.lower = appendLower(s.lower[:0], key)
	if _, ok := s.names[string(s.lower)]; ok {
		return true
	}
	s.names[string(s.lower)] = struct{}{}
	return false
}

// manyAttributes is how many attributes a tag has before seen keeps their
// names in a set: more than real pages' tags have (the most in both histories is 5).
const manyAttributes = 32

// appendLower appends b to dst, ASCII lowercased.
func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func (s *scanner) skipWhiteSpace(p int) int {
	for p < len(s.page) && isSpace(s.page[p]) {
		p++
	}
	return p
}

// untilCloseAngle ends the token that started at lt with the first ">"
// from p (readUntilCloseAngle).
func (s *scanner) untilCloseAngle(lt, p int, tt html.TokenType) html.TokenType {
	i := bytes.IndexByte(s.page[p:], '>')
	if i < 0 {
		return s.fail()
	}
	s.pos, s.data = p+i+1, [2]int{p, p + i}
	return s.token(tt, lt)
}

// readMarkupDeclaration reads "<!": a comment, a doctype or a bogus
// comment.
func (s *scanner) readMarkupDeclaration(lt int) html.TokenType {
	p := lt + 2
	if p+2 > len(s.page) {
		return s.fail()
	}
	if s.page[p] == '-' && s.page[p+1] == '-' {
		return s.readComment(lt, p+2)
	}
	if s.allowCDATA && s.page[p] == '[' {
		// The tokenizer's readCDATA is not ported; it reads a part of
		// "[CDATA[" into the bogus comment it makes of a near miss.
		return s.fail()
	}
	// readDoctype
	const doctype = "doctype"
	if p+len(doctype) > len(s.page) {
		return s.fail()
	}
	if !hasPrefixFold(s.page[p:], doctype) {
		return s.untilCloseAngle(lt, p, html.CommentToken)
	}
	if p = s.skipWhiteSpace(p + len(doctype)); p >= len(s.page) {
		return s.fail()
	}
	return s.untilCloseAngle(lt, p, html.DoctypeToken)
}

// readComment reads a comment from p, after "<!--", to its end: "-->",
// "--!>", or ">" or "->" right at its start.
func (s *scanner) readComment(lt, p int) html.TokenType {
	page := s.page
	dashes, beginning := 0, true
	for {
		if p >= len(page) {
			return s.fail()
		}
		c := page[p]
		p++
		switch c {
		case '-':
			dashes++
			continue
		case '>':
			if dashes >= 2 || beginning {
				s.pos, s.data = p, [2]int{lt + 4, max(lt+4, p-len("-->"))}
				return s.token(html.CommentToken, lt)
			}
		case '!':
			if dashes >= 2 {
				if p >= len(page) {
					return s.fail()
				}
				c = page[p]
				p++
				if c == '>' {
					s.pos, s.data = p, [2]int{lt + 4, max(lt+4, p-len("--!>"))}
					return s.token(html.CommentToken, lt)
				} else if c == '-' {
					dashes, beginning = 1, false
					continue
				}
			}
		}
		dashes, beginning = 0, false
	}
}

// readRawOrRCDATA returns where the content of the raw-text element
// s.rawTag, starting at s.pos, ends: at its end tag, or the end of the
// page. It gives up on a script holding "<!--".
func (s *scanner) readRawOrRCDATA() int {
	tag := s.rawTag
	s.rawTag = ""
	page := s.page
	if tag == "plaintext" {
		s.rawTag = tag // to the end, and nothing after
		return len(page)
	}
	end := len(page)
	for i := s.pos; ; {
		j := bytes.Index(page[i:], []byte("</"))
		if j < 0 {
			break
		}
		k := i + j + 2 // after "</"
		if k+len(tag) >= len(page) {
			break // the tokenizer reads to the end: text to the end
		}
		if !hasPrefixFold(page[k:], tag) {
			i = k
			continue
		}
		if c := page[k+len(tag)]; isSpace(c) || c == '/' || c == '>' {
			end = i + j
			break
		}
		i = k
	}
	if tag == "script" && bytes.Contains(page[s.pos:end], []byte("<!--")) {
		s.failed = true // the escaped-script states: the tokenizer's to read
	}
	return end
}

// TagAttr returns the current start tag's next attribute as
// html.Tokenizer.TagAttr does: the key in lowercase, the value with its
// character references decoded.
func (s *scanner) TagAttr() (key, val []byte, more bool) {
	if s.slow != nil {
		return s.slow.TagAttr()
	}
	if s.returned >= len(s.attrs) {
		return nil, nil, false
	}
	if s.returned == 0 {
		s.scratch = s.scratch[:0]
		if s.needsTokenizer() {
			s.slow = s.tokenizer()
			s.returned = len(s.attrs)
			return s.slow.TagAttr()
		}
	}
	a := s.attrs[s.returned]
	s.returned++
	start := len(s.scratch)
	for _, c := range s.page[a[0]:a[1]] {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		s.scratch = append(s.scratch, c)
	}
	key = s.scratch[start:len(s.scratch):len(s.scratch)]
	val = s.page[a[2]:a[3]:a[3]]
	if bytes.IndexByte(val, '&') >= 0 {
		start := len(s.scratch)
		s.scratch = appendReplaced(s.scratch, val, "&amp;", "&")
		val = s.scratch[start:len(s.scratch):len(s.scratch)]
	}
	return key, val, s.returned < len(s.attrs)
}

// needsTokenizer reports whether the current tag holds a carriage return
// or a NUL byte, or a value a character reference other than "&amp;":
// what the tokenizer converts and the scanner does not.
func (s *scanner) needsTokenizer() bool {
	if bytes.IndexByte(s.raw, '\r') >= 0 || bytes.IndexByte(s.raw, 0) >= 0 {
		return true
	}
	for _, a := range s.attrs {
		val := s.page[a[2]:a[3]]
		for i := bytes.IndexByte(val, '&'); i >= 0; {
			if !bytes.HasPrefix(val[i:], []byte("&amp;")) {
				return true
			}
			next := bytes.IndexByte(val[i+1:], '&')
			if next < 0 {
				break
			}
			i += 1 + next
		}
	}
	return false
}

// appendReplaced appends b to dst with every old replaced by new.
func appendReplaced(dst, b []byte, old, new string) []byte {
	for {
		i := bytes.Index(b, []byte(old))
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i]...)
		dst = append(dst, new...)
		b = b[i+len(old):]
	}
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' }

// equalFold is bytes.EqualFold for ASCII only, as the tokenizer folds.
func equalFold(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
