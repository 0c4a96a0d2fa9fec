package analyze

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every month word the span patterns accept must be read: the reader takes
// its names from monday, the patterns are written apart.
func TestMonthNamesCoverSpanPatterns(t *testing.T) {
	tests := map[string]map[string]time.Month{
		"en": {
			"Jan": 1, "January": 1, "feb.": 2, "FEBRUARY": 2, "Mar": 3, "March": 3, "apr": 4, "April": 4,
			"May": 5, "Jun": 6, "June": 6, "Jul": 7, "July": 7, "Aug.": 8, "August": 8,
			"Sep": 9, "Sept.": 9, "September": 9, "Oct": 10, "October": 10, "Nov": 11, "November": 11,
			"Dec": 12, "December": 12,
		},
		"fr": {
			"janv.": 1, "janvier": 1, "fév": 2, "fev": 2, "févr.": 2, "février": 2, "fevrier": 2,
			"mars": 3, "avr": 4, "avril": 4, "mai": 5, "juin": 6, "juil.": 7, "Juillet": 7,
			"août": 8, "aout": 8, "sept.": 9, "septembre": 9, "oct": 10, "octobre": 10,
			"nov.": 11, "novembre": 11, "déc": 12, "dec.": 12, "Décembre": 12, "decembre": 12,
		},
		"de": {
			"Januar": 1, "Jan.": 1, "Februar": 2, "Feb": 2, "März": 3, "Marz": 3, "Mär.": 3, "April": 4, "Apr": 4, "Mai": 5,
			"Juni": 6, "Juli": 7, "August": 8, "Aug.": 8, "September": 9, "Sept.": 9, "Sep": 9, "Oktober": 10, "Okt.": 10,
			"November": 11, "Nov.": 11, "Dezember": 12, "Dez.": 12,
		},
		"es": {
			"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
			"septiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
		},
		"it": {
			"gennaio": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7, "agosto": 8,
			"settembre": 9, "ottobre": 10, "novembre": 11, "dicembre": 12,
		},
		"nl": {
			"januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7, "augustus": 8,
			"september": 9, "oktober": 10, "november": 11, "december": 12,
		},
	}
	r := newDateReader()
	for lang, names := range tests {
		for name, want := range names {
			if got := r.months[lang][foldName(name)]; got != want {
				t.Errorf("%s %q: month %d, want %d", lang, name, got, want)
			}
		}
	}
	// "jui" begins juin and juillet: it names neither.
	if m, ok := r.months["fr"]["jui"]; ok {
		t.Errorf(`fr "jui" read as month %d`, m)
	}
}

func TestDateReaderReadsSpans(t *testing.T) {
	tests := []struct {
		lang, text, want string
	}{
		{"fr", "Dernière modification le 01/11/2024", "2024-11-01"},
		{"fr", "Date d'effet : le 1er janvier 2024", "2024-01-01"},
		{"fr", "Publié le 15.07.2019", "2019-07-15"},
		{"fr", "Publié le 3 Août 2024", "2024-08-03"},
		{"fr", "Publié le 29/02/2024", "2024-02-29"},
		{"fr", "Publié en déc. 2024", "2024-12"},
		{"en", "Updated 12/25/2024", "2024-12-25"}, // the numbers say month first
		{"en", "Updated 25/12/2024", "2024-12-25"}, // and here day first
		{"en", "Updated 3 Feb. 2024", "2024-02-03"},
		{"en", "Updated Dec 31st, 2024", "2024-12-31"},
		{"en", "Updated the 22nd of august 2023", "2023-08-22"},
		{"", "Updated 01/11/2024", "2024-11-01"}, // no language known: day first
		{"fr", "Date d'effet : le premier juin 2025", "2025-06-01"},
		{"fr", "Publié le Premier mars 2024", "2024-03-01"},
	}
	r := newDateReader()
	for _, tt := range tests {
		windows := maxYearWindows
		spans := findDateSpans(tt.text, tt.lang, 2, &windows)
		if len(spans) != 1 {
			t.Errorf("%q: %d spans, want 1", tt.text, len(spans))
			continue
		}
		sp := spans[0]
		if got := r.parse(tt.text[sp.start:sp.end], sp, tt.lang); got != tt.want {
			t.Errorf("%s %q: %q, want %q", tt.lang, tt.text, got, tt.want)
		}
	}
}

