package monitor

import (
	"testing"
	"time"
)

// TestParseSinceReadsEveryPrintedTime: a time copied from anything
// policywatch prints — a listing, the web view, a mail or an alert —
// starts a listing there.
func TestParseSinceReadsEveryPrintedTime(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2025-05-01T18:30:00Z":  time.Date(2025, 5, 1, 18, 30, 0, 0, time.UTC),
		"2025-05-01":            time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC),
		"2025-05-01 18:30":      time.Date(2025, 5, 1, 18, 30, 0, 0, time.UTC),
		"2025-05-01 18:30 UTC":  time.Date(2025, 5, 1, 18, 30, 0, 0, time.UTC), // listings, the web view
		"1 May 2025 18:30 UTC":  time.Date(2025, 5, 1, 18, 30, 0, 0, time.UTC), // mails
		"27 May 2025":           time.Date(2025, 5, 27, 0, 0, 0, 0, time.UTC),  // alerts' dates
		"1 June 2025":           time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),   // as people write it
		"1 June 2025 18:30 UTC": time.Date(2025, 6, 1, 18, 30, 0, 0, time.UTC),
		"30d":                   now.AddDate(0, 0, -30),
		"72h":                   now.Add(-72 * time.Hour),
	} {
		got, err := ParseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "yesterday", "-3d", "May 2025", "2025-13-01"} {
		if got, err := ParseSince(in, now); err == nil {
			t.Errorf("ParseSince(%q) = %v, want an error", in, got)
		}
	}
}
