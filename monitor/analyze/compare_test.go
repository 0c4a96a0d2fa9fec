package analyze

import (
	"cmp"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// basePolicy is a small policy in monitor/extract's text format.
const basePolicy = `# Example Privacy Policy
Effective April 7, 2025
## What we collect
We collect the following information:
- Posts, comments and audio
- Photos and videos
## How we use it
We use your information to personalise your feed and to show you ads.
## Your rights
You have the right to object: use the objection form.
You can delete your account at any time.`

var baseLinks = []Link{{Text: "objection form", Href: "https://example.com/forms/object?token=1"}}

func TestCompare(t *testing.T) {
	tests := []struct {
		name   string
		before string   // the old text; "": basePolicy
		after  string   // the new text
		lang   string   // "": en
		links  []Link   // the new links; nil: baseLinks
		want   Analysis // all but Statements, which added and gone check
		added  []string // quotes of added statements
		gone   []string // quotes of removed statements
	}{
		{
			name:  "same text",
			after: basePolicy,
			want:  Analysis{Severity: SeverityInfo, Summary: "Wording only."},
		},
		{
			name: "punctuation, case and spacing",
			after: strings.NewReplacer("- Posts, comments and audio", "- posts,  comments and audio.",
				"- Photos and videos", "- Photos and Videos.", "to show you ads.", "to show you ads").Replace(basePolicy),
			want: Analysis{Severity: SeverityInfo, Summary: "Wording only."},
		},
		{
			name: "section moved unchanged",
			after: `# Example Privacy Policy
Effective April 7, 2025
## Your rights
You have the right to object: use the objection form.
You can delete your account at any time.
## What we collect
We collect the following information:
- Posts, comments and audio
- Photos and videos
## How we use it
We use your information to personalise your feed and to show you ads.`,
			want: Analysis{Severity: SeverityInfo, Summary: "Wording only."},
		},
		{
			name: "list reflowed into a sentence",
			after: strings.Replace(basePolicy, "We collect the following information:\n- Posts, comments and audio\n- Photos and videos",
				"We collect the following information: posts, comments and audio, photos and videos.", 1),
			want: Analysis{Severity: SeverityInfo,
				Summary: "No change to categories, purposes, rights or dates; 1 statement added, 2 removed."},
			added: []string{"We collect the following information: posts, comments and audio, photos and videos."},
			gone:  []string{"Posts, comments and audio", "Photos and videos"},
		},
		{
			name: "category and AI training added, effective date moved",
			after: strings.NewReplacer("Effective April 7, 2025", "Effective May 27, 2025",
				"- Photos and videos", "- Photos and videos\n- Interactions with our artificial intelligence\n- We use them to develop and improve artificial intelligence").Replace(basePolicy),
			want: Analysis{ScopeAdded: []string{"ai_interactions"}, PurposesAdded: []string{"ai_training"},
				Dates:    []DateChange{{Role: RoleEffective, Old: "2025-04-07", New: "2025-05-27", Quote: "Effective May 27, 2025"}},
				Severity: SeverityCritical,
				Summary:  "Purpose added: AI training. Collected: + AI interactions. Effective date 7 Apr 2025 → 27 May 2025."},
			added: []string{"Interactions with our artificial intelligence", "We use them to develop and improve artificial intelligence"},
		},
		{
			name:  "category removed",
			after: strings.Replace(basePolicy, "- Photos and videos\n", "", 1),
			want: Analysis{ScopeRemoved: []string{"photos", "videos"}, Severity: SeverityNotable,
				Summary: "Collected: − Photos, − Videos."},
			gone: []string{"Photos and videos"},
		},
		{
			name:  "deadline appears",
			after: strings.Replace(basePolicy, "use the objection form.", "use the objection form before June 26, 2024.", 1),
			want: Analysis{Dates: []DateChange{{Role: RoleDeadline, New: "2024-06-26", Quote: "You have the right to object: use the objection form before June 26, 2024."}},
				Severity: SeverityCritical, Summary: "Deadline none → 26 Jun 2024."},
			added: []string{"You have the right to object: use the objection form before June 26, 2024."},
			gone:  []string{"You have the right to object: use the objection form."},
		},
		{
			name:  "objection form gone, right kept",
			after: strings.Replace(basePolicy, "use the objection form.", "write to us.", 1),
			links: []Link{},
			want: Analysis{Severity: SeverityCritical,
				Summary: `Objection form gone: "objection form".`},
			added: []string{"You have the right to object: write to us."},
			gone:  []string{"You have the right to object: use the objection form."},
		},
		{
			name:  "objection form moved to a new token",
			after: basePolicy,
			links: []Link{{Text: "objection form", Href: "https://example.com/forms/object?token=2"}},
			want:  Analysis{Severity: SeverityInfo, Summary: "Wording only."},
		},
		{
			// A video's "Play Video" button is a link alone on its line: a
			// label of the page, not a statement about videos.
			name:  "a video's play button added",
			after: strings.Replace(basePolicy, "## How we use it\n", "## How we use it\nPlay Video\n", 1),
			links: append(slices.Clone(baseLinks), Link{Text: "Play Video", Href: "https://www.facebook.com/video_redirect/?id=1078484169415755"}),
			want:  Analysis{Severity: SeverityInfo, Summary: "Wording only."},
		},
		{
			name:  "right to object removed",
			after: strings.Replace(basePolicy, "You have the right to object: use the objection form.\n", "", 1),
			want: Analysis{RightsRemoved: []string{"object"}, Severity: SeverityCritical,
				Summary: `Rights: − Right to object. Objection form gone: "objection form".`},
			gone: []string{"You have the right to object: use the objection form."},
		},
		{
			name:  "purpose removed",
			after: strings.Replace(basePolicy, " and to show you ads", "", 1),
			want: Analysis{PurposesRemoved: []string{"advertising"}, Severity: SeverityNotable,
				Summary: "Purpose removed: Advertising."},
			added: []string{"We use your information to personalise your feed."},
			gone:  []string{"We use your information to personalise your feed and to show you ads."},
		},
		// A purpose counts where its context names data, and the context
		// may change around a sentence that does not: the sentence is then
		// no new statement, nor its purpose a new one (evidence was an
		// unchanged sentence, quoted as added).
		{
			name:   "purpose tied by a sentence put before an unchanged one",
			before: contextPolicy,
			after:  strings.Replace(contextPolicy, "We share", "We use your messages to train AI models. We share", 1),
			want: Analysis{ScopeAdded: []string{"messages", "ai_interactions"}, PurposesAdded: []string{"ai_training"},
				UsesAdded: messageUses(enTrain, "How we use information"),
				Severity:  SeverityCritical, Summary: "Purpose added: AI training. AI training uses: Messages, AI interactions. Collected: + Messages, + AI interactions."},
			added: []string{"We use your messages to train AI models."},
		},
		{
			name:   "purpose untied by a sentence taken from before an unchanged one",
			before: strings.Replace(contextPolicy, "We share", "We use your messages to train AI models. We share", 1),
			after:  contextPolicy,
			want: Analysis{ScopeRemoved: []string{"messages", "ai_interactions"}, PurposesRemoved: []string{"ai_training"},
				UsesRemoved: messageUses(enTrain, "How we use information"),
				Severity:    SeverityNotable, Summary: "Purpose removed: AI training. AI training no longer uses: Messages, AI interactions. Collected: − Messages, − AI interactions."},
			gone: []string{"We use your messages to train AI models."},
		},
		{
			name:   "purpose tied by a sentence put before an unchanged one, in French",
			before: contextPolicyFR,
			after:  strings.Replace(contextPolicyFR, "Nous partageons", "Nous utilisons vos messages pour entraîner nos modèles d'IA. Nous partageons", 1),
			lang:   "fr",
			want: Analysis{ScopeAdded: []string{"messages"}, PurposesAdded: []string{"ai_training"},
				UsesAdded: messageUses(frTrain, "Comment nous utilisons les informations")[:1],
				Severity:  SeverityCritical, Summary: "Purpose added: AI training. AI training uses: Messages. Collected: + Messages."},
			added: []string{"Nous utilisons vos messages pour entraîner nos modèles d'IA."},
		},
		{
			name:   "purpose untied by a sentence taken from before an unchanged one, in French",
			before: strings.Replace(contextPolicyFR, "Nous partageons", "Nous utilisons vos messages pour entraîner nos modèles d'IA. Nous partageons", 1),
			after:  contextPolicyFR,
			lang:   "fr",
			want: Analysis{ScopeRemoved: []string{"messages"}, PurposesRemoved: []string{"ai_training"},
				UsesRemoved: messageUses(frTrain, "Comment nous utilisons les informations")[:1],
				Severity:    SeverityNotable, Summary: "Purpose removed: AI training. AI training no longer uses: Messages. Collected: − Messages."},
			gone: []string{"Nous utilisons vos messages pour entraîner nos modèles d'IA."},
		},
		{
			name:   "the purpose also in a new sentence is added, with that sentence alone",
			before: contextPolicy,
			after: strings.Replace(contextPolicy, "We share", "We use your messages to train AI models. We share", 1) +
				"\nWe share your personal data with our partners.",
			want: Analysis{ScopeAdded: []string{"messages", "ai_interactions"}, PurposesAdded: []string{"ai_training", "sharing_partners"},
				UsesAdded: messageUses(enTrain, "How we use information"),
				Severity:  SeverityCritical, Summary: "Purposes added: AI training, Sharing with partners. AI training uses: Messages, AI interactions. Collected: + Messages, + AI interactions."},
			added: []string{"We use your messages to train AI models.", "We share your personal data with our partners."},
		},
		{
			name:   "a new sentence tied by the one before it",
			before: contextPolicy,
			after:  strings.Replace(contextPolicy, "We collect your posts.", "We collect your posts. We use them to train our AI models.", 1),
			want: Analysis{PurposesAdded: []string{"ai_training"},
				Severity: SeverityCritical, Summary: "Purpose added: AI training."},
			added: []string{"We use them to train our AI models."},
		},
		{
			name:   "a lead-in tied by a new list item",
			before: "# AI\nWe use the following to train our AI models:\n- Public datasets",
			after:  "# AI\nWe use the following to train our AI models:\n- Public datasets\n- Your posts",
			// AI training was said before, in the same words: what is new
			// is the posts, and that AI training uses them.
			want: Analysis{ScopeAdded: []string{"posts"},
				UsesAdded: []UseChange{{Purpose: "ai_training", Category: "posts", Quote: "Your posts", Context: "We use the following to train our AI models:", Section: "AI"}},
				Severity:  SeverityCritical, Summary: "AI training now also uses: Posts. Collected: + Posts."},
			added: []string{"Your posts"},
		},
		{
			// Changes see a statement cut at maxStatementBytes by its
			// first bytes: what its tail says still counts.
			name:   "a category added at the end of a statement cut short",
			before: longStatement + "posts.",
			after:  longStatement + "posts and photos.",
			want:   Analysis{ScopeAdded: []string{"photos"}, Severity: SeverityCritical, Summary: "Collected: + Photos."},
		},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			links := tt.links
			if links == nil {
				links = baseLinks
			}
			lang := cmp.Or(tt.lang, "en")
			before := tx.FactSheet(cmp.Or(tt.before, basePolicy), lang, baseLinks)
			after := tx.FactSheet(tt.after, lang, links)
			a := Compare(before, after)
			want := withEmptyLists(tt.want)
			got := *a
			got.Statements = nil
			want.Statements = nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Compare:\n got %+v\nwant %+v", got, want)
			}
			var added, gone []string
			for _, s := range a.Statements {
				if len(s.IDs) == 0 || s.Section == "" {
					t.Errorf("statement change without ids or section: %+v", s)
				}
				if s.Change == Added {
					added = append(added, s.Quote)
				} else {
					gone = append(gone, s.Quote)
				}
			}
			if !slices.Equal(added, tt.added) || !slices.Equal(gone, tt.gone) {
				t.Errorf("statements added %q removed %q\nwant added %q removed %q", added, gone, tt.added, tt.gone)
			}
		})
	}
}

