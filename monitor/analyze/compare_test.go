package analyze

import (
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
		name  string
		after string   // the new text
		links []Link   // the new links; nil: baseLinks
		want  Analysis // all but Statements, which added and gone check
		added []string // quotes of added statements
		gone  []string // quotes of removed statements
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
	}
	tx := DefaultTaxonomy()
	before := tx.FactSheet(basePolicy, "en", baseLinks)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			links := tt.links
			if links == nil {
				links = baseLinks
			}
			a := Compare(before, tx.FactSheet(tt.after, "en", links))
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
