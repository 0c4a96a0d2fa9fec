package extract

import (
	"strings"
	"testing"
)

func TestTextHashIgnoresMarkup(t *testing.T) {
	// Pairs of pages a reader reads the same way.
	same := []struct{ name, a, b string }{
		{"paragraph becomes list item", `<p>We collect your name.</p>`, `<ul><li>We collect your name.</li></ul>`},
		{"list re-flowed", `<ul><li>Name</li><li>Email</li></ul>`, `<p>Name</p><p>Email</p>`},
		{"heading level", `<h2>Highlights</h2><p>Text</p>`, `<h3>Highlights</h3><p>Text</p>`},
		{"table becomes paragraphs", `<table><tr><td>Ads</td><td>Activity</td></tr></table>`, `<p>Ads</p><p>Activity</p>`},
		{"white space and line breaks", "<p>We   collect\n your\tname.</p>", `<p>We collect your name.</p>`},
		{"inline markup", `<p>We <b>collect</b> <span class="x">your</span> name.</p>`, `<p>We collect your name.</p>`},
		{"link targets", `<p><a href="https://lm.facebook.com/l.php?u=https%3A%2F%2Fa.example%2F&h=AT1">Learn more</a></p>`,
			`<p><a href="https://lm.facebook.com/l.php?u=https%3A%2F%2Fb.example%2F&h=AT2">Learn more</a></p>`},
		{"class names and hidden churn", `<div class="a1"><p>Text</p><p hidden>token 1</p></div>`, `<div class="z9"><p>Text</p><p hidden>token 2</p></div>`},
	}
	for _, tc := range same {
		t.Run(tc.name, func(t *testing.T) {
			if ha, hb := hashOf(t, tc.a), hashOf(t, tc.b); ha != hb {
				t.Errorf("hashes differ for pages a reader reads the same way")
			}
		})
	}
	different := []struct{ name, a, b string }{
		{"a word", `<p>We collect your name.</p>`, `<p>We collect your email.</p>`},
		{"a date", `<p>Effective April 7, 2025</p>`, `<p>Effective May 27, 2025</p>`},
		{"word order across lines", `<p>Name</p><p>Email</p>`, `<p>Email</p><p>Name</p>`},
		{"words split", `<p>data base</p>`, `<p>database</p>`},
	}
	for _, tc := range different {
		t.Run(tc.name, func(t *testing.T) {
			if hashOf(t, tc.a) == hashOf(t, tc.b) {
				t.Errorf("same hash for texts a reader reads differently")
			}
		})
	}
}

func hashOf(t *testing.T, page string) string {
	t.Helper()
	doc, err := Extract([]byte(page), "https://example.org/", Rules{})
	if err != nil {
		t.Fatal(err)
	}
	return TextHash(doc.Text)
}

func TestTextHashFoldsFormat(t *testing.T) {
	want := TextHash("Highlights We collect Ads Activity")
	for _, text := range []string{
		"## Highlights\n- We collect\nAds | Activity",
		"Highlights\nWe collect\nAds\nActivity",
		"  # Highlights  \n\n-   We   collect\n\nAds |  Activity\n",
		"###### Highlights We\tcollect Ads Activity",
	} {
		if got := TextHash(text); got != want {
			t.Errorf("TextHash(%q) differs from the folded text's", text)
		}
	}
	if len(want) != 64 || strings.Trim(want, "0123456789abcdef") != "" {
		t.Errorf("TextHash = %q, want 64 hex digits", want)
	}
	// Markers are only markers at the start of a line.
	if TextHash("a - b") == TextHash("a b") {
		t.Error(`a "-" inside a line was folded away`)
	}
	if TextHash("####### seven") == TextHash("seven") {
		t.Error("seven #s taken for a heading marker")
	}
}

func TestTextHashLongText(t *testing.T) {
	// Longer than the hash's internal buffer: chunking must not change it.
	line := strings.Repeat("word ", 2000)
	text := strings.Repeat(line+"\n", 40)
	folded := strings.TrimSpace(strings.Repeat(line, 40))
	if TextHash(text) != TextHash(folded) {
		t.Error("a long text and its folded form hash differently")
	}
}

func TestTextHashCellSeparators(t *testing.T) {
	want := TextHash("a b c")
	for _, text := range []string{"a | b | c", "| a | b | c |", "a | | b | c", "a |\n| b c", "a\t|  b |c"} {
		got := TextHash(text)
		if text == "a\t|  b |c" {
			// "|c" is a word, not a separator.
			if got == want {
				t.Errorf("TextHash(%q) dropped the | of a word", text)
			}
			continue
		}
		if got != want {
			t.Errorf("TextHash(%q) differs from TextHash(%q)", text, "a b c")
		}
	}
	if TextHash("a|b") == TextHash("a b") {
		t.Error(`"a|b" hashed as "a b"`)
	}
}
