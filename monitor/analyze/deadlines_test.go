package analyze

import (
	"strings"
	"testing"
)

// reportBase is the policy the review of the analysis added each line of
// its deadline table to (reports/analysis.md, finding 1).
const reportBase = "# Privacy Policy\nWe use your public posts and photos to develop and improve AI at Meta.\nYou have the right to object to this use of your information.\n"

// dateMove is one line of a policy written with one date, then another.
type dateMove struct {
	lang, line string // line holds OLD and NEW where the dates stand
	old, new   string // as written
	severity   Severity
	summary    string // the start of the summary
}

// dayMoved is line with 26 May 2025 moved to 27 May 2025 (in French, 26
// mai to 27 mai) where DATE stands.
func dayMoved(lang, line string, severity Severity, summary string) dateMove {
	old, new := "26 May 2025", "27 May 2025"
	if lang == "fr" {
		old, new = "26 mai 2025", "27 mai 2025"
	}
	return dateMove{lang: lang, line: line, old: old, new: new, severity: severity, summary: summary}
}

func checkDateMoves(t *testing.T, base string, tests []dateMove) {
	t.Helper()
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		lang := tt.lang
		if lang == "" {
			lang = "en"
		}
		before := base + strings.ReplaceAll(tt.line, "DATE", tt.old)
		after := base + strings.ReplaceAll(tt.line, "DATE", tt.new)
		a := Compare(tx.FactSheet(before, lang, nil), tx.FactSheet(after, lang, nil))
		if a.Severity != tt.severity || !strings.HasPrefix(a.Summary, tt.summary) {
			t.Errorf("%s %q: %s %q\nwant %s %q…", lang, tt.line, a.Severity, a.Summary, tt.severity, tt.summary)
		}
	}
}

// Each way the review found of writing an objection deadline that lost its
// role, moved by a day, is a deadline moved: critical.
func TestMovedDeadlineInEveryReportedPhrasing(t *testing.T) {
	const crit = "Deadline 26 May 2025 → 27 May 2025."
	d := func(lang, line string) dateMove {
		old, new := "26 May 2025", "27 May 2025"
		if lang == "fr" {
			old, new = "26 mai 2025", "27 mai 2025"
		}
		return dateMove{lang: lang, line: line, old: old, new: new, severity: SeverityCritical, summary: crit}
	}
	checkDateMoves(t, reportBase, []dateMove{
		// Weekdays and times of day between the cue and the date.
		{line: "You can object until DATE.", old: "Monday, 26 May 2025", new: "Tuesday, 27 May 2025", severity: SeverityCritical, summary: crit},
		{lang: "fr", line: "Vous pouvez vous opposer jusqu'au DATE.", old: "lundi 26 mai 2025", new: "mardi 27 mai 2025", severity: SeverityCritical, summary: crit},
		d("en", "You can object until 11:59 pm on DATE."),
		d("en", "You can object until 11.59 pm CET on DATE."),
		d("en", "You can object until 5pm BST on DATE."),
		d("en", "You can object at any time until midnight on DATE."),
		d("fr", "Vous pouvez vous opposer jusqu'au DATE à 23h59."),
		d("fr", "Vous pouvez vous opposer jusqu'à 23h59 CET le DATE."),
		d("fr", "Vous pouvez vous opposer jusqu'à 23 h 59 le DATE."),
		// Ranges: the cue is the range's end's.
		{line: "You can object until DATE.", old: "25-26 May 2025", new: "26-27 May 2025", severity: SeverityCritical, summary: crit},
		{line: "You can object until DATE.", old: "25–26 May 2025", new: "26–27 May 2025", severity: SeverityCritical, summary: crit},
		d("en", "You can object from 14 April to DATE."),
		d("en", "You can object from 14 April 2025 to DATE."),
		d("en", "You can object between 14 April and DATE."),
		d("fr", "Vous pouvez vous opposer du 14 avril au DATE."),
		d("fr", "Vous pouvez vous opposer du 14 au DATE."),
		// The objection named in the statement before, the lead-in or a
		// heading above.
		d("en", "You have the right to object. The deadline is DATE."),
		d("en", "You have the right to object. Deadline: \"DATE\"."),
		d("en", "You have the right to object.\nTo make sure your choice applies before training starts, submit the form by DATE."),
		d("en", "You can object:\n- until DATE, using the form"),
		d("en", "## How to object\n### Timing\nSubmit the form by DATE."),
		// Objection phrasings that were not cues or patterns.
		d("en", "Object by DATE to keep your posts out."),
		d("en", "Object before DATE to keep your posts out."),
		d("en", "The objection period ends on DATE."),
		d("en", "Objections close on DATE."),
		d("fr", "La période d'opposition se termine le DATE."),
		d("fr", "La période d'opposition prend fin le DATE."),
	})
	// A label in the cell or line before the date.
	checkDateMoves(t, reportBase, []dateMove{
		{line: "Effective date | DATE", old: "26 May 2025", new: "27 May 2025", severity: SeverityNotable, summary: "Effective date 26 May 2025 → 27 May 2025."},
		{line: "Effective date:\nDATE", old: "26 May 2025", new: "27 May 2025", severity: SeverityNotable, summary: "Effective date 26 May 2025 → 27 May 2025."},
		{line: "Deadline to object | DATE", old: "26 May 2025", new: "27 May 2025", severity: SeverityCritical, summary: crit},
		{lang: "fr", line: "Date d'effet :\nDATE", old: "26 mai 2025", new: "27 mai 2025", severity: SeverityNotable, summary: "Effective date 26 May 2025 → 27 May 2025."},
	})
}

