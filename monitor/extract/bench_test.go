package extract

import (
	"bytes"
	"testing"

	"github.com/andybalholm/cascadia"
	"github.com/policywatch/policywatch/internal/corpustest"
	"golang.org/x/net/html"
)

// printablePage returns the first snapshot of the printable history, a
// real ~356 KB page.
func printablePage(b *testing.B) []byte {
	b.Helper()
	h := corpustest.Open(b, corpustest.Printable)
	page, err := h.Steps[0].Read()
	if err != nil {
		b.Fatal(err)
	}
	return page
}

// printableDoc returns printablePage extracted with the site's selector.
func printableDoc(b *testing.B) *Document {
	b.Helper()
	doc, err := Extract(printablePage(b), printableURL, Rules{Select: []string{"#root"}})
	if err != nil {
		b.Fatal(err)
	}
	return doc
}

// BenchmarkExtractPrintable measures the per-page cost of extraction:
// Extract with Select #root, then TextHash.
func BenchmarkExtractPrintable(b *testing.B) {
	page := printablePage(b)
	rules := Rules{Select: []string{"#root"}}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		doc, err := Extract(page, printableURL, rules)
		if err != nil {
			b.Fatal(err)
		}
		if TextHash(doc.Text) == "" {
			b.Fatal("empty hash")
		}
	}
}

// BenchmarkParsePrintable measures parsing alone, as Extract parses
// (the scanner's tokens through internal/htmlparse): the floor under
// BenchmarkExtractPrintable.
func BenchmarkParsePrintable(b *testing.B) {
	page := printablePage(b)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse(page); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParsePrintableXNet measures html.Parse on the same page: what
// parse replaced.
func BenchmarkParsePrintableXNet(b *testing.B) {
	page := printablePage(b)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := html.Parse(bytes.NewReader(page)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderPrintable measures what Extract adds to parsing: the
// walk, text, links and TextHash.
func BenchmarkRenderPrintable(b *testing.B) {
	page := printablePage(b)
	root, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		b.Fatal(err)
	}
	sel := []cascadia.Selector{cascadia.MustCompile("#root")}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		doc := extractTree(root, printableURL, sel, nil, len(page)/2)
		if TextHash(doc.Text) == "" {
			b.Fatal("empty hash")
		}
	}
}

// BenchmarkDetectLanguage measures language detection of a real policy
// text (~180 KB, of which DetectLanguage samples 2 KB).
func BenchmarkDetectLanguage(b *testing.B) {
	doc := printableDoc(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := DetectLanguage(doc.Text); !ok {
			b.Fatal("no language")
		}
	}
}

// BenchmarkAssess measures Assess on a real policy text.
func BenchmarkAssess(b *testing.B) {
	doc := printableDoc(b)
	b.ReportAllocs()
	for b.Loop() {
		if reason, _ := Assess(doc, true); reason != "" {
			b.Fatal(reason)
		}
	}
}

// BenchmarkShapePrintable measures Shape, what a check of a page whose
// markup changed costs when its shape is the one last accepted (against
// BenchmarkExtractPrintable when it is not).
//
//	go test ./monitor/extract -run '^$' -bench 'ShapePrintable|ExtractPrintable' -benchmem
func BenchmarkShapePrintable(b *testing.B) {
	page := printablePage(b)
	rules := Rules{Select: []string{"#root"}, Remove: []string{"img"}}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if Shape(page, rules) == "" {
			b.Fatal("empty shape")
		}
	}
}
