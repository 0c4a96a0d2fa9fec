package analyze_test

import (
	"strings"
	"testing"

	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/monitor/extract"
)

// A table's header row names its columns: a date that opens its cell
// takes its role from its column's header when the cell before it says
// nothing of it, read as extraction writes a table (a row per line, cells
// joined by " | ") and as Markdown writes one. A row whose cells do not
// line up with the header's (extraction drops empty cells) is not read by
// it, nor is a table by another's header.
func TestDatesLabelledByTheirColumn(t *testing.T) {
	const (
		base    = "# Privacy Policy\nWe use your public posts and photos to develop and improve AI at Meta.\nYou have the right to object to this use of your information.\n"
		crit    = "Deadline 26 May 2025 → 27 May 2025."
		changed = "Date changed: 26 May 2025 → 27 May 2025."
	)
	tests := []struct {
		lang, text string // text holds DATE where the date stands, in HTML when it begins with "<"
		old, new   string
		severity   analyze.Severity
		summary    string
	}{
		{"en", base + "| Purpose | Deadline |\n|---|---|\n| Object to AI training | DATE |\n", "26 May 2025", "27 May 2025", analyze.SeverityCritical, crit},
		{"en", base + "Purpose | Deadline\nObject to AI training | DATE\n", "26 May 2025", "27 May 2025", analyze.SeverityCritical, crit},
		{"en", "<h1>Privacy Policy</h1><p>We use your public posts to train our AI models.</p><table><tr><th>Purpose</th><th>Deadline</th></tr>" +
			"<tr><td>Object to AI training</td><td>DATE</td></tr></table>", "26 May 2025", "27 May 2025", analyze.SeverityCritical, crit},
		{"fr", "# Politique\nNous utilisons vos publications publiques pour entraîner notre IA.\nFinalité | Date limite\nVous opposer à l'entraînement de l'IA | DATE\n",
			"26 mai 2025", "27 mai 2025", analyze.SeverityCritical, crit},
		{"en", "# Privacy Policy\nVersion | Effective date\n2.0 | DATE\n", "26 May 2025", "27 May 2025", analyze.SeverityNotable, "Effective date 26 May 2025 → 27 May 2025."},
		// The cell before speaks first.
		{"en", "# Privacy Policy\nItem | Date\nEffective date | DATE\n", "26 May 2025", "27 May 2025", analyze.SeverityNotable, "Effective date 26 May 2025 → 27 May 2025."},
		// A deadline's column with no objection around it.
		{"en", "# Offers\nOffer | Deadline\nSubscription discount | DATE\n", "26 May 2025", "27 May 2025", analyze.SeverityInfo, changed},
		// The row lost its empty "Deadline" cell: its date is the third
		// column's.
		{"en", base + "Purpose | Deadline | Published\nObject to AI training | DATE\n", "26 May 2025", "27 May 2025", analyze.SeverityInfo, changed},
		// Another table, after a paragraph.
		{"en", base + "Purpose | Deadline\nObject to ads | 1 June 2025\nOur reports are below.\nReport | Published\nAnnual report | DATE\n", "26 May 2025", "27 May 2025", analyze.SeverityInfo, changed},
	}
	tx := analyze.DefaultTaxonomy()
	read := func(text, lang string) *analyze.FactSheet {
		if !strings.HasPrefix(text, "<") {
			return tx.FactSheet(text, lang, nil)
		}
		doc, err := extract.Extract([]byte("<html><body><main>"+text+"</main></body></html>"), "https://example.com/policy", extract.Rules{})
		if err != nil {
			t.Fatal(err)
		}
		return tx.FactSheet(doc.Text, lang, nil)
	}
	for _, tt := range tests {
		a := analyze.Compare(read(strings.ReplaceAll(tt.text, "DATE", tt.old), tt.lang), read(strings.ReplaceAll(tt.text, "DATE", tt.new), tt.lang))
		if a.Severity != tt.severity || !strings.HasPrefix(a.Summary, tt.summary) {
			t.Errorf("%s %q: %s %q\nwant %s %q…", tt.lang, tt.text, a.Severity, a.Summary, tt.severity, tt.summary)
		}
	}
}