// contextPolicy and contextPolicyFR share with service providers in
// words that name no data: whether that counts depends on the sentences
// around it.
const (
	contextPolicy = `# How we use information
We collect your posts.
We share information with service providers who help us run our services.`
	contextPolicyFR = `# Comment nous utilisons les informations
Nous collectons vos publications.
Nous partageons des informations avec des prestataires qui nous aident à fournir nos services.`
)

// enTrain and frTrain bind AI training to messages, which the taxonomy
// also reads as AI interactions ("messages … AI").
const (
	enTrain = "We use your messages to train AI models."
	frTrain = "Nous utilisons vos messages pour entraîner nos modèles d'IA."
)

// messageUses are the uses quote binds: AI training of messages and AI
// interactions, under section.
func messageUses(quote, section string) []UseChange {
	return []UseChange{
		{Purpose: "ai_training", Category: "messages", Quote: quote, Section: section},
		{Purpose: "ai_training", Category: "ai_interactions", Quote: quote, Section: section},
	}
}

// longStatement begins a statement longer than maxStatementBytes, so that
// what comes after it is past the cut.
var longStatement = "# Data\nWe collect " + strings.Repeat("many things, ", maxStatementBytes/len("many things, ")+1) + "and "

func withEmptyLists(a Analysis) Analysis {
	for _, l := range []*[]string{&a.ScopeAdded, &a.ScopeRemoved, &a.PurposesAdded, &a.PurposesRemoved, &a.RightsAdded, &a.RightsRemoved} {
		if *l == nil {
			*l = []string{}
		}
	}
	if a.Dates == nil {
		a.Dates = []DateChange{}
	}
	return a
}

