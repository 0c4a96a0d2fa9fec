package extract

import (
	"strings"
	"testing"
	"unsafe"
)

// TestDocumentKeepsNoPartOfThePage: the parser cuts the tree's strings
// from one copy of the page (parse.go), so a string the document keeps
// that is cut from it keeps the whole page alive: the document's
// language, title, links (resolved or not) and base are copies.
func TestDocumentKeepsNoPartOfThePage(t *testing.T) {
	const page = `<!doctype html><html lang="fr-FR"><head><title>Politique</title>` +
		`<base href="https://www.example.com/privacy/base/"></head><body><main>` +
		`<h1>Politique de confidentialité</h1><p>Nous collectons vos <a href="data/posts?x=1">publications</a> ` +
		`et vos <a href="https://help.example.com/objection">objections</a>.</p></main></body></html>`
	root, err := parse([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	// Where the parser's copy of the page is: the html element's lang
	// value, which needs no decoding, is cut from it.
	var lang string
	for _, a := range root.LastChild.Attr {
		if a.Key == "lang" {
			lang = a.Val
		}
	}
	at := strings.Index(page, `"fr-FR"`) + 1
	if lang != "fr-FR" || at == 0 {
		t.Fatalf("html element %+v: no lang attribute", root.LastChild)
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(lang))) - uintptr(at)
	inPage := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return len(s) > 0 && p >= start && p < start+uintptr(len(page))
	}
	if !inPage(lang) {
		t.Fatal("the lang attribute is not cut from the page: the test cannot tell")
	}

	doc := extractTree(root, "https://www.example.com/privacy", nil, nil, len(page))
	kept := map[string]string{"language": doc.Lang, "title": doc.Title}
	if doc.linkBase == nil {
		t.Fatal("no base for links")
	}
	kept["base's host"], kept["base's path"] = doc.linkBase.Host, doc.linkBase.Path
	if len(doc.rawLinks) != 2 {
		t.Fatalf("links as written: %+v, want 2", doc.rawLinks)
	}
	for _, l := range doc.rawLinks {
		kept["link "+l.href+" as written"] = l.href
	}
	for _, l := range doc.Links() {
		kept["link "+l.Href] = l.Href
		kept["link text "+l.Text] = l.Text
	}
	for what, s := range kept {
		if s == "" {
			t.Errorf("%s: empty", what)
		}
		if inPage(s) {
			t.Errorf("%s %q is cut from the page", what, s)
		}
	}
}
