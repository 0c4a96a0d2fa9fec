package analyze

import "testing"

// A date of what the company does with data ("We keep server logs until
// …", "we will delete your data by …") is not the reader's deadline,
// whatever heading it stands under and even after "If you object": moved,
// it is a date changed, info (review 3, 2). A statement of the reader's
// action or of the objection's terms keeps its deadline under any heading.
func TestCompanyDatesAreNoDeadlines(t *testing.T) {
	const changed = "Date changed: "
	const crit = "Deadline 26 May 2025 → 27 May 2025."
	move := func(lang, line, old, new string, severity Severity, summary string) dateMove {
		return dateMove{lang: lang, line: line, old: old, new: new, severity: severity, summary: summary}
	}
	checkDateMoves(t, reportBase, []dateMove{
		move("en", "## How to object\nUse the form in Settings.\nWe keep server logs until DATE.\n", "1 June 2025", "1 July 2025", SeverityInfo, changed),
		move("en", "## Your right to object and to delete\nWe will delete your data by DATE if you close your account.\n", "30 June 2025", "31 July 2025", SeverityInfo, changed),
		move("en", "## Your right to object\nYou can object in Settings.\nWe will delete inactive accounts' data by DATE.\n", "31 December 2025", "31 December 2026", SeverityInfo, changed),
		move("en", "If you object, we will delete your data by DATE.\n", "30 June 2025", "31 July 2025", SeverityInfo, changed),
		move("en", "If you object we will stop processing your data by DATE.\n", "30 June 2025", "31 July 2025", SeverityInfo, changed),
		move("en", "## How to object\nMeta may retain backups until DATE.\n", "30 June 2025", "31 July 2025", SeverityInfo, changed),
		move("en", "## How to object\nWe will respond to your request by DATE.\n", "30 June 2025", "31 July 2025", SeverityInfo, changed),
		// The reader's action, or the objection's terms, under any heading.
		move("en", "## How to object\nYou can object until DATE.\n", "26 May 2025", "27 May 2025", SeverityCritical, crit),
		move("en", "## Retention\nYou can object until DATE.\n", "26 May 2025", "27 May 2025", SeverityCritical, crit),
		move("en", "## How to object\nUntil DATE, you can use the form in Settings.\n", "26 May 2025", "27 May 2025", SeverityCritical, crit),
		move("en", "## Your right to object\nWe must receive your objection by DATE.\n", "26 May 2025", "27 May 2025", SeverityCritical, crit),
		move("en", "## How to object\nWe will stop using your posts for AI if you object before DATE.\n", "26 May 2025", "27 May 2025", SeverityCritical, crit),
		move("en", "## How to object\nWe keep your data for as long as you need it, and you have until DATE to object.\n", "26 May 2025", "27 May 2025", SeverityCritical, crit),
		move("en", "You can object until DATE; we will then delete your data.\n", "26 May 2025", "27 May 2025", SeverityCritical, crit),
		move("en", "## How to object\nYou can ask Meta to delete your data until DATE.\n", "26 May 2025", "27 May 2025", SeverityCritical, crit),
		move("en", "If you object before DATE, we will delete your posts from our training data.\n", "26 May 2025", "27 May 2025", SeverityCritical, crit),
	})
	checkDateMoves(t, "# P\n", []dateMove{
		move("fr", "## Comment vous opposer\nNous conservons les journaux jusqu'au DATE.\n", "1er juin 2025", "1er juillet 2025", SeverityInfo, changed),
		move("fr", "Si vous vous opposez, nous supprimerons vos données avant le DATE.\n", "1er juin 2025", "1er juillet 2025", SeverityInfo, changed),
		move("fr", "## Comment vous opposer\nMeta supprimera vos données avant le DATE.\n", "1er juin 2025", "1er juillet 2025", SeverityInfo, changed),
		move("fr", "## Comment vous opposer\nNous allons supprimer vos données avant le DATE.\n", "1er juin 2025", "1er juillet 2025", SeverityInfo, changed),
		move("fr", "## Comment vous opposer\nVous pouvez vous opposer jusqu'au DATE.\n", "26 mai 2025", "27 mai 2025", SeverityCritical, crit),
		// "nous" the object: the reader asks.
		move("fr", "## Comment vous opposer\nVous pouvez nous demander de supprimer vos données jusqu'au DATE.\n", "26 mai 2025", "27 mai 2025", SeverityCritical, crit),
		move("fr", "## Comment vous opposer\nNous devons recevoir votre opposition avant le DATE.\n", "26 mai 2025", "27 mai 2025", SeverityCritical, crit),
		move("fr", "## Comment vous opposer\nNous cesserons d'utiliser vos publications si vous vous opposez avant le DATE.\n", "26 mai 2025", "27 mai 2025", SeverityCritical, crit),
	})
}