// A span the patterns find is not a date when its day does not exist or
// its year is not a policy's.
func TestDateReaderRejectsImpossibleDates(t *testing.T) {
	r := newDateReader()
	for _, tt := range []struct{ lang, text string }{
		{"fr", "le 31/02/2024"},
		{"fr", "le 29/02/2023"},
		{"fr", "le 00/05/2024"},
		{"fr", "le 12/00/2024"},
		{"fr", "le 32 mai 2024"},
		{"en", "on June 31, 2024"},
		{"en", "on 0 May 2024"},
		{"en", "in May 1850"},
		{"en", "on 05/27/2150"},
	} {
		windows := maxYearWindows
		for _, sp := range findDateSpans(tt.text, tt.lang, 2, &windows) {
			if got := r.parse(tt.text[sp.start:sp.end], sp, tt.lang); got != "" {
				t.Errorf("%s %q read as %q", tt.lang, tt.text, got)
			}
		}
	}
}

// BenchmarkDateReaderParse reads one span of each shape, as finish does
// for each distinct date of a sheet.
func BenchmarkDateReaderParse(b *testing.B) {
	texts := []struct{ lang, text string }{
		{"en", "May 27, 2025"},
		{"en", "4 January, 2022"},
		{"en", "July 2026"},
		{"en", "05/27/2025"},
		{"fr", "1er janvier 2024"},
		{"fr", "15. 07. 2019"},
		{"fr", "01/11/2024"},
		{"fr", "2024-03-05"},
	}
	type input struct {
		text, lang string
		sp         dateSpan
	}
	var inputs []input
	for _, tt := range texts {
		windows := maxYearWindows
		spans := findDateSpans(tt.text, tt.lang, 1, &windows)
		if len(spans) != 1 {
			b.Fatalf("%q: %d spans", tt.text, len(spans))
		}
		inputs = append(inputs, input{tt.text[spans[0].start:spans[0].end], tt.lang, spans[0]})
	}
	r := newDateReader()
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range inputs {
			if r.parse(in.text, in.sp, in.lang) == "" {
				b.Fatalf("%q not read", in.text)
			}
		}
	}
}

