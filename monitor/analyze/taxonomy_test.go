package analyze

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// requiredIDs are the ids scripts and tests rely on (issue 3), by kind.
var requiredIDs = map[Kind][]string{
	KindCategory: {"posts", "photos", "videos", "captions", "comments", "stories", "audio", "messages",
		"ai_interactions", "public_content", "profile", "contacts", "location", "device", "cookies",
		"payment", "biometric", "sensitive", "minors"},
	KindPurpose: {"ai_training", "ai_features", "advertising", "personalization", "research", "safety",
		"sharing_partners", "law_enforcement"},
	KindRight: {"object", "delete", "access", "withdraw_consent"},
}

func TestDefaultTaxonomyHasRequiredIDsInEnglishAndFrench(t *testing.T) {
	tx := DefaultTaxonomy()
	for kind, ids := range requiredIDs {
		for _, id := range ids {
			i, ok := tx.byID[id]
			if !ok {
				t.Errorf("%s %q missing", kind, id)
				continue
			}
			e := tx.entries[i]
			if e.Kind != kind {
				t.Errorf("%q is a %s, want %s", id, e.Kind, kind)
			}
			for _, lang := range []string{"en", "fr"} {
				if e.Labels[lang] == "" {
					t.Errorf("%q has no %s label", id, lang)
				}
				if len(e.Patterns[lang]) == 0 {
					t.Errorf("%q has no %s patterns", id, lang)
				}
			}
		}
	}
	roles := map[DateRole]bool{}
	for _, r := range tx.roles {
		roles[r.Role] = true
	}
	for _, r := range []DateRole{RoleEffective, RoleUpdated, RoleDeadline, RoleUpcoming} {
		if !roles[r] {
			t.Errorf("no cues for date role %s", r)
		}
	}
}

func TestDefaultTaxonomyReturnsIndependentCopies(t *testing.T) {
	a, b := DefaultTaxonomy(), DefaultTaxonomy()
	if err := a.Extend([]Entry{{ID: "posts", Patterns: map[string][]string{"en": {"tweet*"}}}}); err != nil {
		t.Fatal(err)
	}
	const text = "We read your tweets."
	if ids := sheetIDs(a.FactSheet(text, "en", nil)); !slices.Equal(ids, []string{"posts"}) {
		t.Fatalf("the extended taxonomy finds %v, want [posts]", ids)
	}
	if ids := sheetIDs(b.FactSheet(text, "en", nil)); len(ids) != 0 {
		t.Errorf("extending one taxonomy changed another: %v", ids)
	}
}

func TestLabel(t *testing.T) {
	tx := DefaultTaxonomy()
	tests := []struct{ id, lang, want string }{
		{"ai_training", "en", "AI training"},
		{"ai_training", "fr-FR", "Entraînement de l'IA"},
		{"ai_training", "de", "AI training"},
		{"no_such_id", "en", "no_such_id"},
	}
	for _, tt := range tests {
		if got := tx.Label(tt.id, tt.lang); got != tt.want {
			t.Errorf("Label(%q, %q) = %q, want %q", tt.id, tt.lang, got, tt.want)
		}
	}
}

func TestExtendAddsAndMergesEntries(t *testing.T) {
	tx := DefaultTaxonomy()
	err := tx.Extend([]Entry{
		{ID: "genetic", Kind: KindCategory, Labels: map[string]string{"en": "Genetic data"},
			Patterns: map[string][]string{"en": {"genetic*", "dna"}, "fr": {"genetique*", "adn"}}},
		{ID: "posts", Labels: map[string]string{"de": "Beiträge"}, Patterns: map[string][]string{"en": {"tweet*"}}},
	})
	if err != nil {
		t.Fatalf("Extend: %v", err)
	}
	sh := tx.FactSheet("We collect your DNA and your tweets.", "en", nil)
	if got, want := sheetIDs(sh), []string{"posts", "genetic"}; !slices.Equal(got, want) {
		t.Errorf("ids %v, want %v", got, want)
	}
	if got := tx.Label("posts", "de"); got != "Beiträge" {
		t.Errorf("merged label = %q", got)
	}
	if got := tx.Label("posts", "fr"); got != "Publications" {
		t.Errorf("existing label lost: %q", got)
	}
	// The existing patterns still work.
	if got := sheetIDs(tx.FactSheet("Your posts.", "en", nil)); !slices.Equal(got, []string{"posts"}) {
		t.Errorf("existing patterns lost: %v", got)
	}
}

