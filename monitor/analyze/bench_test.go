package analyze

import (
	"strings"
	"testing"
)

// BenchmarkFactSheetHostile reads 1 MB of text built to make the patterns
// work hardest: words that start many patterns, no full stop, dates or
// years everywhere.
func BenchmarkFactSheetHostile(b *testing.B) {
	inputs := map[string]string{
		"repeated_words": strings.Repeat("develop train messages interactions artificial ai with to the ", 16<<10),
		"dates":          strings.Repeat("Effective until May 27, 2025 objection 01/02/2024 ", 20<<10),
		"years":          strings.Repeat("in 2025 or 1999, ", 60<<10),
		// Passives, negated subjects and "but not", each a denial whose
		// subject is walked back for (negation.go).
		"negations": strings.Repeat("your photos are not used, and no messages are collected but not posts ", 15<<10),
	}
	tx := DefaultTaxonomy()
	for name, text := range inputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				tx.FactSheet(text, "", nil)
			}
		})
	}
}