// Common phrasings of deadlines, effective dates and announced changes
// give their dates a role; ordinary dates beside the same words keep
// none. Each text is a one-line policy; want is the role of each of its
// dates, in order.
func TestFactSheetDateRolesOfCommonPhrasings(t *testing.T) {
	checkRoles(t, []roleRow{
		// Deadlines to object.
		{"en", "To object, please submit the form before 26 June 2026.", []DateRole{RoleDeadline}},
		{"en", "If you object by 27 May 2026, we will not use your posts.", []DateRole{RoleDeadline}},
		{"en", "You can opt out through 30 September 2026.", []DateRole{RoleDeadline}},
		{"en", "You have until July 14th, 2026 to object.", []DateRole{RoleDeadline}},
		{"en", "You can object until June 26, 2024 by filling in the form.", []DateRole{RoleDeadline}},
		// "may" and "must" as much as "can" (a user walkthrough's policy
		// said "You may object before 1 March 2027." and nobody was alerted).
		{"en", "You may object before 1 March 2027.", []DateRole{RoleDeadline}},
		{"en", "Users must object by 1 March 2027 if they do not want this.", []DateRole{RoleDeadline}},
		{"en", "Objecting is possible until 1 March 2027.", []DateRole{RoleDeadline}},
		{"fr", "Pour vous opposer, veuillez envoyer le formulaire avant le 26 juin 2026.", []DateRole{RoleDeadline}},
		{"fr", "Si vous vous opposez d'ici le 27 mai 2026, nous n'utiliserons pas vos publications.", []DateRole{RoleDeadline}},
		{"fr", "Vous pouvez vous opposer jusqu'au 30 septembre 2026 inclus.", []DateRole{RoleDeadline}},
		{"fr", "Vous avez jusqu'au 14 juillet 2026 pour vous opposer.", []DateRole{RoleDeadline}},
		// Effective dates.
		{"en", "This policy takes effect on 2 February 2026.", []DateRole{RoleEffective}},
		{"en", "This policy comes into force on 2 February 2026.", []DateRole{RoleEffective}},
		{"en", "This policy came into force on 2 February 2026.", []DateRole{RoleEffective}},
		{"en", "These terms take effect on 2 February 2026.", []DateRole{RoleEffective}},
		{"en", "This policy is effective from 2 February 2026.", []DateRole{RoleEffective}}, // the longer cue wins over "from"
		{"fr", "Cette politique prend effet le 2 février 2026.", []DateRole{RoleEffective}},
		{"fr", "Cette politique entre en vigueur le 2 février 2026.", []DateRole{RoleEffective}},
		{"fr", "Ces conditions prennent effet le 2 février 2026.", []DateRole{RoleEffective}},
		// Announced changes are upcoming, as "will take effect" and "à
		// partir du" are; the start of a new use is its start, however
		// its date is cued, "from" and "à partir du" too when what they
		// start is a use of data (start_test.go).
		{"en", "These changes will come into force on 3 March 2026.", []DateRole{RoleUpcoming}},
		{"en", "This policy will take effect on 3 March 2026.", []DateRole{RoleUpcoming}},
		{"en", "From 4 April 2026, we will use your public posts to train AI.", []DateRole{RoleStart}},
		{"en", "The new terms will begin on 3 March 2026.", []DateRole{RoleUpcoming}},
		{"fr", "Ces modifications entreront en vigueur le 3 mars 2026.", []DateRole{RoleUpcoming}},
		{"fr", "À partir du 4 avril 2026, nous utiliserons vos publications publiques pour entraîner l'IA.", []DateRole{RoleStart}},
		{"en", "We'll start using your public information on 26 May 2025.", []DateRole{RoleStart}},
		{"en", "We will begin training our AI models on 26 May 2025.", []DateRole{RoleStart}},
		{"en", "We will start to use your public posts on 26 May 2025.", []DateRole{RoleStart}},
		{"en", "Training will begin on 26 May 2025.", []DateRole{RoleStart}},
		{"en", "We will start using your public posts from 26 May 2025.", []DateRole{RoleStart}},
		{"en", "We will start training our AI on your posts, effective 26 May 2025.", []DateRole{RoleStart}},
		{"fr", "Nous commencerons à utiliser vos informations publiques le 26 mai 2025.", []DateRole{RoleStart}},
		{"fr", "L'entraînement commencera le 26 mai 2025.", []DateRole{RoleStart}},
		{"fr", "Nous commencerons à utiliser vos publications à partir du 26 mai 2025.", []DateRole{RoleStart}},
		// An update announced in the sentence before, in the same
		// paragraph, makes the effective date the upcoming one; so does
		// "the new policy" or "the updated policy" (Meta, April 2025: "We
		// are updating our Privacy Policy. The new policy takes effect on
		// 27 May 2025." was read as the policy in force since then).
		{"en", "We are updating our Privacy Policy. The new policy takes effect on 27 May 2025.", []DateRole{RoleUpcoming}},
		{"en", "We're updating our Privacy Policy. It takes effect on 27 May 2025.", []DateRole{RoleUpcoming}},
		{"en", "We are updating our Privacy Policy. Effective 27 May 2025.", []DateRole{RoleUpcoming}},
		{"en", "The new policy takes effect on 27 May 2025.", []DateRole{RoleUpcoming}},
		{"en", "The updated Privacy Policy is effective from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Nous mettons à jour notre Politique de confidentialité. La nouvelle politique prend effet le 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Nous mettons à jour notre Politique de confidentialité. Elle prend effet le 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Nous mettons à jour notre Politique de confidentialité, qui prend effet le 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"fr", "La nouvelle politique entrera en vigueur le 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"fr", "La nouvelle politique prendra effet le 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"fr", "La nouvelle politique prend effet le 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"fr", "La politique mise à jour prend effet le 27 mai 2025.", []DateRole{RoleUpcoming}},
		// The policy's own date stays effective: without an announcement,
		// with one in another paragraph, with an update already made, or
		// with a habit of updating ("will update" reaches its own sentence
		// only).
		{"en", "This policy takes effect on 1 January 2024.", []DateRole{RoleEffective}},
		{"en", "Effective May 27, 2025", []DateRole{RoleEffective}},
		{"en", "We are updating our Privacy Policy.\nThis policy takes effect on 1 January 2024.", []DateRole{RoleEffective}},
		{"en", "We updated our Privacy Policy. It took effect on 1 January 2024.", []DateRole{RoleEffective}},
		{"en", "We will update this policy from time to time. This policy takes effect on 1 January 2024.", []DateRole{RoleEffective}},
		{"en", "This updated policy is effective from 1 January 2024.", []DateRole{RoleEffective}},
		{"fr", "Cette politique prend effet le 1er janvier 2024.", []DateRole{RoleEffective}},
		{"fr", "En vigueur le 27 mai 2025", []DateRole{RoleEffective}},
		{"fr", "Nous mettons à jour notre Politique de confidentialité.\nCette politique prend effet le 1er janvier 2024.", []DateRole{RoleEffective}},
		{"fr", "Nous avons mis à jour notre Politique de confidentialité. Elle a pris effet le 1er janvier 2024.", []DateRole{RoleEffective}},
		// Ordinary dates stay what they were.
		{"en", "Last updated: 2 February 2026.", []DateRole{RoleUpdated}},
		{"en", "You can object at any time; this policy was last updated on 2 February 2026.", []DateRole{RoleUpdated}},
		{"en", "We have offered the objection form since 1 March 2019.", []DateRole{RoleOther}},
		{"en", "Since 1 March 2019 you can object to ads.", []DateRole{RoleOther}},
		{"en", "To object, use the form; we introduced it on 26 June 2024.", []DateRole{RoleOther}},
		{"en", "You can opt out through the settings page described in our notice of 30 September 2025.", []DateRole{RoleOther}},
		{"en", "For example, a post you shared on 5 May 2024 stays visible until you delete it.", []DateRole{RoleOther}},
		{"en", "We will publish a report before 05/27/2025.", []DateRole{RoleOther}}, // nothing to object to
		{"en", "Our survey ran through 30 September 2025.", []DateRole{RoleOther}},   // nor here
		{"en", "The form takes a minute; we sent it on 2 February 2026.", []DateRole{RoleOther}},
		{"fr", "Dernière mise à jour : 2 février 2026.", []DateRole{RoleUpdated}},
		{"fr", "Depuis le 1er mars 2019, vous pouvez vous opposer à la publicité.", []DateRole{RoleOther}},
		{"fr", "Nous publierons un rapport avant le 27 mai 2025.", []DateRole{RoleOther}},
		// A preposition that is a cue right before a date is none a few
		// words before it: it governs something else.
		{"en", "If you object, we stop using data collected by partners since 1 May 2025.", []DateRole{RoleOther}},
		{"en", "You can opt out through the settings of 30 September 2025.", []DateRole{RoleOther}},
		{"en", "Reports from regulators dated 3 March 2026 are published here.", []DateRole{RoleOther}},
		{"fr", "Vous pouvez vous opposer avant tout traitement commencé le 3 mars 2026.", []DateRole{RoleOther}},
		{"fr", "À partir de vos publications du 3 mars 2026, nous avons corrigé la page.", []DateRole{RoleOther}},
		// Little words between do not part them.
		{"en", "Beginning on 27 May 2025, we will use your public posts.", []DateRole{RoleStart}},
		{"en", "Beginning on 27 May 2025, the new terms will apply.", []DateRole{RoleUpcoming}},
		{"en", "You can object until the 26 June 2024.", []DateRole{RoleDeadline}},
		{"fr", "Vous pouvez vous opposer jusqu'au le 26 juin 2024.", []DateRole{RoleDeadline}},
	})
}

