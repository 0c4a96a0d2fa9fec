package extract

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name      string
		fixture   string
		pageURL   string
		rules     Rules
		wantText  string
		wantTitle string
		wantLang  string
		wantLinks []Link
		wantMatch bool
	}{
		{
			name:    "main content of a site page",
			fixture: "site-policy.html",
			pageURL: "https://example.org/privacy?lang=fr",
			wantText: `# Privacy Policy
Effective May 27, 2025
We collect some information, and we use it to provide our services.
## What we collect
- Your name
- Your activity
across our products
- Devices
- Identifiers
- Signals
Line one
Line two
Purpose | Data
Ads | Activity Clicks
– | Only one
Email
Read contact us, jump or nothing.
Last updated by the legal team`,
			wantTitle: "Politique de confidentialité | Exemple",
			wantLang:  "fr",
			wantLinks: []Link{
				{Text: "provide", Href: "https://help.example.com/article?id=7"},
				{Text: "contact us", Href: "https://www.example.org/legal/contact"},
				// A fragment resolves against <base>, as in a browser.
				{Text: "jump", Href: "https://www.example.org/legal/"},
			},
			wantMatch: true,
		},
		{
			name:    "body without chrome when no main element",
			fixture: "no-main.html",
			pageURL: "https://example.org/terms",
			wantText: `### Terms
First block
Second block
Paragraph with non-breakingspace and a softhyphen.`,
			wantLang:  "de",
			wantMatch: true,
		},
		{
			name:    "main element holding little of the text is not trusted",
			fixture: "teaser-main.html",
			pageURL: "https://example.org/",
			wantText: `Short teaser.
# The full policy
This section holds nearly all of the text of the page, which a heuristic that trusted the main element would drop without a word.
It goes on for a while, so that the main element holds far less than half of what a reader sees on the page.`,
			wantTitle: "The full policy",
			wantLang:  "en",
			wantMatch: true,
		},
		{
			name:    "layout tables are blocks, data tables rows",
			fixture: "layout-table.html",
			pageURL: "https://example.org/",
			rules:   Rules{Select: []string{"#root"}},
			wantText: `# Policy
First paragraph.
Side column.
Inner A | Inner B
Outer cell`,
			wantTitle: "Policy",
			wantLang:  "en",
			wantMatch: true,
		},
		{
			name:      "remove drops matches inside the selection",
			fixture:   "layout-table.html",
			pageURL:   "https://example.org/",
			rules:     Rules{Select: []string{"#root"}, Remove: []string{"table table", "h1"}},
			wantText:  "First paragraph.\nSide column.\nOuter cell",
			wantLang:  "en",
			wantMatch: true,
		},
		{
			name:      "select is a union in document order",
			fixture:   "layout-table.html",
			pageURL:   "https://example.org/",
			rules:     Rules{Select: []string{".extra", "h1"}},
			wantText:  "# Policy\nOutside the root.\nSecond outside.",
			wantTitle: "Policy",
			wantLang:  "en",
			wantMatch: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Extract(readFixture(t, tc.fixture), tc.pageURL, tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			if doc.Text != tc.wantText {
				t.Errorf("Text:\n%s\nwant:\n%s", doc.Text, tc.wantText)
			}
			if doc.Title != tc.wantTitle {
				t.Errorf("Title = %q, want %q", doc.Title, tc.wantTitle)
			}
			if doc.Lang != tc.wantLang {
				t.Errorf("Lang = %q, want %q", doc.Lang, tc.wantLang)
			}
			if doc.SelectorMatched != tc.wantMatch {
				t.Errorf("SelectorMatched = %v, want %v", doc.SelectorMatched, tc.wantMatch)
			}
			if tc.wantLinks != nil && !reflect.DeepEqual(doc.Links(), tc.wantLinks) {
				t.Errorf("Links = %q, want %q", doc.Links(), tc.wantLinks)
			}
		})
	}
}

func TestExtractTextFormat(t *testing.T) {
	doc, err := Extract(readFixture(t, "site-policy.html"), "https://example.org/privacy", Rules{})
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(doc.Text, "\n") {
		if line == "" {
			t.Errorf("line %d is empty", i+1)
		}
		if strings.TrimSpace(line) != line || strings.Contains(line, "  ") {
			t.Errorf("line %d has unfolded white space: %q", i+1, line)
		}
	}
	for _, hidden := range []string{"never shown", "Hidden", "ICON", "typed", "Send", "One", "draft", "Enable JavaScript", "Template", "Vector", "Accueil", "Related links", "©"} {
		if strings.Contains(doc.Text, hidden) {
			t.Errorf("text shows %q, which a reader does not see", hidden)
		}
	}
}