func TestCompareBaselineIsNil(t *testing.T) {
	sh := DefaultTaxonomy().FactSheet(basePolicy, "en", nil)
	if a := Compare(nil, sh); a != nil {
		t.Errorf("Compare(nil, sheet) = %+v, want nil", a)
	}
	if a := Compare(sh, nil); a != nil {
		t.Errorf("Compare(sheet, nil) = %+v, want nil", a)
	}
}

func TestCompareWorksOnSheetsReadBackFromJSON(t *testing.T) {
	tx := DefaultTaxonomy()
	before := tx.FactSheet(basePolicy, "en", baseLinks)
	after := tx.FactSheet(strings.Replace(basePolicy, "April 7", "May 27", 1), "en", baseLinks)
	direct, stored := Compare(before, after), Compare(viaJSON(t, before), viaJSON(t, after))
	if !reflect.DeepEqual(direct, stored) {
		t.Errorf("stored sheets compare differently:\n%+v\n%+v", direct, stored)
	}
}

func TestAnalysisJSON(t *testing.T) {
	a := &Analysis{
		ScopeAdded: []string{"ai_interactions"}, ScopeRemoved: []string{}, PurposesAdded: []string{"ai_training"},
		PurposesRemoved: []string{}, RightsAdded: []string{}, RightsRemoved: []string{},
		Dates: []DateChange{
			{Role: RoleEffective, Old: "2025-04-07", New: "2025-05-27", Quote: "Effective May 27, 2025"},
			{Role: RoleDeadline, New: "2025-05-26", Quote: "Object before May 26, 2025."},
		},
		Statements: []StatementChange{{Change: Added, IDs: []string{"ai_interactions"}, Quote: "Interactions with AI.", Section: "What we collect"}},
		Severity:   SeverityCritical,
		Summary:    "Purpose added: AI training.",
	}
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	want := []string{"dates", "purposes_added", "purposes_removed", "rights_added", "rights_removed",
		"scope_added", "scope_removed", "severity", "statements", "summary"}
	if !slices.Equal(names, want) {
		t.Errorf("fields %v, want %v", names, want)
	}
	if got := string(fields["dates"]); !strings.Contains(got, `"old":null,"new":"2025-05-26"`) ||
		!strings.Contains(got, `{"role":"effective","old":"2025-04-07","new":"2025-05-27","quote":"Effective May 27, 2025"}`) {
		t.Errorf("dates JSON %s", got)
	}
	if got := string(fields["statements"]); got != `[{"change":"added","ids":["ai_interactions"],"quote":"Interactions with AI.","section":"What we collect"}]` {
		t.Errorf("statements JSON %s", got)
	}
	var back Analysis
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, &back) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, *a)
	}
}

