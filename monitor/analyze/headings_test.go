package analyze_test

import (
	"strings"
	"testing"

	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/monitor/extract"
)

// A date in a heading is read with its role, through extraction as a page
// gives it: "Last updated" or "Effective" in an <h2> moved is a date
// changed, not wording.
func TestDatesInHeadings(t *testing.T) {
	tests := []struct {
		lang, before, after string // HTML bodies
		severity            analyze.Severity
		summary             string
		section             string // of the date after
	}{
		{"en", "<h1>Privacy Policy</h1><h2>Last updated: May 20, 2025</h2><p>We use your posts to show you ads.</p>",
			"<h1>Privacy Policy</h1><h2>Last updated: June 3, 2025</h2><p>We use your posts to show you ads.</p>",
			analyze.SeverityNotable, "Last updated 20 May 2025 → 3 Jun 2025.", "Privacy Policy"},
		{"en", "<h1>Privacy Policy</h1><h2>Effective April 7, 2025</h2><p>We use your posts to show you ads.</p>",
			"<h1>Privacy Policy</h1><h2>Effective May 27, 2025</h2><p>We use your posts to show you ads.</p>",
			analyze.SeverityNotable, "Effective date 7 Apr 2025 → 27 May 2025.", "Privacy Policy"},
		{"fr", "<h1>Politique</h1><h3>En vigueur le 7 avril 2025</h3><p>Nous utilisons vos publications pour la publicité.</p>",
			"<h1>Politique</h1><h3>En vigueur le 27 mai 2025</h3><p>Nous utilisons vos publications pour la publicité.</p>",
			analyze.SeverityNotable, "Effective date 7 Apr 2025 → 27 May 2025.", "Politique"},
		{"en", "<h1>Object by 26 May 2025</h1><p>We use your public posts to train our AI models.</p>",
			"<h1>Object by 27 May 2025</h1><p>We use your public posts to train our AI models.</p>",
			analyze.SeverityCritical, "Deadline 26 May 2025 → 27 May 2025.", ""},
	}
	tx := analyze.DefaultTaxonomy()
	read := func(body, lang string) *analyze.FactSheet {
		doc, err := extract.Extract([]byte("<html><body><main>"+body+"</main></body></html>"), "https://example.com/policy", extract.Rules{})
		if err != nil {
			t.Fatal(err)
		}
		return tx.FactSheet(doc.Text, lang, nil)
	}
	for _, tt := range tests {
		b, a := read(tt.before, tt.lang), read(tt.after, tt.lang)
		an := analyze.Compare(b, a)
		if an.Severity != tt.severity || !strings.HasPrefix(an.Summary, tt.summary) {
			t.Errorf("%s → %s: %s %q, want %s %q", tt.before, tt.after, an.Severity, an.Summary, tt.severity, tt.summary)
		}
		if len(a.Dates) != 1 || a.Dates[0].Section != tt.section || !strings.Contains(tt.after, a.Dates[0].Quote) {
			t.Errorf("%s: dates %+v, want one quoting its heading, in section %q", tt.after, a.Dates, tt.section)
		}
	}
}
