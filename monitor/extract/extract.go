// Package extract turns an HTML page into the readable text a person sees:
// one parse of the page, the content delimited by CSS rules or found by a
// small main-content heuristic, rendered to a line-oriented text whose hash
// (TextHash) ignores markup churn. It also normalises links, detects the
// language of a text and recognises pages that are not content at all
// (error pages, login and consent walls, bot blocks, JavaScript shells).
//
// It is a leaf: it imports the standard library and HTML/CSS libraries
// (golang.org/x/net/html, cascadia, whatlanggo) and Unicode normalisation
// (golang.org/x/text), nothing of policywatch.
// It never executes anything from the page.
package extract

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MaxHTMLSize is the largest page Extract reads. Real policies are a few
// hundred kilobytes; anything far larger is hostile or broken.
const MaxHTMLSize = 20 << 20

// ErrTooLarge is returned (wrapped) by Extract for a page over MaxHTMLSize.
var ErrTooLarge = errors.New("page too large")

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
// item is "- " and its text; a table row is its cells joined by " | " (an
// empty cell before one with text written "–", so that each keeps its
// column); any other block is its text. White space inside a line is
// folded to single spaces; there are no empty lines; characters that show
// nothing (soft hyphens, zero-width spaces, direction marks) are left out,
// and letters are composed (NFC).
type Document struct {
	Title           string
	Text            string
	Lang            string // declared: <html lang> or Content-Language meta, e.g. "fr"
	SelectorMatched bool   // false when Rules.Select was given and matched nothing

	// The links of the content as written, resolved by Links on first
	// call: most checks find a text they already know and need no links,
	// and resolving a policy's thousand links (parsing, unwrapping
	// redirectors, dropping tracking parameters) was an eighth of a
	// check of a page whose markup changed.
	rawLinks []rawLink
	linkBase *url.URL // what relative links resolve against; nil: none
	pageURL  string
	links    []Link
	resolved bool

	// shell holds what Assess needs to recognise a JavaScript shell but the
	// readable text leaves out (noscript hints, empty app roots).
	shell shellHints
}

// shellHints are traces of a page that only renders with JavaScript.
type shellHints struct {
	noscript  string // folded text of <noscript> elements, capped
	emptyRoot string // "#id" of an empty application root element, if any
	scripts   int    // <script> elements in the page
}

// rawLink is an <a href> of the content as the page has it.
type rawLink struct{ href, text string }

// Links returns the content's links in document order, without duplicates
// or links to the page itself, normalised (see NormalizeURL), with their
// text.
func (d *Document) Links() []Link {
	if d.resolved {
		return d.links
	}
	d.resolved = true
	self := NormalizeURL(d.pageURL, "")
	seen := make(map[Link]struct{}, len(d.rawLinks))
	for _, raw := range d.rawLinks {
		href := normalize(raw.href, d.linkBase)
		if href == "" || href == self || len(href) > maxHrefLen || len(d.links) >= maxLinks {
			continue
		}
		link := Link{Text: raw.text, Href: href}
		if _, dup := seen[link]; dup {
			continue
		}
		seen[link] = struct{}{}
		d.links = append(d.links, link)
	}
	d.rawLinks = nil
	return d.links
}

// Limits on what a page may make Extract keep, so that hostile input costs
// bounded memory beyond the page itself.
const (
	maxLinks    = 20000
	maxRawLinks = 4 * maxLinks // links written, before duplicates and in-page anchors are dropped
	maxHrefLen  = 4096
	maxLinkText = 500
	maxTitleLen = 1000
	maxNoscript = 2000
)

// Extract reads an HTML page (UTF-8) fetched from pageURL.
//
// With Rules.Select, the content is the union of the elements the
// selectors match, in document order; when none matches, SelectorMatched
// is false and Text is what the main-content heuristic finds, so that the
// caller can still tell what the page was (an error page, a login wall).
// Without Select, the content is the page's main element (main,
// [role=main], article or a common content id) when it holds most of the
// page's text, else the body; navigation, banners, footers, asides and
// dialogs (a cookie banner) are dropped unless they hold a large part of
// the text. Rules.Remove drops elements from the content in either case,
// as do scripts, styles, hidden elements and form controls.
//
// Extract returns an error for a page over MaxHTMLSize, one nested deeper
// than the HTML parser accepts (512 elements), or an invalid selector.
func Extract(page []byte, pageURL string, rules Rules) (*Document, error) {
	if len(page) > MaxHTMLSize {
		return nil, fmt.Errorf("extract %s: %d bytes: %w (limit %d)", pageURL, len(page), ErrTooLarge, MaxHTMLSize)
	}
	selects, err := compileAll(rules.Select)
	if err != nil {
		return nil, fmt.Errorf("extract %s: select: %w", pageURL, err)
	}
	removes, err := compileAll(rules.Remove)
	if err != nil {
		return nil, fmt.Errorf("extract %s: remove: %w", pageURL, err)
	}
	root, err := parse(page)
	if err != nil {
		return nil, fmt.Errorf("extract %s: parse: %w", pageURL, err)
	}
	// A page's text is typically a third to a half of its bytes.
	return extractTree(root, pageURL, selects, removes, len(page)/2), nil
}

