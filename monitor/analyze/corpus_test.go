package analyze_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/internal/corpustest"
	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/monitor/extract"
)

// The Facebook history is an archive of Markdown rendered to HTML, the
// policy inside <div id="policy">.
const facebookURL = "https://mbasic.facebook.com/privacy/policy/printable/"

// version is one distinct text of the history, as the monitor would store
// it.
type version struct {
	seq   string
	label string
	sheet *analyze.FactSheet
	text  string
	links []analyze.Link
}

// readVersion extracts one step's readable text and links.
func readVersion(tb testing.TB, s corpustest.Step) version {
	tb.Helper()
	html, err := s.Read()
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := extract.Extract(html, facebookURL, extract.Rules{Select: []string{"#policy"}})
	if err != nil {
		tb.Fatalf("extract %04d: %v", s.Seq, err)
	}
	return version{seq: fmt.Sprintf("%04d", s.Seq), label: s.Label, text: doc.Text, links: linksOf(doc)}
}

// linksOf returns a document's links as the analysis takes them.
func linksOf(doc *extract.Document) []analyze.Link {
	links := make([]analyze.Link, len(doc.Links()))
	for i, l := range doc.Links() {
		links[i] = analyze.Link(l)
	}
	return links
}

// readHistory returns the first version and every change (new text or
// revert) of the Facebook history, with fact sheets.
func readHistory(tb testing.TB, tx *analyze.Taxonomy) []version {
	tb.Helper()
	h := corpustest.Open(tb, corpustest.Facebook)
	var out []version
	for _, s := range h.Steps {
		switch s.Label {
		case "first", "new", "revert":
			v := readVersion(tb, s)
			v.sheet = tx.FactSheet(v.text, "en", v.links)
			out = append(out, v)
		}
	}
	return out
}

func stepPair(tb testing.TB, before, after int) (version, version) {
	tb.Helper()
	h := corpustest.Open(tb, corpustest.Facebook)
	var a, b version
	for _, s := range h.Steps {
		switch s.Seq {
		case before:
			a = readVersion(tb, s)
		case after:
			b = readVersion(tb, s)
		}
	}
	if a.seq == "" || b.seq == "" {
		tb.Fatalf("steps %d and %d not in the history", before, after)
	}
	return a, b
}

// The step of 2025-05-28: Meta's plan to train AI on public content and AI
// interactions takes effect: a new purpose, critical. (The policy said
// from 2023 that "your videos can help train our products…", which the
// taxonomy does not read as AI training: see taxonomy.yaml.)
func TestFacebookAITrainingStep(t *testing.T) {
	tx := analyze.DefaultTaxonomy()
	before, after := stepPair(t, 472, 473)
	a := analyze.Compare(tx.FactSheet(before.text, "en", before.links), tx.FactSheet(after.text, "en", after.links))

	wantDate := analyze.DateChange{Role: analyze.RoleEffective, Old: "2025-04-07", New: "2025-05-27", Quote: "Effective May 27, 2025"}
	if !slices.Contains(a.Dates, wantDate) {
		t.Errorf("dates %+v, want %+v among them", a.Dates, wantDate)
	}
	if !slices.Contains(a.PurposesAdded, "ai_training") {
		t.Errorf("purposes added %v, want ai_training", a.PurposesAdded)
	}
	added := func(id, prefix string) bool {
		return slices.ContainsFunc(a.Statements, func(s analyze.StatementChange) bool {
			return s.Change == analyze.Added && slices.Contains(s.IDs, id) && strings.HasPrefix(s.Quote, prefix)
		})
	}
	if !added("ai_interactions", "Interactions with Meta's artificial intelligence technology") {
		t.Errorf("no added ai_interactions statement quoting “Interactions with Meta's artificial intelligence technology…”; statements: %+v", a.Statements)
	}
	if !added("ai_training", "Develop and improve artificial intelligence technology (also called AI at Meta)") {
		t.Errorf("no added ai_training statement quoting “Develop and improve artificial intelligence technology (also called AI at Meta)…”; statements: %+v", a.Statements)
	}
	if a.Severity != analyze.SeverityCritical {
		t.Errorf("severity %s, want critical", a.Severity)
	}
	// Which data AI training uses: adults' public content, and (a row
	// "for all people, including those under the age of majority")
	// minors' AI interactions.
	for _, u := range []analyze.UseChange{
		{Purpose: "ai_training", Category: "public_content"},
		{Purpose: "ai_training", Category: "ai_interactions", Minors: true},
	} {
		if !hasUse(a.UsesAdded, u) {
			t.Errorf("uses added %+v, want %s of %s (minors %v) among them", a.UsesAdded, u.Purpose, u.Category, u.Minors)
		}
	}
	if !strings.Contains(a.Summary, "AI training uses: ") {
		t.Errorf("summary %q does not say what AI training uses", a.Summary)
	}
	// Minors' part of the step is named, not counted among "2 more".
	if !strings.Contains(a.Summary, "AI interactions (minors')") {
		t.Errorf("summary %q does not name minors' AI interactions", a.Summary)
	}
	t.Logf("summary: %s", a.Summary)
}

