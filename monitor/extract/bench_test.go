package extract

import (
	"bytes"
	"strconv"
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
// text (~180 KB, of which DetectLanguage samples 512 bytes).
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

// hostilePages are pages made to cost the scanner more than the
// tokenizer: one tag of 20,000 distinct attributes (its duplicates are
// looked for among the others), and 100,000 tags each holding a carriage
// return (each handed to a tokenizer alone, up to maxAlone).
var hostilePages = []struct {
	name string
	page []byte
}{
	{"attributes", func() []byte {
		var b bytes.Buffer
		b.WriteString("<p")
		for i := range 20000 {
			b.WriteString(" a")
			b.WriteString(strconv.Itoa(i))
		}
		b.WriteString(">x")
		return b.Bytes()
	}()},
	{"tags-alone", bytes.Repeat([]byte("<p\rclass=x>t"), 100000)},
}

// BenchmarkParseHostile measures Extract's parse and Shape on
// hostilePages, beside html.Parse on the same: each should cost about as
// much as html.Parse, not many times more.
//
//	go test ./monitor/extract -run '^$' -bench Hostile -benchmem
func BenchmarkParseHostile(b *testing.B) {
	for _, p := range hostilePages {
		b.Run(p.name+"/parse", func(b *testing.B) {
			b.SetBytes(int64(len(p.page)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parse(p.page); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(p.name+"/shape", func(b *testing.B) {
			b.SetBytes(int64(len(p.page)))
			b.ReportAllocs()
			for b.Loop() {
				Shape(p.page, Rules{Select: []string{"#root"}})
			}
		})
		b.Run(p.name+"/xnet", func(b *testing.B) {
			b.SetBytes(int64(len(p.page)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := html.Parse(bytes.NewReader(p.page)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
