package extract

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"hash/maphash"
	"strings"

	"golang.org/x/net/html"
)

// shapeVersion starts every shape. Change it whenever what Shape covers
// changes (the attributes extraction reads, the parser rules it relies
// on): shapes stored by an older build then match nothing.
const shapeVersion = "shape/3"

// Shape returns a digest of everything in page that Extract under rules
// can read: the tokens of the page as the HTML parser sees them, with
// their text and tag names, and of their attributes only those that the
// parser, the extraction or the rules' selectors consult. It leaves out
// the values of the other attributes (class names, link targets, nonces,
// tracking tokens), the contents of comments and the contents of scripts
// and styles that cannot hold markup: what changes on nearly every fetch
// of a large site while the text a reader sees does not.
//
// Two pages with the same Shape under the same rules have the same Text,
// Title, Lang, SelectorMatched and JavaScript-shell hints (their links may
// differ): a monitor that knows the shape of the page it last accepted
// need not parse a new page of the same shape. Shape only tokenizes, with
// its own scanner (scan.go): a sixth of the cost of parsing, and no tree
// (BenchmarkShapePrintable).
//
// Why leaving those parts out is sound: until the page contains an <svg>
// or <math> start tag, the parser's tokenizer and a standalone one read
// the same tokens (the parser only changes the tokenizer's mode in foreign
// content, or with scripting off, which Extract does not use); after one,
// they can differ only at a raw-text element whose content holds markup,
// or at a CDATA section, and from the first such point on Shape covers
// every remaining byte. Before that point, a script's or style's text
// counts only by whether it is blank as the parser reads it in foreign
// content, which decides whether a later <frameset> is obeyed; after a
// <frameset> start tag it counts whole (the parser ignores <script> and
// <style> there and keeps the white space of their text). The parser consults few
// attributes (input type, font color/face/size, annotation-xml encoding,
// and every attribute of a formatting element through the "Noah's Ark"
// rule); they are covered, and so is whatever a selector may read (see
// selectorAttributes). The tests in shape_test.go hold real histories,
// crafted pages and the counterexamples a review found in a first version
// to this; TestShapeHoldsForThisParser guards what depends on the parser's
// version.
func Shape(page []byte, rules Rules) string {
	if shape, ok := shapeOf(newScanner(page), rules); ok {
		return shape
	}
	shape, _ := shapeOf(html.NewTokenizer(bytes.NewReader(page)), rules)
	return shape
}

// tokens reads a page for Shape: an html.Tokenizer, or a scanner (the
// same tokens, faster, when it does not give up).
type tokens interface {
	Next() html.TokenType
	Raw() []byte
	TagAttr() (key, val []byte, more bool)
}

// shapeOf computes Shape from z's tokens; ok is false if z is a scanner
// that gave up.
func shapeOf(z tokens, rules Rules) (shape string, ok bool) {
	s := shaper{h: sha256.New(), buf: make([]byte, 0, 32<<10)}
	s.attrs = selectorAttributes(rules)
	s.field([]byte(shapeVersion))
	for _, group := range [][]string{rules.Select, rules.Remove} {
		s.buf = binary.AppendUvarint(s.buf, uint64(len(group)))
		for _, sel := range group {
			s.field([]byte(sel))
		}
	}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // io.EOF: the page is in memory, the buffer unbounded
		}
		s.token(z, tt)
	}
	if sc, isScanner := z.(*scanner); isScanner && sc.failed {
		return "", false
	}
	s.appendAClasses()
	s.h.Write(s.buf)
	return hex.EncodeToString(s.h.Sum(nil)), true
}

// shaper is the state of one Shape.
type shaper struct {
	h     hash.Hash
	buf   []byte // written to h when large: one Write per token would double the cost
	attrs selectorAttrs

	foreignSeen  bool                // an <svg> or <math> start tag was read: the parser may switch the tokenizer's mode
	framesetSeen bool                // a <frameset> start tag was read: the parser may ignore <script> and <style> and keep their text's white space
	aSets        map[uint64][]uint64 // the <a> start tags (by count) under each set of attributes
	aOrder       []uint64            // those sets, by first appearance
	attrHash     maphash.Hash        // of an attribute of an <a>, for aSets
	aCount       uint64              // <a> start tags so far
	strict       bool                // the tokenizers may have parted: every byte from here on counts
	rawElement   rawElement          // what the next text token is the content of
	kept         [][2][]byte
}

type rawElement int

