package extract

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/policywatch/policywatch/monitor/extract/internal/htmlparse"
)

// treeDifference returns where the trees at got and want first differ in
// a field the parser sets, or "".
func treeDifference(got, want *html.Node, path string) string {
	if got.Type != want.Type || got.Namespace != want.Namespace || got.DataAtom != want.DataAtom ||
		got.Data != want.Data || !slices.Equal(got.Attr, want.Attr) {
		node := func(n *html.Node) string {
			return fmt.Sprintf("%d %q %d %q %q", n.Type, n.Namespace, n.DataAtom, n.Data, n.Attr)
		}
		return fmt.Sprintf("%s: %s, html.Parse's %s", path, node(got), node(want))
	}
	g, w := got.FirstChild, want.FirstChild
	for i := 0; g != nil || w != nil; i++ {
		at := path + "/" + strconv.Itoa(i)
		switch {
		case g == nil:
			return at + ": missing"
		case w == nil:
			return at + ": one child too many"
		case g.Parent != got:
			return at + ": wrong parent"
		}
		if d := treeDifference(g, w, at); d != "" {
			return d
		}
		g, w = g.NextSibling, w.NextSibling
	}
	return ""
}

// parseAgrees parses page with the scanner's parser and with html.Parse;
// it returns whether the scanner gave up, and how the two differ when it
// did not: in their trees or their errors.
func parseAgrees(page []byte) (gaveUp bool, difference string) {
	want, wantErr := html.Parse(bytes.NewReader(page))
	got, err := htmlparse.Parse(newTreeTokens(page))
	if errors.Is(err, errGaveUp) {
		return true, ""
	}
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		return false, fmt.Sprintf("error %v, html.Parse's %v", err, wantErr)
	}
	if err != nil {
		return false, ""
	}
	return false, treeDifference(got, want, "")
}

// html5libInputs returns the documents of html5lib's tree-construction
// tests that x/net/html ships with its module (the fragment and
// scripting-off ones left out: parse parses documents, scripting on).
func html5libInputs(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/net").Output()
	if err != nil {
		t.Fatalf("find golang.org/x/net's module: go list: %v", err)
	}
	pattern := filepath.Join(strings.TrimSpace(string(out)), "html", "testdata", "html5lib-tests", "tree-construction", "*.dat")
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no html5lib tests at %s (%v)", pattern, err)
	}
	var inputs []string
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		var (
			data   []string
			inData bool
			skip   bool
		)
		flush := func() {
			if data != nil && !skip {
				inputs = append(inputs, strings.Join(data, "\n"))
			}
			data, inData, skip = nil, false, false
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "#data":
				flush()
				data, inData = []string{}, true
			case strings.HasPrefix(line, "#") && inData && (line == "#errors" || line == "#new-errors" || line == "#document" || line == "#document-fragment" || line == "#script-off" || line == "#script-on"):
				inData = false
				fallthrough
			case line == "#document-fragment" || line == "#script-off":
				if line == "#document-fragment" || line == "#script-off" {
					skip = true
				}
			case inData:
				data = append(data, line)
			}
		}
		flush()
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	return inputs
}

