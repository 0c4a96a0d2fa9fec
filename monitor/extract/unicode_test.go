package extract

import "testing"

// TestTextHashIgnoresInvisibleUnicode holds pages that differ only in
// characters a reader cannot see or tell apart: they must keep their hash.
func TestTextHashIgnoresInvisibleUnicode(t *testing.T) {
	same := []samePages{
		// Message formatters (ICU, Fluent) wrap the values they insert in
		// bidi isolates, on some fetches and not others.
		{"first strong isolate", "<p>Effective \u2068May 27, 2025\u2069</p>", "<p>Effective May 27, 2025</p>"},
		{"left-to-right isolate", "<p>Contact \u2066privacy@example.org\u2069</p>", "<p>Contact privacy@example.org</p>"},
		{"right-to-left isolate", "<p>Name \u2067Meta\u2069</p>", "<p>Name Meta</p>"},
		{"arabic letter mark", "<p>Meta\u061c Platforms</p>", "<p>Meta Platforms</p>"},
		{"entity of an isolate", "<p>Effective &#x2068;May 27, 2025&#x2069;</p>", "<p>Effective May 27, 2025</p>"},
	}
	sameHashes(t, same)
	// An override changes what a reader sees: "0001" shown as 1000. It
	// stays, and is a change.
	if hashOf(t, "<p>Fees: \u202e0001\u202c euros.</p>") == hashOf(t, "<p>Fees: 0001 euros.</p>") {
		t.Error("a right-to-left override was dropped: the spoof it makes is no longer seen")
	}
}

// TestTextHashIgnoresUnicodeNormalisation: the same letters, composed
// (NFC) or decomposed (NFD, as text pasted from macOS often is), read the
// same, and a page that switches between them has not changed.
func TestTextHashIgnoresUnicodeNormalisation(t *testing.T) {
	same := []samePages{
		{"e acute", "<p>Politique de confidentialit\u00e9</p>", "<p>Politique de confidentialite\u0301</p>"},
		{"u umlaut in a heading", "<h2>\u00dcber uns</h2><p>Text</p>", "<h2>U\u0308ber uns</h2><p>Text</p>"},
		{"entity of a combining mark", "<p>cr\u00e9er</p>", "<p>cre&#x301;er</p>"},
		{"mark across inline markup", "<p>cr\u00e9er</p>", "<p>cre<span>\u0301</span>er</p>"},
	}
	sameHashes(t, same)
	// A mark that composes with nothing stays: it is seen.
	if hashOf(t, "<p>a\u0301 b</p>") == hashOf(t, "<p>a b</p>") {
		t.Errorf("a combining mark dropped")
	}
}

// samePages are two pages a reader reads the same way.
type samePages struct{ name, a, b string }

// sameHashes checks that each pair's pages have the same text hash.
func sameHashes(t *testing.T, pairs []samePages) {
	t.Helper()
	for _, tc := range pairs {
		t.Run(tc.name, func(t *testing.T) {
			if ha, hb := hashOf(t, tc.a), hashOf(t, tc.b); ha != hb {
				t.Errorf("hashes differ for pages a reader reads the same way")
			}
		})
	}
}
