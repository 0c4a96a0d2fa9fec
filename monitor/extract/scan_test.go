package extract

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/internal/corpustest"
	"golang.org/x/net/html"
)

// appendToken appends what z's current token is, as Shape sees it: its
// type, raw bytes and, of a start tag, every attribute TagAttr returns
// (which it consumes); each part after its length, so that two lists are
// equal only if their parts are.
func appendToken(dst []byte, z tokens, tt html.TokenType) []byte {
	part := func(b []byte) {
		dst = append(binary.AppendUvarint(dst, uint64(len(b))), b...)
	}
	part([]byte(tt.String()))
	part(z.Raw())
	if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
		for more := true; more; {
			var key, val []byte
			key, val, more = z.TagAttr()
			if key == nil {
				break
			}
			part(key)
			part(val)
		}
	}
	return dst
}

// scannerAgrees reads page with the scanner and the tokenizer side by
// side; it returns whether the scanner gave up, and how they differ when
// it did not.
func scannerAgrees(page []byte) (gaveUp bool, difference string) {
	sc := newScanner(page)
	z := html.NewTokenizer(bytes.NewReader(page))
	var got, want []byte
	for i := 0; ; i++ {
		tt, wantTT := sc.Next(), z.Next()
		if sc.failed {
			return true, ""
		}
		got, want = appendToken(got[:0], sc, tt), appendToken(want[:0], z, wantTT)
		if !bytes.Equal(got, want) {
			return false, fmt.Sprintf("token %d: scanner %q, tokenizer %q", i, got, want)
		}
		if tt == html.ErrorToken {
			return false, ""
		}
	}
}

// manyAttributesTags is a tag of n distinct attributes a<from>, a<from+1>…,
// each followed by one of the same name, another case, again, and a tag
// of the same.
func manyAttributesTags(n, from int) string {
	var b strings.Builder
	for range 2 {
		b.WriteString("<p")
		for i := from; i < from+n; i++ {
			fmt.Fprintf(&b, " a%d=%d A%d=dup", i, i, i-i%2)
		}
		b.WriteString(">x</p>")
	}
	return b.String()
}

// TestScannerAgreesWithTokenizer holds the scanner to the tokenizer on the
// markup each of its functions ports, the edges of the page included; on
// what it gives up on, Shape reads with the tokenizer instead.
func TestScannerAgreesWithTokenizer(t *testing.T) {
	for _, tc := range []struct {
		page   string
		gaveUp bool
	}{
		{page: ``},
		{page: `plain text only`},
		{page: `a < b and c <3 <`},
		{page: `x <`},
		{page: `<p>one<br/>two<br />three<p a=/>four<p a="/"/>five</p>`},
		{page: `<DIV ID=Root Class="a b" data-x='y' hidden>t</Div >`},
		{page: `<a href=x href=y HREF="z" Id=1 id=2>dup</a>`},
		{page: `<a =x ==y b= "c" d = 'e' f=g/h i/ j>k</a>`},
		{page: `<img src="a>b" alt='c"d' title=e"f>`},
		{page: `<a href="?u=1&amp;h=2&amp;amp;">amp</a>`},
		{page: `<a href="?u=1&h=2" title="&lt;&#39;&eacute&copy=">refs</a>`},
		{page: "<a href=\"x\r\ny\" title='\r'>cr</a>\r\n<p\rclass=z>"},
		{page: "<a href=\"x\x00y\" x\x00=1 X\x00=2>nul</a>\x00text"},
		{page: `<!DOCTYPE html><!doctype  HTML PUBLIC "x"><!DocType>`},
		{page: `<!-- a --><!----><!--><!---><!-- a -- b --!><!-- --!- -->x<!--a--!b-->`},
		{page: `<!- bogus -><!x><!dOcTyPx><? pi ?></ bogus></>end</3>`},
		{page: `<style>a</b> </styl </STYLE foo>x<style></style><title>a <b> &amp;</title >`},
		{page: `<textarea>x</textareax></textarea/><xmp><p></xmp><iframe><a></iframe>`},
		{page: `<noscript><p>n</p></noscript><noembed>e</noembed><noframes>f</noframes>`},
		{page: `<script>if (a < b && c</d) {}</script><script></script><script/>x</script>`},
		{page: `<script>document.write("</scr" + "ipt>")</script>after`},
		{page: `<script>a<!b <!-c</script>`},
		{page: `<plaintext><p>all text</p>`},
		{page: `<plaintext>`},
		{page: `<style>unclosed`},
		{page: `<title>unclosed </titl`},
		{page: `<svg><path d="M0"/><![CDATA[x]]></svg><math><mi>x</mi></math>`},
		{page: `<table><tr><td>1<td>2</table><template><p>t</template>`},
		{page: `<b class="x"><i>nested</b></i><font color=red face=x size=2>f</font>`},
		{page: `<meta http-equiv="Content-Language" content="en"><base href="/x/">`},
		// Past manyAttributes, seen keeps a set: duplicates of names kept
		// before it and after it, case folded, and a second tag that
		// must not find the first's names.
		{page: manyAttributesTags(3*manyAttributes, 0) + manyAttributesTags(manyAttributes+1, manyAttributes)},
		// The scanner gives up on these; the tokenizer reads them.
		{page: `<script><!-- if (a) { } --></script>`, gaveUp: true},
		{page: `text <p class="open`, gaveUp: true},
		{page: `<p`, gaveUp: true},
		{page: `<p a=b`, gaveUp: true},
		{page: `</`, gaveUp: true},
		{page: `</p`, gaveUp: true},
		{page: `<!-- open`, gaveUp: true},
		{page: `<!-`, gaveUp: true},
		{page: `<!doc`, gaveUp: true},
		{page: `<!doctype html`, gaveUp: true},
		{page: `<? pi`, gaveUp: true},
		{page: `</ bogus`, gaveUp: true},
		// Tags handed to a tokenizer alone, up to maxAlone of them.
		{page: strings.Repeat("<p\rclass=x>t", maxAlone)},
		{page: strings.Repeat("<p\rclass=x>t", maxAlone+1), gaveUp: true},
	} {
		gaveUp, difference := scannerAgrees([]byte(tc.page))
		if difference != "" {
			t.Errorf("%q: %s", tc.page, difference)
		}
		if gaveUp != tc.gaveUp {
			t.Errorf("%q: scanner gave up %v, want %v", tc.page, gaveUp, tc.gaveUp)
		}
	}
}

