package extract

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/policywatch/policywatch/monitor/extract/internal/htmlparse"
)

// parse returns page's tree as html.Parse returns it. It parses the
// scanner's tokens (internal/htmlparse, x/net's tree construction) at
// about half the cost, and with html.Parse the pages the scanner gives up
// on. TestParseAgreesWithParser holds the two to the same trees.
func parse(page []byte) (*html.Node, error) {
	root, err := htmlparse.Parse(newTreeTokens(page))
	if err != nil {
		// errGaveUp, or a panic of the tree construction recovered: in
		// that case html.Parse returns the same error, unless the
		// scanner's tokens caused it, and its word is the one to keep.
		return html.Parse(bytes.NewReader(page))
	}
	return root, nil
}

// errGaveUp is the error of a scanner that gave up on its page.
var errGaveUp = errors.New("the scanner gave up on the page")

// treeTokens gives the parser the scanner's tokens as html.Tokenizer's
// Token does. Their text is cut from one copy of the page instead of
// copied token by token: most text and attribute values need no
// decoding, and the tree keeps them anyway.
type treeTokens struct {
	*scanner
	page  string
	tt    html.TokenType
	attrs []html.Attribute // allocated for many tags at once
	name  []byte           // the current tag's name, lowercase
}

func newTreeTokens(page []byte) *treeTokens {
	return &treeTokens{scanner: newScanner(page), page: string(page)}
}

func (z *treeTokens) Next() html.TokenType {
	z.tt = z.scanner.Next()
	return z.tt
}

func (z *treeTokens) AllowCDATA(allow bool) { z.allowCDATA = allow }

func (z *treeTokens) NextIsNotRawText() { z.rawTag = "" }

func (z *treeTokens) Err() error {
	if z.failed {
		return errGaveUp
	}
	return io.EOF
}

// Token returns the current token as html.Tokenizer.Token does.
func (z *treeTokens) Token() html.Token {
	switch z.tt {
	case html.TextToken:
		return html.Token{Type: html.TextToken, Data: z.text()}
	case html.CommentToken:
		// As Text decodes a comment's: NULs replaced, references decoded.
		return html.Token{Type: html.CommentToken, Data: decode(z.page[z.data[0]:z.data[1]], true, true)}
	case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
		if !z.tagNeedsTokenizer() {
			return z.tag()
		}
	case html.ErrorToken:
		return html.Token{Type: html.ErrorToken}
	}
	// Doctypes and the rare tag the scanner does not decode.
	tok := z.tokenizer().Token()
	tok.Type = z.tt
	return tok
}

// text is html.Tokenizer.Text of the current text token, as a string.
func (z *treeTokens) text() string {
	// Raw text (a script's, a style's) is not unescaped, RCDATA (a
	// title's, a textarea's) is; only raw text and RCDATA have their NULs
	// replaced (the parser handles the others).
	unescape := z.rawText == "" || z.rawText == "textarea" || z.rawText == "title"
	return decode(z.page[z.pos-len(z.raw):z.pos], z.rawText != "", unescape)
}

// decode is what html.Tokenizer.Text does to a token's text: line ends
// made "\n", and, as asked, NULs replaced and character references
// decoded. Most text needs none of it, and is returned as it is.
func decode(s string, nul, unescape bool) string {
	if !strings.Contains(s, "\r") && (!unescape || !strings.Contains(s, "&")) &&
		(!nul || !strings.Contains(s, "\x00")) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if nul {
		s = strings.ReplaceAll(s, "\x00", "\ufffd")
	}
	if unescape {
		s = html.UnescapeString(s)
	}
	return s
}

// tagNeedsTokenizer reports whether the current tag holds a carriage
// return or a NUL, or a value a character reference that tag does not
// decode as the tokenizer does (see plainReferences).
func (z *treeTokens) tagNeedsTokenizer() bool {
	if bytes.IndexByte(z.raw, '\r') >= 0 || bytes.IndexByte(z.raw, 0) >= 0 {
		return true
	}
	for _, a := range z.scanner.attrs {
		if !plainReferences(z.page[a[2]:a[3]]) {
			return true
		}
	}
	return false
}

// plainReferences reports whether every character reference in an
// attribute's value is one that html.UnescapeString decodes as the
// tokenizer decodes it in a value: a numeric one, or one of the usual
// names, each ended by ";". (In a value, the tokenizer leaves a name
// without ";" followed by "=" as it is, and does not read a known name
// out of a longer unknown one; in text it does both. x/net exports only
// the text's decoding.)
func plainReferences(val string) bool {
	for i := strings.IndexByte(val, '&'); i >= 0; {
		ref := val[i+1:]
		n := numericReference(ref)
		if n == 0 {
			for _, name := range [...]string{"amp;", "quot;", "lt;", "gt;", "apos;", "nbsp;"} {
				if strings.HasPrefix(ref, name) {
					n = len(name)
					break
				}
			}
		}
		if n == 0 {
			return false
		}
		next := strings.IndexByte(ref[n:], '&')
		if next < 0 {
			return true
		}
		i += 1 + n + next
	}
	return true
}

// numericReference returns the length of the numeric character
// reference ref starts with, after its "&" and with its ";" ("#39;",
// "#x27;"), or 0.
func numericReference(ref string) int {
	if len(ref) < 3 || ref[0] != '#' {
		return 0
	}
	i, hex := 1, ref[1] == 'x' || ref[1] == 'X'
	if hex {
		i++
	}
	start := i
	for i < len(ref) && ('0' <= ref[i] && ref[i] <= '9' || hex && ('a' <= ref[i]|0x20 && ref[i]|0x20 <= 'f')) {
		i++
	}
	if i == start || i >= len(ref) || ref[i] != ';' {
		return 0
	}
	return i + 1
}

// tag is html.Tokenizer.Token of the current tag token, which holds no
// carriage return, NUL or character reference other than plain ones (see
// tagNeedsTokenizer).
func (z *treeTokens) tag() html.Token {
	name := z.scanner.page[z.nameStart:z.nameEnd]
	z.name = z.name[:0]
	for _, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		z.name = append(z.name, c)
	}
	t := html.Token{Type: z.tt}
	if a := atom.Lookup(z.name); a != 0 {
		t.DataAtom, t.Data = a, a.String()
	} else {
		t.Data = string(z.name)
	}
	if z.tt == html.EndTagToken || len(z.scanner.attrs) == 0 {
		return t
	}
	n := len(z.scanner.attrs)
	if cap(z.attrs)-len(z.attrs) < n {
		z.attrs = make([]html.Attribute, 0, max(n, 256))
	}
	t.Attr = z.attrs[len(z.attrs) : len(z.attrs)+n : len(z.attrs)+n]
	z.attrs = z.attrs[:len(z.attrs)+n]
	for i, a := range z.scanner.attrs {
		key := z.scanner.page[a[0]:a[1]]
		z.name = z.name[:0]
		for _, c := range key {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			z.name = append(z.name, c)
		}
		val := html.UnescapeString(z.page[a[2]:a[3]]) // the value itself when it holds no "&"
		t.Attr[i] = html.Attribute{Key: atom.String(z.name), Val: val}
	}
	return t
}
