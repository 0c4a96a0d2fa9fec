package extract

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/internal/corpustest"
	"github.com/policywatch/policywatch/monitor/extract/internal/htmlparse"
)

// shapedAgrees reads page as parseShaped does and says which way its
// shape came: "shared" (the parser's tokens), "parted" (the parser changed
// the tokenizer's mode: read apart) or "gave up" (the scanner did: read
// apart). A shared shape must be Shape's, and ExtractShaped must give
// Shape's shape and Extract's document whichever way.
func shapedAgrees(page []byte, rules Rules) (way, difference string) {
	want := Shape(page, rules)
	z := newTreeTokens(page)
	z.shaper = newShaper(rules)
	_, err := htmlparse.Parse(z)
	switch {
	case errors.Is(err, errGaveUp):
		way = "gave up"
	case err != nil:
		way = "error"
	case z.parted:
		way = "parted"
	default:
		way = "shared"
		if got := z.shaper.sum(); got != want {
			return way, fmt.Sprintf("shape from the parser's tokens %s, Shape %s", got, want)
		}
	}
	doc, shape, err := ExtractShaped(page, "https://example.com/p", rules)
	plain, plainErr := Extract(page, "https://example.com/p", rules)
	if (err == nil) != (plainErr == nil) {
		return way, fmt.Sprintf("ExtractShaped: %v, Extract: %v", err, plainErr)
	}
	if err != nil {
		return way, ""
	}
	if shape != want {
		return way, fmt.Sprintf("ExtractShaped's shape %s, Shape %s", shape, want)
	}
	if doc.Text != plain.Text || doc.Title != plain.Title || doc.Lang != plain.Lang {
		return way, fmt.Sprintf("ExtractShaped's document differs from Extract's: text %.60q, want %.60q", doc.Text, plain.Text)
	}
	return way, ""
}

// TestParseShapedAgreesWithShape: the shape read from the parser's tokens
// is Shape's, under every kind of rules, and each way parseShaped can
// take is taken by the page that should take it.
func TestParseShapedAgreesWithShape(t *testing.T) {
	for _, tc := range []struct {
		page string
		way  string
	}{
		{shapePage, "shared"},
		{`<a href="?a=1&amp;b=2">x</a><a href="?a=1&b=2">y</a><a href='?a=1&amp;b=2'>z</a><a href=?a=1&b=2>w</a>`, "shared"},
		{"<!doctype html><p>a<b>b<p>c</b>d<script>x<y</script><style>p{}</style><title>t&amp;u</title>", "shared"},
		// Foreign content with no raw-text element in it: the parser
		// changes no mode.
		{"<p>x<svg><circle r=1></circle><text>t</text></svg><math><mi>x</mi></math><p>y", "shared"},
		// A <style> and a <title> in <svg> are not raw text to the parser.
		{"<svg><style>a<b>c</b></style><title>t<i>i</i></title></svg><title>x&amp;y</title>", "parted"},
		{"<math><mtext><title>x</title></mtext><annotation-xml><style>y<p>z</style></annotation-xml></math>", "parted"},
		// The scanner gives up on a CDATA section it is allowed to read.
		{"<svg><![CDATA[x<y]]></svg><p>after", "gave up"},
		{"<frameset><script> </script><noframes>n</noframes></frameset>", "shared"},
		{"<noscript><p>n</p></noscript><textarea><b>t</b></textarea><plaintext><p>p", "shared"},
		// Tags each read by a tokenizer of their own, twice: once for the
		// shape, once for the tree.
		{"<!doctype html><body>" + strings.Repeat("<p\rclass=x>t", maxAlone/2-1), "shared"},
		{"<!doctype html><body>" + strings.Repeat("<p\rclass=x>t", maxAlone), "gave up"},
	} {
		for _, rules := range shapeRuleSets {
			way, difference := shapedAgrees([]byte(tc.page), rules)
			if difference != "" {
				t.Errorf("page %.60q, rules %v: %s", tc.page, rules, difference)
			}
			if way != tc.way {
				t.Errorf("page %.60q, rules %v: shape read %s, want %s", tc.page, rules, way, tc.way)
			}
		}
	}
}

// TestParseShapedReadsTheCorpus: on both real histories, under the rules
// their watches use, the shape comes from the parser's tokens and is
// Shape's.
func TestParseShapedReadsTheCorpus(t *testing.T) {
	for _, c := range []struct {
		name  string
		rules Rules
	}{
		{corpustest.Printable, Rules{Select: []string{"#root"}}},
		{corpustest.Facebook, Rules{Select: []string{"#policy"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := corpustest.Open(t, c.name)
			for i, step := range h.Steps {
				if i%(4*corpusStride()) != 0 {
					continue
				}
				page, err := step.Read()
				if err != nil {
					t.Fatal(err)
				}
				way, difference := shapedAgrees(page, c.rules)
				if difference != "" || way != "shared" {
					t.Fatalf("step %04d: shape read %s: %s", step.Seq, way, difference)
				}
			}
		})
	}
}

// FuzzParseShaped: on any input, ExtractShaped's shape is Shape's, and a
// shape read from the parser's tokens is too.
//
//	go test ./monitor/extract -run '^$' -fuzz FuzzParseShaped -fuzztime 4m
func FuzzParseShaped(f *testing.F) {
	f.Add([]byte(shapePage), uint8(0))
	f.Add([]byte("<svg><style>a<b>c</b></style><title>t<i>i</i></title></svg><title>x&amp;y</title>"), uint8(1))
	f.Add([]byte(`<table><tr><td>a<b>b<p>c</b>d</table><svg><title>x</title><foreignObject><p>y</svg>`), uint8(2))
	f.Add([]byte("<template><tr><td>x</template><frameset><a>\r\n&lt;\x00<script> </script>"), uint8(3))
	f.Add([]byte("<!-- a&amp;\x00 --!><!--><?x><!y></ z></><p a=\"&#39;&quot;\" b='&ampx' c=&notit=>"), uint8(1))
	f.Fuzz(func(t *testing.T, page []byte, ruleSet uint8) {
		rules := shapeRuleSets[int(ruleSet)%len(shapeRuleSets)]
		if _, difference := shapedAgrees(page, rules); difference != "" {
			t.Fatal(difference)
		}
	})
}
