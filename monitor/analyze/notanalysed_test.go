package analyze

import (
	"slices"
	"testing"
)

// TestNotAnalysedAIMentions: a sentence added to a page in a language
// without patterns that names AI (AI, IA, KI, "Meta AI", "intelligenza
// artificiale", "sztuczna inteligencja") makes the change critical, and
// the summary quotes it first. Each was notable, "Not analysed: no
// patterns for …", below the default threshold: Meta's Portuguese page
// stepping into AI training would have emailed nobody.
func TestNotAnalysedAIMentions(t *testing.T) {
	tests := []struct {
		lang, before, added string
		summary             string
		mentions            []string
	}{
		{"pt", "# Privacidade\nUsamos seus dados para anúncios.\n", "Usamos suas publicações públicas para treinar nossos modelos de IA.",
			`Not analysed (Portuguese): an added sentence mentions AI: "Usamos suas publicações públicas para treinar nossos modelos de IA."; 1 sentence added, 0 removed, see the diff.`,
			[]string{"Usamos suas publicações públicas para treinar nossos modelos de IA."}},
		// Spelled out, beside Italian's lower-case "ai" ("ai fini").
		{"it", "# Informativa\nTrattiamo i dati ai sensi della legge.\n", "Utilizziamo i tuoi post ai fini dello sviluppo dell'intelligenza artificiale.",
			`Not analysed (Italian): an added sentence mentions AI: "Utilizziamo i tuoi post ai fini dello sviluppo dell'intelligenza artificiale."; 1 sentence added, 0 removed, see the diff.`,
			[]string{"Utilizziamo i tuoi post ai fini dello sviluppo dell'intelligenza artificiale."}},
		{"pl", "# Zasady\nKorzystamy z Twoich danych.\n", "Wykorzystujemy Twoje publiczne posty do trenowania sztucznej inteligencji.",
			`Not analysed (Polish): an added sentence mentions AI: "Wykorzystujemy Twoje publiczne posty do trenowania sztucznej inteligencji."; 1 sentence added, 0 removed, see the diff.`,
			[]string{"Wykorzystujemy Twoje publiczne posty do trenowania sztucznej inteligencji."}},
		// Two, in a heading and a sentence; the sentence that names none is
		// counted, not quoted.
		{"sv", "# Integritet\nVi använder dina uppgifter.\n", "## Meta AI\nVi använder dina offentliga inlägg för att träna Meta AI. Vi sparar dina uppgifter.",
			`Not analysed (Swedish): 2 added sentences mention AI, the first: "Meta AI"; 3 sentences added, 0 removed, see the diff.`,
			[]string{"Meta AI", "Vi använder dina offentliga inlägg för att träna Meta AI."}},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		a := Compare(tx.FactSheet(tt.before, tt.lang, nil), tx.FactSheet(tt.before+tt.added+"\n", tt.lang, nil))
		if a.Severity != SeverityCritical || a.Summary != tt.summary || !slices.Equal(a.AIMentions, tt.mentions) {
			t.Errorf("%s %q:\n got %s %q, mentions %q\nwant critical %q, mentions %q", tt.lang, tt.added, a.Severity, a.Summary, a.AIMentions, tt.summary, tt.mentions)
		}
	}
}
