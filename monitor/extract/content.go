package extract

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ValidateSelector reports whether sel is a CSS selector (or a comma
// separated group of them) that Rules accept. The error names sel.
func ValidateSelector(sel string) error {
	_, err := compile(sel)
	return err
}

func compile(sel string) (cascadia.Selector, error) {
	if strings.TrimSpace(sel) == "" {
		return nil, errors.New("empty CSS selector")
	}
	s, err := cascadia.Compile(sel)
	if err != nil {
		return nil, fmt.Errorf("invalid CSS selector %q: %w", sel, err)
	}
	return s, nil
}

func compileAll(sels []string) ([]cascadia.Selector, error) {
	if len(sels) == 0 {
		return nil, nil
	}
	out := make([]cascadia.Selector, 0, len(sels))
	for _, s := range sels {
		c, err := compile(s)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func matchesAny(n *html.Node, sels []cascadia.Selector) bool {
	for _, s := range sels {
		if s(n) {
			return true
		}
	}
	return false
}

// matchAll returns the elements any selector matches, in document order,
// leaving out those inside an element already kept: their text is in it.
func matchAll(root *html.Node, sels []cascadia.Selector) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if matchesAny(c, sels) {
				out = append(out, c)
				continue
			}
			walk(c)
		}
	}
	walk(root)
	return out
}

// skipped reports whether an element is never part of the readable text:
// it is not rendered, renders no text a reader reads, or is a form control.
func skipped(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Math,
		atom.Iframe, atom.Frame, atom.Frameset, atom.Object, atom.Embed, atom.Canvas,
		atom.Audio, atom.Video, atom.Head, atom.Title, atom.Meta, atom.Link, atom.Base,
		atom.Input, atom.Button, atom.Select, atom.Option, atom.Optgroup, atom.Textarea,
		atom.Datalist, atom.Output, atom.Progress, atom.Meter:
		return true
	case atom.Dialog:
		_, open := attr(n, "open")
		return !open // a closed dialog is not shown
	}
	// Foreign (SVG, MathML) content below its root is dropped with it; an
	// element the parser put in a foreign namespace for another reason is
	// not HTML a reader sees either.
	return n.Namespace != ""
}

// isHidden reports whether an element is hidden by its own attributes.
// Style sheets are not evaluated: only the hidden attribute, aria-hidden
// and inline display:none / visibility:hidden count.
func isHidden(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			// hidden="until-found" content is findable, hence readable.
			if !strings.EqualFold(a.Val, "until-found") {
				return true
			}
		case "aria-hidden":
			if strings.EqualFold(strings.TrimSpace(a.Val), "true") {
				return true
			}
		case "style":
			if styleHides(a.Val) {
				return true
			}
		}
	}
	return false
}

// styleHides reports whether an inline style declares display:none or
// visibility:hidden (white space, case and !important ignored).
func styleHides(style string) bool {
	var buf [256]byte
	decl := buf[:0] // the declaration being read, compacted and lowercased
	for i := 0; i <= len(style); i++ {
		if i == len(style) || style[i] == ';' {
			d := bytes.TrimSuffix(decl, []byte("!important"))
			if string(d) == "display:none" || string(d) == "visibility:hidden" {
				return true
			}
			decl = decl[:0]
			continue
		}
		c := style[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if len(decl) < len(buf) {
			decl = append(decl, c)
		}
	}
	return false
}

// Main-content candidates, in order of preference.
const (
	candMain = iota
	candRoleMain
	candArticle
	candContentID
	numCandidates
)

// contentIDs are ids sites commonly give the element holding the content.
var contentIDs = [...]string{
	"content", "content-wrapper", "main", "main-content", "maincontent",
	"page-content", "primary",
}

func candidateKind(n *html.Node) int {
	switch n.DataAtom {
	case atom.Main:
		return candMain
	case atom.Article:
		return candArticle
	}
	for _, a := range n.Attr {
		switch a.Key {
		case "role":
			if strings.EqualFold(a.Val, "main") {
				return candRoleMain
			}
		case "id":
			for _, id := range contentIDs {
				if strings.EqualFold(a.Val, id) {
					return candContentID
				}
			}
		}
	}
	return -1
}

// mainShare is the part of the body's text a main-content candidate must
// hold to be taken instead of the body. Policies are long and chrome is
// short, so a real main element holds nearly all of it; one that holds
// less is a teaser or a fragment, and taking it would drop text silently.
const mainShare = 0.6

// mainContent returns the element holding the page's content: the first
// candidate, by preference, that holds most of the body's text, else body.
func mainContent(body *html.Node, candidates [numCandidates]*html.Node) *html.Node {
	total := -1
	for _, c := range candidates {
		if c == nil {
			continue
		}
		if total < 0 {
			total = visibleLen(body)
		}
		if total > 0 && float64(visibleLen(c)) >= mainShare*float64(total) {
			return c
		}
	}
	return body
}

// chromeShare is the largest part of the content's text a navigation,
// banner, footer or aside may hold and still be dropped as page chrome.
const chromeShare = 0.3

// isChrome reports whether n is page chrome: navigation, a site banner or
// footer, an aside, or a dialog over the page (a cookie banner, a
// newsletter prompt, shown on some fetches and not others). A header or
// footer inside a section or article belongs to it and is kept.
func isChrome(n *html.Node, inSection bool) bool {
	switch n.DataAtom {
	case atom.Nav, atom.Aside, atom.Dialog:
		return true
	case atom.Header, atom.Footer:
		return !inSection
	}
	if role, ok := attr(n, "role"); ok {
		switch strings.ToLower(strings.TrimSpace(role)) {
		case "navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog":
			return true
		}
	}
	return false
}

// isSection reports whether n starts a section whose header and footer
// are part of the content.
func isSection(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Article, atom.Section, atom.Main:
		return true
	}
	role, _ := attr(n, "role")
	return strings.EqualFold(role, "main")
}

// visibleLen counts the non-space bytes of n's readable text.
func visibleLen(n *html.Node) int {
	total := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			for i := 0; i < len(c.Data); i++ {
				switch c.Data[i] {
				case ' ', '\t', '\n', '\r', '\f':
				default:
					total++
				}
			}
		case html.ElementNode:
			if !skipped(c) && !isHidden(c) {
				total += visibleLen(c)
			}
		}
	}
	return total
}