// TestExtendAddsUnlessPhrases: a config may say where an entry's words
// mean something else, as taxonomy.yaml does.
func TestExtendAddsUnlessPhrases(t *testing.T) {
	tx := DefaultTaxonomy()
	if err := tx.Extend([]Entry{{ID: "posts", Unless: map[string][]string{"en": {"post office*"}}}}); err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string][]string{
		"We collect the address of your post office.": nil,
		"We collect your posts.":                      {"posts"},
		"We will post the updated policy here.":       nil, // the built-in unless phrases stay
	} {
		if got := sheetIDs(tx.FactSheet(text, "en", nil)); !slices.Equal(got, want) {
			t.Errorf("%q: ids %v, want %v", text, got, want)
		}
	}
}

// TestCategoriesInOtherSenses: a category's word used as a verb, or of
// the company's things, is no data collected (the review's finding 9:
// each added to a short policy was a critical "Collected: +"); the same
// words meaning people's data still are.
func TestCategoriesInOtherSenses(t *testing.T) {
	tests := []struct {
		lang, text string
		want       []string // the sheet's ids, in taxonomy order
	}{
		{"en", "We will post the updated policy on this page.", nil},
		{"en", "We will let you know by posting a notice on this page.", nil},
		{"en", "You can comment on this policy.", nil},
		{"en", "You can message us through the Help Center.", nil},
		{"en", "The location of our data centers may change.", nil},
		{"en", "Meta Quest is a device we build.", nil},
		{"en", "We care about the image of our brand.", nil},
		{"en", "We delete policies older than 2 years old.", []string{"delete"}},
		{"fr", "Vous pouvez nous faire part de vos commentaires sur cette politique.", nil},
		// The same words as people's data.
		{"en", "We collect the content you choose to post publicly.", []string{"posts"}},
		{"en", "We collect the things you post and comment on.", []string{"posts", "comments"}},
		{"en", "We collect a comment on a post you made.", []string{"posts", "comments"}},
		{"en", "We collect the messages you send and receive.", []string{"messages"}},
		{"en", "We collect the location of your device.", []string{"location", "device"}},
		{"en", "We collect information about the device you use.", []string{"device"}},
		{"en", "We collect the images you upload.", []string{"photos"}},
		{"en", "We collect posts from users 13 years old or younger.", []string{"posts", "minors"}},
		{"fr", "Nous collectons vos commentaires et votre localisation.", []string{"comments", "location"}},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		if got := sheetIDs(tx.FactSheet(tt.text, tt.lang, nil)); !slices.Equal(got, tt.want) {
			t.Errorf("%s %q: ids %v, want %v", tt.lang, tt.text, got, tt.want)
		}
	}
}

func TestExtendRejectsBadEntriesNamingThemAndChangesNothing(t *testing.T) {
	tests := []struct {
		name  string
		entry Entry
		want  string
	}{
		{"no id", Entry{Kind: KindCategory}, "entry #2: missing id"},
		{"bad id", Entry{ID: "Bad-ID", Kind: KindCategory}, `entry "Bad-ID": id must be`},
		{"no kind", Entry{ID: "x", Labels: map[string]string{"en": "X"}, Patterns: map[string][]string{"en": {"x"}}}, `entry "x": missing kind`},
		{"bad kind", Entry{ID: "x", Kind: "colour"}, `entry "x": unknown kind "colour"`},
		{"no label", Entry{ID: "x", Kind: KindPurpose, Patterns: map[string][]string{"en": {"x"}}}, `entry "x": no label`},
		{"no patterns", Entry{ID: "x", Kind: KindPurpose, Labels: map[string]string{"en": "X"}}, `entry "x": no patterns`},
		{"bad pattern", Entry{ID: "x", Kind: KindRight, Labels: map[string]string{"en": "X"}, Patterns: map[string][]string{"fr": {"a ~"}}}, `entry "x": pattern "a ~" (fr)`},
		{"bad language", Entry{ID: "x", Kind: KindRight, Labels: map[string]string{"english": "X"}}, `entry "x": label language "english"`},
		{"bad unless", Entry{ID: "posts", Unless: map[string][]string{"en": {"~2 post"}}}, `entry "posts": unless "~2 post" (en)`},
		{"kind clash", Entry{ID: "posts", Kind: KindPurpose}, `entry "posts": kind "purpose" differs`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx := DefaultTaxonomy()
			good := Entry{ID: "genetic", Kind: KindCategory, Labels: map[string]string{"en": "Genetic"}, Patterns: map[string][]string{"en": {"dna"}}}
			err := tx.Extend([]Entry{good, tt.entry})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Extend = %v, want an error containing %q", err, tt.want)
			}
			if _, added := tx.byID["genetic"]; added {
				t.Error("the valid entry before the bad one was added anyway")
			}
			if ids := sheetIDs(tx.FactSheet("Your DNA.", "en", nil)); len(ids) != 0 {
				t.Errorf("taxonomy changed: %v", ids)
			}
		})
	}
}