func TestHumanDate(t *testing.T) {
	for in, want := range map[string]string{"2025-04-07": "7 Apr 2025", "2026-07": "Jul 2026", "": "none", "junk": "junk"} {
		if got := HumanDate(in); got != want {
			t.Errorf("HumanDate(%q) = %q, want %q", in, got, want)
		}
	}
}

// A date that moved is never "wording only": the summary names it, with
// its role when a cue gave it one, and the severity is that of its role
// (a date of no known role is info).
func TestCompareDates(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		dates         []DateChange // quotes not compared
		severity      Severity
		summary       string
	}{
		{
			name:     "deadline to object moved",
			before:   "You have until July 14th, 2026 to object.",
			after:    "You have until July 1st, 2026 to object.",
			dates:    []DateChange{{Role: RoleDeadline, Old: "2026-07-14", New: "2026-07-01"}},
			severity: SeverityCritical,
			summary:  "Deadline 14 Jul 2026 → 1 Jul 2026.",
		},
		{
			name:     "date of no known role moved",
			before:   "Our transparency report comes out on July 14th, 2026.",
			after:    "Our transparency report comes out on July 1st, 2026.",
			dates:    []DateChange{{Role: RoleOther, Old: "2026-07-14", New: "2026-07-01"}},
			severity: SeverityInfo,
			summary:  "Date changed: 14 Jul 2026 → 1 Jul 2026.",
		},
		{
			name:     "date of no known role added",
			before:   "Our report came out on 3 March 2025.",
			after:    "Our report came out on 3 March 2025 and on 1 July 2026.",
			dates:    []DateChange{{Role: RoleOther, New: "2026-07-01"}},
			severity: SeverityInfo,
			summary:  "Date added: 1 Jul 2026.",
		},
		{
			name:     "date of no known role removed",
			before:   "Our report came out on 3 March 2025 and on 1 July 2026.",
			after:    "Our report came out on 3 March 2025.",
			dates:    []DateChange{{Role: RoleOther, Old: "2026-07-01"}},
			severity: SeverityInfo,
			summary:  "Date removed: 1 Jul 2026.",
		},
		{
			name:   "many dates of no known role: the first three named",
			before: "Reports: 1 May 2025, 2 May 2025, 3 May 2025, 4 May 2025, 5 May 2025.",
			after:  "Reports: 1 June 2025, 2 June 2025, 3 June 2025, 4 June 2025, 5 May 2025.",
			dates: []DateChange{
				{Role: RoleOther, Old: "2025-05-01", New: "2025-06-01"}, {Role: RoleOther, Old: "2025-05-02", New: "2025-06-02"},
				{Role: RoleOther, Old: "2025-05-03", New: "2025-06-03"}, {Role: RoleOther, Old: "2025-05-04", New: "2025-06-04"},
			},
			severity: SeverityInfo,
			summary:  "Date changed: 1 May 2025 → 1 Jun 2025. Date changed: 2 May 2025 → 2 Jun 2025. Date changed: 3 May 2025 → 3 Jun 2025. 1 more date changed.",
		},
		{
			name:     "a date of no known role after a binding one",
			before:   "Effective 2 February 2026.\nOur report comes out on July 14th, 2026.",
			after:    "Effective 3 March 2026.\nOur report comes out on July 1st, 2026.",
			dates:    []DateChange{{Role: RoleEffective, Old: "2026-02-02", New: "2026-03-03"}, {Role: RoleOther, Old: "2026-07-14", New: "2026-07-01"}},
			severity: SeverityNotable,
			summary:  "Effective date 2 Feb 2026 → 3 Mar 2026. Date changed: 14 Jul 2026 → 1 Jul 2026.",
		},
		{
			// Facebook, July 2022: the Data Policy's "Date of Last
			// Revision" and its banner went with it, the same date twice.
			name:     "a date removed with a role and without one is said once",
			before:   "We’ve updated our Terms of Service and Data Policy to reflect the new name on January 4, 2022.\nDate of Last Revision: 4 January, 2022",
			after:    "Effective July 26, 2022",
			dates:    []DateChange{{Role: RoleEffective, New: "2022-07-26"}, {Role: RoleUpdated, Old: "2022-01-04"}},
			severity: SeverityNotable,
			summary:  "Effective date none → 26 Jul 2022. Last updated 4 Jan 2022 → none.",
		},
		{
			name:     "a date added with a role and without one is said once",
			before:   "Our report came out on 3 March 2025.",
			after:    "Our report came out on 3 March 2025.\nLast updated: 16 December 2025. We changed our name on 16 December 2025.",
			dates:    []DateChange{{Role: RoleUpdated, New: "2025-12-16"}},
			severity: SeverityNotable,
			summary:  "Last updated none → 16 Dec 2025.",
		},
		{
			name:     "a date of no known role still there in a role is not removed",
			before:   "Last updated: 4 January 2022.\nWe changed our name on 4 January 2022.",
			after:    "Last updated: 4 January 2022.",
			severity: SeverityInfo,
			summary:  "Wording only.",
		},
		// Meta's printable policy, March 2026: the banner "We updated our
		// Privacy Policy on …" went, the policy's effective date stayed.
		{
			name:     "the update notice goes, the effective date stays",
			before:   "Effective December 16, 2025\nWe updated our Privacy Policy on December 16, 2025.",
			after:    "Effective December 16, 2025",
			dates:    []DateChange{{Role: RoleUpdated, Old: "2025-12-16"}},
			severity: SeverityInfo,
			summary:  "Last updated 16 Dec 2025 → none.",
		},
		{
			name:     "the last-updated date goes and no effective date is left",
			before:   "Our policy.\nLast updated: 16 December 2025.",
			after:    "Our policy.",
			dates:    []DateChange{{Role: RoleUpdated, Old: "2025-12-16"}},
			severity: SeverityNotable,
			summary:  "Last updated 16 Dec 2025 → none.",
		},
		{
			name:     "the last-updated date goes as the effective date moves",
			before:   "Effective June 16, 2025\nWe updated our Privacy Policy on December 16, 2025.",
			after:    "Effective December 16, 2025",
			dates:    []DateChange{{Role: RoleEffective, Old: "2025-06-16", New: "2025-12-16"}, {Role: RoleUpdated, Old: "2025-12-16"}},
			severity: SeverityNotable,
			summary:  "Effective date 16 Jun 2025 → 16 Dec 2025. Last updated 16 Dec 2025 → none.",
		},
		{
			name:     "the last-updated date moves, the effective date stays",
			before:   "Effective June 16, 2025\nLast updated: 1 December 2025.",
			after:    "Effective June 16, 2025\nLast updated: 16 December 2025.",
			dates:    []DateChange{{Role: RoleUpdated, Old: "2025-12-01", New: "2025-12-16"}},
			severity: SeverityNotable,
			summary:  "Last updated 1 Dec 2025 → 16 Dec 2025.",
		},
		{
			name:     "an update notice comes, the effective date stays",
			before:   "Effective June 16, 2025",
			after:    "Effective June 16, 2025\nWe updated our Privacy Policy on December 16, 2025.",
			dates:    []DateChange{{Role: RoleUpdated, New: "2025-12-16"}},
			severity: SeverityNotable,
			summary:  "Last updated none → 16 Dec 2025.",
		},
		{
			name:     "a date repeated is no change",
			before:   "Our report comes out on July 14th, 2026.",
			after:    "Our report comes out on July 14th, 2026, as said on 14 July 2026.",
			severity: SeverityInfo,
			summary:  "Wording only.",
		},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Compare(tx.FactSheet(tt.before, "en", nil), tx.FactSheet(tt.after, "en", nil))
			var dates []DateChange
			for _, d := range a.Dates {
				d.Quote = ""
				dates = append(dates, d)
			}
			if !slices.Equal(dates, tt.dates) || a.Severity != tt.severity || a.Summary != tt.summary {
				t.Errorf("Compare: %s %+v %q\nwant %s %+v %q", a.Severity, dates, a.Summary, tt.severity, tt.dates, tt.summary)
			}
		})
	}
}