// extractTree is Extract after parsing; textSize is a guess of the text's
// length, to allocate once.
func extractTree(root *html.Node, pageURL string, selects, removes []cascadia.Selector, textSize int) *Document {
	info := inspect(root)
	// The tree's strings are cut from one copy of the page (parse.go): what
	// the document keeps of them (its language, title, links' hrefs and
	// base) is copied, so that a title kept does not keep the whole page.
	doc := &Document{
		Lang:            strings.Clone(info.lang),
		SelectorMatched: true,
		shell:           info.shell,
	}

	doc.linkBase, doc.pageURL = linkBase(pageURL, info.baseHref), pageURL
	r := renderer{removes: removes, lineEmpty: true}
	r.out.Grow(textSize)

	var contents []*html.Node
	if len(selects) > 0 {
		contents = matchAll(root, selects)
		doc.SelectorMatched = len(contents) > 0
	}
	if len(contents) == 0 {
		body := info.body
		if body == nil {
			body = root
		}
		main := mainContent(body, info.candidates)
		contents = []*html.Node{main}
		r.dropChrome = true
	}
	for _, n := range contents {
		r.render(n)
	}
	doc.Text = r.finish()
	doc.rawLinks = r.rawLinks

	doc.Title = info.title
	if doc.Title == "" {
		doc.Title = r.firstH1
	}
	doc.Title = strings.Clone(doc.Title)
	return doc
}

// pageInfo is what one pass over the whole page learns outside the content.
type pageInfo struct {
	title      string
	lang       string
	baseHref   string
	body       *html.Node
	candidates [numCandidates]*html.Node // first element of each main-content kind
	shell      shellHints
}

// inspect walks the whole page once for its title, language, <base>,
// body, main-content candidates and JavaScript-shell traces.
func inspect(root *html.Node) pageInfo {
	var info pageInfo
	var metaLang string
	var walk func(n *html.Node, hidden bool)
	walk = func(n *html.Node, hidden bool) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || c.Namespace != "" {
				continue // SVG and MathML have titles and scripts of their own
			}
			switch c.DataAtom {
			case atom.Html:
				if v, ok := attr(c, "lang"); ok && info.lang == "" {
					info.lang = primaryLanguage(v)
				}
			case atom.Title:
				if info.title == "" {
					info.title = truncate(foldSpace(textOf(c)), maxTitleLen)
				}
				continue
			case atom.Base:
				if v, ok := attr(c, "href"); ok && info.baseHref == "" {
					info.baseHref = v
				}
			case atom.Meta:
				if v, _ := attr(c, "http-equiv"); strings.EqualFold(v, "content-language") && metaLang == "" {
					content, _ := attr(c, "content")
					first, _, _ := strings.Cut(content, ",")
					metaLang = primaryLanguage(first)
				}
			case atom.Body:
				if info.body == nil {
					info.body = c
				}
			case atom.Script:
				info.shell.scripts++
				continue
			case atom.Noscript:
				if len(info.shell.noscript) < maxNoscript {
					// With scripting on, the parser keeps noscript content as
					// raw markup: strip the tags before keeping its words.
					info.shell.noscript = truncate(strings.TrimSpace(info.shell.noscript+" "+foldSpace(stripTags(textOf(c)))), maxNoscript)
				}
				continue
			case atom.Style, atom.Template:
				continue
			}
			h := hidden || isHidden(c)
			if !h {
				if k := candidateKind(c); k >= 0 && info.candidates[k] == nil {
					info.candidates[k] = c
				}
				if info.shell.emptyRoot == "" && c.DataAtom == atom.Div && c.FirstChild == nil {
					if id, _ := attr(c, "id"); isAppRootID(id) {
						info.shell.emptyRoot = "#" + id
					}
				}
			}
			walk(c, h)
		}
	}
	walk(root, false)
	if info.lang == "" {
		info.lang = metaLang
	}
	return info
}

// primaryLanguage returns the lowercased primary subtag of a language tag
// ("en-US" → "en"), or "" when it does not look like one.
func primaryLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i] | 0x20
		if c < 'a' || c > 'z' {
			return ""
		}
	}
	return strings.ToLower(tag)
}

// isAppRootID reports whether id names the mount point of a client-side
// application: when it is empty, the page shows nothing without JavaScript.
func isAppRootID(id string) bool {
	switch strings.ToLower(id) {
	case "root", "app", "__next", "__nuxt", "react-root", "app-root", "application", "main-app", "svelte":
		return true
	}
	return false
}

// textOf returns the concatenated text of n's descendants, unfolded.
func textOf(n *html.Node) string {
	if n.FirstChild != nil && n.FirstChild == n.LastChild && n.FirstChild.Type == html.TextNode {
		return n.FirstChild.Data
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
			case html.ElementNode:
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}

// stripTags removes anything between < and > from raw markup.
func stripTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<':
			in = true
			b.WriteByte(' ')
		case c == '>' && in:
			in = false
		case !in:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// truncate cuts s to at most max bytes, on a rune boundary.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// attr returns the value of n's attribute key (lowercase, no namespace).
func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val, true
		}
	}
	return "", false
}
