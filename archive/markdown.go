package archive

import (
	"bytes"
	"encoding/json"
	"fmt"
	stdhtml "html"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/monitor/extract"
)

// markdownRenderer turns archived Markdown into HTML for extraction. GFM,
// because archives keep tables as GFM tables. Raw HTML inside the Markdown
// is kept (WithUnsafe): archives convert pages to Markdown and leave the
// parts Markdown cannot say (complex tables) as HTML, whose text belongs
// to the policy. The page is only ever parsed for its text, like any page
// fetched from the web, never rendered in a browser as it is. Made on first
// use: it allocates half a megabyte that a daemon which never imports
// would carry for months.
var markdownRenderer = sync.OnceValue(func() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
})

// markdownPage renders Markdown as a whole UTF-8 HTML page, its content in
// <main>. A YAML front matter (between "---" lines at the very start, as
// static site generators and ExportMarkdown write it) is not part of the
// text: its title becomes the page's <title>, as the page had it.
func markdownPage(md []byte) ([]byte, error) {
	title, md := splitFrontMatter(md)
	var b bytes.Buffer
	b.Grow(len(md) + len(md)/4 + 128 + len(title))
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">")
	if title != "" {
		b.WriteString("<title>" + stdhtml.EscapeString(title) + "</title>")
	}
	b.WriteString("</head><body><main>\n")
	if err := markdownRenderer().Convert(md, &b); err != nil {
		return nil, fmt.Errorf("render Markdown: %w", err)
	}
	b.WriteString("</main></body></html>\n")
	return b.Bytes(), nil
}

// maxFrontMatter bounds the front matter looked for at a file's start.
const maxFrontMatter = 64 << 10

// splitFrontMatter returns the title of the YAML front matter md begins
// with, and the Markdown after it. Without front matter — no "---" first
// line, no closing "---" or "..." line near the start, or a block that is
// not a YAML mapping (a thematic break and a setext heading, say) — md is
// returned whole.
func splitFrontMatter(md []byte) (title string, body []byte) {
	rest, ok := bytes.CutPrefix(md, []byte("---\n"))
	if !ok {
		if rest, ok = bytes.CutPrefix(md, []byte("---\r\n")); !ok {
			return "", md
		}
	}
	off := 0
	for off < len(rest) && off < maxFrontMatter {
		line, _, found := bytes.Cut(rest[off:], []byte("\n"))
		next := off + len(line) + 1
		if !found {
			next = len(rest)
		}
		if s := string(bytes.TrimRight(line, "\r \t")); s == "---" || s == "..." {
			var meta map[string]any
			if err := yaml.Unmarshal(rest[:off], &meta); err != nil || meta == nil {
				return "", md
			}
			t, _ := meta["title"].(string)
			return strings.TrimSpace(t), rest[next:]
		}
		off = next
	}
	return "", md
}

// frontMatter is the YAML front matter that keeps a version's <title>,
// which the Markdown text alone would lose (its import would take the
// first heading instead); "" without a title. A JSON string is a YAML
// double-quoted scalar, so no title can end the block or add a key.
func frontMatter(title string) string {
	if title == "" {
		return ""
	}
	q, err := json.Marshal(title)
	if err != nil {
		return "" // not valid UTF-8 cannot come out of the store
	}
	return "---\ntitle: " + string(q) + "\n---\n\n"
}

// versionMarkdown is a version as an exported Markdown file: its title
// in the front matter, its text with its links.
func versionMarkdown(v *monitor.Version) string {
	return frontMatter(v.Title) + markdownText(v.Text, v.Links)
}

// placeLinks places the links in the text as the analysis does
// (analyze.PlaceLinks), so that the Markdown links the same words the page
// did; then leaves out those whose target cannot be written as a link
// destination (control characters), after placing them so that the others
// land where the analysis puts them.
func placeLinks(text string, links []extract.Link) []analyze.PlacedLink {
	all := make([]analyze.Link, len(links))
	for i, l := range links {
		all[i] = analyze.Link(l)
	}
	return slices.DeleteFunc(analyze.PlaceLinks(text, all), func(p analyze.PlacedLink) bool {
		return strings.ContainsFunc(p.Link.Href, isControl)
	})
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// writeLink writes a link: a Markdown link when the renderer will write
// its target as it is, else an HTML <a> (raw HTML is rendered as it is),
// since a target the renderer percent-encodes ("<", "[", "|", a space, an
// accented letter, a stray "%") would come back as another string, and
// the same form would look like another one.
func writeLink(b *strings.Builder, text, href string) {
	if !markdownSafeHref(href) {
		b.WriteString(`<a href="` + stdhtml.EscapeString(href) + `">`)
		escapeInline(b, text)
		b.WriteString("</a>")
		return
	}
	b.WriteByte('[')
	escapeInline(b, text)
	b.WriteString("](<" + href + ">)")
}

// entityLike is what the renderer would read as an HTML entity in a link
// target and decode.
var entityLike = regexp.MustCompile(`&#?[0-9A-Za-z]+;`)

// markdownSafeHref reports whether goldmark renders href, as a link
// target, byte for byte: only characters it does not percent-encode, a
// "%" only before two hex digits, no backslash or entity it would decode.
func markdownSafeHref(href string) bool {
	for i := 0; i < len(href); i++ {
		c := href[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~:/?#@!$&'()*+,;=", c) >= 0:
		case c == '%' && i+2 < len(href) && isHex(href[i+1]) && isHex(href[i+2]):
		default:
			return false
		}
	}
	return !entityLike.MatchString(href)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