func TestExtractSelectorMissing(t *testing.T) {
	doc, err := Extract(readFixture(t, "layout-table.html"), "https://example.org/", Rules{Select: []string{"#policy"}})
	if err != nil {
		t.Fatal(err)
	}
	if doc.SelectorMatched {
		t.Error("SelectorMatched = true for a selector matching nothing")
	}
	// The heuristic's text is kept so that the caller can tell what the page was.
	if !strings.Contains(doc.Text, "First paragraph.") {
		t.Errorf("Text = %q, want the main content found by the heuristic", doc.Text)
	}
}

func TestExtractRejects(t *testing.T) {
	tests := []struct {
		name   string
		page   []byte
		rules  Rules
		target error // nil: any error
	}{
		{"over the size limit", make([]byte, MaxHTMLSize+1), Rules{}, ErrTooLarge},
		{"absurd nesting", []byte(strings.Repeat("<div>", 10000) + "deep"), Rules{}, nil},
		{"invalid select", []byte("<p>x</p>"), Rules{Select: []string{"div["}}, nil},
		{"invalid remove", []byte("<p>x</p>"), Rules{Remove: []string{"::"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Extract(tc.page, "https://example.org/", tc.rules)
			if err == nil {
				t.Fatalf("no error; text %d bytes", len(doc.Text))
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Errorf("error %v, want %v", err, tc.target)
			}
		})
	}
}

func TestExtractHostileButBounded(t *testing.T) {
	// Deep, but within the parser's limit, and wide: both must finish and
	// keep their text.
	deep := strings.Repeat("<div><span>", 200) + "bottom" + strings.Repeat("</span></div>", 200)
	var wide strings.Builder
	for i := range 50000 {
		fmt.Fprintf(&wide, `<p><a href="/x/%d?utm_source=1">link</a></p>`, i)
	}
	for name, page := range map[string]string{"deep": deep, "wide": wide.String()} {
		doc, err := Extract([]byte(page), "https://example.org/", Rules{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if doc.Text == "" {
			t.Errorf("%s: no text", name)
		}
		if len(doc.Links()) > maxLinks {
			t.Errorf("%s: %d links kept, limit %d", name, len(doc.Links()), maxLinks)
		}
	}
}

func TestValidateSelector(t *testing.T) {
	for _, sel := range []string{"#root", "main article > p", "div.a, div.b", "[role=main]", "li:nth-child(2)"} {
		if err := ValidateSelector(sel); err != nil {
			t.Errorf("ValidateSelector(%q) = %v", sel, err)
		}
	}
	for _, sel := range []string{"", "  ", "div[", "##x", "a >"} {
		err := ValidateSelector(sel)
		if err == nil {
			t.Errorf("ValidateSelector(%q) = nil, want an error", sel)
			continue
		}
		if strings.TrimSpace(sel) != "" && !strings.Contains(err.Error(), sel) {
			t.Errorf("error %q does not name the selector %q", err, sel)
		}
	}
}

func TestExtractKeepsLargeChrome(t *testing.T) {
	// A page that wraps its content in <nav> or <header> must not lose it.
	policy := strings.Repeat("<p>We collect information about what you do on our products.</p>", 20)
	page := `<body><nav><a href="/">Home</a></nav><header><nav><nav>` + policy + `</nav></nav></header><footer>Footer</footer></body>`
	doc, err := Extract([]byte(page), "https://example.org/", Rules{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(doc.Text, "We collect"); got != 20 {
		t.Errorf("kept %d of 20 paragraphs inside large chrome", got)
	}
	if strings.Contains(doc.Text, "Home") || strings.Contains(doc.Text, "Footer") {
		t.Errorf("small chrome kept: %q", doc.Text)
	}
}

func TestStyleHides(t *testing.T) {
	tests := []struct {
		style string
		want  bool
	}{
		{"display:none", true},
		{"color: red; DISPLAY : None !important", true},
		{"visibility: hidden", true},
		{"display: block", false},
		{"display: none-ish", false},
		{"font-family: none; overflow: hidden", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := styleHides(tc.style); got != tc.want {
			t.Errorf("styleHides(%q) = %v, want %v", tc.style, got, tc.want)
		}
	}
}

// TestTitleWithoutControlCharacters: a title is plain text. Control
// characters in it (an ESC, a BEL, an 8-bit CSI) show as nothing on the
// page, and 'policywatch history' printed them raw to the terminal, where
// "\x1b]0;…\a" retitles the window and "\x1b[2J" clears it.
func TestTitleWithoutControlCharacters(t *testing.T) {
	page := "<!DOCTYPE html><html><head><title>Acme &#27;[2JPrivacy&#7; &#27;]0;pwned&#7;Policy\u009b31m</title></head>" +
		"<body><main><p>" + strings.Repeat("We collect what you share. ", 20) + "</p></main></body></html>"
	doc, err := Extract([]byte(page), "https://example.org/", Rules{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Acme [2JPrivacy ]0;pwnedPolicy31m"; doc.Title != want {
		t.Errorf("Title = %q, want %q", doc.Title, want)
	}
}
