package analyze

import (
	"slices"
	"testing"
)

// denialRow is a line added to a policy and what the change must say.
type denialRow struct {
	lang, line string
	severity   Severity
	summary    string
	uses       []string // added, as purpose:category[+minors]; nil: none
}

// checkAdded adds each row's line to a one-line policy and compares the
// analysis with the row's.
func checkAdded(t *testing.T, rows []denialRow) {
	t.Helper()
	const base = "# P\nWe collect your name.\n"
	tx := DefaultTaxonomy()
	for _, tt := range rows {
		a := Compare(tx.FactSheet(base, tt.lang, nil), tx.FactSheet(base+tt.line+"\n", tt.lang, nil))
		if uses := changeIDs(a.UsesAdded); a.Severity != tt.severity || a.Summary != tt.summary || !slices.Equal(uses, tt.uses) {
			t.Errorf("%s %q:\n got %s | %s | uses %v\nwant %s | %s | uses %v", tt.lang, tt.line,
				a.Severity, a.Summary, uses, tt.severity, tt.summary, tt.uses)
		}
	}
}

// TestUsesBesideADenial: a statement that denies one thing and states
// another binds the use it states, and not what it denies. Any negation
// kept a statement from binding its uses, so each of these said AI
// training and its data apart, never that AI training uses the posts.
func TestUsesBesideADenial(t *testing.T) {
	const posts = "Purpose added: AI training. AI training uses: Posts, Public content. Collected: + Posts, + Public content."
	checkAdded(t, []denialRow{
		{"en", "We use your public posts, but not your private messages, to train AI.", SeverityCritical, posts,
			[]string{"ai_training:posts", "ai_training:public_content"}},
		{"en", "We do not sell your messages, and we use your public posts to train AI.", SeverityCritical, posts,
			[]string{"ai_training:posts", "ai_training:public_content"}},
		{"fr", "Nous ne vendons pas vos messages, et nous utilisons vos publications publiques pour entraîner l'IA.", SeverityCritical, posts,
			[]string{"ai_training:posts", "ai_training:public_content"}},
		{"en", "We do not use your private messages for AI training, but we use your public posts for ads.", SeverityCritical,
			"Purpose added: Advertising. Collected: + Posts, + Public content. Advertising uses: Posts, Public content.",
			[]string{"advertising:posts", "advertising:public_content"}},
	})
}

// TestDenialEndsAtANewClause: a denial's scope ends at "but", "and",
// "mais" or "et" that open a clause of their own, and a pronoun or an
// elided subject after it stands for the data it denied, stated again
// for another verb. Each denied the data for the one verb and so left the
// purpose of the next without data: "Wording only." (the first four from
// the review), or denied the clause after "and" whole.
func TestDenialEndsAtANewClause(t *testing.T) {
	const (
		posts       = "Purpose added: AI training. AI training uses: Posts. Collected: + Posts."
		publicPosts = "Purpose added: AI training. AI training uses: Posts, Public content. Collected: + Posts, + Public content."
	)
	postsUse := []string{"ai_training:posts"}
	publicUses := []string{"ai_training:posts", "ai_training:public_content"}
	checkAdded(t, []denialRow{
		{"en", "Your posts are not sold, but they are used to train our AI models.", SeverityCritical, posts, postsUse},
		{"en", "Your public posts are never sold and are used to train our AI models.", SeverityCritical, publicPosts, publicUses},
		{"en", "Your public posts are never sold and are also used to train our AI models.", SeverityCritical, publicPosts, publicUses},
		{"en", "Your posts will not be sold and will only be used to train our AI models.", SeverityCritical, posts, postsUse},
		{"en", "We do not sell your public posts and use them to train our AI models.", SeverityCritical, publicPosts, publicUses},
		{"en", "We do not sell your data, but we use it for ads.", SeverityCritical, "Purpose added: Advertising.", nil},
		{"en", "Private messages are not used for ads, and public posts are used to train AI.", SeverityCritical, publicPosts, publicUses},
		{"en", "We do not sell your posts and will use your photos for ads.", SeverityCritical,
			"Purpose added: Advertising. Collected: + Photos. Advertising uses: Photos.", []string{"advertising:photos"}},
		{"fr", "Vos publications ne sont pas vendues, mais elles sont utilisées pour entraîner nos modèles d'IA.", SeverityCritical, posts, postsUse},
		{"fr", "Vos publications publiques ne sont jamais vendues et sont utilisées pour entraîner nos modèles d'IA.", SeverityCritical, publicPosts, publicUses},
		{"fr", "Vos publications ne sont jamais vendues mais sont aussi utilisées pour entraîner nos modèles d'IA.", SeverityCritical, posts, postsUse},
		{"fr", "Nous ne vendons pas vos publications publiques et les utilisons pour entraîner nos modèles d'IA.", SeverityCritical, publicPosts, publicUses},
		{"fr", "Nous ne vendons pas vos données, mais nous les utilisons pour la publicité.", SeverityCritical, "Purpose added: Advertising.", nil},
		// A subject that a negative determiner heads after the turn is
		// denied with its verb: no AI training, no use, no start (it bound
		// AI training to the posts and read "AI training starts").
		{"en", "You can still share public posts, but from 1 June 2025 none of them will be used to train our AI.", SeverityCritical,
			"Collected: + Posts, + Public content. Upcoming update none → 1 Jun 2025.", nil},
	})
}

