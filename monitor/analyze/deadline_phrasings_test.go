package analyze

import "testing"

// frReportBase is reportBase in French: a policy naming AI training, to
// which each French line is added.
const frReportBase = "# Politique de confidentialité\nNous utilisons vos publications publiques pour développer et améliorer l'IA chez Meta.\n"

// An objection said without the word "object" ("refuser", "if you don't
// want us to use…") sets a deadline as "object" does (review 3, 1).
func TestObjectionInOtherWords(t *testing.T) {
	const crit = "Deadline 26 May 2025 → 27 May 2025."
	en := func(line string, severity Severity, summary string) dateMove {
		return dateMove{line: line, old: "26 May 2025", new: "27 May 2025", severity: severity, summary: summary}
	}
	fr := func(line string, severity Severity, summary string) dateMove {
		return dateMove{lang: "fr", line: line, old: "26 mai 2025", new: "27 mai 2025", severity: severity, summary: summary}
	}
	checkDateMoves(t, reportBase, []dateMove{
		en("If you don't want us to use your posts, tell us before DATE.", SeverityCritical, crit),
		en("If you do not want us to use your posts for AI, let us know by DATE.", SeverityCritical, crit),
		// As it was: the form, with the objection in the statement before.
		en("To keep your posts out of AI training, fill in the form before DATE.", SeverityCritical, crit),
		// Someone else's wish, and the setting she may turn off, are no
		// objection of the reader's.
		en("If she doesn't want us to show her ads, she can turn the setting off before DATE.", SeverityInfo, "Date changed: 26 May 2025 → 27 May 2025."),
	})
	checkDateMoves(t, frReportBase, []dateMove{
		fr("Vous pouvez refuser cette utilisation jusqu'au DATE.", SeverityCritical, crit),
		fr("Vous avez le droit de refuser cette utilisation jusqu'au DATE.", SeverityCritical, crit),
		fr("Si vous ne souhaitez pas que nous utilisions vos publications, dites-le-nous avant le DATE.", SeverityCritical, crit),
		// As it was.
		fr("Vous pouvez vous y opposer jusqu'au DATE.", SeverityCritical, crit),
		fr("Pour vous y opposer, remplissez le formulaire avant le DATE.", SeverityCritical, crit),
		// The company refusing is no objection.
		fr("Nous pouvons refuser une demande reçue avant le DATE.", SeverityInfo, "Date changed: 26 May 2025 → 27 May 2025."),
	})
}

// A date after which the objection is denied is its deadline (last
// review, 4): "After 26 May 2025, you can no longer object" lets the
// reader object until 26 May 2025 inclusive. The date is shown as
// written, as every deadline is ("until 26 May", "before 26 May"): the
// quote says which side of it the last day falls. An objection that
// opens after a date, or another act after it, sets none.
func TestObjectionLapsingAfterADate(t *testing.T) {
	const crit = "Deadline 26 May 2025 → 27 May 2025."
	checkDateMoves(t, reportBase, []dateMove{
		dayMoved("en", "After DATE, you can no longer object.", SeverityCritical, crit),
		dayMoved("en", "After DATE you will no longer be able to object.", SeverityCritical, crit),
		dayMoved("en", "You cannot object after DATE.", SeverityCritical, crit),
		dayMoved("en", "You will not be able to object after DATE.", SeverityCritical, crit),
		dayMoved("en", "After DATE, you can't object.", SeverityCritical, crit),
		dayMoved("en", "You can't object after DATE.", SeverityCritical, crit),
		dayMoved("en", "After DATE you won't be able to object.", SeverityCritical, crit),
		dayMoved("en", "After DATE, you can object at any time.", SeverityInfo, "Date changed: 26 May 2025 → 27 May 2025."),
		dayMoved("en", "After DATE, we will no longer use your posts.", SeverityInfo, "Date changed: 26 May 2025 → 27 May 2025."),
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "Après le DATE, vous ne pourrez plus vous opposer.", SeverityCritical, crit),
		dayMoved("fr", "Passé le DATE, vous ne pourrez plus vous y opposer.", SeverityCritical, crit),
		dayMoved("fr", "Vous ne pourrez plus vous opposer après le DATE.", SeverityCritical, crit),
		dayMoved("fr", "Après le DATE, vous pourrez vous opposer à tout moment.", SeverityInfo, "Date changed: 26 May 2025 → 27 May 2025."),
	})
	checkRoles(t, []roleRow{
		{"en", "After 26 May 2025, you can no longer object.", []DateRole{RoleDeadline}},
		{"fr", "Après le 26 mai 2025, vous ne pourrez plus vous opposer.", []DateRole{RoleDeadline}},
		{"en", "After 26 May 2025, you can object to ads.", []DateRole{RoleOther}},
		{"en", "After 26 May 2025, you can't object.", []DateRole{RoleDeadline}},
	})
}