// Meta's form for the right to object in the legitimate-interest section,
// as it moved: one contact form, another, then a generic help page.
const (
	metaForm2022 = "https://www.facebook.com/help/contact/1638046109617856"
	metaForm2023 = "https://www.facebook.com/help/contact/367438723733209"
	metaHelp2026 = "https://help.meta.com/support/privacy/"
)

const objectPolicy = `# Legitimate interests
Effective April 7, 2025
We process your information as necessary for our legitimate interests. Where we rely on them, you have the right to object to this processing.
## Other rights
You can opt out of ads in your settings or with this form.`

// TestCompareObjectionFormMoved: a form whose link text is kept but whose
// target (host and path) changed is reported as moved, old → new, at least
// notable; churn of query, fragment, scheme, "www." or a trailing slash is
// no move. A form gone stays critical.
func TestCompareObjectionFormMoved(t *testing.T) {
	object := func(href string) Link { return Link{Text: "right to object to", Href: href} }
	settings := Link{Text: "this form", Href: "https://www.facebook.com/help/contact/1994830130782319"}
	tests := []struct {
		name          string
		before, after string // "": objectPolicy
		old, new      []Link
		moved         []FormMove
		severity      Severity
		summary       string
	}{
		{
			name: "to another contact form",
			old:  []Link{object(metaForm2022), settings}, new: []Link{object(metaForm2023), settings},
			moved:    []FormMove{{Text: "right to object to", Old: metaForm2022, New: metaForm2023}},
			severity: SeverityNotable,
			summary:  `Objection form "right to object to" moved: ` + metaForm2022 + " → " + metaForm2023 + ".",
		},
		{
			name: "to a generic help page, with tokens",
			old:  []Link{object(metaForm2023 + "?ref=pp&token=a1"), settings}, new: []Link{object(metaHelp2026 + "?token=b2#object"), settings},
			moved:    []FormMove{{Text: "right to object to", Old: metaForm2023 + "?ref=pp&token=a1", New: metaHelp2026 + "?token=b2#object"}},
			severity: SeverityNotable,
			summary:  `Objection form "right to object to" moved: ` + metaForm2023 + " → " + metaHelp2026 + ".",
		},
		{
			name:  "with the effective date",
			after: strings.Replace(objectPolicy, "April 7", "May 27", 1),
			old:   []Link{object(metaForm2023), settings}, new: []Link{object(metaHelp2026), settings},
			moved:    []FormMove{{Text: "right to object to", Old: metaForm2023, New: metaHelp2026}},
			severity: SeverityNotable,
			summary:  `Objection form "right to object to" moved: ` + metaForm2023 + " → " + metaHelp2026 + ". Effective date 7 Apr 2025 → 27 May 2025.",
		},
		{
			name: "query and fragment churn",
			old:  []Link{object(metaForm2023 + "?token=1"), settings}, new: []Link{object(metaForm2023 + "?token=2&ref=x#top"), settings},
			severity: SeverityInfo, summary: "Wording only.",
		},
		{
			name: "scheme, www, case of the host, trailing slash",
			old:  []Link{object(metaForm2023), settings}, new: []Link{object("http://Facebook.com/help/contact/367438723733209/"), settings},
			severity: SeverityInfo, summary: "Wording only.",
		},
		{
			name: "link text changed, target kept",
			old:  []Link{object(metaForm2023), settings}, new: []Link{{Text: "object", Href: metaForm2023}, settings},
			severity: SeverityInfo, summary: "Wording only.",
		},
		{
			name:     "one of two forms of the same text moved",
			before:   objectPolicy + "\nYou can also object to it with this form.",
			after:    objectPolicy + "\nYou can also object to it with this form.",
			old:      []Link{object(metaForm2023), settings, {Text: "this form", Href: "https://help.instagram.com/contact/117037592428568"}},
			new:      []Link{object(metaForm2023), settings, {Text: "this form", Href: "https://help.instagram.com/contact/2020"}},
			moved:    []FormMove{{Text: "this form", Old: "https://help.instagram.com/contact/117037592428568", New: "https://help.instagram.com/contact/2020"}},
			severity: SeverityNotable,
			summary:  `Objection form "this form" moved: https://help.instagram.com/contact/117037592428568 → https://help.instagram.com/contact/2020.`,
		},
		{
			name:     "one form moved, another gone",
			after:    strings.Replace(objectPolicy, " or with this form", "", 1),
			old:      []Link{object(metaForm2022), settings},
			new:      []Link{object(metaForm2023)},
			moved:    []FormMove{{Text: "right to object to", Old: metaForm2022, New: metaForm2023}},
			severity: SeverityCritical,
			summary:  `Objection form gone: "this form". Objection form "right to object to" moved: ` + metaForm2022 + " → " + metaForm2023 + ".",
		},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Compare(tx.FactSheet(cmp.Or(tt.before, objectPolicy), "en", tt.old), tx.FactSheet(cmp.Or(tt.after, objectPolicy), "en", tt.new))
			if !slices.Equal(a.FormsMoved, tt.moved) || a.Severity != tt.severity || a.Summary != tt.summary {
				t.Errorf("Compare: moved %+v, %s, %q\nwant moved %+v, %s, %q", a.FormsMoved, a.Severity, a.Summary, tt.moved, tt.severity, tt.summary)
			}
		})
	}
}