// TestElidedPredicate: "but Y are" and "mais Y le sont" after a denial
// repeat its predicate without the negation. Each was a critical
// "Collected: + Posts, + Public content." without AI training: the
// purpose was denied with the private messages, and the public posts
// named for nothing.
func TestElidedPredicate(t *testing.T) {
	const (
		publicPosts = "Purpose added: AI training. AI training uses: Posts, Public content. Collected: + Posts, + Public content."
		messages    = "Purpose added: AI training. AI training uses: Messages. Collected: + Messages."
	)
	publicUses := []string{"ai_training:posts", "ai_training:public_content"}
	messagesUse := []string{"ai_training:messages"}
	checkAdded(t, []denialRow{
		{"en", "Private messages are not used for AI training, but public messages are.", SeverityCritical, messages, messagesUse},
		{"en", "Private messages are not used for AI training, but public posts are.", SeverityCritical, publicPosts, publicUses},
		{"en", "Private messages are not used for AI training, but public posts are too.", SeverityCritical, publicPosts, publicUses},
		{"en", "Private messages are not used for AI training, while public posts and comments are.", SeverityCritical,
			"Purpose added: AI training. AI training uses: Posts, Comments, Public content. Collected: + Posts, + Comments, + Public content.",
			[]string{"ai_training:comments", "ai_training:posts", "ai_training:public_content"}},
		{"fr", "Vos messages privés ne sont pas utilisés pour entraîner l'IA, mais vos publications publiques le sont.", SeverityCritical, publicPosts, publicUses},
		{"fr", "Vos messages privés ne sont pas utilisés pour entraîner l'IA, alors que vos publications publiques le sont.", SeverityCritical, publicPosts, publicUses},
		// "ones", or a French article and adjective alone, stand for the
		// noun of the denied subject, with the adjectives they give
		// (last review, 3): "public ones" are public messages. They were
		// "Wording only.": AI training bound to no data.
		{"en", "Private messages are not used for AI training, but public ones are.", SeverityCritical, messages, messagesUse},
		{"en", "Your private messages are not used for AI training, but your public ones are.", SeverityCritical, messages, messagesUse},
		{"en", "Private posts are not used to train AI, but public ones are too.", SeverityCritical, publicPosts, publicUses},
		{"fr", "Les messages privés ne sont pas utilisés pour l'entraînement de l'IA, mais les publics le sont.", SeverityCritical, messages, messagesUse},
		{"fr", "Les publications privées ne sont pas utilisées pour entraîner l'IA, mais les publiques le sont.", SeverityCritical, publicPosts, publicUses},
	})
}