const (
	rawNone          rawElement = iota
	rawScriptOrStyle            // not rendered
	rawOther                    // title, textarea, noscript…: read by Extract or the parser
)

func (s *shaper) field(b []byte) {
	s.buf = binary.AppendUvarint(s.buf, uint64(len(b)))
	s.buf = append(s.buf, b...)
	if len(s.buf) >= 32<<10 {
		s.h.Write(s.buf)
		s.buf = s.buf[:0]
	}
}

func (s *shaper) token(z tokens, tt html.TokenType) {
	raw := z.Raw()
	if s.strict {
		s.buf = append(s.buf, 'X')
		s.field(raw)
		return
	}
	rawElement := s.rawElement
	s.rawElement = rawNone
	switch tt {
	case html.TextToken:
		if rawElement == rawScriptOrStyle {
			// Not rendered, and (when inert) no markup the parser could
			// read differently: only its presence counts, and whether it
			// is blank, should it be foreign content (where the parser
			// reads it as text, and text that is not blank makes it
			// ignore a later <frameset>). Unless a selector has a
			// pseudo-class: :contains and :empty read it.
			if !s.attrs.all && !s.framesetSeen && (!s.foreignSeen || inert(raw)) {
				s.buf = append(s.buf, 'R')
				if s.foreignSeen && !blankInForeign(raw) {
					s.buf = append(s.buf, '!')
				}
				return
			}
			if s.foreignSeen && !inert(raw) {
				s.strict = true
			}
		} else if rawElement == rawOther && s.foreignSeen && !inert(raw) {
			s.strict = true
		}
		s.buf = append(s.buf, 'T')
		s.field(raw)
	case html.CommentToken:
		if s.foreignSeen && bytes.HasPrefix(raw, []byte("<![CDATA[")) {
			// Text in foreign content, a bogus comment to this tokenizer.
			s.strict = true
			s.buf = append(s.buf, 'X')
			s.field(raw)
			return
		}
		s.buf = append(s.buf, 'C') // comments are not rendered, but are children
	case html.DoctypeToken:
		s.buf = append(s.buf, 'D')
		s.field(raw)
	case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
		s.tag(z, tt, raw)
	}
}

func (s *shaper) tag(z tokens, tt html.TokenType, raw []byte) {
	// The name as written (TagName would copy it, twice): the same bytes
	// give the same name; the lowercase copy is for the lookups below.
	name := tagName(raw)
	switch tt {
	case html.StartTagToken:
		s.buf = append(s.buf, 's')
	case html.SelfClosingTagToken:
		s.buf = append(s.buf, 'c')
	default:
		s.buf = append(s.buf, 'e')
		s.field(name)
		return
	}
	s.field(name)
	var lowerBuf [16]byte
	lower := lowerBuf[:0]
	if len(name) <= len(lowerBuf) {
		for _, c := range name {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower = append(lower, c)
		}
	}
	tag := string(lower) // not kept: no copy
	all := s.attrs.all
	switch tag {
	case "script", "style":
		s.rawElement = rawScriptOrStyle
	case "iframe", "noembed", "noframes", "noscript", "plaintext", "textarea", "title", "xmp":
		s.rawElement = rawOther
	case "svg", "math":
		s.foreignSeen = true
	case "frameset":
		s.framesetSeen = true
	case "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u":
		// The parser compares these by all their attributes when it
		// reopens misnested formatting ("Noah's Ark"). <a> too, but
		// rarely: noteAnchor and appendAClasses keep only which of them are equal.
		all = true
	}
	meta, anchor := tag == "meta", tag == "a"
	more := hasAttributes(raw, len(name))
	if more && !all && !meta && !anchor && tag != "base" && len(s.attrs.names) == 0 {
		// Most tags of a large site hold only class names and links:
		// reading their attributes would copy each of them, twice.
		more = mayHoldReadAttribute(raw[1+len(name):])
	}
	s.kept = s.kept[:0]
	contentLanguage := false
	var set, n uint64 // an <a>'s attribute set (see noteAnchor)
	for more {
		var key, val []byte
		key, val, more = z.TagAttr()
		if key == nil {
			break // white space only
		}
		if anchor {
			set += s.attributeHash(key, val)
			n++
		}
		if meta && string(key) == "http-equiv" {
			contentLanguage = contentLanguage || strings.EqualFold(string(val), "content-language")
		}
		switch {
		case all, readAttribute(key), s.attrs.names[string(key)]:
		case string(key) == "href" && tag == "base":
		case meta && string(key) == "http-equiv":
		case meta && string(key) == "content":
			// Kept only beside http-equiv=content-language (below): other
			// meta contents (CSRF tokens, build ids) change on every fetch.
		default:
			continue
		}
		s.kept = append(s.kept, [2][]byte{key, val})
	}
	for _, kv := range s.kept {
		if meta && !all && !contentLanguage && string(kv[0]) == "content" && !s.attrs.names["content"] {
			continue
		}
		s.buf = append(s.buf, 'a')
		s.field(kv[0])
		s.field(kv[1])
	}
	s.buf = append(s.buf, '>')
	if anchor {
		s.noteAnchor(set*31 + n)
	}
}