// An ambiguous digit date is read in the order of the language's region:
// month first in American English (and English with no region), day first
// in any other English and in French.
func TestDigitDateOrderFollowsRegion(t *testing.T) {
	tests := []struct{ lang, want string }{
		{"en", "2025-04-07"},
		{"en-US", "2025-04-07"},
		{"en_us", "2025-04-07"},
		{"en-GB", "2025-07-04"},
		{"en-IE", "2025-07-04"},
		{"en-AU", "2025-07-04"},
		{"en-NZ", "2025-07-04"},
		{"en-IN", "2025-07-04"},
		{"en-gb", "2025-07-04"},
		{"fr-FR", "2025-07-04"},
		{"", "2025-07-04"}, // no language given, none told by the words: day first, the default
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		sh := tx.FactSheet("Effective 04/07/2025.", tt.lang, nil)
		if len(sh.Dates) != 1 || sh.Dates[0].Date != tt.want {
			t.Errorf("%q: dates %+v, want %s", tt.lang, sh.Dates, tt.want)
		}
	}
	// The date moves as written, in the region's order.
	a := Compare(tx.FactSheet("Effective 04/07/2025.", "en-GB", nil), tx.FactSheet("Effective 05/07/2025.", "en-GB", nil))
	if a.Summary != "Effective date 4 Jul 2025 → 5 Jul 2025." {
		t.Errorf("en-GB: %q", a.Summary)
	}
}