// TestDeniedRights: a right that a negative determiner heads ("There is
// no opt-out", "pas de droit d'opposition") or a negated ability stands
// before ("You cannot object", "ne pouvez pas vous opposer") is no right
// offered. Each added "Rights: + Right to object", and bound no use: its
// negation stopped the statement from binding AI training to the posts.
func TestDeniedRights(t *testing.T) {
	const publicPosts = "Purpose added: AI training. AI training uses: Posts, Public content. Collected: + Posts, + Public content."
	publicUses := []string{"ai_training:posts", "ai_training:public_content"}
	checkAdded(t, []denialRow{
		{"en", "There is no opt-out: your public posts are used to train our AI models.", SeverityCritical, publicPosts, publicUses},
		{"en", "There is no way to object to the use of your public posts to train our AI models.", SeverityCritical, publicPosts, publicUses},
		{"en", "You have no right to object: your public posts are used to train our AI models.", SeverityCritical, publicPosts, publicUses},
		{"en", "You cannot object to the use of your public posts to train our AI models.", SeverityCritical, publicPosts, publicUses},
		{"en", "You can't opt out: your public posts are used to train our AI models.", SeverityCritical, publicPosts, publicUses},
		{"en", "You will no longer be able to opt out: your public posts are used to train our AI models.", SeverityCritical, publicPosts, publicUses},
		// The patterns that hold their own negation are read as denials.
		{"en", "You cannot object: your public posts are used to train our AI models.", SeverityCritical, publicPosts, publicUses},
		{"en", "You can no longer object: your public posts are used to train our AI models.", SeverityCritical, publicPosts, publicUses},
		{"en", "You can't object: your public posts are used to train our AI models.", SeverityCritical, publicPosts, publicUses},
		{"en", "You can't object to the use of your public posts to train our AI models.", SeverityCritical, publicPosts, publicUses},
		{"en", "You won't be able to object: your public posts are used to train our AI models.", SeverityCritical, publicPosts, publicUses},
		{"fr", "Il n'y a pas de droit d'opposition : vos publications publiques sont utilisées pour entraîner nos modèles d'IA.", SeverityCritical, publicPosts, publicUses},
		{"fr", "Vous ne pouvez pas vous opposer à l'utilisation de vos publications publiques pour entraîner nos modèles d'IA.", SeverityCritical, publicPosts, publicUses},
		{"fr", "Aucune possibilité de vous opposer : vos publications publiques sont utilisées pour entraîner nos modèles d'IA.", SeverityCritical, publicPosts, publicUses},
	})
}

// TestDeniedIntentions: an intention denied ("We have no intention of
// using…", "It is not our intention to use…", "Nous n'avons pas
// l'intention d'utiliser…") denies the use, as "We do not plan to use…"
// and "Nous ne prévoyons pas d'utiliser…" do: each was "Purpose added: AI
// training" on the private messages, critical. With a date it stays an
// upcoming one, no start of AI training. A negation of another verb
// before an intention or a use leaves them what they were.
func TestDeniedIntentions(t *testing.T) {
	const (
		upcoming = "Upcoming update none → 27 May 2025."
		posts    = "Purpose added: AI training. AI training uses: Posts, Public content. Collected: + Posts, + Public content."
		unbound  = "Purpose added: AI training. Collected: + Posts, + Public content."
	)
	publicUses := []string{"ai_training:posts", "ai_training:public_content"}
	checkAdded(t, []denialRow{
		{"en", "We have no intention of using your private messages to train AI.", SeverityInfo, "Wording only.", nil},
		{"en", "We have no intention of using your private messages to train AI from 27 May 2025.", SeverityNotable, upcoming, nil},
		{"en", "We have no intention of starting to use your private messages to train AI.", SeverityInfo, "Wording only.", nil},
		{"en", "It is not our intention to use your private messages to train AI.", SeverityInfo, "Wording only.", nil},
		{"en", "We do not intend to start using your private messages to train AI.", SeverityInfo, "Wording only.", nil},
		{"en", "We do not intend to start using your private messages to train AI from 27 May 2025.", SeverityNotable, upcoming, nil},
		{"fr", "Nous n'avons pas l'intention d'utiliser vos messages privés pour entraîner l'IA.", SeverityInfo, "Wording only.", nil},
		{"fr", "Nous n'avons pas l'intention d'utiliser vos messages privés pour entraîner l'IA à partir du 27 mai 2025.", SeverityNotable, upcoming, nil},
		{"fr", "Nous n'avons aucune intention d'utiliser vos messages privés pour entraîner l'IA.", SeverityInfo, "Wording only.", nil},
		{"fr", "Meta n'a pas l'intention de commencer à utiliser vos messages privés pour entraîner l'IA.", SeverityInfo, "Wording only.", nil},
		{"fr", "Ce n'est pas notre intention d'utiliser vos messages privés pour entraîner l'IA.", SeverityInfo, "Wording only.", nil},
		// Guards: as it was.
		{"en", "We do not intend to use your private messages to train AI.", SeverityInfo, "Wording only.", nil},
		{"fr", "Nous ne prévoyons pas d'utiliser vos messages privés pour entraîner l'IA.", SeverityInfo, "Wording only.", nil},
		{"en", "We have the intention of using your public posts to train AI.", SeverityCritical, posts, publicUses},
		{"fr", "Nous avons l'intention d'utiliser vos publications publiques pour entraîner l'IA.", SeverityCritical, posts, publicUses},
		// The intention denied is of another verb, and the use after it
		// a fact: after a new clause of ours, bound now that the denial
		// is placed (an unplaced negation left it unbound); after the
		// denial of no verb of processing, unbound as before, as after
		// "We do not charge…, but…".
		{"en", "We have no intention of selling your data, and we use your public posts to train AI.", SeverityCritical, posts, publicUses},
		{"fr", "Nous n'avons pas l'intention de vendre vos données, et nous utilisons vos publications publiques pour entraîner l'IA.", SeverityCritical, posts, publicUses},
		{"en", "We have no intention of changing this policy, but we use your public posts to train AI.", SeverityCritical, unbound, nil},
		{"fr", "Nous n'avons pas l'intention de modifier cette politique, mais nous utilisons vos publications publiques pour entraîner l'IA.", SeverityCritical, unbound, nil},
		{"en", "No intention to object is needed: your public posts are used to train AI.", SeverityCritical, unbound + " Rights: + Right to object.", nil},
	})
}