// noteAnchor files a start tag <a> under the set of all its attributes
// (the sum of their attributeHash, mixed with their number). The parser
// compares those sets (the "Noah's Ark" rule) when the adoption agency,
// stopped after eight rounds, leaves clones of <a> elements in the list of
// active formatting elements, and drops an entry only when three others
// have the same set: each entry stems from one <a> tag, so only sets that
// four or more <a> tags share can count, and appendAClasses records which
// tags share them. Their values (link tokens) are otherwise left out.
func (s *shaper) noteAnchor(set uint64) {
	if s.aSets == nil {
		s.aSets = map[uint64][]uint64{}
	}
	if _, ok := s.aSets[set]; !ok {
		s.aOrder = append(s.aOrder, set)
	}
	s.aSets[set] = append(s.aSets[set], s.aCount)
	s.aCount++
}

// attributeHash hashes one attribute of an <a>. The tokenizer drops
// repeated names, so a sum of these identifies a set. The seed is drawn
// afresh for each Shape: no page can be made to collide, and a chance
// collision (2^-64 a pair) would at worst group two sets the parser tells
// apart. (A zero maphash.Hash draws its seed on first use and keeps it.)
func (s *shaper) attributeHash(key, val []byte) uint64 {
	s.attrHash.Reset()
	s.attrHash.Write(key)
	s.attrHash.WriteByte(0)
	s.attrHash.Write(val)
	return s.attrHash.Sum64()
}

// appendAClasses records which <a> tags share a set of attributes with
// three or more others, in order of the sets' first appearance.
func (s *shaper) appendAClasses() {
	for _, set := range s.aOrder {
		tags := s.aSets[set]
		if len(tags) < 4 {
			continue
		}
		s.buf = append(s.buf, 'A')
		s.buf = binary.AppendUvarint(s.buf, uint64(len(tags)))
		for _, i := range tags {
			s.buf = binary.AppendUvarint(s.buf, i)
		}
	}
}

// tagName returns the name of a tag token's raw bytes ("<div a=b>",
// "</p>"), as the tokenizer delimits it: up to white space, "/" or ">".
func tagName(raw []byte) []byte {
	name := bytes.TrimPrefix(raw[1:], []byte("/"))
	for i, c := range name {
		if isSpace(c) || c == '/' || c == '>' {
			return name[:i]
		}
	}
	return name
}

// hasAttributes reports whether a start tag's raw bytes may hold
// attributes: anything after its name but the closing ">" or "/>".
func hasAttributes(raw []byte, nameLen int) bool {
	rest := raw[1+nameLen:]
	return len(bytes.TrimRight(rest, "/>")) > 0
}

// mayHoldReadAttribute reports whether the raw attributes of a start tag
// (after its name) may hold one that readAttribute covers: whether one of
// those names starts at the start or after white space, "/" or a quote
// (the only places the tokenizer starts a key). It may say yes for a
// value ("class='x id'"), never no for a key.
func mayHoldReadAttribute(attrs []byte) bool {
	for i := 0; i < len(attrs); i++ {
		if i > 0 {
			switch attrs[i-1] {
			case ' ', '\n', '\r', '\t', '\f', '/', '"', '\'':
			default:
				continue
			}
		}
		first := attrs[i] | 0x20
		if first < 'a' || first > 'z' {
			continue
		}
		for _, name := range readAttributesByInitial[first-'a'] {
			if hasPrefixFold(attrs[i:], name) {
				return true
			}
		}
	}
	return false
}

// hasPrefixFold is bytes.HasPrefix, ASCII case folded; prefix is lowercase.
func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if b[i]|0x20 != prefix[i] {
			return false
		}
	}
	return true
}

// readAttributes are the attributes the HTML parser or Extract consult on
// any element: keep this list with every attr() call of the package
// (TestShapeCoversAttributesRead checks the two agree).
var readAttributes = [...]string{
	"lang", "id", "role", "hidden", "aria-hidden", "style", "open", // Extract
	"type", "color", "face", "size", "encoding", // the parser
}