// hasUse reports whether changes hold u's purpose, category and audience.
func hasUse(changes []analyze.UseChange, u analyze.UseChange) bool {
	return slices.ContainsFunc(changes, func(c analyze.UseChange) bool {
		return c.Purpose == u.Purpose && c.Category == u.Category && c.Minors == u.Minors
	})
}

// minorsPublicContent is the line Meta put under "Developing and improving
// AI at Meta" "for all registered users, including those under the age of
// majority" on 16 December 2025 and took out on 25 February 2026.
const minorsPublicContent = "Public content you or others create or share, like posts, comments or audio on Meta Products"

// checkMinorsAITraining checks the analysis of the step that adds (added)
// or removes that line: AI training on minors' public content, posts,
// comments and audio, quoted; critical when it comes, notable when it goes.
func checkMinorsAITraining(t *testing.T, step string, a *analyze.Analysis, added bool) {
	t.Helper()
	changes, other, severity, verb := a.UsesAdded, a.UsesRemoved, analyze.SeverityCritical, "now also uses"
	if !added {
		changes, other, severity, verb = a.UsesRemoved, a.UsesAdded, analyze.SeverityNotable, "no longer uses"
	}
	for _, c := range []string{"public_content", "posts", "comments", "audio"} {
		if !hasUse(changes, analyze.UseChange{Purpose: "ai_training", Category: c, Minors: true}) {
			t.Errorf("%s: uses %+v, want AI training on minors' %s", step, changes, c)
		}
	}
	for _, c := range changes {
		if c.Purpose == "ai_training" && c.Minors && c.Quote != minorsPublicContent {
			t.Errorf("%s: %s quoted %q, want %q", step, c.Category, c.Quote, minorsPublicContent)
		}
	}
	if slices.ContainsFunc(other, func(c analyze.UseChange) bool { return c.Purpose == "ai_training" }) {
		t.Errorf("%s: AI training uses changed the other way too: %+v", step, other)
	}
	if a.Severity != severity || !strings.HasPrefix(a.Summary, "AI training "+verb+" minors' data: ") || !strings.Contains(a.Summary, "Public content") {
		t.Errorf("%s: %s %q\nwant %s, beginning “AI training %s minors' data: ”, naming Public content", step, a.Severity, a.Summary, severity, verb)
	}
}

// TestFacebookAITrainingForMinors: the Facebook archive of the same two
// changes (its policy restructured into the printable page's shape on 17
// December 2025).
func TestFacebookAITrainingForMinors(t *testing.T) {
	tx := analyze.DefaultTaxonomy()
	for _, step := range []struct {
		before, after int
		added         bool
	}{{486, 487, true}, {488, 489, false}} {
		before, after := stepPair(t, step.before, step.after)
		a := analyze.Compare(tx.FactSheet(before.text, "en", before.links), tx.FactSheet(after.text, "en", after.links))
		checkMinorsAITraining(t, after.seq, a, step.added)
		t.Logf("%s: %s", after.seq, a.Summary)
	}
}

