package analyze

import (
	"strings"
	"testing"
	"time"
)

// A date written without its year ("until 27 May", "jusqu'au 1er juin")
// that moves is a change of dates, read where a role cue touches it or
// its statement names an objection: in the sheet its year is the nearest
// full date's in its paragraph, else the version's effective or
// last-updated date's, else none is claimed ("27 May", ISO 8601's
// --05-27); a change compares it as written, day and month.
func TestYearlessDatesMove(t *testing.T) {
	checkDateMoves(t, reportBase, []dateMove{
		{lang: "fr", line: "Vous pouvez vous opposer jusqu'au DATE.", old: "26 mai", new: "27 mai", severity: SeverityCritical, summary: "Deadline 26 May → 27 May."},
		{line: "You can object until DATE.", old: "May 26th", new: "May 27th", severity: SeverityCritical, summary: "Deadline 26 May → 27 May."},
		{line: "You can object until DATE.", old: "26 May", new: "27 May", severity: SeverityCritical, summary: "Deadline 26 May → 27 May."},
		{lang: "fr", line: "Vous pouvez vous opposer jusqu'au DATE.", old: "1er juin", new: "2 juin", severity: SeverityCritical, summary: "Deadline 1 Jun → 2 Jun."},
		// The start of AI training, the use the statement before names.
		{line: "From DATE, we will use your public posts.", old: "27 May", new: "28 May", severity: SeverityCritical, summary: "AI training starts 27 May → 28 May."},
		{line: "From DATE, the new terms will apply.", old: "27 May", new: "28 May", severity: SeverityNotable, summary: "Upcoming update 27 May → 28 May."},
		// The statement names the objection, and no cue the date.
		{line: "You can object; we read objections sent in on DATE.", old: "26 May", new: "27 May", severity: SeverityInfo, summary: "Date changed: 26 May → 27 May."},
	})
	// The year inferred (the effective date's, or a full date's beside
	// it) is the sheet's, not the change's: a change compares the dates as
	// the policy wrote them.
	checkDateMoves(t, "# Privacy Policy\nEffective April 7, 2025\nWe use your public posts to develop and improve AI at Meta.\n", []dateMove{
		{line: "You can object until DATE.", old: "26 May", new: "27 May", severity: SeverityCritical, summary: "Deadline 26 May → 27 May."},
		{line: "From 14 April 2026 you can object until DATE.", old: "26 May", new: "27 May", severity: SeverityCritical, summary: "Deadline 26 May → 27 May."},
		{line: "You can object until DATE.", old: "3 March", new: "4 March", severity: SeverityCritical, summary: "Deadline 3 Mar → 4 Mar."},
	})
	checkDateMoves(t, "# Politique de confidentialité\nEn vigueur le 7 avril 2025\n", []dateMove{
		{lang: "fr", line: "Vous pouvez vous opposer jusqu'au DATE.", old: "26 mai", new: "27 mai", severity: SeverityCritical, summary: "Deadline 26 May → 27 May."},
		{lang: "fr", line: "Vous pouvez vous opposer jusqu'au DATE.", old: "1er juin", new: "2 juin", severity: SeverityCritical, summary: "Deadline 1 Jun → 2 Jun."},
	})
	// An unchanged "until 27 May" under a policy re-dated past it is no
	// deadline moved by a year (review 2, A1): only the policy's date moved.
	tx := DefaultTaxonomy()
	for _, tt := range []struct{ lang, before, after, want string }{
		{"en", "# P\nLast updated: 1 May 2025\nWe use your public posts to train our AI models. You can object until 27 May.\n",
			"# P\nLast updated: 30 June 2025\nWe use your public posts to train our AI models. You can object until 27 May.\n",
			"Last updated 1 May 2025 → 30 Jun 2025."},
		{"en", "# P\nEffective 7 April 2025\nYou can object until 27 May.\n", "# P\nEffective 26 June 2025\nYou can object until 27 May.\n",
			"Effective date 7 Apr 2025 → 26 Jun 2025."},
		{"fr", "# P\nDernière mise à jour : 1er mai 2025\nVous pouvez vous opposer jusqu'au 27 mai.\n",
			"# P\nDernière mise à jour : 3 juin 2025\nVous pouvez vous opposer jusqu'au 27 mai.\n",
			"Last updated 1 May 2025 → 3 Jun 2025."},
	} {
		a := Compare(tx.FactSheet(tt.before, tt.lang, nil), tx.FactSheet(tt.after, tt.lang, nil))
		if a.Summary != tt.want || a.Severity == SeverityCritical {
			t.Errorf("%s: %s %q, want %q", tt.lang, a.Severity, a.Summary, tt.want)
		}
	}
}