// readAttributesByInitial indexes readAttributes by their first letter.
var readAttributesByInitial = func() (index [26][]string) {
	for _, name := range readAttributes {
		index[name[0]-'a'] = append(index[name[0]-'a'], name)
	}
	return index
}()

// readAttribute reports whether key is one of readAttributes.
func readAttribute(key []byte) bool {
	for _, name := range readAttributes {
		if string(key) == name {
			return true
		}
	}
	return false
}

// inert reports whether raw text parses to text alone in any tokenizer
// mode: no "<" that could open a tag, an end tag, a comment or a
// processing instruction, except whole CDATA sections (text in foreign
// content, where raw text is read as markup).
func inert(raw []byte) bool {
	for {
		i := bytes.IndexByte(raw, '<')
		if i < 0 {
			return true
		}
		raw = raw[i+1:]
		if bytes.HasPrefix(raw, []byte("![CDATA[")) {
			end := bytes.Index(raw, []byte("]]>"))
			if end < 0 {
				return false
			}
			raw = raw[end+3:]
			continue
		}
		if len(raw) > 0 {
			switch c := raw[0] | 0x20; {
			case raw[0] == '/', raw[0] == '!', raw[0] == '?', 'a' <= c && c <= 'z':
				return false
			}
		}
	}
}

// selectorAttrs are the attributes the rules' selectors may read.
type selectorAttrs struct {
	names map[string]bool
	all   bool // a pseudo-class, an escape…: any attribute, and the text of scripts and styles, may count
}

// selectorAttributes finds the attributes a set of CSS selectors can
// consult: id for "#", class for ".", the names in "[name…]", and all of
// them for anything subtler. Only selectors written with letters, digits,
// white space and - _ # . [ ] = ~ ^ $ * " ' > + , are read; anything else
// means all attributes: pseudo-classes (:checked, :lang read attributes,
// :contains and :empty text), comments (cascadia skips /* */ inside
// brackets), cascadia's own operators (!=, #=), escapes, namespaces,
// non-ASCII names (cascadia and the tokenizer fold ASCII case only).
func selectorAttributes(rules Rules) selectorAttrs {
	out := selectorAttrs{names: map[string]bool{}}
	for _, sel := range append(append([]string(nil), rules.Select...), rules.Remove...) {
		if !plainSelector(sel) {
			out.all = true
			continue
		}
		if strings.Contains(sel, ".") {
			out.names["class"] = true
		}
		for rest := sel; ; {
			i := strings.IndexByte(rest, '[')
			if i < 0 {
				break
			}
			rest = strings.TrimLeft(rest[i+1:], " \t\n\r\f")
			end := strings.IndexAny(rest, "=~|^$*] \t\n\r\f")
			if end < 0 {
				end = len(rest)
			}
			if name := rest[:end]; name != "" {
				name = asciiLower(name)
				out.names[name] = true
				// The parser renames xml:lang, xlink:href… of SVG and
				// MathML elements to lang, href… in a namespace, which
				// cascadia does not look at.
				for _, prefix := range []string{"xlink:", "xml:", "xmlns:"} {
					out.names[prefix+name] = true
				}
			} else {
				out.all = true // "[*=x]" is no selector, but take no chance
			}
			rest = rest[end:]
		}
	}
	return out
}

// plainSelector reports whether sel uses only characters whose meaning
// selectorAttributes understands.
func plainSelector(sel string) bool {
	for i := 0; i < len(sel); i++ {
		c := sel[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte(" \t\n\r\f-_#.[]=~^$*\"'>+,", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// asciiLower lowercases the ASCII letters of s, as the tokenizer does
// attribute names.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// blankInForeign reports whether inert raw text, read as the parser reads
// it in foreign content (a tokenizer out of raw text, CDATA sections
// allowed: character references decoded in and out of them, NUL kept out
// of them and replaced in them), is only white space and NUL: the
// parser's frameset-ok test.
func blankInForeign(raw []byte) bool {
	z := html.NewTokenizer(bytes.NewReader(raw))
	z.AllowCDATA(true)
	for {
		switch z.Next() {
		case html.ErrorToken:
			return true
		case html.TextToken:
			if strings.TrimLeft(string(z.Text()), " \t\r\n\f\x00") != "" {
				return false
			}
		default:
			return false // inert says this does not happen
		}
	}
}
