package analyze

import "testing"

// Two deadlines swapped between two purposes, or one moved to the date
// another purpose's deadline already had, are changes of those purposes'
// deadlines, which the dates of the role taken as a set do not show.
func TestDeadlinesPairedByWhatTheyAreFor(t *testing.T) {
	tests := []struct {
		before, after string
		severity      Severity
		summary       string
	}{
		{
			"You can object to AI training until 26 May 2025. You can object to ads until 30 June 2025.",
			"You can object to ads until 26 May 2025. You can object to AI training until 30 June 2025.",
			SeverityCritical, "Deadline (Advertising) 30 Jun 2025 → 26 May 2025. Deadline (AI training) 26 May 2025 → 30 Jun 2025.",
		},
		{
			"You can object to AI training until 26 May 2025. You can object to ads until 30 June 2025.",
			"You can object to AI training until 30 June 2025. You can object to ads until 30 June 2025.",
			SeverityCritical, "Deadline 26 May 2025 → 30 Jun 2025.",
		},
		// One purpose's deadline moved: told as before, without its subject.
		{
			"You can object to AI training until 26 May 2025.",
			"You can object to AI training until 27 May 2025.",
			SeverityCritical, "Deadline 26 May 2025 → 27 May 2025.",
		},
		// The same dates for the same purposes, reworded: no change.
		{
			"You can object to AI training until 26 May 2025. You can object to ads until 30 June 2025.",
			"You may object to ads until 30 June 2025. You may object to AI training until 26 May 2025.",
			SeverityInfo, "No change to categories, purposes, rights or dates; 2 statements added, 2 removed.",
		},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		a := Compare(tx.FactSheet(tt.before, "en", nil), tx.FactSheet(tt.after, "en", nil))
		if a.Severity != tt.severity || a.Summary != tt.summary {
			t.Errorf("%q → %q: %s %q\nwant %s %q", tt.before, tt.after, a.Severity, a.Summary, tt.severity, tt.summary)
		}
	}
}