// TestFacebookHistory replays the 39 changes of the history. The table is
// the result of reading each diff: which changes move the "Effective …"
// line, and which change only wording.
func TestFacebookHistory(t *testing.T) {
	type want struct {
		severity analyze.Severity
		effOld   string // effective date change, "" "" for none
		effNew   string
		wording  bool // the diff only rewords or re-marks text: must be info
		why      string
	}
	const (
		info     = analyze.SeverityInfo
		notable  = analyze.SeverityNotable
		critical = analyze.SeverityCritical
	)
	table := map[string]want{
		"0001": {critical, "", "2022-07-26", false, "the Data Policy (\"Date of Last Revision\") becomes the Privacy Policy: audio, minors, withdrawal of consent appear; its legal-basis tables bind 68 uses (the summary names 4 and counts the rest)"},
		"0003": {info, "", "", true, "link targets in the text"},
		"0033": {info, "", "", true, "Markdown link syntax, footnote calls"},
		"0059": {info, "", "", true, "Markdown link syntax"},
		"0073": {info, "", "", true, "\"Supplemental Oculus Terms\" renamed (in a sentence that \"by being the age of majority or above\" no longer makes one about minors: \"Wording only.\", was \"1 statement added, 1 removed\")"},
		"0074": {notable, "2022-07-26", "2023-01-01", false, "effective date; the notes come, with \"we can use the IP address … to estimate Marcus' current location and show him ads\": a use added, notable"},
		"0075": {notable, "", "", false, "the notes left out, and with them the example \"we can use the IP address … to estimate Marcus' current location … ads\": a use removed (was info)"},
		"0078": {notable, "2023-01-01", "2023-04-05", false, "effective date; objection form moved; new rows of consent for ads list their data: advertising uses posts, comments, audio, location, purchases (notable)"},
		"0079": {info, "", "", false, "tables left out (157 statements: \"followers\" is now read as contacts)"},
		"0080": {info, "", "", false, "tables back: no use is in the notes alone"},
		"0081": {critical, "2023-04-05", "2023-06-15", false, "effective date; \"Location-related information\" added to the data of ads measurement, research, safety and legal requests, minors' included (was notable)"},
		"0082": {info, "", "", true, "headings rendered as numbers"},
		"0083": {info, "", "", true, "\"Boomerang and Threads\""},
		"0084": {notable, "2023-06-15", "2023-09-07", false, "effective date"},
		"0093": {info, "", "", false, "data-transfer notice removed"},
		"0094": {notable, "2023-09-07", "2024-01-12", false, "effective date; \"Your profile information\" dropped from the data ads use, and the row on a business's list of customers for minors' ads: uses removed"},
		"0095": {notable, "2024-01-12", "2023-11-03", false, "effective date goes back"},
		"0106": {info, "", "", true, "headings and numbers again"},
		"0107": {info, "", "", true, "revert: headings and numbers"},
		"0108": {info, "", "", true, "revert: headings and numbers"},
		"0109": {critical, "2023-11-03", "2024-06-26", false, "\"Provide and curate artificial intelligence technology\": AI features"},
		"0110": {info, "", "", false, "tables left out (174 statements: \"followers\")"},
		"0111": {info, "", "", true, "\"Play Video\" captions"},
		"0153": {info, "", "", true, "revert: \"Play Video\""},
		"0154": {critical, "2024-06-26", "2024-11-14", false, "AI integrations (messages sent to AIs), facial recognition; a photo or video selfie added to the data of safety and legal requests"},
		"0351": {info, "", "", true, "link labels \"Privacy Center\", \"Help Center\""},
		"0439": {notable, "2024-11-14", "2025-04-07", false, "effective date"},
		"0472": {info, "", "", true, "\"Play Video\" captions"},
		"0473": {critical, "2025-04-07", "2025-05-27", false, "AI training on public content and AI interactions, which the summary now names"},
		"0474": {critical, "2025-05-27", "2025-06-16", false, "effective date; a new row \"To provide, develop and improve artificial intelligence technology…\" for adults and devices: AI training on AI interactions; AI interactions added to the data of research, safety, legal requests (was notable)"},
		"0475": {info, "", "", false, "tables back (176 statements: \"followers\")"},
		"0480": {info, "", "", true, "\"Play Video\" captions"},
		"0482": {info, "", "", true, "face analysis sentence reworded"},
		"0486": {info, "", "", true, "revert: face analysis wording"},
		"0487": {critical, "2025-06-16", "2025-12-16", false, "effective date; page restructured; AI training extended to minors' public content (was notable); 3 more uses the restructured table binds that its rows did not (sharing at your request: posts, comments, profile)"},
		"0488": {info, "", "", false, "tables back (174 statements: \"followers\")"},
		"0489": {notable, "", "", false, "minors' public content taken out of AI training (\"a repeated list item dropped\": it repeated the adults' row's; was info)"},
		"0490": {critical, "2025-12-16", "2026-07-23", false, "effective date; objection form moved to a help page; tables left out; a friends' list shared with third parties at your request, minors' included; Meta AI's example uses location and profile (was notable)"},
		"0491": {info, "", "", false, "tables back (173 statements: \"followers\")"},
	}
	// The objection form "right to object to" moved three times; no other
	// step moves a form.
	const (
		form2022 = "https://www.facebook.com/help/contact/1638046109617856"
		form2023 = "https://www.facebook.com/help/contact/367438723733209"
	)
	moves := map[string][]analyze.FormMove{
		"0001": {{Text: "right to object to", Old: "https://www.facebook.com/help/contact/1994830130782319", New: form2022}},
		"0078": {{Text: "right to object to", Old: form2022, New: form2023}},
		"0490": {{Text: "right to object to", Old: form2023, New: "https://help.meta.com/support/privacy/"}},
	}
	// The steps that change which data a purpose uses, with how many uses
	// they add and remove (see the table's reasons); no other step changes
	// any. Steps of notes left out and put back (0079/0080, 0110,
	// 0475, 0488, 0491) change none.
	uses := map[string][2]int{
		"0001": {68, 2}, // the Privacy Policy and its legal-basis tables replace the Data Policy
		"0074": {1, 0},  // the notes come: an example of location used for ads
		"0075": {0, 1},
		"0078": {5, 0}, // a row of consent "Personalising ads on the Meta Products" lists its data
		"0081": {6, 0},
		"0094": {0, 3}, // "Your profile information" no longer among the data ads use
		"0154": {6, 0}, // photos and videos added to the data of safety and legal requests
		"0473": {6, 0}, // AI training: adults' public content, minors' AI interactions
		"0474": {19, 0},
		"0487": {7, 0},
		"0489": {0, 4},
		"0490": {3, 0},
	}
	tx := analyze.DefaultTaxonomy()
	history := readHistory(t, tx)
	if got := len(history) - 1; got != len(table) {
		t.Errorf("%d changes in the history, %d in the table", got, len(table))
	}
	for _, v := range history {
		if v.sheet.Truncated {
			t.Errorf("%s: sheet truncated", v.seq)
		}
	}
	effectiveChanges := 0
	for i := 1; i < len(history); i++ {
		prev, v := history[i-1], history[i]
		w, ok := table[v.seq]
		if !ok {
			t.Errorf("%s (%s): not in the table", v.seq, v.label)
			continue
		}
		a := analyze.Compare(prev.sheet, v.sheet)
		if a.Severity != w.severity {
			t.Errorf("%s (%s): severity %s, want %s\n  summary: %s", v.seq, w.why, a.Severity, w.severity, a.Summary)
		}
		if w.wording && a.Severity != info {
			t.Errorf("%s: a wording-only change rated %s", v.seq, a.Severity)
		}
		if got := [2]int{len(a.UsesAdded), len(a.UsesRemoved)}; got != uses[v.seq] {
			t.Errorf("%s: %d uses added, %d removed; want %v\n  summary: %s", v.seq, got[0], got[1], uses[v.seq], a.Summary)
		}
		if !slices.Equal(a.FormsMoved, moves[v.seq]) {
			t.Errorf("%s: forms moved %+v, want %+v", v.seq, a.FormsMoved, moves[v.seq])
		}
		var eff []analyze.DateChange
		for _, d := range a.Dates {
			if d.Role == analyze.RoleEffective {
				eff = append(eff, d)
			}
		}
		switch {
		case w.effNew == "" && len(eff) > 0:
			t.Errorf("%s: effective date change claimed: %+v", v.seq, eff)
		case w.effNew != "" && (len(eff) != 1 || eff[0].Old != w.effOld || eff[0].New != w.effNew):
			t.Errorf("%s: effective changes %+v, want %q → %q", v.seq, eff, w.effOld, w.effNew)
		case w.effNew != "" && w.effOld != "":
			effectiveChanges++
		}
	}
	if effectiveChanges != 13 {
		t.Errorf("%d changes of an effective date to another, want 13", effectiveChanges)
	}
}

