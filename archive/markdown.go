package archive

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
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
// <main>.
func markdownPage(md []byte) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(md) + len(md)/4 + 128)
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body><main>\n")
	if err := markdownRenderer().Convert(md, &b); err != nil {
		return nil, fmt.Errorf("render Markdown: %w", err)
	}
	b.WriteString("</main></body></html>\n")
	return b.Bytes(), nil
}