// Year-first dates with slashes, US ranges and two-digit years (these only
// where a role cue touches them).
func TestOtherDateFormats(t *testing.T) {
	tests := []struct {
		lang, text string
		want       []string // role=date of each date
	}{
		{"en", "Effective 2025/05/27.", []string{"effective=2025-05-27"}},
		{"fr", "En vigueur le 2025/5/7.", []string{"effective=2025-05-07"}},
		{"en", "Effective 2025.05.27.", []string{"effective=2025-05-27"}},
		{"en", "Our report of 2025/05/27 is online.", []string{"other=2025-05-27"}},
		{"en", "Effective 2025/02/30.", nil},
		{"en", "You can object until May 26-27, 2025.", []string{"deadline=2025-05-27"}},
		{"en", "You can object until May 26th–27th, 2025.", []string{"deadline=2025-05-27"}},
		{"fr", "Date d'effet : 27/05/25.", []string{"effective=2025-05-27"}},
		{"en", "You can object until 27/05/25.", []string{"deadline=2025-05-27"}},
		{"en-GB", "Effective 04/07/25.", []string{"effective=2025-07-04"}},
		{"en", "Effective 04/07/25.", []string{"effective=2025-04-07"}},
		// Without a cue a two-digit year is no date.
		{"en", "The score was 27/05/25 in the survey.", nil},
		{"en", "You can object. Version 1.2.25 of the app fixed it.", nil},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		var got []string
		for _, d := range tx.FactSheet(tt.text, tt.lang, nil).Dates {
			got = append(got, string(d.Role)+"="+d.Date)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s %q: %v, want %v", tt.lang, tt.text, got, tt.want)
		}
	}
	a := Compare(tx.FactSheet("Effective 2025/04/07.", "en", nil), tx.FactSheet("Effective 2025/05/27.", "en", nil))
	if a.Summary != "Effective date 7 Apr 2025 → 27 May 2025." {
		t.Errorf("2025/04/07 → 2025/05/27: %q", a.Summary)
	}
}

