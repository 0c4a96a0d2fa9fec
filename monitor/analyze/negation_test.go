package analyze

import (
	"slices"
	"testing"
)

// TestCompareDeniedReassurances: a reassurance added beside a policy's
// clauses says what is NOT collected or used, mostly in the passive or
// with a negated subject, in English and French. Each was read as a fact
// ("critical | Collected: + Biometric data.", "Purpose added: AI
// training."): an alert to every subscriber saying the reverse of the
// policy (the review's finding 2, one row each). The rows after them are
// facts beside a negation, which must stay facts.
func TestCompareDeniedReassurances(t *testing.T) {
	const (
		en = "# Privacy Policy\nWe use your information to show you ads.\n"
		fr = "# Politique\nNous utilisons vos informations pour vous montrer des publicités.\n"
		// A sentence on AI training before, so that the line added is
		// the only change.
		frAI = fr + "Nous utilisons vos publications publiques pour entraîner l'IA.\n"
	)
	tests := []struct {
		lang, base, line string
		scope, purposes  []string // added; nil: none
		uses             []string // added, as purpose:category[+minors]
	}{
		// Denied: nothing added.
		{"en", en, "Biometric data such as face templates is not collected.", nil, nil, nil},
		{"en", en, "No biometric data is collected.", nil, nil, nil},
		{"en", en, "Your voice recordings are not used to train AI.", nil, nil, nil},
		{"fr", fr, "Les données biométriques ne sont pas collectées.", nil, nil, nil},
		{"fr", fr, "Aucune donnée de santé n'est collectée.", nil, nil, nil},
		{"fr", fr, "Vos messages privés ne sont pas utilisés pour entraîner l'IA.", nil, nil, nil},
		{"fr", fr, "Le contenu des mineurs n'est pas utilisé pour entraîner l'IA.", nil, nil, nil},
		{"fr", fr, "Aucune de vos conversations privées n'est utilisée pour entraîner l'IA.", nil, nil, nil},
		{"fr", fr, "Les messages privés restent exclus de l'entraînement de l'IA.", nil, nil, nil},
		// "message* ~4 ai" starts before the denial and reaches into it.
		{"en", en, "Private messages aren't used for AI training.", nil, nil, nil},
		{"en", en, "Private messages are excluded from AI training.", nil, nil, nil},
		{"en", en, "Neither your private messages nor your photos are used to train AI.", nil, nil, nil},
		{"en", en, "None of your private messages are used for AI training.", nil, nil, nil},
		{"en", en, "We train our AI models without using your private messages.", nil, nil, nil},
		{"fr", frAI, "Les publications des mineurs (moins de 18 ans) ne sont pas utilisées pour entraîner l'IA.", nil, nil, nil},
		{"en", en, "Your photos, videos and messages will never be used to train AI.", nil, nil, nil},
		{"en", en, "Your photos are no longer used for advertising.", nil, nil, nil},
		{"en", en, "We collect no biometric data.", nil, nil, nil},
		{"en", en, "We use none of your private messages to train AI.", nil, nil, nil},
		{"en", en, "Data we collect about your location is not sold.", nil, nil, nil},
		{"fr", fr, "Les données de localisation que nous collectons ne sont pas vendues.", nil, nil, nil},
		{"fr", fr, "Nous entraînons l'IA sans utiliser vos messages privés.", nil, nil, nil},
		{"fr", fr, "Ni vos messages privés ni vos photos ne sont utilisés pour entraîner l'IA.", nil, nil, nil},
		{"fr", fr, "Vos photos n'ont jamais été partagées avec nos partenaires.", nil, nil, nil},
		// An adverb between the auxiliary and the exclusion (the seed
		// article's "Les messages privés WhatsApp restent également
		// exclus de cette collecte").
		{"fr", fr, "Les messages privés WhatsApp restent également exclus de cette collecte.", nil, nil, nil},
		{"fr", fr, "Les messages privés sont aussi exclus de l'entraînement de l'IA.", nil, nil, nil},
		{"fr", fr, "Vos messages privés ne sont toujours pas utilisés pour entraîner l'IA.", nil, nil, nil},
		{"en", en, "WhatsApp private messages are also excluded from this collection.", nil, nil, nil},
		{"en", en, "Private messages are automatically excluded from AI training.", nil, nil, nil},
		// A plan denied: the negation reaches past "plan to", "prévoyons
		// pas de" to the verb.
		{"en", en, "We do not plan to use your private messages to train AI.", nil, nil, nil},
		{"en", en, "We have no plans to use your private messages to train AI.", nil, nil, nil},
		{"fr", fr, "Nous ne prévoyons pas d'utiliser vos messages privés pour entraîner l'IA.", nil, nil, nil},
		{"fr", fr, "Meta ne prévoit pas d'utiliser vos messages privés pour entraîner l'IA.", nil, nil, nil},
		// A start denied, after a plan or not: the negation reaches past
		// "start", "begin", "commencer à" to the verb. Each was AI
		// training on the messages.
		{"en", en, "We do not plan to start using your private messages to train AI.", nil, nil, nil},
		{"en", en, "We will not start using your private messages to train AI.", nil, nil, nil},
		{"en", en, "We have not started using your private messages to train AI.", nil, nil, nil},
		{"fr", fr, "Nous ne prévoyons pas de commencer à utiliser vos messages privés pour entraîner l'IA.", nil, nil, nil},
		{"fr", fr, "Nous ne commencerons pas à utiliser vos messages privés pour entraîner l'IA.", nil, nil, nil},

		// Facts beside a negation.
		{"en", en, "If you do not object, we will use your public posts to train AI.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, nil},
		{"fr", fr, "Si vous ne vous y opposez pas, vos publications publiques seront utilisées pour entraîner l'IA.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, nil},
		{"fr", fr, "Nous utilisons vos publications publiques pour entraîner l'IA, mais pas vos messages privés.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "We use your public posts to train AI, but not your private messages.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "Public posts, but not private messages, are used to train AI.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "Only public posts, and no private messages, are used to train AI.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "We use your public posts to train AI, and your private messages are not used.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "We do not sell your data, but your public posts are used to train AI.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "We use your public posts to train AI without asking for your consent.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "Your public posts are used to train AI.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "Your public posts are also used to train AI.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"fr", fr, "Vos publications publiques sont également utilisées pour entraîner l'IA.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "We collect your photos, which are not shared with advertisers.", []string{"photos"}, nil, nil},
		{"en", en, "Your posts are used for ads and are not shared with partners.", []string{"posts"}, nil, []string{"advertising:posts"}},
		{"en", en, "We keep your location data no longer than necessary.", []string{"location"}, nil, nil},
		// A denial ends at a semicolon, a colon, "while", "alors que"; a
		// negation and an exclusion cancel out; "no matter", "with no
		// exceptions" deny nothing (review 2, B1–B3).
		{"en", en, "Private messages are not used for AI training, while public posts and comments are used to train our AI models.",
			[]string{"posts", "comments", "public_content"}, []string{"ai_training"}, []string{"ai_training:comments", "ai_training:posts", "ai_training:public_content"}},
		{"en", en, "Private messages are not used; public posts and comments are used to train our AI models.",
			[]string{"posts", "comments", "public_content"}, []string{"ai_training"}, []string{"ai_training:comments", "ai_training:posts", "ai_training:public_content"}},
		{"fr", fr, "Vos messages privés ne sont pas utilisés pour entraîner l'IA, alors que vos publications publiques sont utilisées pour entraîner nos modèles d'IA.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "We no longer ask for consent: your public posts are used to train our AI models.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "Public posts by adults are not excluded from AI training.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, nil},
		{"fr", fr, "Les publications publiques des adultes ne sont pas exclues de l'entraînement de l'IA.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, nil},
		{"en", en, "No matter your settings, public posts are used to train our AI models.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, nil},
		{"en", en, "With no exceptions, your public posts and comments are used to train our AI models.",
			[]string{"posts", "comments", "public_content"}, []string{"ai_training"}, nil},
		{"en", en, "Biometric data is not collected; we do not use it.", nil, nil, nil},
		{"en", en, "We plan to use your public posts to train AI.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "Unless you tell us not to, we plan to use your public posts to train AI.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, nil},
		// A denial in a condition ends with it, at the comma before the
		// main clause: the use the main clause names is a fact. It was
		// denied to the end ("Rights: + Right to object." alone).
		{"en", en, "If you do not share your posts, you can object to the use of your public posts to train AI.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "If you have no intention of sharing your posts, you can object to the use of your public posts to train AI.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"fr", fr, "Si vous ne partagez pas vos publications, vous pouvez vous opposer à l'utilisation de vos publications publiques pour entraîner l'IA.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		{"en", en, "When we do not collect your location, we use your IP address to show you ads.",
			[]string{"device"}, nil, []string{"advertising:device"}},
		// Guards: a comma inside the condition does not end it, nor one
		// outside any.
		{"en", en, "If we do not use your photos, videos or messages to train AI, we will tell you.", nil, nil, nil},
		{"en", en, "We do not sell, rent or share your private messages.", nil, nil, nil},
		{"en", en, "We plan to start using your public posts to train AI.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, []string{"ai_training:posts", "ai_training:public_content"}},
		// A negation the analysis cannot place keeps the uses unbound,
		// as before.
		{"en", en, "We do not plan to start charging for our services, but we plan to start using your public posts to train AI.",
			[]string{"posts", "public_content"}, []string{"ai_training"}, nil},
	}
	tx := DefaultTaxonomy()
	for _, tt := range tests {
		a := Compare(tx.FactSheet(tt.base, tt.lang, nil), tx.FactSheet(tt.base+tt.line+"\n", tt.lang, nil))
		uses := changeIDs(a.UsesAdded)
		if !slices.Equal(a.ScopeAdded, orEmpty(tt.scope)) || !slices.Equal(a.PurposesAdded, orEmpty(tt.purposes)) || !slices.Equal(uses, tt.uses) {
			t.Errorf("%s %q: scope %v, purposes %v, uses %v (%s | %s)\nwant scope %v, purposes %v, uses %v",
				tt.lang, tt.line, a.ScopeAdded, a.PurposesAdded, uses, a.Severity, a.Summary, tt.scope, tt.purposes, tt.uses)
		}
		if tt.scope == nil && tt.purposes == nil && a.Severity == SeverityCritical {
			t.Errorf("%s %q: a denial is critical: %s", tt.lang, tt.line, a.Summary)
		}
	}
}

func orEmpty(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// TestWordGapsCutsWordsAsFoldDoes: the punctuation that parts a passive's
// subject from another clause is read from the text by wordGaps, which
// must cut it into the words fold cuts, accents, apostrophes and
// combining marks included; a comma inside a word ("1,000") is no gap.
func TestWordGapsCutsWordsAsFoldDoes(t *testing.T) {
	tests := []struct {
		text string
		gaps string // per word: "," after clause punctuation, "." otherwise
	}{
		{"We use your photos for ads, and your messages are not used.", "......,....."},
		{"Les données (moins de 18 ans) ne sont pas collectées", "..,...,..."},
		{"Vos messages n’ont pas été partagés — jamais.", ".......,"},
		{"Cafe\u0301s; œuvres: 1,000 items", ".,,.."},
		{"", ""},
	}
	var f folder
	for _, tt := range tests {
		words := f.fold(tt.text)
		gaps := wordGaps(tt.text, len(words))
		got := make([]byte, len(words))
		for i := range words {
			got[i] = '.'
			if gaps[i] != 0 {
				got[i] = ','
			}
		}
		if string(got) != tt.gaps {
			t.Errorf("%q: words %q, gaps %q, want %q", tt.text, words, got, tt.gaps)
		}
	}
}
