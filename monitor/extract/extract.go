// Package extract turns an HTML page into the readable text a person sees.
// It is a leaf: it imports nothing of policywatch.
package extract

import "errors"

// Link is a link kept beside the readable text.
type Link struct {
	Text string `json:"text"`
	Href string `json:"href"` // normalised: redirectors unwrapped, tracking parameters dropped
}

// Rules delimit the content of a page: Select keeps, Remove drops (CSS).
type Rules struct {
	Select []string
	Remove []string
}

// Document is what a reader sees of a page.
//
// Text, the readable text, has one block per line: a heading is "#"
// repeated by its level, a space and its text ("## Highlights"); a list
// item is "- " and its text; a table row is its cells joined by " | "; any
// other block is its text. White space inside a line is folded to single
// spaces; there are no empty lines.
type Document struct {
	Title           string
	Text            string
	Links           []Link
	Lang            string // declared: <html lang> or Content-Language meta, e.g. "fr"
	SelectorMatched bool   // false when Rules.Select was given and matched nothing
}

// Extract reads an HTML page (UTF-8) fetched from pageURL.
// (Stub: being written.)
func Extract(html []byte, pageURL string, rules Rules) (*Document, error) {
	return nil, errors.New("extract: not implemented yet")
}