// German, Spanish, Italian and Dutch dates are read (their texts are not
// analysed, and say so, but a date that moves is told), and a German
// ordinal day does not end a sentence.
func TestDatesInOtherLanguages(t *testing.T) {
	tests := []struct{ lang, text, want string }{
		{"de", "Gültig ab: 7. April 2025", "2025-04-07"},
		{"de", "Sie können bis zum 27. Mai 2025 widersprechen.", "2025-05-27"},
		{"de-DE", "Stand: 7. März 2025", "2025-03-07"},
		{"de", "Stand: 7 Maerz 2025", ""},
		{"de", "Stand: 1. Dez. 2025", "2025-12-01"},
		{"es", "Fecha de entrada en vigor: 27 de mayo de 2025", "2025-05-27"},
		{"es", "Actualizado el 1 de septiembre 2025", "2025-09-01"},
		{"it", "In vigore dal 27 maggio 2025", "2025-05-27"},
		{"it", "In vigore dal 1° giugno 2025", "2025-06-01"},
		{"nl", "Van kracht vanaf 27 mei 2025", "2025-05-27"},
		{"nl", "Van kracht vanaf 7 maart 2025", "2025-03-07"},
		{"de", "Gültig ab: 04.07.2025", "2025-07-04"},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		sh := tx.FactSheet(tt.text, tt.lang, nil)
		got := ""
		if len(sh.Dates) == 1 {
			got = sh.Dates[0].Date
		}
		if got != tt.want || len(sh.Dates) > 1 {
			t.Errorf("%s %q: %+v, want %q", tt.lang, tt.text, sh.Dates, tt.want)
		}
	}
	for _, tt := range []struct{ lang, before, after, summary string }{
		{"de", "Sie können bis zum 26. Mai 2025 widersprechen.", "Sie können bis zum 27. Mai 2025 widersprechen.",
			"Not analysed: no patterns for German (de); 1 sentence added, 1 removed, see the diff. Date changed: 26 May 2025 → 27 May 2025."},
		{"de", "Gültig ab: 7. April 2025", "Gültig ab: 27. Mai 2025",
			"Not analysed: no patterns for German (de); 1 sentence added, 1 removed, see the diff. Date changed: 7 Apr 2025 → 27 May 2025."},
		{"nl", "Van kracht vanaf 7 april 2025.", "Van kracht vanaf 27 mei 2025.",
			"Not analysed: no patterns for Dutch (nl); 1 sentence added, 1 removed, see the diff. Date changed: 7 Apr 2025 → 27 May 2025."},
	} {
		if a := Compare(tx.FactSheet(tt.before, tt.lang, nil), tx.FactSheet(tt.after, tt.lang, nil)); a.Summary != tt.summary {
			t.Errorf("%s %q → %q: %q, want %q", tt.lang, tt.before, tt.after, a.Summary, tt.summary)
		}
	}
	if got := splitSentences("Sie können bis zum 27. Mai 2025 widersprechen. Danach nicht.", nil); len(got) != 2 {
		t.Errorf("German day cut a sentence: %v", got)
	}
	if got := splitSentences("Wir sind seit 2025. Mai ist ein Monat.", nil); len(got) != 2 {
		t.Errorf("a year before a month name joined two sentences: %v", got) // four digits are no day
	}
}