// TestCompareNotAnalysed: a policy in a language the taxonomy has no
// patterns for (review finding 6) is not read for ids, and a change says
// so, with how many sentences came and went, rated notable; it was
// "Wording only." (German, Spanish, Dutch), or a critical "Collected: +
// Posts" read by the English patterns (Italian "post"). A sentence added
// that names AI, as the first four do, makes it critical (see
// TestNotAnalysedAIMentions).
func TestCompareNotAnalysed(t *testing.T) {
	const de = "# Datenschutzrichtlinie\nGültig ab 2025-04-07.\nWir verwenden deine Informationen für Werbung.\n"
	tests := []struct {
		lang, before, after string
		severity            Severity
		summary             string
	}{
		{"de-DE", de, de + "Wir verwenden deine öffentlichen Beiträge und Kommentare, um unsere KI-Modelle zu trainieren.\n",
			SeverityCritical, "Not analysed (German): an added sentence mentions AI: \"Wir verwenden deine öffentlichen Beiträge und Kommentare, um unsere KI-Modelle zu trainieren.\"; 1 sentence added, 0 removed, see the diff."},
		{"es", "# Política\n", "# Política\nUsamos tus publicaciones públicas para entrenar nuestros modelos de IA.\n",
			SeverityCritical, "Not analysed (Spanish): an added sentence mentions AI: \"Usamos tus publicaciones públicas para entrenar nuestros modelos de IA.\"; 1 sentence added, 0 removed, see the diff."},
		{"it", "# Informativa\n", "# Informativa\nUtilizziamo i tuoi post pubblici per addestrare i nostri modelli di IA.\n",
			SeverityCritical, "Not analysed (Italian): an added sentence mentions AI: \"Utilizziamo i tuoi post pubblici per addestrare i nostri modelli di IA.\"; 1 sentence added, 0 removed, see the diff."},
		{"nl", "# Beleid\nWe gebruiken je informatie.\n", "# Beleid\nWe gebruiken je openbare berichten om onze AI-modellen te trainen.\n",
			SeverityCritical, "Not analysed (Dutch): an added sentence mentions AI: \"We gebruiken je openbare berichten om onze AI-modellen te trainen.\"; 1 sentence added, 1 removed, see the diff."},
		{"de", de, strings.Replace(de, "für Werbung.", "für  WERBUNG", 1),
			SeverityInfo, "Not analysed: no patterns for German (de); no sentence changed but for case, accents, punctuation or spacing."},
		// Its dates are still read.
		{"de", de, strings.Replace(de, "2025-04-07", "2025-05-27", 1),
			SeverityNotable, "Not analysed: no patterns for German (de); 1 sentence added, 1 removed, see the diff. Date changed: 7 Apr 2025 → 27 May 2025."},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		before, after := tx.FactSheet(tt.before, tt.lang, nil), tx.FactSheet(tt.after, tt.lang, nil)
		if !after.NotAnalysed || after.Language != BaseLang(tt.lang) || len(after.Topics)+len(after.Statements)+len(after.Uses) != 0 {
			t.Errorf("%s: not analysed %v, language %q, topics %v, statements %v; want not analysed, %q, nothing read",
				tt.lang, after.NotAnalysed, after.Language, after.Topics, after.Statements, BaseLang(tt.lang))
		}
		a := Compare(before, after)
		if a.Severity != tt.severity || a.Summary != tt.summary || a.NotAnalysed != BaseLang(tt.lang) {
			t.Errorf("%s %q:\n got %s %q (not analysed %q)\nwant %s %q", tt.lang, tt.after, a.Severity, a.Summary, a.NotAnalysed, tt.severity, tt.summary)
		}
	}
	// The languages the taxonomy reads, and none given, are analysed.
	for lang, text := range map[string]string{
		"en":    "We use your posts to train our AI models.",
		"fr-FR": "Nous utilisons vos publications pour entraîner nos modèles d'IA.",
		"":      "We use your posts to train our AI models.",
	} {
		if sh := tx.FactSheet(text, lang, nil); sh.NotAnalysed || len(sh.Topics) == 0 {
			t.Errorf("%q: not analysed %v, topics %v", lang, sh.NotAnalysed, sh.Topics)
		}
	}
}
