package analyze

import (
	"encoding/json"
	"strings"
	"testing"
)

// A date that a statement of a use of data to come starts ("Starting 27
// May 2025, we will use…", "From …, your public posts will be used…", "À
// partir du …, nous utiliserons…", "Dès le …, Meta utilisera…") is the
// start of that use, not an upcoming update of the policy: the demo's
// "Starting 27 May 2025, Kestrel will use public posts … to train its
// artificial intelligence models" read "Upcoming update none → 27 May
// 2025". The same cues before an update of the policy stay upcoming, and
// a use that stops or is denied starts nothing. Each text is a one-line
// policy; want is the role of each of its dates, in order.
func TestStartOfAUseToCome(t *testing.T) {
	checkRoles(t, []roleRow{
		// A use to come, said by when it starts.
		{"en", "Starting 27 May 2025, we will use your public posts to train our AI models.", []DateRole{RoleStart}},
		{"en", "Starting 27 May 2025, Kestrel will use public posts, photos and comments to train its artificial intelligence models.", []DateRole{RoleStart}},
		{"en", "From 27 May 2025, Meta will use your public posts and comments to train AI at Meta.", []DateRole{RoleStart}},
		{"en", "As of 27 May 2025, we will use your public information to train our AI models.", []DateRole{RoleStart}},
		{"en", "Beginning 27 May 2025, we'll use your public posts to train our AI.", []DateRole{RoleStart}},
		{"en", "From 27 May 2025, your public posts will be used to train our AI.", []DateRole{RoleStart}},
		{"en", "We will use your public posts to train our AI models from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "From 27 May 2025, we will share your location with our partners.", []DateRole{RoleStart}},
		{"en", "Starting 27 May 2025, Kestrel will use public posts to train its AI. You can object until 26 May 2025.", []DateRole{RoleStart, RoleDeadline}},
		{"fr", "À partir du 27 mai 2025, nous utiliserons vos publications publiques pour entraîner nos modèles d'IA.", []DateRole{RoleStart}},
		{"fr", "À partir du 27 mai 2025, Kestrel utilisera les publications, photos et commentaires publics pour entraîner ses modèles d’intelligence artificielle.", []DateRole{RoleStart}},
		{"fr", "Dès le 27 mai 2025, Meta utilisera vos publications publiques pour entraîner l'IA.", []DateRole{RoleStart}},
		{"fr", "À partir du 27 mai 2025, vos publications publiques seront utilisées pour entraîner notre IA.", []DateRole{RoleStart}},
		{"fr", "À compter du 27 mai 2025, nous utiliserons vos publications publiques pour entraîner l'IA.", []DateRole{RoleStart}},
		// A date right after the data, before the verb, says which data,
		// not when their use starts (last review, 2): "public posts from
		// 1 January 2024" are the posts of that date on.
		{"en", "Public posts from 1 January 2024 will be used to train our AI models.", []DateRole{RoleOther}},
		{"en", "Public posts published from 1 January 2024 will be used to train our AI models.", []DateRole{RoleOther}},
		{"en", "Posts you share starting 1 January 2024 will be used to train our AI models.", []DateRole{RoleOther}},
		{"en", "Public posts from 1 January 2024 onwards will be used to train our AI models.", []DateRole{RoleOther}},
		{"en", "Public posts from 1 January 2024 will not be used to train our AI models.", []DateRole{RoleOther}},
		{"fr", "Les publications publiques à partir du 1er janvier 2024 seront utilisées pour entraîner l'IA.", []DateRole{RoleOther}},
		{"en", "Content shared after 1 January 2024 will be used to train our AI models.", []DateRole{RoleOther}},
		{"en", "Posts published since 1 January 2024 will be used to train our AI models.", []DateRole{RoleOther}},
		// The date that opens the statement, or ends it, is the start.
		{"en", "From 1 January 2024, public posts will be used to train our AI models.", []DateRole{RoleStart}},
		{"en", "From 1 January 2024 public posts will be used to train our AI models.", []DateRole{RoleStart}},
		{"en", "We will use your public posts from 1 January 2024.", []DateRole{RoleStart}},
		{"fr", "À partir du 1er janvier 2024, les publications publiques seront utilisées pour entraîner l'IA.", []DateRole{RoleStart}},
		// An update of the policy stays upcoming, and the policy's own
		// date effective.
		{"en", "Starting 27 May 2025, the updated policy will apply.", []DateRole{RoleUpcoming}},
		{"en", "From 27 May 2025, these terms will take effect.", []DateRole{RoleUpcoming}},
		{"en", "Starting 27 May 2025, the updated policy will apply to the information we use.", []DateRole{RoleUpcoming}},
		{"en", "From 27 May 2025, we will use a new design for this page.", []DateRole{RoleUpcoming}}, // no data
		{"fr", "À partir du 27 mai 2025, la nouvelle politique s'appliquera.", []DateRole{RoleUpcoming}},
		{"fr", "À partir du 27 mai 2025, ces conditions entreront en vigueur.", []DateRole{RoleUpcoming}},
		{"fr", "À compter du 27 mai 2025, la nouvelle politique s'applique.", []DateRole{RoleUpcoming}},
		{"en", "As of 1 January 2024, we had updated our settings.", []DateRole{RoleOther}},
		// A use that stops or is denied starts nothing: it stays what it
		// was.
		{"en", "From 27 May 2025, we will no longer use your posts to train AI.", []DateRole{RoleUpcoming}},
		{"en", "Starting 27 May 2025, we will stop using your public posts to train our AI.", []DateRole{RoleUpcoming}},
		{"en", "From 27 May 2025, your private messages will not be used to train our AI.", []DateRole{RoleUpcoming}},
		{"en", "From 27 May 2025, no private messages will be used to train our AI.", []DateRole{RoleUpcoming}},
		// A subject that a negative determiner heads denies the use,
		// whatever stands before it (last review, 1): "none of them" is
		// not a part of the subject set apart ("Public posts, and no
		// private messages, are used…").
		{"en", "You can still share public posts, but from 1 June 2025 none of them will be used to train our AI.", []DateRole{RoleUpcoming}},
		{"en", "From 1 June 2025 none of your posts will be used to train our AI.", []DateRole{RoleUpcoming}},
		{"en", "From 1 June 2025 no private messages will be used to train our AI.", []DateRole{RoleUpcoming}},
		{"en", "Starting 1 June 2025, none of your public posts will be used to train our AI.", []DateRole{RoleUpcoming}},
		{"en", "From 1 June 2025, your public posts will no longer be used to train our AI.", []DateRole{RoleUpcoming}},
		{"fr", "Vous pouvez partager des publications publiques, mais à partir du 1er juin 2025 aucune d'entre elles ne sera utilisée pour entraîner l'IA.", []DateRole{RoleUpcoming}},
		{"fr", "À partir du 1er juin 2025, aucune de vos publications ne sera utilisée pour entraîner notre IA.", []DateRole{RoleUpcoming}},
		{"en", "From 27 May 2025, we will not use your public posts to train our AI.", []DateRole{RoleUpcoming}},
		{"en", "As of 27 May 2025, we will no longer use your posts to train AI.", []DateRole{RoleOther}},
		{"fr", "À partir du 27 mai 2025, nous n'utiliserons plus vos publications pour entraîner l'IA.", []DateRole{RoleUpcoming}},
		{"fr", "À partir du 27 mai 2025, vos messages privés ne seront pas utilisés pour entraîner l'IA.", []DateRole{RoleUpcoming}},
		{"fr", "Dès le 27 mai 2025, Meta n'utilisera plus vos publications publiques.", []DateRole{RoleOther}},
		// The data named outside the denial.
		{"fr", "Vos publications publiques restent visibles, mais à partir du 27 mai 2025, nous ne les utiliserons plus pour entraîner l'IA.", []DateRole{RoleUpcoming}},
	})
}

// The start of a use to come moved, or announced, reads as the start of
// that use: "AI training starts …", critical, first beside the deadline,
// when the use is AI training; "Use starts …", notable, otherwise. A use
// that stops is still an upcoming date, and never "AI training starts".
// The start and the deadline come in the order the policy gives them.
func TestStartOfAUseToComeInSummaries(t *testing.T) {
	const ai = "AI training starts 26 May 2025 → 27 May 2025."
	checkDateMoves(t, reportBase, []dateMove{
		dayMoved("en", "Starting DATE, we will use your public posts to train our AI models.", SeverityCritical, ai),
		dayMoved("en", "From DATE, your public posts will be used to train our AI.", SeverityCritical, ai),
		dayMoved("en", "As of DATE, Meta will use your public posts to train AI at Meta.", SeverityCritical, ai),
		// The use named in the statement before, under the heading.
		dayMoved("en", "Beginning DATE, we will use your public posts.", SeverityCritical, ai),
		// What stays.
		dayMoved("en", "Starting DATE, the updated policy will apply.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
		dayMoved("en", "From DATE, we will no longer use your posts to train AI.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
		dayMoved("en", "Starting DATE, we will stop using your public posts to train our AI.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
		dayMoved("en", "From DATE, your private messages will not be used to train our AI.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
		dayMoved("en", "You can still share public posts, but from DATE none of them will be used to train our AI.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
		dayMoved("en", "Public posts from DATE will be used to train our AI models.", SeverityInfo, "Date changed: 26 May 2025 → 27 May 2025."),
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "À partir du DATE, nous utiliserons vos publications publiques pour entraîner l'IA.", SeverityCritical, ai),
		dayMoved("fr", "Dès le DATE, Meta utilisera vos publications publiques pour entraîner l'IA.", SeverityCritical, ai),
		dayMoved("fr", "À partir du DATE, la nouvelle politique s'appliquera.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
		dayMoved("fr", "À partir du DATE, nous n'utiliserons plus vos publications pour entraîner l'IA.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
	})
	checkDateMoves(t, "# Privacy Policy\nWe use your location to show you ads.\n", []dateMove{
		dayMoved("en", "From DATE, we will use your location to show you ads.", SeverityNotable, "Use starts 26 May 2025 → 27 May 2025."),
	})

	// The demo's paragraph, as it appears (en-3.html, fr-3.html).
	tx := DefaultTaxonomy()
	for _, tt := range []struct{ lang, base, added string }{
		{"en", demoBase, "## Artificial intelligence at Kestrel\nStarting 27 May 2025, Kestrel will use public posts, photos and comments to train its artificial intelligence models. You can object to this use of your information until 26 May 2025 by filling in the objection form.\n"},
		{"fr", frDemoBase, "## L’intelligence artificielle chez Kestrel\nÀ partir du 27 mai 2025, Kestrel utilisera les publications, photos et commentaires publics pour entraîner ses modèles d’intelligence artificielle. Vous pouvez vous opposer à cette utilisation de vos informations jusqu’au 26 mai 2025 en remplissant le formulaire d’opposition.\n"},
	} {
		a := Compare(tx.FactSheet(tt.base, tt.lang, nil), tx.FactSheet(tt.base+tt.added, tt.lang, nil))
		if want := "AI training starts none → 27 May 2025. Deadline none → 26 May 2025."; a.Severity != SeverityCritical || a.Summary != want {
			t.Errorf("%s demo: %s %q, want critical %q", tt.lang, a.Severity, a.Summary, want)
		}
	}
}

// The demo's policy before its AI paragraph: AI training already named,
// its data bound.
const (
	demoBase = "# Kestrel Privacy Policy\nEffective 27 May 2025\n## How do we use your information?\n" +
		"We use public content you share, such as your public posts, photos, captions and comments, to train and improve our artificial intelligence models, including Kestrel Assistant.\n" +
		"## Your rights\nYou have the right to access, correct, download and delete your information, and to object to some uses of it.\n"
	frDemoBase = "# Politique de confidentialité de Kestrel\nEn vigueur le 27 mai 2025\n## Comment utilisons-nous vos informations ?\n" +
		"Nous utilisons les contenus publics que vous partagez, comme vos publications, photos, légendes et commentaires publics, pour entraîner et améliorer nos modèles d’intelligence artificielle, dont Kestrel Assistant.\n" +
		"## Vos droits\nVous avez le droit d’accéder à vos informations, de les rectifier, de les télécharger et de les supprimer, ainsi que de vous opposer à certaines utilisations.\n"
)

// What a start date starts is part of the stored change (its JSON), so
// that what reads it back (notify's messages) can name it as the summary
// does; a change stored before says nothing of it and reads back with
// none.
func TestStartOfUseStored(t *testing.T) {
	tx := DefaultTaxonomy()
	a := Compare(tx.FactSheet(reportBase, "en", nil), tx.FactSheet(reportBase+"Starting 27 May 2025, we will use your public posts to train our AI models.\n", "en", nil))
	if len(a.Dates) != 1 {
		t.Fatalf("dates %+v, want one", a.Dates)
	}
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back Analysis
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if d := back.Dates[0]; d.Role != RoleStart || d.Use != "ai_training" || !d.StartsAITraining() {
		t.Errorf("read back %+v from %s, want the start of ai_training", d, data)
	}
	for _, tt := range []struct {
		json string
		use  string
		ai   bool
	}{
		{`{"role":"start","old":null,"new":"2025-05-27","quote":"q","use":"ai_training"}`, "ai_training", true},
		{`{"role":"start","old":null,"new":"2025-05-27","quote":"q","use":"advertising"}`, "advertising", false},
		{`{"role":"start","old":null,"new":"2025-05-27","quote":"q"}`, "", false}, // stored before
		{`{"role":"upcoming","old":null,"new":"2025-05-27","quote":"q"}`, "", false},
	} {
		var d DateChange
		if err := json.Unmarshal([]byte(tt.json), &d); err != nil {
			t.Fatal(err)
		}
		if d.Use != tt.use || d.StartsAITraining() != tt.ai {
			t.Errorf("%s: use %q, starts AI training %v; want %q, %v", tt.json, d.Use, d.StartsAITraining(), tt.use, tt.ai)
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(out); got != tt.json {
			t.Errorf("%s: written back as %s", tt.json, got)
		}
	}
	// No use, no field: what other roles wrote before stays byte for byte.
	if out, _ := json.Marshal(DateChange{Role: RoleEffective, New: "2025-05-27"}); strings.Contains(string(out), `"use"`) {
		t.Errorf("an effective date written as %s", out)
	}
}

// The date of a start may stand between the verb that starts and the use
// it starts: "Nous commencerons le 27 mai 2025 à utiliser…", "Meta
// commencera dès le 27 mai 2025 à entraîner…", "We will begin, on 27 May
// 2025, using…". Before, the verb alone read as an upcoming update.
func TestStartWithItsDateInside(t *testing.T) {
	checkRoles(t, []roleRow{
		{"fr", "Nous commencerons le 27 mai 2025 à utiliser vos publications publiques pour entraîner l'IA.", []DateRole{RoleStart}},
		{"fr", "Meta commencera dès le 27 mai 2025 à entraîner ses modèles d'IA avec vos publications publiques.", []DateRole{RoleStart}},
		{"en", "We will begin, on 27 May 2025, using your public posts to train our AI.", []DateRole{RoleStart}},
		// Guards: as it was, and a start of no use.
		{"fr", "Le 27 mai 2025, Meta commencera à utiliser vos publications publiques pour entraîner son IA.", []DateRole{RoleStart}},
		{"fr", "Nous commencerons à utiliser vos informations publiques pour entraîner l'IA le 27 mai 2025.", []DateRole{RoleStart}},
		{"fr", "Nous commencerons le 27 mai 2025 à vous informer des changements.", []DateRole{RoleUpcoming}},
		{"en", "We will begin, on 27 May 2025, sending you notices.", []DateRole{RoleUpcoming}},
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "Nous commencerons le DATE à utiliser vos publications publiques pour entraîner l'IA.", SeverityCritical, "AI training starts 26 May 2025 → 27 May 2025."),
	})
}

// A use to come said with a modal is a use to come: "À compter du 27 mai
// 2025, vos informations publiques pourront être utilisées pour entraîner
// l'IA", "From 27 May 2025, we may use your public posts to develop and
// improve AI at Meta". Before, the date read as effective or upcoming,
// and AI training's start was missed.
func TestStartOfAUseToComeWithAModal(t *testing.T) {
	checkRoles(t, []roleRow{
		{"fr", "À compter du 27 mai 2025, vos informations publiques pourront être utilisées pour entraîner l'IA.", []DateRole{RoleStart}},
		{"fr", "À partir du 27 mai 2025, Meta pourra utiliser vos publications publiques pour entraîner ses modèles d'IA.", []DateRole{RoleStart}},
		{"fr", "À partir du 27 mai 2025, nous pourrons utiliser vos informations publiques pour développer l'IA chez Meta.", []DateRole{RoleStart}},
		{"en", "From 27 May 2025, your public information may be used to train AI.", []DateRole{RoleStart}},
		{"en", "From 27 May 2025, we may use your public posts to develop and improve AI at Meta.", []DateRole{RoleStart}},
		// Guards: denied, or the reader's use of a form.
		{"en", "From 27 May 2025, your public posts cannot be used to train AI.", []DateRole{RoleUpcoming}},
		{"en", "From 27 May 2025, your public posts may not be used to train AI.", []DateRole{RoleUpcoming}},
		{"fr", "À partir du 27 mai 2025, vos publications publiques ne pourront pas être utilisées pour entraîner l'IA.", []DateRole{RoleUpcoming}},
		{"en", "From 27 May 2025, you can use the new form to object to the use of your posts.", []DateRole{RoleUpcoming}},
		{"fr", "À partir du 27 mai 2025, vous pourrez utiliser le formulaire pour vous opposer à l'utilisation de vos publications.", []DateRole{RoleUpcoming}},
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "À partir du DATE, Meta pourra utiliser vos publications publiques pour entraîner ses modèles d'IA.", SeverityCritical, "AI training starts 26 May 2025 → 27 May 2025."),
	})
}

// A start said once it has passed ("Depuis le 27 mai 2025, nous utilisons
// vos informations publiques pour entraîner l'IA", "Since 27 May 2025, we
// have used…") is the same start: a policy rewritten in the past tense
// after the day read "AI training starts 27 May 2025 → none", as if the
// use had been dropped.
func TestStartOfAUseSaidOnceItBegan(t *testing.T) {
	checkRoles(t, []roleRow{
		{"fr", "Depuis le 27 mai 2025, nous utilisons vos informations publiques pour entraîner l'IA.", []DateRole{RoleStart}},
		{"fr", "Meta utilise vos publications publiques pour entraîner son IA depuis le 27 mai 2025.", []DateRole{RoleStart}},
		{"fr", "Depuis le 27 mai 2025, vos publications publiques sont utilisées pour entraîner l'IA.", []DateRole{RoleStart}},
		{"en", "Since 27 May 2025, we have used your public information to train AI.", []DateRole{RoleStart}},
		{"en", "Since 27 May 2025, your public posts are used to train AI.", []DateRole{RoleStart}},
		// Guards: a use denied, no use, and the policy's own date.
		{"fr", "Depuis le 27 mai 2025, nous n'utilisons plus vos publications pour entraîner l'IA.", []DateRole{RoleOther}},
		{"en", "Since 27 May 2025, we no longer use your posts to train AI.", []DateRole{RoleOther}},
		{"fr", "Le formulaire d'opposition est disponible depuis le 14 avril 2025.", []DateRole{RoleOther}},
		{"en", "You have been able to object since 14 April 2025.", []DateRole{RoleOther}},
		{"fr", "Cette politique est en vigueur depuis le 27 mai 2025.", []DateRole{RoleEffective}},
		{"fr", "Applicable depuis le 27 mai 2025.", []DateRole{RoleEffective}},
		{"en", "This policy has been in effect since 27 May 2025.", []DateRole{RoleEffective}},
		// The uses to come stay those of start's first cues: "as of" is
		// none of the new ones.
		{"en", "As of 27 May 2025, we process your information as this policy says.", []DateRole{RoleOther}},
	})
	tx := DefaultTaxonomy()
	for _, tt := range []struct{ lang, before, after string }{
		{"fr", "# Politique\nÀ partir du 27 mai 2025, nous utiliserons vos informations publiques pour entraîner l'IA.\n",
			"# Politique\nDepuis le 27 mai 2025, nous utilisons vos informations publiques pour entraîner l'IA.\n"},
		{"en", "# Policy\nFrom 27 May 2025, we will use your public information to train AI.\n",
			"# Policy\nSince 27 May 2025, we have used your public information to train AI.\n"},
	} {
		a := Compare(tx.FactSheet(tt.before, tt.lang, nil), tx.FactSheet(tt.after, tt.lang, nil))
		if len(a.Dates) != 0 || a.Severity != SeverityInfo {
			t.Errorf("%s %q → %q: %s %q, dates %+v; want no date changed", tt.lang, tt.before, tt.after, a.Severity, a.Summary, a.Dates)
		}
	}
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "Depuis le DATE, nous utilisons vos informations publiques pour entraîner l'IA.", SeverityCritical, "AI training starts 26 May 2025 → 27 May 2025."),
	})
}

// A use to come said by the legal basis it will rest on, as Meta's notice
// of May 2025 says it ("From 27 May 2025, we'll rely on the legal basis
// called legitimate interests for using your information to develop and
// improve AI at Meta", "À partir du 27 mai 2025, nous nous appuierons sur
// … pour utiliser vos informations afin de développer … l'IA chez Meta"),
// starts that use: AI training's start read as an upcoming update.
func TestStartOfAUseByItsLegalBasis(t *testing.T) {
	checkRoles(t, []roleRow{
		{"en", "From 27 May 2025, we'll rely on the legal basis called legitimate interests for using your information to develop and improve AI at Meta.", []DateRole{RoleStart}},
		{"en", "From 27 May 2025, we will rely on legitimate interests to process your public posts for AI training.", []DateRole{RoleStart}},
		{"fr", "À partir du 27 mai 2025, nous nous appuierons sur la base légale des intérêts légitimes pour utiliser vos informations afin de développer et d'améliorer l'IA chez Meta.", []DateRole{RoleStart}},
		{"fr", "À partir du 27 mai 2025, nous nous fonderons sur notre intérêt légitime pour traiter vos informations publiques afin d'entraîner nos modèles d'IA.", []DateRole{RoleStart}},
		// Guard: a basis for no use named.
		{"en", "From 27 May 2025, we will rely on legitimate interests, not consent.", []DateRole{RoleUpcoming}},
	})
}

// A statement whose pronoun stands for the use of data to come the
// statement before states gives that use's start: "To build AI at Meta,
// we'll use public information… This starts on 27 May 2025.", "…
// nous utiliserons les informations publiques… Cela commencera le 27 mai
// 2025." read as no date of the use, or an upcoming update.
func TestStartSaidOfTheUseBefore(t *testing.T) {
	const (
		en = "# Privacy Policy\nTo build AI at Meta, we'll use public information, like public posts and comments, from accounts of people aged 18 and over. "
		fr = "# Politique de confidentialité\nPour développer l'IA chez Meta, nous utiliserons les informations publiques, comme les publications et commentaires publics, des comptes des personnes âgées de 18 ans et plus. "
	)
	checkRoles(t, []roleRow{
		{"en", en + "This starts on 27 May 2025.", []DateRole{RoleStart}},
		{"en", en + "This will start on 27 May 2025.", []DateRole{RoleStart}},
		{"fr", fr + "Cela commencera le 27 mai 2025.", []DateRole{RoleStart}},
		{"fr", fr + "Ceci prendra effet le 27 mai 2025.", []DateRole{RoleStart}},
		// Said once it has started.
		{"fr", "# Politique\nNous utilisons les informations publiques, comme les publications publiques, pour développer l'IA chez Meta. Cela a commencé le 27 mai 2025.", []DateRole{RoleStart}},
		{"en", "# Policy\nWe use public information, like public posts, to develop AI at Meta. This started on 27 May 2025.", []DateRole{RoleStart}},
		// Guards: as it was ("utilisation débutera" is start's own cue),
		// an update, a use that stops, another verb, and a statement with
		// data of its own.
		{"fr", "# Politique\nNous utiliserons vos publications publiques pour entraîner l'IA. Cette utilisation débutera le 27 mai 2025.", []DateRole{RoleStart}},
		{"fr", "# Politique\nNous mettrons à jour notre politique. Cela prendra effet le 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"en", "# Privacy Policy\nWe will no longer use your posts to train AI. This starts on 27 May 2025.", []DateRole{RoleOther}},
		{"en", "# Privacy Policy\nWe will use your posts for ads. This ends on 27 May 2025.", []DateRole{RoleOther}},
		{"en", "# Privacy Policy\nWe will use your posts for ads. It applies to posts shared since 1 January 2024.", []DateRole{RoleOther}},
		// What the statement says is its own: the next heading's date
		// was read as a start too (the builder kept the statement's
		// reading for the heading's dates). The lapse row is a guard: a
		// heading's date has no "after" cue for it to meet.
		{"en", en + "This starts on 27 May 2025.\n## Update effective 1 June 2025", []DateRole{RoleStart, RoleEffective}},
		{"en", "# Privacy Policy\nYou can object to the use of your posts for AI. After 26 May 2025, you can no longer object.\n## Update effective 1 June 2025", []DateRole{RoleDeadline, RoleEffective}},
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "Nous utiliserons vos publications publiques pour entraîner l'IA. Cela commencera le DATE.", SeverityCritical, "AI training starts 26 May 2025 → 27 May 2025."),
	})
}

// What starts named with what it is of ("Training of our AI models will
// begin on …", "L'entraînement de l'IA débutera le …"), or by a table's
// label ("Training starts | 27 May 2025", "Début de l'entraînement | 27
// mai 2025"), is a start: these read as an upcoming update, or as no role.
func TestStartNamedWithWhatItIsOf(t *testing.T) {
	const (
		en = "# Policy\nWe use your public posts to train AI.\n"
		fr = "# Politique\nNous utilisons vos publications publiques pour entraîner l'IA.\n"
	)
	checkRoles(t, []roleRow{
		{"en", en + "Training of our AI models will begin on 27 May 2025.", []DateRole{RoleStart}},
		{"fr", fr + "L'entraînement de l'IA débutera le 27 mai 2025.", []DateRole{RoleStart}},
		{"fr", fr + "L'entraînement de nos modèles d'IA commencera le 27 mai 2025.", []DateRole{RoleStart}},
		{"fr", fr + "L'utilisation de vos données publiques débutera le 27 mai 2025.", []DateRole{RoleStart}},
		{"en", en + "| Step | Date |\n|---|---|\n| Objection deadline | 26 May 2025 |\n| Training starts | 27 May 2025 |", []DateRole{RoleDeadline, RoleStart}},
		{"fr", fr + "| Étape | Date |\n|---|---|\n| Date limite d'opposition | 26 mai 2025 |\n| Début de l'entraînement | 27 mai 2025 |", []DateRole{RoleDeadline, RoleStart}},
		// Guards: as it was, and what starts that is no use.
		{"en", en + "AI training will begin on 27 May 2025.", []DateRole{RoleStart}},
		{"fr", fr + "L'entraînement commencera le 27 mai 2025.", []DateRole{RoleStart}},
		{"en", en + "If you use our products, the new terms will start to apply on 27 May 2025.", []DateRole{RoleUpcoming}},
		{"fr", fr + "La nouvelle version de nos conditions débutera le 27 mai 2025.", []DateRole{RoleUpcoming}},
	})
}

// A use of data to come said as a plan ("We're planning to use your
// public posts … to train AI from 27 May 2025", "Meta prévoit d'utiliser
// vos publications publiques … à partir du 27 mai 2025") starts that use:
// the date read as an upcoming update. A plan denied ("We do not plan to
// use…", "Nous ne prévoyons pas de…", "Meta ne prévoit pas d'utiliser…")
// starts nothing: the negation must reach past "plan to" to the verb it
// denies, or the denied plan reads as a start.
func TestStartOfAPlannedUse(t *testing.T) {
	checkRoles(t, []roleRow{
		{"en", "We're planning to use your public posts and comments to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "We are planning to use your public posts to train AI at Meta from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "We plan to use your public posts to train our AI models from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "Meta plans to use public posts and comments to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "We intend to use your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "From 27 May 2025, we plan to use your public posts to train AI.", []DateRole{RoleStart}},
		{"fr", "Meta prévoit d'utiliser vos publications publiques pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleStart}},
		{"fr", "Nous prévoyons d'utiliser vos publications et commentaires publics pour entraîner nos modèles d'IA à partir du 27 mai 2025.", []DateRole{RoleStart}},
		{"fr", "À partir du 27 mai 2025, Meta prévoit d'utiliser vos publications publiques pour entraîner l'IA.", []DateRole{RoleStart}},
		// Guards: a plan denied stays what it was, an upcoming date.
		{"en", "We do not plan to use your private messages to train AI from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"en", "We don't plan to use your private messages to train AI from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"en", "We're not planning to use your private messages to train AI from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"en", "We are not planning to use your private messages to train AI from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"en", "We have no plans to use your private messages to train AI from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"en", "Meta does not intend to use your private messages to train AI from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Nous ne prévoyons pas d'utiliser vos messages privés pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Nous ne prévoyons pas de traiter vos messages privés pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Meta ne prévoit pas d'utiliser vos messages privés pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Meta n'a pas prévu d'utiliser vos messages privés pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleUpcoming}},
		// Guards: the reader's plan, a plan of no use, and a plan that
		// stops a use.
		{"en", "If you plan to share your posts from 27 May 2025, you can object.", []DateRole{RoleUpcoming}},
		{"en", "We plan to update this policy from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"en", "We plan to stop using your public posts to train AI from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Nous prévoyons de mettre à jour cette politique à partir du 27 mai 2025.", []DateRole{RoleUpcoming}},
	})
	checkDateMoves(t, reportBase, []dateMove{
		dayMoved("en", "We're planning to use your public posts to train AI from DATE.", SeverityCritical, "AI training starts 26 May 2025 → 27 May 2025."),
		dayMoved("en", "We do not plan to use your private messages to train AI from DATE.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "Meta prévoit d'utiliser vos publications publiques pour entraîner l'IA à partir du DATE.", SeverityCritical, "AI training starts 26 May 2025 → 27 May 2025."),
		dayMoved("fr", "Meta ne prévoit pas d'utiliser vos messages privés pour entraîner l'IA à partir du DATE.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
	})
}

// A plan to start a use ("We plan to start using your public posts … from
// 27 May 2025", "Meta plans to begin using…", "Meta prévoit de commencer à
// utiliser…") starts that use, as the plan to use does: the date read as
// an upcoming update, since "start" stood between the plan and its verb.
// Denied, it starts nothing, and denies the use: the negation reaches
// past "start", "begin" and "commencer à" to the verb, or "We do not plan
// to start using your private messages…" read as AI training on them.
func TestStartOfAPlannedStart(t *testing.T) {
	checkRoles(t, []roleRow{
		{"en", "We plan to start using your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "We're planning to start using your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "Meta plans to begin using public posts and comments to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "We intend to begin using your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "We plan to start to use your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "Meta plans to start training AI on public posts from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "Unless you object, we plan to begin using your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"fr", "Meta prévoit de commencer à utiliser vos publications publiques pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleStart}},
		{"fr", "Nous prévoyons de commencer à utiliser vos publications publiques pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleStart}},
		// Guards: the plain plan as it was, a start of no use, a plan
		// that stops a use, and a plan to start denied.
		{"en", "We plan to use your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "We plan to start sending you notices from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Nous prévoyons de commencer à vous envoyer des avis à partir du 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"en", "We plan to stop using your public posts to train AI from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"en", "We do not plan to start using your private messages to train AI from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"en", "We don't plan to begin using your private messages to train AI from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Meta ne prévoit pas de commencer à utiliser vos messages privés pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleUpcoming}},
		// A negation of something else before the plan.
		{"en", "We do not plan to start charging for our services, and we plan to start using your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
	})
	checkDateMoves(t, reportBase, []dateMove{
		dayMoved("en", "We plan to start using your public posts to train AI from DATE.", SeverityCritical, "AI training starts 26 May 2025 → 27 May 2025."),
		dayMoved("en", "We do not plan to start using your private messages to train AI from DATE.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "Meta prévoit de commencer à utiliser vos publications publiques pour entraîner l'IA à partir du DATE.", SeverityCritical, "AI training starts 26 May 2025 → 27 May 2025."),
	})
}

// A use of data to come said as an intention ("Nous avons l'intention
// d'utiliser vos publications publiques … à partir du 27 mai 2025", "We
// have the intention of using … from 27 May 2025", "It is our intention to
// use … from …") starts that use, as the plan does ("We plan to use…",
// "Meta prévoit d'utiliser…"): the date read as an upcoming update. The
// intention denied (TestDeniedIntentions), the reader's, or of no use,
// starts nothing.
func TestStartOfAnIntendedUse(t *testing.T) {
	checkRoles(t, []roleRow{
		{"fr", "Nous avons l'intention d'utiliser vos publications publiques pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleStart}},
		{"fr", "Meta a l'intention d'utiliser vos publications publiques pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleStart}},
		{"fr", "Nous avons l'intention de commencer à utiliser vos publications publiques pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleStart}},
		{"fr", "C'est notre intention d'utiliser vos publications publiques pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleStart}},
		{"fr", "Notre intention est d'utiliser vos publications publiques pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleStart}},
		{"en", "We have the intention of using your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "We have every intention of using your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "Meta has the intention of starting to use your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "It is our intention to use your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "It's our intention to use your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "Our intention is to use your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"en", "From 27 May 2025, it is our intention to use your public posts to train AI.", []DateRole{RoleStart}},
		// Guards: the plans as they were; an intention denied, the
		// reader's, of no use, or to stop a use.
		{"en", "We plan to use your public posts to train AI from 27 May 2025.", []DateRole{RoleStart}},
		{"fr", "Meta prévoit d'utiliser vos publications publiques pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleStart}},
		{"en", "We have no intention of using your private messages to train AI from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"en", "It is not our intention to use your private messages to train AI from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Nous n'avons pas l'intention d'utiliser vos messages privés pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Ce n'est pas notre intention d'utiliser vos messages privés pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Nous n'avons aucune intention d'utiliser vos messages privés pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"en", "If you have the intention of sharing your posts from 27 May 2025, you can object.", []DateRole{RoleUpcoming}},
		{"fr", "Si vous avez l'intention de partager vos publications à partir du 27 mai 2025, vous pouvez vous opposer.", []DateRole{RoleUpcoming}},
		{"en", "We have the intention of updating this policy from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Nous avons l'intention de mettre à jour cette politique à partir du 27 mai 2025.", []DateRole{RoleUpcoming}},
		{"en", "We have the intention of stopping using your public posts to train AI from 27 May 2025.", []DateRole{RoleUpcoming}},
		{"fr", "Nous avons l'intention d'arrêter d'utiliser vos publications publiques pour entraîner l'IA à partir du 27 mai 2025.", []DateRole{RoleUpcoming}},
	})
	checkDateMoves(t, reportBase, []dateMove{
		dayMoved("en", "It is our intention to use your public posts to train AI from DATE.", SeverityCritical, "AI training starts 26 May 2025 → 27 May 2025."),
		dayMoved("en", "We have no intention of using your private messages to train AI from DATE.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "Nous avons l'intention d'utiliser vos publications publiques pour entraîner l'IA à partir du DATE.", SeverityCritical, "AI training starts 26 May 2025 → 27 May 2025."),
		dayMoved("fr", "Nous n'avons pas l'intention d'utiliser vos messages privés pour entraîner l'IA à partir du DATE.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
	})
}
