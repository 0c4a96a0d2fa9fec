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
	if errors.Is(err, errGaveUp) {
		return html.Parse(bytes.NewReader(page))
	}
	return root, err
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
	case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
		if !z.needsTokenizer() {
			return z.tag()
		}
	case html.ErrorToken:
		return html.Token{Type: html.ErrorToken}
	}
	// Comments, doctypes and the rare tag the scanner does not decode: the
	// tokenizer reads the token alone, as it read it in the page (it
	// starts each in the data state).
	t := html.NewTokenizer(bytes.NewReader(z.raw))
	t.Next()
	tok := t.Token()
	tok.Type = z.tt
	return tok
}

// text is html.Tokenizer.Text of the current text token, as a string.
func (z *treeTokens) text() string {
	s := z.page[z.pos-len(z.raw) : z.pos]
	// Raw text (a script's, a style's) is not unescaped, RCDATA (a
	// title's, a textarea's) is; only raw text and RCDATA have their NULs
	// replaced (the parser handles the others).
	unescape := z.rawText == "" || z.rawText == "textarea" || z.rawText == "title"
	if !strings.Contains(s, "\r") && (!unescape || !strings.Contains(s, "&")) &&
		(z.rawText == "" || !strings.Contains(s, "\x00")) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if z.rawText != "" {
		s = strings.ReplaceAll(s, "\x00", "\ufffd")
	}
	if unescape {
		s = html.UnescapeString(s)
	}
	return s
}

// tag is html.Tokenizer.Token of the current tag token, which holds no
// carriage return, NUL or character reference other than "&amp;".
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
		val := z.page[a[2]:a[3]]
		if strings.Contains(val, "&") {
			val = strings.ReplaceAll(val, "&amp;", "&")
		}
		t.Attr[i] = html.Attribute{Key: atom.String(z.name), Val: val}
	}
	return t
}
