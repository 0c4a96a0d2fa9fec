package monitor

import (
	"strings"
	"testing"
)

// countWords must agree with strings.Fields, whose idea of white space
// (unicode.IsSpace) is the one the ASCII fast path reimplements.
func TestCountWordsAgreesWithFields(t *testing.T) {
	for _, s := range []string{
		"",
		"   ",
		"one",
		" two  words ",
		"tab\tnew\nline\rcr\vvt\fff",
		"no\u00a0break space and next\u0085line",
		"l’IA générative — données\u2003em\u3000ideographic",
		"# Heading\n- item one\n- item two\ncell | cell",
		"\x1c\x1d\x1e\x1f are not spaces",
		"\xff invalid \xfe bytes",
	} {
		if got, want := countWords(s), len(strings.Fields(s)); got != want {
			t.Errorf("countWords(%q) = %d, want %d", s, got, want)
		}
	}
}