// What widened the deadline's reach must not make one of a date the
// objection does not govern.
func TestDeadlineCuesStayNarrow(t *testing.T) {
	checkRoles(t, []roleRow{
		// The objection two paragraphs away, or under another heading.
		{"en", "You can object to ads.\nWe collect posts.\nWe will publish a report before 27 May 2025.", []DateRole{RoleOther}},
		{"en", "## How to object\nYou can object to ads.\n## Reports\nWe will publish a report before 27 May 2025.", []DateRole{RoleOther}},
		// A range with no objection is no deadline; "from" is its start.
		{"en", "From 14 April to 27 May 2025, we will show a notice.", []DateRole{RoleOther}},
		// A time of day alone is no cue, nor a weekday.
		{"en", "You can object to ads. Our office is open Monday 27 May 2025.", []DateRole{RoleOther}},
		// A label is read only when the date begins its cell or line.
		{"en", "Effective date | We changed the form on 27 May 2025.", []DateRole{RoleOther}},
		{"en", "Contents:\nA report of 27 May 2025.", []DateRole{RoleOther}},
		{"en", "The offer ends on 27 May 2025.", []DateRole{RoleOther}},
		// Another date beside an objection, in its paragraph or the one
		// after, is not its deadline: only a statement about the date's
		// own terms ("the deadline", "submit the form", "your request")
		// takes the objection from the statement before.
		{"en", "You can object to ads. We keep logs until 1 June 2025.", []DateRole{RoleOther}},
		{"en", "You have the right to object to processing.\nWe will delete inactive accounts by 1 June 2025.", []DateRole{RoleOther}},
		{"fr", "Vous pouvez vous opposer à la publicité. Nous conservons les journaux jusqu'au 1er juin 2025.", []DateRole{RoleOther}},
		{"en", "You have the right to object. Send your objection by 1 June 2025.", []DateRole{RoleDeadline}},
		{"fr", "Vous pouvez vous opposer. Envoyez votre opposition avant le 1er juin 2025.", []DateRole{RoleDeadline}},
		// The company's acts, and another payment, are not the terms of
		// the objection (review 2, A4).
		{"en", "You can object using the form below. We will respond to your request by 30 June 2025.", []DateRole{RoleOther}},
		{"fr", "Vous pouvez vous opposer via le formulaire. Nous répondrons à votre demande avant le 30 juin 2025.", []DateRole{RoleOther}},
		{"en", "You can object to ads by subscribing. Submit payment by 31 May 2025 to keep the price.", []DateRole{RoleOther}},
		// The reader the company's act is for, and its stopping, are no
		// reader's act: "nous vous répondrons", "we will reply to you",
		// "nous cesserons d'utiliser".
		{"fr", "Si vous vous y opposez, nous vous répondrons avant le 30 juin 2025.", []DateRole{RoleOther}},
		{"fr", "Si vous vous opposez, nous vous enverrons une confirmation avant le 30 juin 2025.", []DateRole{RoleOther}},
		{"fr", "Si vous vous opposez, Meta vous enverra une confirmation avant le 30 juin 2025.", []DateRole{RoleOther}},
		{"fr", "Si vous vous y opposez, nous cesserons d'utiliser vos publications avant le 27 mai 2025.", []DateRole{RoleOther}},
		{"en", "If you object, we will reply to you by 30 June 2025.", []DateRole{RoleOther}},
		{"en", "If you object, Meta will send you a confirmation before 30 June 2025.", []DateRole{RoleOther}},
		// Nor is the objection the company's act is done to: each was a
		// deadline.
		{"fr", "Vous pouvez vous opposer via le formulaire. Nous traiterons votre opposition avant le 30 juin 2025.", []DateRole{RoleOther}},
		{"fr", "Vous pouvez vous opposer via le formulaire. Nous examinerons votre opposition d'ici le 30 juin 2025.", []DateRole{RoleOther}},
		{"en", "You can object using the form. We will process your objection before 30 June 2025.", []DateRole{RoleOther}},
		{"en", "You can object using the form. We will review your objection by 30 June 2025.", []DateRole{RoleOther}},
		// Guards: the reader sends it, or the company must receive it.
		{"en", "We will process your objection if you send it before 26 May 2025.", []DateRole{RoleDeadline}},
		{"fr", "Nous examinerons votre opposition si vous l'envoyez avant le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"en", "You can object using the form. We will review the objection form you submit by 26 May 2025.", []DateRole{RoleDeadline}},
		// Guards: the reader acts after the company's phrase.
		{"fr", "Nous cesserons d'utiliser vos publications si vous vous y opposez avant le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Nous utiliserons vos publications si vous ne vous y opposez pas avant le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"en", "We will stop using your posts if you object before 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "We must receive your objection by 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "If you object, we will stop using your posts before 27 May 2025.", []DateRole{RoleOther}},
		// A heading above the nearest, or a list's lead-in, lends its
		// objection only to a statement about the deadline (review 2, A2
		// and A3).
		{"en", "# How to object to AI at Meta\nWe use your public posts to train our AI models.\n## Retention\nWe keep logs until 1 June 2025.", []DateRole{RoleOther}},
		{"en", "# P\n## How to object\n### Posts before 1 January 2024\nWe use your posts for ads.", []DateRole{RoleOther}},
		{"en", "You can object to the use of:\n- public posts you shared before 1 January 2024\n- comments", []DateRole{RoleOther}},
		{"en", "You can object:\n- in Settings\n- Offer ends 31 May 2025", []DateRole{RoleOther}},
		{"en", "# How to object\n## Timing\nThe deadline is 1 June 2025.", []DateRole{RoleDeadline}},
		{"en", "You can object:\n- until 1 June 2025, using the form", []DateRole{RoleDeadline}},
		// The nearest heading naming an objection lends the role only to
		// a statement that reads as a time limit on the reader (last
		// review, 5): a limit cue (by, before, until, no later than,
		// jusqu'au, avant…), no example, no "shared before" of data, and
		// no subject but the reader's. Each was a deadline.
		{"en", "# How to object\nThe regulation of 27 April 2016 applies until 1 June 2025.", []DateRole{RoleOther, RoleOther}},
		{"en", "# How to object\nFor example, a post you shared before 5 May 2024 can be removed.", []DateRole{RoleOther}},
		{"en", "# Your right to object\nPosts shared before 1 January 2024 are not used.", []DateRole{RoleOther}},
		{"en", "# Your right to object\nIf you posted before 5 May 2024, your posts are included.", []DateRole{RoleOther}},
		{"en", "# Your right to object\nThe law was passed by 1 May 2025.", []DateRole{RoleOther}},
		{"en", "# How to object\nFrom 14 April to 26 May 2025 we ran a survey.", []DateRole{RoleOther}},
		{"en", "# How to object\nThis offer expires 31 May 2025.", []DateRole{RoleOther}},
		{"en", "# How to object\nOur office closes on 24 December 2025.", []DateRole{RoleOther}},
		{"en", "# How to object\nPosts up to 1 June 2025 are included.", []DateRole{RoleOther}},
		{"fr", "# Comment vous opposer\nLa loi s'applique jusqu'au 1er juin 2025.", []DateRole{RoleOther}},
		{"fr", "# Comment vous opposer\nPar exemple, une publication partagée avant le 5 mai 2024 peut être retirée.", []DateRole{RoleOther}},
		{"en", "# How to object\nUpdated 1 May 2025", []DateRole{RoleUpdated}},
		// A limit on the reader under it stays a deadline.
		{"en", "# How to object\nSend it no later than 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "# How to object\nUntil 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "# How to object\nYou must act before 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "# Your right to object\nYou have until 26 May 2025.", []DateRole{RoleDeadline}},
		{"fr", "# Comment vous opposer\nVous avez jusqu'au 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "# Comment vous opposer\nEnvoyez le formulaire avant le 26 mai 2025.", []DateRole{RoleDeadline}},
		// The objection in the statement itself, with nothing before it.
		{"en", "Object by 26 May 2025 to keep your posts out.", []DateRole{RoleDeadline}},
		{"en", "Object before 26 May 2025 to keep your posts out.", []DateRole{RoleDeadline}},
		{"en", "The objection period ends on 26 May 2025.", []DateRole{RoleDeadline}},
		{"fr", "La période d'opposition prend fin le 26 mai 2025.", []DateRole{RoleDeadline}},
		// A range's start is no deadline, nor an upcoming "from".
		{"en", "You can object from 14 April 2025 to 26 May 2025.", []DateRole{RoleOther, RoleDeadline}},
	})
}

// The day a new use starts is announced: moved, it is the start of that
// use moved, not an update of the policy; critical when the use is AI
// training, the day people must object before (review 3, 3). What starts
// is the purpose its statement names, else the one the statement before it
// named under its heading ("We use your public posts … to develop and
// improve AI at Meta. … We'll start using your public information on …").
func TestStartOfUseMoved(t *testing.T) {
	const ai = "AI training starts 26 May 2025 → 27 May 2025."
	checkDateMoves(t, reportBase, []dateMove{
		dayMoved("en", "We'll start using your public information on DATE.", SeverityCritical, ai),
		dayMoved("en", "We will start using your public posts on DATE.", SeverityCritical, ai),
		// The date far from the verb.
		dayMoved("en", "We will start training our AI on your public posts on DATE.", SeverityCritical, ai),
		dayMoved("en", "We will start using your public posts from DATE.", SeverityCritical, ai),
		// An update of the policy stays one.
		dayMoved("en", "We are updating our Privacy Policy. The new policy takes effect on DATE.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "Nous commencerons à utiliser vos informations publiques le DATE.", SeverityCritical, ai),
		dayMoved("fr", "Nous commencerons à entraîner notre IA sur vos publications publiques le DATE.", SeverityCritical, ai),
	})
	// Another use, or none named.
	checkDateMoves(t, "# Privacy Policy\nWe use your location to show you ads.\n", []dateMove{
		dayMoved("en", "We will start using your location on DATE.", SeverityNotable, "Use starts 26 May 2025 → 27 May 2025."),
	})
	checkDateMoves(t, "# Privacy Policy\nWe use your public posts to train our AI models.\n## Advertising\n", []dateMove{
		dayMoved("en", "We will start using your public information on DATE.", SeverityNotable, "Use starts 26 May 2025 → 27 May 2025."),
	})
	// A start without its year comes after the date it is reckoned from.
	tx := DefaultTaxonomy()
	sh := tx.FactSheet("# P\nEffective 15 December 2025\nWe will start using your public posts on 15 January.\n", "en", nil)
	if n := len(sh.Dates); n != 2 || sh.Dates[1].Role != RoleStart || sh.Dates[1].Date != "2026-01-15" {
		t.Errorf("dates %+v, want the effective date and a start on 2026-01-15", sh.Dates)
	}
	// Announced where there was none.
	a := Compare(tx.FactSheet(reportBase, "en", nil), tx.FactSheet(reportBase+"We will start training our AI on your public posts on 26 May 2025.\n", "en", nil))
	if want := "AI training starts none → 26 May 2025."; a.Severity != SeverityCritical || !strings.HasPrefix(a.Summary, want) {
		t.Errorf("start added: %s %q, want critical %q…", a.Severity, a.Summary, want)
	}
}

// What a statement's deadline may take from the statements before it in
// its line is a set of ids: a line of many sentences must not make each
// sentence's context, and so the line's reading, grow with their number.
func TestLineContextIsASet(t *testing.T) {
	tx := DefaultTaxonomy()
	b := sheetBuilder{t: tx, lang: "en", langHits: map[string]int{}, sectionRole: -1, leadIn: -1, yearWindows: maxYearWindows,
		dayMonthBytes: maxDayMonthBytes, minors: -1, lead: leadIn{at: noSpan}, lastPurpose: -1}
	line := strings.Repeat("You can object to ads and to AI training until Monday, 26 May 2025. ", 1000)
	b.line(line, 0, len(line))
	if n := len(b.lineIDs); n > 3 {
		t.Errorf("%d ids in the line's context, want each id once", n)
	}
}
