package analyze

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// useIDs writes a sheet's uses as "purpose:category", with "+minors" for
// minors' ones.
func useIDs(uses []Use) []string {
	var out []string
	for _, u := range uses {
		s := u.Purpose + ":" + u.Category
		if u.Minors {
			s += "+minors"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func changeIDs(changes []UseChange) []string {
	uses := make([]Use, len(changes))
	for i, c := range changes {
		uses[i] = Use{Purpose: c.Purpose, Category: c.Category, Minors: c.Minors}
	}
	return useIDs(uses)
}

// aiBlock is a row of Meta's legal-basis table as the printable policy
// (and the Facebook archive from December 2025) flattens it: a title, who
// it is for, why, and the data used, as lines.
func aiBlock(audience string, data ...string) string {
	return "Developing and improving AI at Meta\n" +
		"ⓘ For registered users of the Meta Products ⓘ " + audience + "\n" +
		"Why and how we process your information:\n" +
		"Develop and improve AI at Meta for Meta Products and for third parties.\n" +
		"Legitimate interests relied on:\n" +
		"- In our interest to develop and improve artificial intelligence technology while ensuring appropriate safeguards.\n" +
		"Information categories we use (see 'What Information do we collect?' for more detail on each information category). The actual information we use depends on your factual circumstances, but could include any of the following:\n" +
		"Your activity and information you provide:\n" +
		"- " + strings.Join(data, "\n- ") + "\n" +
		"Information from partners, vendors and third parties\n"
}

const (
	allUsers      = "For all registered users, including those under the age of majority"
	adults        = "For all registered users over the age of majority (18 years or over, in most applicable countries)"
	publicContent = "Public content you or others create or share, like posts, comments or audio on Meta Products"
	aiChats       = "Interactions with AI at Meta and related metadata"
	// improvingBlock is the row after Meta's AI row: its title names no
	// purpose, and its data are not AI training's.
	improvingBlock = "Improving Meta Products\n" +
		"ⓘ For registered users of the Meta Products ⓘ " + allUsers + "\n" +
		"Why and how we process your information:\n" +
		"Improve Meta Products by developing new features or updating existing features.\n" +
		"Information categories we use:\n" +
		"Your activity and information you provide:\n" +
		"- Content you create, like photos and videos\n"
)

// TestFactSheetBindsUses: which purposes the text binds to which data, in
// one statement, a table row, a titled block or a lead-in and its list —
// in the two shapes of Meta's legal-basis tables — and what binds
// nothing.
func TestFactSheetBindsUses(t *testing.T) {
	tests := []struct {
		name, lang, text string
		want             []string
	}{
		// In one statement.
		{"stated", "en", "We use your public posts to train our AI models.", []string{"ai_training:posts", "ai_training:public_content"}},
		{"stated in the passive", "en", "Your photos may be used to develop and improve our AI.", []string{"ai_training:photos"}},
		{"stated in French", "fr", "Nous utilisons vos publications pour entraîner nos modèles d'IA.", []string{"ai_training:posts"}},
		// Meta AI keeps its English name in French (as in English: "Your
		// interactions with Meta AI will be used…").
		{"Meta AI in French", "fr", "Vos interactions avec Meta AI seront utilisées pour améliorer nos modèles d'IA.", []string{"ai_training:ai_interactions"}},
		{"questions to Meta AI", "fr", "Les questions que vous posez à Meta AI pourront servir à entraîner nos modèles.", []string{"ai_training:ai_interactions"}},
		{"Meta AI in English", "en", "Your interactions with Meta AI will be used to improve our AI models.", []string{"ai_training:ai_interactions"}},
		{"Meta AI as a tool", "fr", "Nous utilisons Meta AI pour vous recommander des contenus.", nil},
		// The future of a notice of a use to come binds as the present
		// does (as "we will use" does in English).
		{"French future", "fr", "Nous utiliserons les informations publiques, comme les publications et les commentaires publics, pour développer l'IA chez Meta.",
			[]string{"ai_training:comments", "ai_training:posts", "ai_training:public_content"}},
		{"French future, Meta", "fr", "Meta utilisera vos publications publiques pour développer ses modèles d'IA.", []string{"ai_training:posts", "ai_training:public_content"}},
		{"French future denied", "fr", "Nous n'utiliserons pas vos messages privés pour développer l'IA chez Meta.", nil},
		{"English future", "en", "We will use public information, like posts, to develop AI.", []string{"ai_training:posts", "ai_training:public_content"}},
		// "Meta AI" in the data's own name is no purpose (AI features)
		// the data are used for.
		{"Meta AI in the data", "en", "We will use your public posts and your interactions with Meta AI to develop and improve AI at Meta.",
			[]string{"ai_training:ai_interactions", "ai_training:posts", "ai_training:public_content"}},
		{"Meta AI in the data, French", "fr", "Nous utiliserons vos publications publiques et vos interactions avec Meta AI pour développer et améliorer l'IA chez Meta.",
			[]string{"ai_training:ai_interactions", "ai_training:posts", "ai_training:public_content"}},
		{"Meta AI as a purpose", "en", "We use your public posts to improve Meta AI.",
			[]string{"ai_features:posts", "ai_features:public_content", "ai_training:posts", "ai_training:public_content"}},
		{"denied", "en", "We do not use your posts to train our AI models.", nil},
		{"denied after a comma", "en", "We use information with special protections you choose to provide for these purposes, but not to show you ads.", nil},
		{"the reader uses", "en", "When you use our Products, you see ads, such as boosted posts or product listings.", nil},
		{"no verb of use", "en", "How many people see and interact with their content, including posts, videos and ads.", nil},
		{"minors named", "en", "We use information about children to improve our safety systems.", []string{"safety:minors+minors"}},

		// A lead-in and its list.
		{"lead-in", "en", "We use the following to train our AI models:\n- Your posts\n- Your photos",
			[]string{"ai_training:photos", "ai_training:posts"}},

		// The flattened table: a title opens the block, the next title
		// ("Improving Meta Products", no purpose) ends it.
		{"flattened row, minors included", "en", "## Legitimate interests\n" + aiBlock(allUsers, publicContent, aiChats) + improvingBlock,
			[]string{"ai_training:ai_interactions+minors", "ai_training:audio+minors", "ai_training:comments+minors",
				"ai_training:posts+minors", "ai_training:public_content+minors"}},
		{"flattened row, adults", "en", "## Legitimate interests\n" + aiBlock(adults, publicContent) + improvingBlock,
			[]string{"ai_training:audio", "ai_training:comments", "ai_training:posts", "ai_training:public_content"}},
		// A title whose purpose is excluded ("other than ads", in
		// parentheses or not) does not bind it; a list of what is done
		// ("This is how we:") binds nothing; a category line
		// ("Friends, followers and other connections") is data of the
		// block, not the end of it.
		{"flattened row, other than ads", "en", "Personalizing Meta Products other than ads\n" +
			"Why and how we process your information:\n" +
			"Personalising the Meta Products (other than ads): Our systems process information we have. This is how we:\n" +
			"- Personalise features and content (such as your Feed and Stories)\n" +
			"Information categories we use:\n" +
			"Your activity and information you provide:\n" +
			"- Content you create, like posts, comments or audio\n" +
			"Friends, followers and other connections\n" +
			"App, browser and device information:\n" +
			"- Device characteristics and device software\n",
			[]string{"personalization:audio", "personalization:comments", "personalization:contacts", "personalization:device", "personalization:posts"}},
		// A title that names data but no purpose ends the block before it
		// when it is a title like the block's own: the line after it
		// begins as the one after the block's title did.
		{"flattened rows of consent", "en", "Sharing information with third parties at your request\n" +
			"Why and how we process your information:\n" +
			"Sharing your contact or other information with third parties upon your request.\n" +
			"Your activity and information you provide:\n" +
			"- Content you create, like posts or comments\n" +
			"Receiving information from device settings\n" +
			"Why and how we process your information:\n" +
			"Collecting information that you allow us to receive through device settings.\n" +
			"App, browser and device information:\n" +
			"- Information from device settings, like your location\n",
			[]string{"sharing_partners:comments", "sharing_partners:posts"}},

		// The Markdown archive's rows: the first cell's title names the
		// purpose, the last cell the data; a heading above names who.
		{"table rows", "en", "### For all people, including those under the age of majority\n" +
			"Develop and improve artificial intelligence technology (also called AI at Meta) on Meta Products and for third parties. | In our interest to develop and improve artificial intelligence technology. | Your activity and information you provide:* Interactions with Meta's artificial intelligence technology and related metadata.\n" +
			"### For people over the age of majority (18 years or over, in most applicable countries)\n" +
			"Develop and improve artificial intelligence technology (also called AI at Meta) on Meta Products and for third parties. | In our interest to develop and improve artificial intelligence technology. | Your activity and information you provide:* Public content you create or share, like posts, comments or audio.\n" +
			"Anonymising your informationIn some cases, we anonymise information we have about you, such as your activity on and off our Products, and use the resulting information, for example, to provide and improve our Meta Products, including ads. | In our interest to improve ads. | Your activity and information you provide:* Messages you send and receive\n",
			[]string{"ai_training:ai_interactions+minors", "ai_training:audio", "ai_training:comments", "ai_training:posts", "ai_training:public_content"}},

		// A heading that names a purpose: the list right under it.
		{"heading", "en", "## How we use your information for ads\nWe use:\n- Your location\n- Your profile information\n## Other things\n- Your photos",
			[]string{"advertising:location", "advertising:profile"}},
		{"heading, a sub-heading ends it", "en", "## How we use your information for ads\n### Examples\nWe use:\n- Your photos", nil},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh := tx.FactSheet(tt.text, tt.lang, nil)
			if got := useIDs(sh.Uses); !slices.Equal(got, tt.want) {
				t.Errorf("uses %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestFactSheetUseQuotes: a use quotes the statement that names its
// data, and says where the purpose is named; in an archived row, whose
// data cell glues its list items with "*", the item that names it.
func TestFactSheetUseQuotes(t *testing.T) {
	tx := DefaultTaxonomy()
	sh := tx.FactSheet("## Legitimate interests\n"+aiBlock(allUsers, publicContent, aiChats), "en", nil)
	u := findUse(sh.Uses, "ai_training", "posts", true)
	if u == nil || u.Quote != publicContent || u.Context != "Developing and improving AI at Meta" || u.Section != "Legitimate interests" {
		t.Errorf("use %+v, want quote %q, context the title, section the heading", u, publicContent)
	}
	row := "Promoting safety, integrity and security on and across the Meta Products: We process information we have. | In our interest. | Your activity and information you provide:* Content you create, like posts, comments or audio* Location-related information* Device signals\n"
	u = findUse(tx.FactSheet(row, "en", nil).Uses, "safety", "location", false)
	if u == nil || u.Quote != "Location-related information" || u.Context != "Promoting safety, integrity and security on and across the Meta Products" {
		t.Errorf("use %+v, want quote %q and the row's title as context", u, "Location-related information")
	}
	stated := "We use your public posts to train our AI models."
	if u := findUse(tx.FactSheet(stated, "en", nil).Uses, "ai_training", "posts", false); u == nil || u.Quote != stated || u.Context != "" {
		t.Errorf("use %+v, want quote %q and no context", u, stated)
	}
}

func findUse(uses []Use, purpose, category string, minors bool) *Use {
	for i, u := range uses {
		if u.Purpose == purpose && u.Category == category && u.Minors == minors {
			return &uses[i]
		}
	}
	return nil
}

// TestMinorsAgeOfMajority: "under the age of majority" is minors; "over
// the age of majority" and "by being the age of majority or above" are
// adults, not minors.
func TestMinorsAgeOfMajority(t *testing.T) {
	tests := []struct {
		text   string
		minors bool
	}{
		{"For all registered users, including those under the age of majority, we use your photos.", true},
		{"We provide specific protections for people below the age of majority and use your photos.", true},
		{"For people over the age of majority (18 years or over, in most applicable countries), we use your photos.", false},
		{"For all people who have the legal capacity to enter into an enforceable contract (for example, by being the age of majority or above in their country of residence), we use your photos.", false},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		if got := slices.Contains(sheetIDs(tx.FactSheet(tt.text, "en", nil)), "minors"); got != tt.minors {
			t.Errorf("%q: minors %v, want %v", tt.text, got, tt.minors)
		}
	}
}

// TestCompareUses: a use added or removed, with its severity and words.
func TestCompareUses(t *testing.T) {
	ads := "# Ads\nWe collect your location.\nWe use your profile information to show you ads.\n"
	tests := []struct {
		name          string
		before, after string
		added         []string
		removed       []string
		severity      Severity
		summary       string
	}{
		{
			// Meta, 16 December 2025: AI training already used adults'
			// public posts; now also those of minors.
			name:     "AI training extended to minors' posts",
			before:   "## Legitimate interests\n" + aiBlock(allUsers, aiChats) + improvingBlock + aiBlock(adults, publicContent),
			after:    "## Legitimate interests\n" + aiBlock(allUsers, publicContent, aiChats) + improvingBlock + aiBlock(adults, publicContent),
			added:    []string{"ai_training:audio+minors", "ai_training:comments+minors", "ai_training:posts+minors", "ai_training:public_content+minors"},
			severity: SeverityCritical,
			summary:  "AI training now also uses minors' data: Posts, Comments, Audio, Public content.",
		},
		{
			// Meta, 25 February 2026: the line taken out again.
			name:     "AI training on minors' posts removed",
			before:   "## Legitimate interests\n" + aiBlock(allUsers, publicContent, aiChats) + improvingBlock + aiBlock(adults, publicContent),
			after:    "## Legitimate interests\n" + aiBlock(allUsers, aiChats) + improvingBlock + aiBlock(adults, publicContent),
			removed:  []string{"ai_training:audio+minors", "ai_training:comments+minors", "ai_training:posts+minors", "ai_training:public_content+minors"},
			severity: SeverityNotable,
			summary:  "AI training no longer uses minors' data: Posts, Comments, Audio, Public content.",
		},
		{
			name:     "AI training on data the policy named before",
			before:   "# AI\nWe collect your photos.\nWe use your posts to train our AI models.\n",
			after:    "# AI\nWe collect your photos.\nWe use your posts to train our AI models.\nWe also use your photos to train our AI models.\n",
			added:    []string{"ai_training:photos"},
			severity: SeverityCritical,
			summary:  "AI training now also uses: Photos.",
		},
		{
			name:     "another purpose: notable",
			before:   ads,
			after:    ads + "We use your location to show you ads.\n",
			added:    []string{"advertising:location"},
			severity: SeverityNotable,
			summary:  "Advertising now also uses: Location.",
		},
		{
			// A purpose named in a title alone (no statement counts it) is
			// told by its label all the same.
			name:     "a purpose named in a title alone",
			before:   "# Data\nWe collect your photos.\nResearch\nInformation we use:\n- Your posts\n",
			after:    "# Data\nWe collect your photos.\nResearch\nInformation we use:\n- Your posts\n- Your photos\n",
			added:    []string{"research:photos"},
			severity: SeverityNotable,
			summary:  "Research now also uses: Photos.",
		},
		{
			// AI training new to the policy, bound through a title alone
			// (no statement counts it among the topics): it "uses" its
			// data; "now also uses" said it had used some before.
			name:     "a purpose new through a title alone",
			before:   "# Privacy Policy\nWe collect your posts and photos.\n",
			after:    "# Privacy Policy\nWe collect your posts and photos.\nDeveloping and improving AI at Meta\nInformation we use:\n- Public content you create or share, like posts and photos\n",
			added:    []string{"ai_training:photos", "ai_training:posts", "ai_training:public_content"},
			severity: SeverityCritical,
			summary:  "AI training uses: Posts, Photos, Public content. Collected: + Public content.",
		},
		{
			// Only a statement whose text changed is evidence: the same
			// items listed under other titles are no change the analysis
			// can quote.
			name:     "items moved between blocks",
			before:   "Ads\nInformation we use:\n- Your photos\nResearch\nInformation we use:\n- Your posts\n",
			after:    "Ads\nInformation we use:\n- Your posts\nResearch\nInformation we use:\n- Your photos\n",
			severity: SeverityInfo,
			summary:  "Wording only.",
		},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Compare(tx.FactSheet(tt.before, "en", nil), tx.FactSheet(tt.after, "en", nil))
			if got := changeIDs(a.UsesAdded); !slices.Equal(got, tt.added) {
				t.Errorf("uses added %q, want %q", got, tt.added)
			}
			if got := changeIDs(a.UsesRemoved); !slices.Equal(got, tt.removed) {
				t.Errorf("uses removed %q, want %q", got, tt.removed)
			}
			if a.Severity != tt.severity || a.Summary != tt.summary {
				t.Errorf("%s %q\nwant %s %q", a.Severity, a.Summary, tt.severity, tt.summary)
			}
		})
	}
}

// TestMinorsInUsualPhrasings: AI training extended to minors' posts, in
// the ways ages are usually written ("users under 18", "aged 13 to 17",
// "de 13 à 17 ans"), is critical and says minors' data (the review's
// finding 5: "under 18" and "aged 13 to 17" were info, "No change to
// categories…"). Minors beside other data are the audience, not data of
// their own: "uses minors' data: Posts, Public content", not "…, Minors".
func TestMinorsInUsualPhrasings(t *testing.T) {
	const (
		en = "# Privacy Policy\nWe use your public posts to train our AI models.\n"
		fr = "# Politique\nNous utilisons vos publications publiques pour entraîner nos modèles d'IA.\n"
	)
	minorsPosts := []string{"ai_training:posts+minors", "ai_training:public_content+minors"}
	tests := []struct {
		lang, base, line string
		added            []string
	}{
		{"en", en, "We also use public posts from users under 18 to train our AI models.", minorsPosts},
		{"en", en, "We also use public posts from users under 16 to train our AI models.", minorsPosts},
		{"en", en, "We also use public posts from users aged 13 to 17 to train our AI models.", minorsPosts},
		{"en", en, "We also use public posts from users between 13 and 17 to train our AI models.", minorsPosts},
		{"en", en, "We also use public posts from users younger than 18 to train our AI models.", minorsPosts},
		{"en", en, "We also use public posts from teen accounts to train our AI models.", minorsPosts},
		{"en", en, "We also use public posts from users under the age of 18 to train our AI models.", minorsPosts},
		{"fr", fr, "Nous utilisons aussi les publications publiques des utilisateurs de 13 à 17 ans pour entraîner nos modèles d'IA.", minorsPosts},
		{"fr", fr, "Nous utilisons aussi les publications publiques des utilisateurs âgés de 13 à 17 ans pour entraîner nos modèles d'IA.", minorsPosts},
		{"fr", fr, "Nous utilisons aussi les publications publiques des moins de 18 ans pour entraîner nos modèles d'IA.", minorsPosts},
		// Minors as the only data stay data.
		{"en", en, "We use information about children to train our AI models.", []string{"ai_training:minors+minors"}},
		// Numbers that are no ages of minors.
		{"en", en, "We use public posts shared under 2 accounts to train our AI models.", nil},
		{"en", en, "We use public posts reported under 18 U.S.C. 2258A to train our AI models.", nil},
		// Adults, and spans of time (review 2, A5).
		{"en", en, "We also use public posts from people 18 years or older to train our AI models.", nil},
		{"en", en, "We also use public posts from users aged 18 and over to train our AI models.", nil},
		{"en", en, "We use public posts kept for under 18 months to train our AI models.", nil},
		{"fr", fr, "Nous utilisons aussi les publications publiques des personnes de 18 ans ou plus pour entraîner nos modèles d'IA.", nil},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		a := Compare(tx.FactSheet(tt.base, tt.lang, nil), tx.FactSheet(tt.base+tt.line+"\n", tt.lang, nil))
		if got := changeIDs(a.UsesAdded); !slices.Equal(got, tt.added) {
			t.Errorf("%s %q: uses added %q, want %q (%s)", tt.lang, tt.line, got, tt.added, a.Summary)
			continue
		}
		if tt.added != nil && (a.Severity != SeverityCritical || !strings.Contains(a.Summary, "minors' data: ") || strings.Contains(a.Summary, "Public content, Minors")) {
			t.Errorf("%s %q: %s %q, want critical, minors' data, and Minors not among them", tt.lang, tt.line, a.Severity, a.Summary)
		}
	}
}

// TestUsesSummaryIsCapped: a page rewritten whole may bind many uses; the
// summary names the first few and counts the rest.
func TestUsesSummaryIsCapped(t *testing.T) {
	var changes []UseChange
	for _, p := range []string{"ai_training", "advertising", "research"} {
		for _, c := range []string{"posts", "photos", "videos"} {
			changes = append(changes, UseChange{Purpose: p, Category: c, Quote: "We use your " + c + "."})
		}
	}
	changes = append(changes, UseChange{Purpose: "research", Category: "posts", Minors: true, Quote: "minors"})
	label := func(id string) string { return DefaultTaxonomy().Label(id, "en") }
	got := strings.Join(usesSummary(changes, true, nil, label), " ")
	want := "AI training now also uses: Posts, Photos, Videos. Advertising now also uses: Posts and 2 more. 3 more uses added."
	if got != want {
		t.Errorf("summary\n %q\nwant %q", got, want)
	}
	// Minors' and others' uses of a purpose are said together: a
	// category added for both is everyone's, one added for minors alone
	// says so, and comes first. A purpose the change adds "uses" its data.
	mixed := []UseChange{
		{Purpose: "research", Category: "posts", Quote: "We use your posts."},
		{Purpose: "research", Category: "posts", Minors: true, Quote: "minors"},
		{Purpose: "research", Category: "photos", Minors: true, Quote: "minors"},
	}
	got = strings.Join(usesSummary(mixed, true, []string{"research"}, label), " ")
	want = "Research uses: Photos (minors'), Posts."
	if got != want {
		t.Errorf("summary\n %q\nwant %q", got, want)
	}
	// Meta's step of 28 May 2025: four categories for everyone, then two
	// for minors alone, were "… Public content and 2 more.": minors' data
	// is what the cut must not hide.
	var may2025 []UseChange
	for _, c := range []string{"posts", "comments", "audio", "public_content"} {
		may2025 = append(may2025, UseChange{Purpose: "ai_training", Category: c, Quote: "Public content…"})
	}
	for _, c := range []string{"messages", "ai_interactions"} {
		may2025 = append(may2025, UseChange{Purpose: "ai_training", Category: c, Minors: true, Quote: "Interactions with Meta's AI…"})
	}
	got = strings.Join(usesSummary(may2025, true, []string{"ai_training"}, label), " ")
	want = "AI training uses: Messages (minors'), AI interactions (minors'), Posts, Comments and 2 more."
	if got != want {
		t.Errorf("summary\n %q\nwant %q", got, want)
	}
}

// TestAnalysisJSONNewParts: the parts of the analysis added after
// analyses were first stored — uses added and removed, objection forms
// moved — have the names the events format documents, and are left out
// when empty (analyses stored before have none).
func TestAnalysisJSONNewParts(t *testing.T) {
	for _, tc := range []struct {
		set  func(*Analysis)
		name string
		want []string
	}{
		{func(a *Analysis) {
			a.UsesAdded = []UseChange{{Purpose: "ai_training", Category: "posts", Minors: true, Quote: publicContent,
				Context: "Developing and improving AI at Meta", Section: "Legitimate interests"}}
			a.UsesRemoved = []UseChange{{Purpose: "advertising", Category: "profile", Quote: "Your profile information"}}
		}, "uses_", []string{
			`"uses_added":[{"purpose":"ai_training","category":"posts","minors":true,"quote":"` + publicContent + `","context":"Developing and improving AI at Meta","section":"Legitimate interests"}]`,
			`"uses_removed":[{"purpose":"advertising","category":"profile","quote":"Your profile information"}]`,
		}},
		{func(a *Analysis) {
			a.FormsMoved = []FormMove{{Text: "right to object to", Old: metaForm2023, New: metaHelp2026}}
		}, "forms_moved", []string{
			`"forms_moved":[{"text":"right to object to","old":"` + metaForm2023 + `","new":"` + metaHelp2026 + `"}]`,
		}},
	} {
		a := &Analysis{}
		if data, _ := json.Marshal(a); strings.Contains(string(data), tc.name) {
			t.Errorf("nothing set, JSON %s holds %s", data, tc.name)
		}
		tc.set(a)
		data, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range tc.want {
			if !strings.Contains(string(data), want) {
				t.Errorf("JSON %s\nwant it to hold %s", data, want)
			}
		}
	}
}

// TestFactSheetCapsUses: endless lists under a title that names purposes
// bind at most maxBindings places, and say the sheet was cut.
func TestFactSheetCapsUses(t *testing.T) {
	text := "Developing AI, advertising, research and safety\nYour activity and information you provide:\n" +
		strings.Repeat("- Your posts, photos, videos, comments and messages\n", 20000)
	sh := DefaultTaxonomy().FactSheet(text, "en", nil)
	n := 0
	for _, u := range sh.Uses {
		n += len(u.bindings)
	}
	if n > maxBindings || !sh.Truncated {
		t.Errorf("%d bindings, truncated %v; want at most %d and truncated", n, sh.Truncated, maxBindings)
	}
	if len(sh.Uses) == 0 {
		t.Error("no use read before the cap")
	}
}