// TestParseAgreesWithParser holds the scanner's parser to html.Parse over
// html5lib's tree-construction tests (every edge of the tree construction
// that x/net's own tests cover), field for field.
func TestParseAgreesWithParser(t *testing.T) {
	inputs := html5libInputs(t)
	inputs = append(inputs,
		shapePage,
		"<svg><style>a<b>c</b></style><title>t</title></svg><title>x&amp;y</title>",
		"<svg><![CDATA[x<y]]></svg>",
		"<math><![CDAxy>z</math>",
		"<p a=/><br/><!doctype x><?y>",
		"<textarea>a\r\nb&amp;\x00</textarea><script>x&amp;\r\x00</script><plaintext>p&amp;\r\n\x00",
		"<a href=\"x&amp;y&lt;\" HREF=z Class='c\rd'>t&nbsp;\x00u</a></a b=c>",
		// Character references in values, decoded by the tokenizer in
		// its own way there.
		`<a title="&#39;&#x27;&#X27;&#39&#x;&#;&quot;&apos;&nbsp;&lt;&gt;&amp;" alt="&notit=1 &notit; &amp &ampx &not; &notx; &AMP; &x&#128;">t</a>`,
		`<img alt="&#1234567; &#xD800; &#0; &#x110000;" title='&#99999999999999999999;'>`,
		// (one to a tag: a tag with one reference the fast path does not
		// take goes whole to the tokenizer)
		`<p a="&ampx"><p b="&quotes;"><p c="&ltx"><p d="&#39x;"><p e="&nbsp"><p f="&#x27"><p g="&amp;lt;">`,
		// Comments, whose text the tokenizer decodes as a text's.
		"<p><!-- a&amp;b\x00c\r\nd --><!--x--!><!--><!---><!-- - -- ---><?q&lt;r\x00><!x&amp;></ y&gt;></>z",
	)
	parsed := 0
	for i, input := range inputs {
		gaveUp, difference := parseAgrees([]byte(input))
		if difference != "" {
			t.Errorf("input %d %.80q: %s", i, input, difference)
		}
		if !gaveUp {
			parsed++
		}
	}
	// The scanner gives up on pages ending inside markup, which many of
	// html5lib's tests are about; it must read most of the others.
	t.Logf("%d of %d inputs parsed from the scanner's tokens, the others by html.Parse", parsed, len(inputs))
	if len(inputs) < 1000 || parsed < len(inputs)*2/3 {
		t.Errorf("%d of %d inputs parsed from the scanner's tokens: want at least two thirds of 1,000 or more", parsed, len(inputs))
	}
}

// TestParseGivesUpOnTokensAlone: a page of tags the scanner hands to a
// tokenizer one by one (here each holds a carriage return) is parsed from
// its tokens up to maxAlone of them; past that the scanner gives up and
// html.Parse parses the page, to the same tree.
func TestParseGivesUpOnTokensAlone(t *testing.T) {
	for _, tc := range []struct {
		tags   int
		gaveUp bool
	}{
		{tags: maxAlone - 1, gaveUp: false}, // and the doctype
		{tags: maxAlone, gaveUp: true},
		{tags: 4 * maxAlone, gaveUp: true},
	} {
		page := []byte("<!doctype html><body>" + strings.Repeat("<p\rclass=x>t", tc.tags))
		gaveUp, difference := parseAgrees(page)
		if difference != "" || gaveUp != tc.gaveUp {
			t.Errorf("%d tags: gave up %v (want %v), %s", tc.tags, gaveUp, tc.gaveUp, difference)
		}
		got, err := parse(page)
		if err != nil {
			t.Fatalf("%d tags: %v", tc.tags, err)
		}
		want, _ := html.Parse(bytes.NewReader(page))
		if d := treeDifference(got, want, ""); d != "" {
			t.Errorf("%d tags: %s", tc.tags, d)
		}
	}
}

// FuzzParseAgreesWithParser: on any input, parse's tree is html.Parse's.
//
//	go test ./monitor/extract -run '^$' -fuzz FuzzParseAgreesWithParser -fuzztime 4m
func FuzzParseAgreesWithParser(f *testing.F) {
	f.Add([]byte(shapePage))
	f.Add([]byte(`<table><tr><td>a<b>b<p>c</b>d</table><svg><title>x</title><foreignObject><p>y</svg>`))
	f.Add([]byte(`<!doctype html><html><head><noscript><style>s</style></noscript><title>a&amp;b</title></head><body><select><option>o<textarea>t</textarea></select>`))
	f.Add([]byte("<template><tr><td>x</template><frameset><a>\r\n&lt;\x00"))
	f.Add([]byte("<!-- a&amp;\x00 --!><!--><?x><!y></ z></><p a=\"&#39;&quot;\" b='&ampx' c=&notit=>"))
	f.Fuzz(func(t *testing.T, page []byte) {
		if _, difference := parseAgrees(page); difference != "" {
			t.Fatal(difference)
		}
	})
}