// TestDatesOfWhatWasDoneAreNoDeadlines: a limit cue after a past
// participle dates what was done ("posts shared before 1 January 2024"),
// not what the reader must do: a statement that names both has one
// deadline, and a change of the posts' date is no deadline moved. A
// participle in a passive of what is required ("must be received before")
// still sets one. French participles are read as written, since folding
// drops the accent that tells "partagées" from "date" (frenchDone).
func TestDatesOfWhatWasDoneAreNoDeadlines(t *testing.T) {
	checkRoles(t, []roleRow{
		{"en", "You can object to the use of posts shared before 1 January 2024 until 26 May 2025.", []DateRole{RoleOther, RoleDeadline}},
		{"en", "You can object until 26 May 2025 to the use of posts published before 1 January 2024.", []DateRole{RoleDeadline, RoleOther}},
		{"en", "You can object to the use of photos uploaded until 31 December 2023 by filling in this form before 26 May 2025.", []DateRole{RoleOther, RoleDeadline}},
		{"en", "Objections received before 1 June 2025 were processed.", []DateRole{RoleOther}},
		// A past passive is what was done.
		{"en", "You can object to the use of posts that were shared before 1 January 2024 until 26 May 2025.", []DateRole{RoleOther, RoleDeadline}},
		{"en", "You can object to the use of posts that have been shared before 1 January 2024 until 26 May 2025.", []DateRole{RoleOther, RoleDeadline}},
		{"en", "You can object to the use of photos that were uploaded before 1 January 2024.", []DateRole{RoleOther}},
		// Guards: what the reader must do.
		{"en", "Your objection must be received before 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "Objections should be submitted by 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "Your objection must have been received before 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "Your objection will be processed if it is received by 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "Objections that are submitted after 26 May 2025 will not be processed, so object before 26 May 2025.", []DateRole{RoleOther, RoleDeadline}},
		{"en", "You can object until 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "If you object before 26 May 2025, we will not use your posts.", []DateRole{RoleDeadline}},
		// French: "-é(e)(s)", "-i(e)(s)", "-u(e)(s)" and the irregular
		// participles.
		{"fr", "Vous pouvez vous opposer à l'utilisation des publications partagées avant le 1er janvier 2024 jusqu'au 26 mai 2025.", []DateRole{RoleOther, RoleDeadline}},
		{"fr", "Vous pouvez vous opposer jusqu'au 26 mai 2025 à l'utilisation des publications partagées avant le 1er janvier 2024.", []DateRole{RoleDeadline, RoleOther}},
		{"fr", "Vous pouvez vous opposer à l'utilisation des contenus publiés avant le 1er janvier 2024.", []DateRole{RoleOther}},
		{"fr", "Vous pouvez vous opposer à l'utilisation des informations que vous avez fournies avant le 1er janvier 2024 jusqu'au 26 mai 2025.", []DateRole{RoleOther, RoleDeadline}},
		{"fr", "Vous pouvez vous opposer à l'utilisation des messages reçus avant le 1er janvier 2024 jusqu'au 26 mai 2025.", []DateRole{RoleOther, RoleDeadline}},
		{"fr", "Vous pouvez vous opposer à l'utilisation des commentaires écrits avant le 1er janvier 2024 jusqu'au 26 mai 2025.", []DateRole{RoleOther, RoleDeadline}},
		{"fr", "Vous pouvez vous opposer à l'utilisation des photos mises en ligne avant le 1er janvier 2024 jusqu'au 26 mai 2025.", []DateRole{RoleOther, RoleDeadline}},
		{"fr", "Vous pouvez vous opposer à l'utilisation des publications qui ont été partagées avant le 1er janvier 2024 jusqu'au 26 mai 2025.", []DateRole{RoleOther, RoleDeadline}},
		// An accent written apart ("e" and a combining acute).
		{"fr", "Vous pouvez vous opposer à l'utilisation des publications partage\u0301es avant le 1er janvier 2024 jusqu'au 26 mai 2025.", []DateRole{RoleOther, RoleDeadline}},
		// Guards: a passive of what is required, the objection's own
		// terms, and nouns and adjectives of a participle's shape.
		{"fr", "Votre opposition doit être reçue avant le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Le formulaire d'opposition doit être envoyé d'ici le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Votre formulaire d'opposition doit avoir été reçu avant le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Pour vous opposer, envoyez le formulaire rempli avant le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Pour vous opposer, rendez-vous sur la page dédiée avant le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Vous pouvez vous opposer à l'utilisation de vos données jusqu'au 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Vous pouvez vous opposer à l'utilisation de vos publications et contenus jusqu'au 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Vous pouvez vous opposer à l'utilisation de vos informations publiques jusqu'au 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Vous pouvez vous opposer à l'utilisation de vos paramètres de confidentialité avant le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Si vous ne souhaitez pas que nous utilisions vos publications, dites-le-nous avant le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Vous pouvez vous opposer jusqu'au 26 mai 2025.", []DateRole{RoleDeadline}},
		// A participle parted from the cue by a comma, or after a present
		// "être", qualifies the reader; a reflexive verb's past is what
		// was done.
		{"fr", "Vous pouvez vous opposer, si vous êtes concerné, jusqu'au 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Vous pouvez vous opposer, une fois connecté, jusqu'au 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Vous pouvez vous y opposer tant que vous êtes inscrit jusqu'au 26 mai 2025.", []DateRole{RoleDeadline}},
		{"en", "You can object, once logged in, until 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "You can object, if interested, until 26 May 2025.", []DateRole{RoleDeadline}},
		{"fr", "Si vous vous êtes déjà opposé avant le 26 mai 2025, vous n'avez rien à faire.", []DateRole{RoleOther}},
		{"fr", "Les personnes qui se sont opposées avant le 26 mai 2025 n'ont rien à faire.", []DateRole{RoleOther}},
		// A French participle dates what was done only of the data it
		// qualifies: what the reader sends or is keeps the deadline.
		{"fr", "Vous pouvez vous opposer une fois connecté jusqu'au 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Vous pouvez envoyer votre refus motivé avant le 26 mai 2025 pour vous opposer.", []DateRole{RoleDeadline}},
		{"fr", "Pour vous opposer, envoyez un courrier signé avant le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"en", "To object, send a signed letter before 26 May 2025.", []DateRole{RoleDeadline}},
	})
	checkDateMoves(t, reportBase, []dateMove{
		dayMoved("en", "You can object to the use of posts shared before DATE until 30 June 2025.", SeverityInfo, "Date changed: 26 May 2025 → 27 May 2025."),
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "Vous pouvez vous opposer à l'utilisation des publications partagées avant le DATE jusqu'au 30 juin 2025.", SeverityInfo, "Date changed: 26 May 2025 → 27 May 2025."),
		dayMoved("fr", "Vous pouvez vous opposer à l'utilisation des publications partagées avant le 1er janvier 2024 jusqu'au DATE.", SeverityCritical, "Deadline 26 May 2025 → 27 May 2025."),
	})
}

// Objections the company dealt with before a date ("Les oppositions
// reçues avant le 26 mai 2025 ont été traitées") set no deadline: the
// participle qualifies the objection's own terms, which is what the
// reader must do ("votre opposition envoyée avant le …"), but the
// statement says in the past what was done with them. It read as a
// deadline, critical when the date moved. (English read it as no deadline
// already, and so the objections still to deal with too: see
// TestObjectionsStillToDealWithAreDeadlines.)
func TestObjectionsDealtWithAreNoDeadline(t *testing.T) {
	checkRoles(t, []roleRow{
		{"fr", "L'opposition reçue avant le 26 mai 2025 a été traitée.", []DateRole{RoleOther}},
		{"fr", "Les oppositions envoyées avant le 26 mai 2025 étaient traitées en priorité.", []DateRole{RoleOther}},
		{"fr", "Les oppositions reçues avant le 26 mai 2025 ont été traitées par les équipes chargées de la protection des données personnelles de Meta.", []DateRole{RoleOther}},
		// Guards: what the reader must do, what is done from then on
		// (more of both, in both languages, and "à", which is no "a", in
		// TestObjectionsStillToDealWithAreDeadlines).
		{"fr", "Les oppositions doivent être reçues avant le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Les oppositions reçues avant le 26 mai 2025 sont prises en compte.", []DateRole{RoleDeadline}},
		// English, as it was.
		{"en", "Objections must be received by 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "Objections must be received before 26 May 2025.", []DateRole{RoleDeadline}},
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "Vous pouvez vous opposer. Les oppositions doivent être reçues avant le DATE.", SeverityCritical, "Deadline 26 May 2025 → 27 May 2025."),
	})
}

// Objections still to deal with ("Objections received before 26 May 2025
// will be processed", "Les oppositions reçues avant le 26 mai 2025 seront
// traitées") set a deadline in both languages, an objection window still
// open; dealt with ("have been processed", "ont été traitées"), none.
// English read every one as no deadline: the participle after
// "Objections" dated what was done, whatever the statement said after the
// date. Each row in one language has its counterpart in the other.
func TestObjectionsStillToDealWithAreDeadlines(t *testing.T) {
	checkRoles(t, []roleRow{
		{"en", "Objections received before 26 May 2025 will be processed.", []DateRole{RoleDeadline}},
		{"fr", "Les oppositions reçues avant le 26 mai 2025 seront traitées.", []DateRole{RoleDeadline}},
		{"en", "Objections received before 26 May 2025 will be honoured.", []DateRole{RoleDeadline}},
		{"fr", "Les oppositions reçues avant le 26 mai 2025 seront prises en compte.", []DateRole{RoleDeadline}},
		{"en", "Objections received before 26 May 2025 will be respected.", []DateRole{RoleDeadline}},
		{"fr", "Les oppositions reçues avant le 26 mai 2025 seront respectées.", []DateRole{RoleDeadline}},
		{"en", "Objections received before 26 May 2025 are processed.", []DateRole{RoleDeadline}},
		{"fr", "Les oppositions reçues avant le 26 mai 2025 sont traitées.", []DateRole{RoleDeadline}},
		{"en", "Your objection sent before 26 May 2025 will be processed.", []DateRole{RoleDeadline}},
		{"fr", "Votre opposition envoyée avant le 26 mai 2025 sera traitée.", []DateRole{RoleDeadline}},
		{"en", "Objections received before 26 May 2025 in Paris will be processed.", []DateRole{RoleDeadline}},
		{"fr", "L'opposition reçue avant le 26 mai 2025 à Paris sera traitée.", []DateRole{RoleDeadline}},
		{"en", "Objections received before 26 May 2025, if they have been signed, count.", []DateRole{RoleDeadline}},
		{"fr", "Les oppositions reçues avant le 26 mai 2025, si elles ont été signées, comptent.", []DateRole{RoleDeadline}},
		// Guards: dealt with, in the past, as they were.
		{"en", "Objections received before 26 May 2025 have been processed.", []DateRole{RoleOther}},
		{"fr", "Les oppositions reçues avant le 26 mai 2025 ont été traitées.", []DateRole{RoleOther}},
		{"en", "Objections received before 26 May 2025 were processed.", []DateRole{RoleOther}},
		{"fr", "Les oppositions reçues avant le 26 mai 2025 étaient traitées.", []DateRole{RoleOther}},
		{"en", "Objections received before 26 May 2025 have already been taken into account.", []DateRole{RoleOther}},
		{"fr", "Les oppositions reçues avant le 26 mai 2025 ont déjà été prises en compte.", []DateRole{RoleOther}},
		{"en", "Objections received before 26 May 2025 have all been processed.", []DateRole{RoleOther}},
		{"fr", "Les oppositions reçues avant le 26 mai 2025 ont toutes été traitées.", []DateRole{RoleOther}},
		{"en", "Objections received before 26 May 2025 have received a reply.", []DateRole{RoleOther}},
		{"fr", "Les oppositions reçues avant le 26 mai 2025 ont reçu une réponse.", []DateRole{RoleOther}},
		{"en", "Objection forms completed before 26 May 2025 have been processed.", []DateRole{RoleOther}},
		{"fr", "Les formulaires d'opposition remplis avant le 26 mai 2025 ont été traités.", []DateRole{RoleOther}},
		{"en", "Objections received before 26 May 2025 were not processed.", []DateRole{RoleOther}},
		{"en", "Objections received before 26 May 2025 weren't processed.", []DateRole{RoleOther}},
		{"en", "Objections received before 26 May 2025 hadn't been processed.", []DateRole{RoleOther}},
		{"fr", "Les oppositions reçues avant le 26 mai 2025 n'ont pas été traitées.", []DateRole{RoleOther}},
		// Objections received that last: made already, a window closed
		// (they read as deadlines once English read past the date).
		{"en", "Objections received before 27 May 2025 will continue to be honoured.", []DateRole{RoleOther}},
		{"fr", "Les oppositions reçues avant le 27 mai 2025 continueront d'être prises en compte.", []DateRole{RoleOther}},
		{"en", "Objections received before 27 May 2025 remain valid.", []DateRole{RoleOther}},
		{"fr", "Les oppositions reçues avant le 27 mai 2025 restent valables.", []DateRole{RoleOther}},
		{"en", "Objections received before 27 May 2025 are still honoured.", []DateRole{RoleOther}},
		{"fr", "Les oppositions reçues avant le 27 mai 2025 sont toujours prises en compte.", []DateRole{RoleOther}},
		// Guards: data dated by what was done stay no deadline.
		{"en", "You can object to the use of posts shared before 1 January 2024 until 26 May 2025.", []DateRole{RoleOther, RoleDeadline}},
		{"fr", "Vous pouvez vous opposer à l'utilisation des publications partagées avant le 1er janvier 2024 jusqu'au 26 mai 2025.", []DateRole{RoleOther, RoleDeadline}},
	})
	checkDateMoves(t, reportBase, []dateMove{
		dayMoved("en", "You can object. Objections received before DATE will be processed.", SeverityCritical, "Deadline 26 May 2025 → 27 May 2025."),
		dayMoved("en", "You could object. Objections received before DATE have been processed.", SeverityInfo, "Date changed: 26 May 2025 → 27 May 2025."),
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "Vous pouvez vous opposer. Les oppositions reçues avant le DATE seront traitées.", SeverityCritical, "Deadline 26 May 2025 → 27 May 2025."),
		dayMoved("fr", "Vous pouviez vous opposer. Les oppositions reçues avant le DATE ont été traitées.", SeverityInfo, "Date changed: 26 May 2025 → 27 May 2025."),
	})
}

// rawWord splits a text as fold does, keeping the words as written.
func TestRawWordSplitsAsFold(t *testing.T) {
	var f folder
	for _, s := range []string{
		"Vous pouvez vous opposer à l’utilisation des publications partagées avant le",
		"publications partage\u0301es avant", "Œuvres créées — déjà publiées, 1er/2e avant", "opt-out: you…", "", " a ",
	} {
		words := f.fold(s)
		for i, w := range words {
			var g folder
			if got := g.fold(rawWord(s, i)); len(got) != 1 || got[0] != w {
				t.Errorf("%q: rawWord %d = %q, fold's word is %q", s, i, rawWord(s, i), w)
			}
		}
		if got := rawWord(s, len(words)); got != "" {
			t.Errorf("%q: rawWord past the end = %q", s, got)
		}
	}
}

// A deadline named before what it is for, with its date after the verb
// ("The deadline to submit your objection is …", "La date limite pour
// vous opposer à l'utilisation de vos données est le …"): the words
// between part the cue from its date by more than a cue's gap.
func TestDeadlineNamedBeforeItsVerb(t *testing.T) {
	checkRoles(t, []roleRow{
		{"en", "The deadline for you to object to AI training is 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "The deadline to submit your objection is 26 May 2025.", []DateRole{RoleDeadline}},
		{"en", "The last day to object is 26 May 2025.", []DateRole{RoleDeadline}},
		{"fr", "La date limite pour vous opposer est le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "La date limite pour s'opposer est le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "La date limite pour vous opposer à l'utilisation de vos données est le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "La date limite pour envoyer votre opposition est fixée au 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "Le dernier jour pour vous opposer est le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"fr", "La date butoir pour vous opposer est le 26 mai 2025.", []DateRole{RoleDeadline}},
		// Guards: as it was, and a deadline of no objection.
		{"en", "The deadline to object is 26 May 2025.", []DateRole{RoleDeadline}},
		{"fr", "La date limite d'opposition est le 26 mai 2025.", []DateRole{RoleDeadline}},
		{"en", "The deadline for applications to our programme is 26 May 2025.", []DateRole{RoleOther}},
		{"fr", "Le dernier jour de l'offre est le 26 mai 2025.", []DateRole{RoleOther}},
		{"fr", "La date limite pour vous inscrire au programme est le 26 mai 2025.", []DateRole{RoleOther}},
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "La date limite pour vous opposer à cette utilisation est le DATE.", SeverityCritical, "Deadline 26 May 2025 → 27 May 2025."),
	})
}