func TestExtendReadsConfigYAML(t *testing.T) {
	// What a config file's taxonomy section looks like.
	src := `
- id: genetic
  kind: category
  labels: {en: Genetic data, fr: Données génétiques}
  patterns:
    en: ["genetic*", dna]
    fr: ["genetique*", adn]
`
	var entries []Entry
	if err := yaml.Unmarshal([]byte(src), &entries); err != nil {
		t.Fatal(err)
	}
	tx := DefaultTaxonomy()
	if err := tx.Extend(entries); err != nil {
		t.Fatal(err)
	}
	if got := sheetIDs(tx.FactSheet("Nous analysons votre ADN.", "fr", nil)); !slices.Equal(got, []string{"genetic"}) {
		t.Errorf("ids %v", got)
	}
}

func TestParseTaxonomyErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"unknown field", "entries:\n  - id: a\n    kind: category\n    labels: {en: A}\n    patern: {en: [a]}\n", "field patern not found"},
		{"duplicate", "entries:\n  - {id: a, kind: right, labels: {en: A}, patterns: {en: [a]}}\n  - {id: a, kind: right, labels: {en: A}, patterns: {en: [b]}}\n", `entry "a": duplicate id`},
		{"bad role", "entries: []\ndate_roles:\n  - role: someday\n", `date role "someday"`},
		{"bad requires", "entries: []\ndate_roles:\n  - role: deadline\n    requires: [nope]\n", `requires unknown id "nope"`},
		{"bad cue", "entries: []\ndate_roles:\n  - role: updated\n    before: {en: [\"~3 x\"]}\n", `cue "~3 x" (en)`},
		{"announce on another role", "entries: []\ndate_roles:\n  - role: effective\n    announce: {en: [\"new policy\"]}\n", "only upcoming has announce cues"},
		{"borrows without requires", "entries: []\ndate_roles:\n  - role: effective\n    borrows: {en: [deadline]}\n", "borrows without requires"},
		{"bad announce cue", "entries: []\ndate_roles:\n  - role: upcoming\n    announce: {en: [\"x ~3\"]}\n", `cue "x ~3" (en)`},
		{"bad unless", "entries: []\ndate_roles:\n  - role: deadline\n    unless: {en: [\"~3 we\"]}\n", `unless "~3 we" (en)`},
		{"not yaml", "entries: [", "taxonomy:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTaxonomy([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseTaxonomy = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// sheetIDs returns the ids a fact sheet found, in taxonomy order.
func sheetIDs(sh *FactSheet) []string {
	var ids []string
	for _, tp := range sh.Topics {
		ids = append(ids, tp.ID)
	}
	return ids
}

// BaseLang is the one reduction of a language tag to its primary subtag
// that the analysis and the monitor share (the monitor had a copy of its
// own).
func TestBaseLang(t *testing.T) {
	for _, tt := range []struct{ tag, want string }{
		{"fr-FR", "fr"},
		{"en_GB", "en"},
		{" EN-us ", "en"},
		{"de", "de"},
		{"", ""},
		{"zh-Hant-TW", "zh"},
	} {
		if got := BaseLang(tt.tag); got != tt.want {
			t.Errorf("BaseLang(%q) = %q, want %q", tt.tag, got, tt.want)
		}
	}
}
