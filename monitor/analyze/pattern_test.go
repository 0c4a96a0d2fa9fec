package analyze

import (
	"strings"
	"testing"
)

func TestPatternMatches(t *testing.T) {
	tests := []struct {
		pattern string
		text    string
		want    bool
	}{
		{"photo*", "Your Photographs", true},
		{"photo*", "a photon", true}, // a prefix is a prefix
		{"comment", "comments", false},
		{"opt out", "the opt-out form", true},
		{"l ia", "entraîner l’IA", true},
		{"derniere mise a jour", "Dernière mise à jour", true},
		{"right ~2 object", "the right to object", true},
		{"right ~2 object", "the right you have to object", false},
		{"interaction*|message* ~4 artificial intelligence", "Interactions with Meta's artificial intelligence", true},
		{"develop* ~3 (ai|artificial intelligence|generative ai)", "develop and improve artificial intelligence", true},
		{"develop* ~3 (ai|artificial intelligence|generative ai)", "develop new generative AI tools", true},
		{"develop* ~3 (ai|artificial intelligence|generative ai)", "develop products with partners who use AI", false},
		{"(ai|artificial intelligence) ~2 training", "artificial intelligence model training", true},
		{"train ~2 models", "train models", true},
		{"train ~2 models", "models train", false},
	}
	for _, tt := range tests {
		terms, err := compilePattern(tt.pattern)
		if err != nil {
			t.Fatalf("compilePattern(%q): %v", tt.pattern, err)
		}
		m := newMatcher([]*pattern{{lang: "en", terms: terms}})
		var f folder
		got := false
		m.find(f.fold(tt.text), "en", func(match) { got = true })
		if got != tt.want {
			t.Errorf("%q in %q: matched %v, want %v", tt.pattern, tt.text, got, tt.want)
		}
	}
}

func TestMatcherFiltersByLanguage(t *testing.T) {
	terms, _ := compilePattern("commentaire*")
	m := newMatcher([]*pattern{{lang: "fr", terms: terms}})
	var f folder
	words := f.fold("les commentaires")
	n := 0
	m.find(words, "en", func(match) { n++ })
	m.find(words, "", func(match) { n += 10 })
	if n != 10 {
		t.Errorf("matches: %d, want only the language-blind one (10)", n)
	}
}

func TestCompilePatternErrors(t *testing.T) {
	tests := []struct {
		pattern string
		want    string
	}{
		{"", "empty pattern"},
		{"~2 word", "begin with a gap"},
		{"word ~2", "end with a gap"},
		{"a ~2 ~3 b", "two gaps"},
		{"a ~0 b", "want ~1 to ~20"},
		{"a ~99 b", "want ~1 to ~20"},
		{"a ~1 b ~1 c ~1 d", "more than 2 gaps"},
		{"a||b", "empty alternative"},
		{"x* y", "too short"},
		{"opt-out|optout", "write them apart"},
		{"(a b", "unclosed"},
		{"a) b", "unopened"},
		{"((a))", "do not nest"},
		{"«»", "no letter or digit"},
	}
	for _, tt := range tests {
		_, err := compilePattern(tt.pattern)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("compilePattern(%q) = %v, want an error containing %q", tt.pattern, err, tt.want)
		}
	}
}