// TestPrintableHistory replays the raw pages the daemon fetches
// (mbasic's printable policy, rotating class names and tokens) through the
// extraction rules of the built-in watch: four text changes.
func TestPrintableHistory(t *testing.T) {
	h := corpustest.Open(t, corpustest.Printable)
	rules := extract.Rules{Select: []string{"#root"}, Remove: []string{"img", "svg"}}
	want := map[int]struct {
		severity analyze.Severity
		dates    []analyze.DateChange // quotes not compared
	}{
		9: {analyze.SeverityInfo, nil}, // "account photos" → "profile photo"
		// The table restructured, and AI training extended to minors'
		// public content: critical (it was notable, for the dates).
		53: {analyze.SeverityCritical, []analyze.DateChange{{Role: analyze.RoleEffective, Old: "2025-06-16", New: "2025-12-16"}, {Role: analyze.RoleUpdated, New: "2025-12-16"}}},
		// The "We updated our Privacy Policy on…" notice goes, the effective
		// date stays: info.
		111: {analyze.SeverityInfo, []analyze.DateChange{{Role: analyze.RoleUpdated, Old: "2025-12-16"}}},
		// Minors' public content taken out of AI training: notable (it
		// was info, one statement removed).
		194: {analyze.SeverityNotable, nil},
	}
	tx := analyze.DefaultTaxonomy()
	var prev *analyze.FactSheet
	seen := 0
	for _, s := range h.Steps {
		if s.Label != "first" && s.Label != "new" && s.Label != "revert" {
			continue
		}
		html, err := s.Read()
		if err != nil {
			t.Fatal(err)
		}
		doc, err := extract.Extract(html, facebookURL, rules)
		if err != nil {
			t.Fatalf("%04d: %v", s.Seq, err)
		}
		sheet := tx.FactSheet(doc.Text, doc.Lang, linksOf(doc))
		if prev != nil {
			seen++
			a := analyze.Compare(prev, sheet)
			w, ok := want[s.Seq]
			if !ok {
				t.Errorf("%04d: a change not in the table: %s", s.Seq, a.Summary)
			}
			var dates []analyze.DateChange
			for _, d := range a.Dates {
				d.Quote = ""
				dates = append(dates, d)
			}
			if a.Severity != w.severity || !slices.Equal(dates, w.dates) {
				t.Errorf("%04d: %s %+v, want %s %+v (%s)", s.Seq, a.Severity, dates, w.severity, w.dates, a.Summary)
			}
			if len(a.FormsMoved) > 0 {
				t.Errorf("%04d: forms moved %+v, want none", s.Seq, a.FormsMoved)
			}
			switch s.Seq {
			case 53, 194:
				checkMinorsAITraining(t, fmt.Sprintf("%04d", s.Seq), a, s.Seq == 53)
			default:
				if len(a.UsesAdded)+len(a.UsesRemoved) > 0 {
					t.Errorf("%04d: uses added %+v, removed %+v; want none", s.Seq, a.UsesAdded, a.UsesRemoved)
				}
			}
			t.Logf("%04d: %s %s", s.Seq, a.Severity, a.Summary)
		}
		prev = sheet
	}
	if seen != len(want) {
		t.Errorf("%d changes, want %d", seen, len(want))
	}
}

