// Package htmlparse is golang.org/x/net/html's tree construction (its
// parse.go, foreign.go, const.go, doctype.go and the stack half of
// node.go, at the version go.mod names) fed by any source of tokens
// instead of html.Tokenizer. It exists for speed: extract's scanner reads
// a page's tokens at a fraction of the tokenizer's cost and without
// copying their bytes, and the tokenizer was two thirds of parsing a
// Meta policy page.
//
// The tree is made of html.Node values, so that goquery, cascadia and
// extract's renderer read it as they read html.Parse's. The copied files
// differ from x/net's only where they must: the package name, the
// tokenizer field's type, Node.clone as cloneNode, the scope marker's
// type, and the entry points (Parse here instead of Parse and
// ParseFragment with options; scripting is on, as in html.Parse). Keep
// them in step when go.mod's x/net changes: extract's tests compare this
// package's trees with html.Parse's over html5lib's tree-construction
// tests and both corpus histories.
//
// Besides the standard library it imports only x/net/html and its atom
// package.
package htmlparse

import (
	"golang.org/x/net/html"
)

type (
	Node      = html.Node
	NodeType  = html.NodeType
	Attribute = html.Attribute
	Token     = html.Token
	TokenType = html.TokenType
)

const (
	ErrorNode    = html.ErrorNode
	TextNode     = html.TextNode
	DocumentNode = html.DocumentNode
	ElementNode  = html.ElementNode
	CommentNode  = html.CommentNode
	DoctypeNode  = html.DoctypeNode
	RawNode      = html.RawNode

	ErrorToken          = html.ErrorToken
	TextToken           = html.TextToken
	StartTagToken       = html.StartTagToken
	EndTagToken         = html.EndTagToken
	SelfClosingTagToken = html.SelfClosingTagToken
	CommentToken        = html.CommentToken
	DoctypeToken        = html.DoctypeToken
)

// Tokens is what the parser asks of its tokenizer: html.Tokenizer's
// methods of the same names, with the same meaning.
type Tokens interface {
	Next() TokenType
	// Token returns the current token; its Data and Attr stay valid
	// after the next call to Next (the tree keeps them).
	Token() Token
	AllowCDATA(allow bool)
	NextIsNotRawText()
	Err() error
}

// Parse returns the tree of the page z reads, as html.Parse returns it
// for the same tokens: the HTML5 tree construction algorithm, with the
// scripting flag on. An error from z other than io.EOF ends the parse and
// is returned.
func Parse(z Tokens) (*Node, error) {
	p := &parser{
		tokenizer: z,
		doc: &Node{
			Type: DocumentNode,
		},
		scripting:  true,
		framesetOK: true,
		im:         initialIM,
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.doc, nil
}