// "À compter du …" is "from …": an update to come, as "à partir du" and
// English "from" are ("Cette mise à jour s'appliquera à compter du 27 mai
// 2025" read as the policy's effective date). Said of the policy in force
// ("En vigueur à compter du …", "Applicable à compter du …") it stays its
// effective date.
func TestFromInFrenchIsUpcoming(t *testing.T) {
	checkRoles(t, []roleRow{
		{"fr", "Cette mise à jour s'appliquera à compter du 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"fr", "À compter du 27 mai 2025, vos informations publiques ne pourront pas être utilisées pour entraîner l'IA.", []DateRole{RoleUpcoming}},
		{"en", "This update will apply from 27 May 2025.", []DateRole{RoleUpcoming}},
		// Guards.
		{"fr", "En vigueur à compter du 3 mars 2026", []DateRole{RoleEffective}},
		{"fr", "Applicable à compter du 3 mars 2026.", []DateRole{RoleEffective}},
		{"fr", "Cette politique est applicable à compter du 3 mars 2026.", []DateRole{RoleEffective}},
		{"fr", "Date d'effet : à compter du 3 mars 2026", []DateRole{RoleEffective}},
		{"fr", "À compter du 27 mai 2025, la nouvelle politique s'applique.", []DateRole{RoleUpcoming}},
		{"fr", "À compter du 27 mai 2025, nous utiliserons vos publications publiques pour entraîner l'IA.", []DateRole{RoleStart}},
	})
}

// French spells the first of the month out as well as "1er": "le premier
// juin 2025" was read as June 2025 without its day ("2025-06"), and
// "jusqu'au premier juin" as no date at all.
func TestFirstOfTheMonthSpelledOut(t *testing.T) {
	tx := DefaultTaxonomy()
	for _, tt := range []struct{ lang, text, want string }{
		{"fr", "La nouvelle politique entrera en vigueur le premier juin 2025.", "upcoming 2025-06-01 premier juin 2025"},
		{"fr", "Vous pouvez vous opposer jusqu'au premier juin 2025.", "deadline 2025-06-01 premier juin 2025"},
		{"fr", "En vigueur le Premier juin 2025", "effective 2025-06-01 Premier juin 2025"},
		{"fr", "Vous pouvez vous opposer jusqu'au premier juin.", "deadline --06-01 premier juin"},
		{"fr", "Vous pouvez vous opposer du premier au 26 juin 2025.", "deadline 2025-06-26 26 juin 2025"},
		{"fr", "Vous pouvez vous opposer du premier juin au 26 juin 2025.", "other 2025-06-01 premier juin; deadline 2025-06-26 26 juin 2025"},
		// Guards: "1er" as it was, and "premier" before anything but a
		// month.
		{"fr", "Vous pouvez vous opposer jusqu'au 1er juin 2025.", "deadline 2025-06-01 1er juin 2025"},
		{"fr", "Vous pouvez vous opposer du 1er au 26 juin 2025.", "deadline 2025-06-26 26 juin 2025"},
		{"fr", "Notre premier objectif en juin 2025 est votre sécurité.", "other 2025-06 juin 2025"},
		{"fr", "Le premier rapport de juin 2025 est publié.", "other 2025-06 juin 2025"},
		{"fr", "Vous pouvez vous opposer dès le premier jour de juin.", ""},
		{"en", "Effective 1 June 2025, at the premier June 2025 event.", "effective 2025-06-01 1 June 2025; other 2025-06 June 2025"},
	} {
		if g := datesRead(tx, tt.lang, tt.text); g != tt.want {
			t.Errorf("%s %q: %q, want %q", tt.lang, tt.text, g, tt.want)
		}
	}
	// "1er" and "premier" are the same day: no date moved.
	checkDateMoves(t, frReportBase, []dateMove{
		{lang: "fr", line: "Vous pouvez vous opposer jusqu'au DATE.", old: "1er juin 2025", new: "premier juin 2025", severity: SeverityInfo, summary: "No change to categories, purposes, rights or dates"},
		{lang: "fr", line: "Vous pouvez vous opposer jusqu'au DATE.", old: "premier juin 2025", new: "2 juin 2025", severity: SeverityCritical, summary: "Deadline 1 Jun 2025 → 2 Jun 2025."},
	})
}

// Ordinals set in superscript letters, as word processors write them ("le
// 1ᵉʳ juin 2025", "June 1ˢᵗ, 2025"), and French "1re", are the day they
// say: "1ᵉʳ juin 2025", "1ʳᵉ", "1re" and "1ˢᵗ June 2025" read as June 2025
// without its day, "June 1ˢᵗ, 2025" as no date at all, and "jusqu'au 1ᵉʳ
// juin" as none either.
func TestSuperscriptOrdinals(t *testing.T) {
	tx := DefaultTaxonomy()
	for _, tt := range []struct{ lang, text, want string }{
		{"fr", "En vigueur le 1ᵉʳ juin 2025", "effective 2025-06-01 1ᵉʳ juin 2025"},
		{"fr", "En vigueur le 1ʳᵉ juin 2025", "effective 2025-06-01 1ʳᵉ juin 2025"},
		{"fr", "En vigueur le 1re juin 2025", "effective 2025-06-01 1re juin 2025"},
		{"fr", "Vous pouvez vous opposer jusqu'au 1ᵉʳ juin.", "deadline --06-01 1ᵉʳ juin"},
		{"fr", "Vous pouvez vous opposer du 1ᵉʳ au 26 juin 2025.", "deadline 2025-06-26 26 juin 2025"},
		{"en", "Effective June 1ˢᵗ, 2025", "effective 2025-06-01 June 1ˢᵗ, 2025"},
		{"en", "Effective 1ˢᵗ June 2025", "effective 2025-06-01 1ˢᵗ June 2025"},
		{"en", "Effective the 1ˢᵗ of June 2025", "effective 2025-06-01 1ˢᵗ of June 2025"},
		{"en", "Effective June 2ⁿᵈ, 2025", "effective 2025-06-02 June 2ⁿᵈ, 2025"},
		{"en", "Effective June 3ʳᵈ, 2025", "effective 2025-06-03 June 3ʳᵈ, 2025"},
		{"en", "You can object until May 26ᵗʰ 2025.", "deadline 2025-05-26 May 26ᵗʰ 2025"},
		{"en", "You can object from 1ˢᵗ to 26ᵗʰ May 2025.", "deadline 2025-05-26 26ᵗʰ May 2025"},
		{"en", "You can object until June 1ˢᵗ.", "deadline --06-01 June 1ˢᵗ"},
		// Guards: the ordinals in plain letters, as they were.
		{"fr", "En vigueur le 1er juin 2025", "effective 2025-06-01 1er juin 2025"},
		{"fr", "En vigueur le premier juin 2025", "effective 2025-06-01 premier juin 2025"},
		{"en", "Effective June 1st, 2025", "effective 2025-06-01 June 1st, 2025"},
		{"en", "Effective 1st June 2025", "effective 2025-06-01 1st June 2025"},
		{"en", "You can object from 1st to 26th May 2025.", "deadline 2025-05-26 26th May 2025"},
		{"en", "You can object until June 1st.", "deadline --06-01 June 1st"},
	} {
		if g := datesRead(tx, tt.lang, tt.text); g != tt.want {
			t.Errorf("%s %q: %q, want %q", tt.lang, tt.text, g, tt.want)
		}
	}
	// "1ᵉʳ" and "1er", "1ˢᵗ" and "1st" are the same day: no date moved.
	checkDateMoves(t, frReportBase, []dateMove{
		{lang: "fr", line: "Vous pouvez vous opposer jusqu'au DATE.", old: "1er juin 2025", new: "1ᵉʳ juin 2025", severity: SeverityInfo, summary: "No change to categories, purposes, rights or dates"},
	})
	checkDateMoves(t, reportBase, []dateMove{
		{lang: "en", line: "You can object until DATE.", old: "June 1st, 2025", new: "June 1ˢᵗ, 2025", severity: SeverityInfo, summary: "No change to categories, purposes, rights or dates"},
	})
}

// datesRead is the dates a fact sheet of text reads, "role date text",
// joined by "; ".
func datesRead(tx *Taxonomy, lang, text string) string {
	var got []string
	for _, d := range tx.FactSheet(text, lang, nil).Dates {
		got = append(got, fmt.Sprintf("%s %s %s", d.Role, d.Date, d.Text))
	}
	return strings.Join(got, "; ")
}
