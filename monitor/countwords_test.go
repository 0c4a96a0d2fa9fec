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

// BenchmarkCountWords counts the words of a long text, as a first
// capture's summary does.
//
//	go test ./monitor -run '^$' -bench CountWords -benchmem
func BenchmarkCountWords(b *testing.B) {
	text := strings.Repeat("We collect the content you create, such as posts, comments or audio.\n", 2700)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if countWords(text) == 0 {
			b.Fatal("no words")
		}
	}
}