// A day and month in ordinary prose is no date: no cue touches it and
// nothing is objected to.
func TestYearlessDatesInProseAreNotRead(t *testing.T) {
	tx := DefaultTaxonomy()
	for _, text := range []string{
		"We celebrate our anniversary on 27 May every year.",
		"In May 2025 we published a report.",
		"You may 3 times a year ask for a copy.",
		"Effective April 7, 2025\nOur offices close on 24 December.",
	} {
		sh := tx.FactSheet(text, "en", nil)
		for _, d := range sh.Dates {
			if d.Text != "April 7, 2025" && d.Text != "May 2025" {
				t.Errorf("%q: read %+v", text, d)
			}
		}
	}
	sh := tx.FactSheet("Effective April 7, 2025\nYou can object until 27 May.", "en", nil)
	if len(sh.Dates) != 2 || sh.Dates[1].Date != "2025-05-27" || !sh.Dates[1].YearInferred || sh.Dates[0].YearInferred {
		t.Errorf("dates %+v, want the deadline 2025-05-27 with its year inferred", sh.Dates)
	}
}

func TestHumanDateWithoutYear(t *testing.T) {
	if got := HumanDate("--05-27"); got != "27 May" {
		t.Errorf("HumanDate(--05-27) = %q", got)
	}
}

// Dates without a year are held to the same cap as the others, and a
// statement too long to search for them costs nothing.
func TestYearlessDatesAreCapped(t *testing.T) {
	tx := DefaultTaxonomy()
	for _, text := range []string{
		strings.Repeat("You can object until 27 May. ", 10_000),
		strings.Repeat("You can object from 14 to 27 May, until 26-27 May ", 10_000),
	} {
		start := time.Now()
		sh := tx.FactSheet(text, "en", nil)
		if len(sh.Dates) > maxDates || !sh.Truncated {
			t.Errorf("%d dates, truncated %v; want at most %d and truncated", len(sh.Dates), sh.Truncated, maxDates)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%d bytes read in %v", len(text), d)
		}
	}
}

// A yearless deadline or start reckoned from the policy's date is after
// it, or shortly before it: a policy "En vigueur le 27 mai 2025" whose
// objection runs "jusqu'au 26 mai" (Meta's May 2025 order of dates) set
// the deadline on 26 May 2026, a year late.
func TestYearlessDateShortlyBeforeItsReference(t *testing.T) {
	tx := DefaultTaxonomy()
	for _, tt := range []struct{ lang, text, want string }{
		{"fr", "# Politique\nEn vigueur le 27 mai 2025\nVous pouvez vous opposer jusqu'au 26 mai.", "2025-05-26"},
		{"en", "# Policy\nEffective 27 May 2025\nYou can object until 26 May.", "2025-05-26"},
		{"fr", "# Politique\nEn vigueur le 27 mai 2025\nVous pouvez vous opposer jusqu'au 14 avril.", "2025-04-14"},
		// Guards: after it, and long before it (the next year's).
		{"fr", "# Politique\nEn vigueur le 7 avril 2025\nVous pouvez vous opposer jusqu'au 26 mai.", "2025-05-26"},
		{"en", "# Policy\nEffective 15 December 2025\nYou can object until 15 January.", "2026-01-15"},
		{"en", "# Policy\nEffective 1 October 2025\nYou can object until 1 May.", "2026-05-01"},
	} {
		sh := tx.FactSheet(tt.text, tt.lang, nil)
		if n := len(sh.Dates); n != 2 || sh.Dates[1].Role != RoleDeadline || sh.Dates[1].Date != tt.want || !sh.Dates[1].YearInferred {
			t.Errorf("%s %q: dates %+v, want the deadline %s", tt.lang, tt.text, sh.Dates, tt.want)
		}
	}
}