// TestScannerReadsTheCorpus: both real histories are read by the scanner
// (it gives up on none of their pages: else Shape would cost what it did
// before, and parsing what html.Parse costs), token for token as the
// tokenizer reads them, and the parser makes of its tokens html.Parse's
// tree.
func TestScannerReadsTheCorpus(t *testing.T) {
	for _, name := range []string{corpustest.Printable, corpustest.Facebook} {
		t.Run(name, func(t *testing.T) {
			h := corpustest.Open(t, name)
			for i, step := range h.Steps {
				if i%corpusStride() != 0 {
					continue
				}
				page, err := step.Read()
				if err != nil {
					t.Fatal(err)
				}
				gaveUp, difference := scannerAgrees(page)
				if !gaveUp && difference == "" {
					gaveUp, difference = parseAgrees(page)
				}
				if gaveUp {
					t.Errorf("step %04d: the scanner gave up", step.Seq)
				}
				if difference != "" {
					t.Fatalf("step %04d: %s", step.Seq, difference)
				}
			}
		})
	}
}

// TestShapeOfScannerAndTokenizer: Shape is the same whichever reads the
// page, with every kind of rules (the scanner's attributes go through the
// same shaper).
func TestShapeOfScannerAndTokenizer(t *testing.T) {
	pages := []string{shapePage, `<a href="?a=1&amp;b=2">x</a><a href="?a=1&b=2">y</a><a href='?a=1&amp;b=2'>z</a><a href=?a=1&b=2>w</a>`}
	for _, rules := range shapeRuleSets {
		for _, page := range pages {
			fast, ok := shapeOf(newScanner([]byte(page)), rules)
			slow, _ := shapeOf(html.NewTokenizer(strings.NewReader(page)), rules)
			if !ok || fast != slow {
				t.Errorf("rules %v, page %.40q: scanner %q (ok %v), tokenizer %q", rules, page, fast, ok, slow)
			}
		}
	}
}

// shapeRuleSets read attributes in each of the ways Shape tells apart.
var shapeRuleSets = []Rules{
	{},
	{Select: []string{"#root"}, Remove: []string{"img"}},
	{Select: []string{".policy"}, Remove: []string{"[data-x]"}},
	{Select: []string{"p:contains(We)"}},
}

// FuzzScannerAgreesWithTokenizer: on any input the scanner either gives
// up or reads the tokenizer's tokens, and Shape is the same either way.
//
//	go test ./monitor/extract -run '^$' -fuzz FuzzScannerAgreesWithTokenizer -fuzztime 4m
func FuzzScannerAgreesWithTokenizer(f *testing.F) {
	f.Add([]byte(shapePage), uint8(0))
	f.Add([]byte(`<a href="?u=1&amp;h=2" id=x ID=y>t</a><!-- c --!><style></STYLE >`), uint8(1))
	f.Add([]byte(`<script>a</script ><plaintext><p>`), uint8(2))
	f.Add([]byte(`<p a=/><br/><!doctype x><?y><svg><![CDATA[z]]></svg>`), uint8(3))
	f.Fuzz(func(t *testing.T, page []byte, ruleSet uint8) {
		gaveUp, difference := scannerAgrees(page)
		if difference != "" {
			t.Fatal(difference)
		}
		if gaveUp {
			return
		}
		rules := shapeRuleSets[int(ruleSet)%len(shapeRuleSets)]
		fast, _ := shapeOf(newScanner(page), rules)
		slow, _ := shapeOf(html.NewTokenizer(bytes.NewReader(page)), rules)
		if fast != slow {
			t.Fatalf("shape by the scanner %s, by the tokenizer %s", fast, slow)
		}
	})
}