// TestCorpusSameStepsChangeNothing compares every capture whose text is
// the version's ("same" in the corpus), with its own links, to the
// version: link tokens, redirections and class names churn there, and
// none of it may read as a change — above all no objection form moved.
func TestCorpusSameStepsChangeNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts every capture; run without -short")
	}
	tx := analyze.DefaultTaxonomy()
	for _, c := range []struct {
		name  string
		rules extract.Rules
	}{
		{corpustest.Facebook, extract.Rules{Select: []string{"#policy"}}},
		{corpustest.Printable, extract.Rules{Select: []string{"#root"}, Remove: []string{"img", "svg"}}},
	} {
		h := corpustest.Open(t, c.name)
		var current *analyze.FactSheet
		same := 0
		for _, s := range h.Steps {
			switch s.Label {
			case "first", "new", "revert", "same":
			default:
				continue
			}
			html, err := s.Read()
			if err != nil {
				t.Fatal(err)
			}
			doc, err := extract.Extract(html, facebookURL, c.rules)
			if err != nil {
				t.Fatalf("%s %04d: %v", c.name, s.Seq, err)
			}
			sheet := tx.FactSheet(doc.Text, "en", linksOf(doc))
			if s.Label != "same" {
				current = sheet
				continue
			}
			same++
			if a := analyze.Compare(current, sheet); a.Severity != analyze.SeverityInfo || a.Summary != "Wording only." || len(a.FormsMoved) > 0 {
				t.Errorf("%s %04d (same): %s %q, forms moved %+v", c.name, s.Seq, a.Severity, a.Summary, a.FormsMoved)
			}
		}
		t.Logf("%s: %d captures of the same text compared", c.name, same)
	}
}

// BenchmarkFactSheetAndCompare reads one full Facebook version and compares
// it with the one before, as the monitor does for each change. Extraction
// is outside the loop.
func BenchmarkFactSheetAndCompare(b *testing.B) {
	for _, pair := range [][2]int{{472, 473}, {490, 491}} {
		before, after := stepPair(b, pair[0], pair[1])
		b.Run(fmt.Sprintf("%04d_%dKB", pair[1], len(after.text)>>10), func(b *testing.B) {
			tx := analyze.DefaultTaxonomy()
			beforeSheet := tx.FactSheet(before.text, "en", before.links)
			b.SetBytes(int64(len(after.text)))
			b.ReportAllocs()
			for b.Loop() {
				analyze.Compare(beforeSheet, tx.FactSheet(after.text, "en", after.links))
			}
		})
	}
}

func BenchmarkDefaultTaxonomy(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		analyze.DefaultTaxonomy()
	}
}