// TestStoppedUses: a use that stops ("We plan to stop using your public
// posts to train AI", "We will cease using…", "We are discontinuing the
// use of…", "Meta va arrêter d'utiliser…", "Nous cesserons d'utiliser…")
// is no use from then on, and reads as "We will no longer use…" does.
// Each was "Purpose added: AI training" on the posts, critical; with a
// date, beside an upcoming update it stays. A stop of what is no verb of
// processing ("stop showing you ads") is read as before, as is a stop the
// reader asks for, which presumes the use, and a stop denied ("We do not
// stop using…"): its negation, placed nowhere, leaves the uses unbound.
func TestStoppedUses(t *testing.T) {
	const (
		posts    = "Purpose added: AI training. AI training uses: Posts, Public content. Collected: + Posts, + Public content."
		unbound  = "Purpose added: AI training. Collected: + Posts, + Public content."
		upcoming = "Upcoming update none → 1 Jul 2025."
	)
	publicUses := []string{"ai_training:posts", "ai_training:public_content"}
	checkAdded(t, []denialRow{
		{"en", "We plan to stop using your public posts to train AI.", SeverityInfo, "Wording only.", nil},
		{"en", "We will cease using your public posts to train AI.", SeverityInfo, "Wording only.", nil},
		{"en", "We will cease to use your public posts to train AI.", SeverityInfo, "Wording only.", nil},
		{"en", "We are discontinuing the use of your posts to train AI.", SeverityInfo, "Wording only.", nil},
		{"en", "We will discontinue using your public posts to train AI.", SeverityInfo, "Wording only.", nil},
		{"en", "We stopped using your public posts to train AI.", SeverityInfo, "Wording only.", nil},
		{"en", "Your public posts will stop being used to train AI.", SeverityInfo, "Wording only.", nil},
		{"en", "Your public posts will cease to be used to train AI.", SeverityInfo, "Wording only.", nil},
		{"fr", "Meta va arrêter d'utiliser vos publications publiques pour entraîner l'IA.", SeverityInfo, "Wording only.", nil},
		{"fr", "Nous cesserons d'utiliser vos publications publiques pour entraîner l'IA.", SeverityInfo, "Wording only.", nil},
		{"fr", "Nous arrêterons l'utilisation de vos publications publiques pour entraîner l'IA.", SeverityInfo, "Wording only.", nil},
		{"fr", "Vos publications publiques cesseront d'être utilisées pour entraîner l'IA.", SeverityInfo, "Wording only.", nil},
		// With its date: an upcoming update, as "we will no longer use".
		{"en", "From 1 July 2025 we will stop using your public posts to train AI.", SeverityNotable, upcoming, nil},
		{"en", "From 1 July 2025 we will no longer use your public posts to train AI.", SeverityNotable, upcoming, nil},
		{"en", "We plan to stop using your public posts to train AI from 1 July 2025.", SeverityNotable, upcoming, nil},
		{"fr", "À partir du 1er juillet 2025, nous cesserons d'utiliser vos publications publiques pour entraîner l'IA.", SeverityNotable, upcoming, nil},
		{"fr", "Meta va arrêter d'utiliser vos publications publiques pour entraîner l'IA à partir du 1er juillet 2025.", SeverityNotable, upcoming, nil},
		// A stop and a use in clauses of their own: the use stays, the
		// stopped one goes (it bound Advertising and AI training to the
		// location).
		{"en", "We will stop using your location for ads, and we will use your public posts to train AI.", SeverityCritical, posts, publicUses},
		{"en", "We will stop using your location for ads, but your public posts are used to train AI.", SeverityCritical, posts, publicUses},
		// Guards: as it was.
		{"en", "We stopped sending you emails, and we use your public posts to train AI.", SeverityCritical, posts, publicUses},
		{"en", "We will stop showing you ads based on your location.", SeverityCritical, "Purpose added: Advertising. Collected: + Location.", nil},
		{"en", "We use your location to stop access to your account from unknown devices.", SeverityCritical, "Collected: + Location, + Device information.", nil},
		{"fr", "Nous arrêterons de vous montrer des publicités basées sur votre localisation.", SeverityCritical, "Purpose added: Advertising. Collected: + Location.", nil},
		{"en", "You can ask us to stop using your public posts to train AI.", SeverityCritical, posts, publicUses},
		{"fr", "Vous pouvez nous demander d'arrêter d'utiliser vos publications publiques pour entraîner l'IA.", SeverityCritical, posts, publicUses},
		{"en", "If you stop using our products, we will still use your public posts to train AI.", SeverityCritical, posts, publicUses},
		// A stop that presumes the use: the reader's own, a right or a
		// means of the reader's, a possibility, one upon an objection.
		// Each read as a denial of the use, which hid it.
		{"en", "Even after you stop using our Products, we may continue to use your public posts to train AI.", SeverityCritical, posts, publicUses},
		{"en", "Until you stop using our Products, we use your public posts to train AI.", SeverityCritical, posts, publicUses},
		{"en", "After you stop using Facebook we keep using your public posts to train AI.", SeverityCritical, posts, publicUses},
		{"en", "If you stop using Instagram we may still use your public posts to train AI.", SeverityCritical, posts, publicUses},
		{"en", "You have the right to stop the processing of your public posts to train AI.", SeverityCritical, posts, publicUses},
		{"en", "You can stop sharing your location with us at any time in your device settings.", SeverityCritical, "Collected: + Location, + Device information.", nil},
		{"fr", "Vous pouvez arrêter de partager votre localisation avec nous à tout moment.", SeverityCritical, "Collected: + Location.", nil},
		{"en", "We may stop using your public posts to train AI.", SeverityCritical, posts, publicUses},
		{"en", "If you object, we will stop using your public posts to train AI.", SeverityCritical, posts + " Rights: + Right to object.", publicUses},
		{"en", "We will stop using your public posts to train AI if you object.", SeverityCritical, posts + " Rights: + Right to object.", publicUses},
		// Ours again past a comma or a semicolon: the reader named in
		// another clause, an objection in another part of the sentence.
		{"en", "To protect you, we will stop using your public posts to train AI.", SeverityInfo, "Wording only.", nil},
		{"en", "We will stop using your public posts to train AI; you can object to other uses in Settings.", SeverityNotable, "Rights: + Right to object.", nil},
		{"fr", "Si vous vous opposez, nous cesserons d'utiliser vos publications publiques pour entraîner l'IA.", SeverityCritical, posts + " Rights: + Right to object.", publicUses},
		{"en", "We do not stop using your public posts to train AI.", SeverityCritical, unbound, nil},
		{"en", "We do not plan to stop using your public posts to train AI.", SeverityCritical, unbound, nil},
		{"fr", "Nous n'arrêterons pas d'utiliser vos publications publiques pour entraîner l'IA.", SeverityCritical, unbound, nil},
	})
	checkRoles(t, []roleRow{
		{"en", "From 1 July 2025 we will stop using your public posts to train AI.", []DateRole{RoleUpcoming}},
		{"en", "Starting 1 July 2025, we will cease using your public posts to train AI.", []DateRole{RoleUpcoming}},
		{"en", "From 1 July 2025, your public posts will stop being used to train AI.", []DateRole{RoleUpcoming}},
		{"fr", "Meta va arrêter d'utiliser vos publications publiques pour entraîner l'IA à partir du 1er juillet 2025.", []DateRole{RoleUpcoming}},
		{"en", "Since 27 May 2025, we have stopped using your public posts to train AI.", []DateRole{RoleOther}},
		{"fr", "Depuis le 27 mai 2025, nous avons cessé d'utiliser vos publications publiques pour entraîner l'IA.", []DateRole{RoleOther}},
		// Guard: a start beside a stop starts its use.
		{"en", "We will start using your public posts to train AI on 1 July 2025 and stop using your private messages.", []DateRole{RoleStart}},
	})
	checkDateMoves(t, reportBase, []dateMove{
		dayMoved("en", "From DATE, we will cease using your public posts to train AI.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
	})
	checkDateMoves(t, frReportBase, []dateMove{
		dayMoved("fr", "Meta va arrêter d'utiliser vos publications publiques pour entraîner l'IA à partir du DATE.", SeverityNotable, "Upcoming update 26 May 2025 → 27 May 2025."),
	})
}
