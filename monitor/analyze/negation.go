package analyze

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Negated statements. "We do not use your posts to train our AI models"
// names a purpose and data only to deny them: read as a fact, it was
// reported as "Purpose added: AI training", critical, the reverse of what
// the policy says. A negation counts when it governs a verb of processing
// ("do not use", "never sell", "n'utilisons pas", "ne vendons jamais",
// "without using", "sans les partager"): a negation elsewhere ("if you do
// not object, we will use…", "unless you tell us not to, we use…") leaves
// the statement a fact. Its scope runs from that verb to the end of the
// statement, a word that turns it round ("but", "however", "mais"), a
// new clause of ours ("and we") or an "and" that opens a clause of its
// own ("and are used", "and use them", "et les utilisons"); a statement
// may hold several (see denied). A pronoun or an elided subject after it
// states the denied data again, for another verb: "Your posts are not
// sold, but they are used to train our AI models" is AI training on posts.
// An elided predicate after it repeats the denied one without its
// negation: "Private messages are not used for AI training, but public
// posts are" is AI training on public posts (see recalls). A use that
// stops is denied as one no longer made: "we will stop using", "are
// discontinuing the use of", "nous cesserons d'utiliser" (see haltVerb).
//
// Reassurances are mostly written in the passive, where what is denied
// stands before the verb: "Biometric data is not collected", "Your voice
// recordings are not used to train AI", "Les données biométriques ne sont
// pas collectées", "Private messages are excluded from AI training". A
// denied passive denies its subject too, back to where its clause begins
// (see subjectStart). So does a subject that is itself negated: "No
// biometric data is collected", "None of your messages are used…",
// "Neither your messages nor your photos are used…", "Aucune donnée de
// santé n'est collectée".
//
// Rights are not denied with what a verb of processing governs ("we will
// not use your posts if you object" offers the objection), but by a
// negative determiner or a negated ability of their own: "There is no
// opt-out", "You cannot object", "Vous ne pouvez pas vous opposer" offer
// no right (see rightDenial).

// isNegationCue reports whether the folded word w denies the verb after it
// (folding splits "don't" into "don t", "n'utilisons" into "n utilisons").
// A switch, not a map: it runs on every word of a policy.
func isNegationCue(w string) bool {
	switch w {
	case "not", "never", "t", "cannot", "nor", "no", "ne", "n", "jamais":
		return true
	}
	return false
}

// opensDenial reports whether w denies a verb of processing that follows
// it: the negation cues, and the words that exclude what they govern
// ("without using", "sans les partager", "neither sell nor share"). Only
// denied reads these: statedUses rejects a statement for any negation cue
// at all, and "We use your posts to train AI without your consent" still
// binds its use.
func opensDenial(w string) bool {
	switch w {
	case "without", "sans", "neither":
		return true
	}
	return isNegationCue(w)
}

// negationBridges may stand between a cue and its verb ("do not ever
// sell", "will never directly share", "nous ne les vendons pas", "ne sont
// pas collectées", "n'a pas été utilisé", "ne sont plus utilisées", "are
// also excluded", "restent également exclus").
var negationBridges = map[string]bool{
	"ever": true, "currently": true, "directly": true, "otherwise": true, "knowingly": true, "longer": true,
	"also": true, "still": true, "always": true, "automatically": true, "likewise": true,
	"egalement": true, "aussi": true, "toujours": true, "automatiquement": true,
	"be": true, "been": true, "have": true, "and": true, "or": true,
	"les": true, "la": true, "le": true, "l": true, "vous": true, "leur": true, "y": true, "en": true,
	"est": true, "sont": true, "sera": true, "seront": true, "etait": true, "etaient": true, "ete": true,
	"a": true, "ont": true, "avons": true, "pas": true, "plus": true,
}

// intentionAt reports whether words[j] is part of an intention that
// stands between a negation and the verb of processing it denies: "do not
// plan to use", "are not planning to share", "have no plans to use",
// "have no intention of using", "it is not our intention to use", "ne
// prévoyons pas d'utiliser", "n'a pas prévu de traiter", "n'avons pas
// l'intention d'utiliser", "n'avons aucune intention de…". Not a bridge
// of its own: "to", "of" and "de" stand after many words that deny
// nothing.
func intentionAt(words []string, j int) bool {
	switch words[j] {
	case "to", "d", "de", "of":
		// Right after the intention, or after a bridge that follows it
		// ("prévoyons pas d'utiliser").
		return j > 0 && intentions[words[j-1]] || j > 1 && intentions[words[j-2]] && negationBridges[words[j-1]]
	case "aucun", "aucune", "our", "notre":
		// Only before the intention ("is not our intention to use"): not
		// bridges, "n'utilisons aucune donnée" is denied by its own branch
		// in denied, and "do not share our data" denies the sharing.
		return j+1 < len(words) && intentions[words[j+1]]
	}
	if !intentions[words[j]] {
		return false
	}
	for k := j + 1; k < len(words) && k <= j+2; k++ {
		switch words[k] {
		case "to", "d", "de", "of":
			return true
		}
		if !negationBridges[words[k]] {
			return false
		}
	}
	return false
}

// intentions are the verbs and nouns of a plan to do something, which a
// negation before them denies the doing of (intentionAt).
var intentions = map[string]bool{
	"plan": true, "plans": true, "planning": true, "planned": true, "intend": true, "intends": true, "intending": true,
	"prevoyons": true, "prevoit": true, "prevoient": true, "prevoir": true, "prevu": true,
	"intention": true, "intentions": true,
}

// maxPlanWords bounds how many words of a plan or a start (intentionAt,
// inceptionAt) lengthen a negation's reach to its verb, so that a hostile
// chain of them costs a few looks, not one per word.
const maxPlanWords = 4

// inceptionAt reports whether words[j] is part of a start that stands
// between a negation and the verb of processing it denies, after an
// intention or not: "will not start using", "do not plan to begin to
// use", "do not intend to start using", "ne prévoit pas de commencer à
// utiliser". A use that does not start is not made: the verb is denied.
// Only before a verb of processing ("do not plan to start sending you
// notices" denies no use), and "to" only after the start ("à" is a bridge).
func inceptionAt(words []string, j int) bool {
	w := words[j]
	if w == "to" {
		return j > 0 && inceptions[words[j-1]] && j+1 < len(words) && isProcessingVerb(words[j+1])
	}
	if !inceptions[w] {
		return false
	}
	for k := j + 1; k < len(words) && k <= j+3; k++ {
		switch v := words[k]; {
		case isProcessingVerb(v):
			return true
		case v != "to" && !negationBridges[v]:
			return false
		}
	}
	return false
}

// inceptions are the verbs that start something: a use (inceptionAt), or
// what a statement says starts (startVerb).
var inceptions = map[string]bool{
	"start": true, "starts": true, "starting": true, "started": true, "begin": true, "begins": true, "beginning": true, "began": true, "begun": true,
	"commencer": true, "commencerons": true, "commencera": true, "commenceront": true, "commence": true, "commencent": true, "commencons": true,
	"debuter": true, "debute": true, "debutera": true,
}

// haltVerb returns where the verb of processing stands whose use the
// verb words[j] stops, -1 when it stops none: "will stop using", "plan
// to stop using", "will cease to use", "are discontinuing the use of",
// "va arrêter d'utiliser", "cesserons de traiter", "cesseront d'être
// utilisées". The verb is looked for first: nearly every stop found
// ("a stop sign") stops no use. A use that stops
// is no use from then on, as one that is no longer made: denied calls it
// a denial. Only before a verb of processing, a few little words apart
// ("will stop showing you ads based on your location", "to stop access
// to your account" stop no use), and not where the stop presumes the
// use: one the reader asks for ("You can ask us to stop using your posts
// to train AI"), makes ("Even after you stop using our Products, we
// use…", "You can stop sharing your location"), has the right or the
// means to ("the right to stop the processing of…"), one that may be
// made ("we may stop using…"), and one made upon an objection ("If you
// object, we will stop using…").
//
// The words before the stop count within its clause ("To protect you, we
// will stop using…" is ours), an objection within its sentence's part up
// to a semicolon or colon ("If you object, we will stop using…", not "We
// will stop using your location; you can object to other uses"); gaps
// gives the punctuation before each word (wordGaps), read only for a
// stop of a use.
func haltVerb(words []string, j int, gaps func() []byte) int {
	if !halts[words[j]] {
		return -1
	}
	verb := -1
	for k := j + 1; k < len(words) && k <= j+3; k++ {
		if v := words[k]; isProcessingVerb(v) {
			// Right after the stop, a verb's -ing form: "stop access to
			// your account" stops no use.
			if k > j+1 || strings.HasSuffix(v, "ing") {
				verb = k
			}
			break
		} else if !haltWords[v] {
			break
		}
	}
	if verb < 0 {
		return -1
	}
	g := gaps()
	for k := j - 1; k >= 0 && k >= j-4 && g[k+1] == 0; k-- {
		if requests[words[k]] || haltPresumers[words[k]] {
			return -1
		}
	}
	for k := j - 1; k >= 0 && k >= j-haltObjectionReach && g[k+1] != ';'; k-- {
		if objectionWords[words[k]] {
			return -1
		}
	}
	for k := j + 1; k < len(words) && k <= j+haltObjectionReach && g[k] != ';'; k++ {
		if objectionWords[words[k]] {
			return -1
		}
	}
	return verb
}

// halts are the verbs that stop a use (haltVerb).
var halts = map[string]bool{
	"stop": true, "stops": true, "stopping": true, "stopped": true,
	"cease": true, "ceases": true, "ceasing": true, "ceased": true,
	"discontinue": true, "discontinues": true, "discontinuing": true, "discontinued": true,
	"arreter": true, "arreterons": true, "arretera": true, "arreteront": true, "arretons": true, "arrete": true, "arretent": true,
	"cesser": true, "cesserons": true, "cessera": true, "cesseront": true, "cessons": true, "cesse": true, "cessent": true,
}

// haltWords may stand between a stop and the verb it stops: "cease to
// use", "discontinue the use of", "arrêter d'utiliser", "arrêter de les
// utiliser", "stop being used", "cesser d'être utilisées".
var haltWords = map[string]bool{
	"to": true, "the": true, "be": true, "being": true,
	"d": true, "de": true, "l": true, "la": true, "le": true, "les": true, "etre": true,
}

// haltPresumers before a stop make it the reader's ("you stop using our
// Products", "vous pouvez arrêter de partager"), a right or a means of
// the reader's ("the right to stop the processing"), or a mere
// possibility ("we may stop using"): each presumes the use.
var haltPresumers = map[string]bool{
	"you": true, "vous": true, "tu": true,
	"can": true, "could": true, "may": true, "might": true, "able": true, "right": true, "rights": true, "option": true, "choose": true,
	"pouvez": true, "peux": true, "pouvons": true, "peut": true, "peuvent": true, "pourrez": true, "pourra": true, "pourrons": true, "pourront": true,
	"droit": true, "droits": true, "choisir": true,
}

// haltObjectionReach bounds how far from a stop an objection is looked for
// (haltVerb): "If you object, we will stop using…", "We will stop using …
// if you object".
const haltObjectionReach = 12

// objectionWords name the reader's objection, upon which a stop presumes
// the use.
var objectionWords = map[string]bool{
	"object": true, "objects": true, "objection": true, "objections": true, "oppose": true, "opposes": true,
	"opposez": true, "opposer": true, "opposition": true, "oppositions": true,
}

// requests before a stop make it the reader's to ask for ("ask us to stop
// using", "request that we stop processing", "nous demander d'arrêter
// d'utiliser"), which presumes the use.
var requests = map[string]bool{
	"ask": true, "asks": true, "asking": true, "asked": true, "request": true, "requests": true, "requesting": true, "requested": true,
	"tell": true, "telling": true, "want": true, "wants": true, "require": true, "requires": true, "instruct": true,
	"demander": true, "demandez": true, "demande": true, "demandent": true, "exiger": true, "exigez": true,
}

// processingVerbs are the stems of the verbs whose denial denies a
// purpose or a collection. They are only looked for just after a
// negation or an auxiliary, so a broad stem ("stor", "read") costs nothing
// elsewhere; each is listed once, under its shortest form.
var processingVerbs = []string{
	// English
	"use", "using", "shar", "sell", "sold", "rent", "collect", "process", "train",
	"disclos", "transf", "stor", "retain", "keep", "kept", "access", "read", "analy",
	"monitor", "track", "scan", "listen", "record", "allow", "permit", "provid", "gather",
	"receiv", "obtain", "request", "ask", "combin", "lever", "feed",
	// French (collect, combin, transf, analy above serve both)
	"utilis", "partag", "vend", "lou", "recueil", "trait", "entrain", "divulgu",
	"conserv", "stock", "acced", "lisons", "lire", "surveill", "suiv",
	"enregistr", "autoris", "permet", "fourn", "communiqu", "ced", "exploit", "demand",
}

// turningWords end a negation's scope.
var turningWords = map[string]bool{
	"but": true, "however": true, "instead": true, "except": true, "although": true, "whereas": true,
	"mais": true, "cependant": true, "toutefois": true, "sauf": true, "excepte": true, "tandis": true,
}

// isProcessingVerb reports whether the folded word w is a verb of
// processing.
func isProcessingVerb(w string) bool {
	for _, stem := range processingVerbs {
		if strings.HasPrefix(w, stem) {
			return true
		}
	}
	return false
}

// isBridge reports whether w may stand between a negation or an
// auxiliary and the verb it governs.
func isBridge(w string) bool {
	return negationBridges[w] || opensDenial(w) || isPassiveAux(w)
}

// isExcluding reports whether w is a form of "exclude": a verb of
// processing that denies itself ("are excluded from AI training", "restent
// exclus de l'entraînement"). Whole words, not a stem: "exclusively"
// excludes nothing.
func isExcluding(w string) bool {
	switch w {
	case "exclude", "excludes", "excluded", "excluding",
		"exclu", "exclue", "exclus", "exclues", "exclure", "excluons", "excluent":
		return true
	}
	return false
}

// isPassiveAux reports whether w makes the verb after it passive: a form
// of "be" (the stems of "isn't", "aren't" too) or of "être", or a verb
// that keeps a state ("remain excluded", "restent exclus").
func isPassiveAux(w string) bool {
	switch w {
	case "is", "are", "was", "were", "be", "been", "being", "isn", "aren", "wasn", "weren", "remain", "remains",
		"est", "sont", "sera", "seront", "etait", "etaient", "ete", "etre", "soit", "soient", "serait", "seraient",
		"reste", "restent", "demeure", "demeurent":
		return true
	}
	return false
}

// isVerbGroup reports whether w may stand in a verb group before its
// verb: modals and auxiliaries ("will not be used", "won't be shared",
// "has never been sold", "ne seront jamais utilisées").
func isVerbGroup(w string) bool {
	switch w {
	case "will", "would", "may", "might", "can", "could", "should", "shall", "must", "do", "does", "did",
		"has", "have", "had", "won", "don", "doesn", "didn", "couldn", "shouldn", "wouldn", "hasn", "haven", "hadn", "mustn",
		"ne", "n", "not", "never", "t":
		return true
	}
	return isPassiveAux(w)
}

// isNegativeDeterminer reports whether w, heading a subject, denies it:
// "No biometric data is collected", "None of your messages are used",
// "Neither … nor …", "Aucune donnée n'est…", "Ni … ni …".
func isNegativeDeterminer(w string) bool {
	switch w {
	case "no", "none", "neither", "nor", "aucun", "aucune", "aucuns", "aucunes", "nul", "nulle", "ni":
		return true
	}
	return false
}

// maxSubjectWords bounds how far back a denied passive reaches for its
// subject: a subject is a few words, and a hostile statement of endless
// passives must not cost a walk back to its start at each.
const maxSubjectWords = 40

// deniedSpan is the words [from, to) of a statement that a negation
// denies. lead is where the words that deny begin, from or before it
// ("do not" in "we do not sell X", "but not"): the negation cues in
// [lead, to) are accounted for, and a cue outside every span leaves a
// statement's uses unread (see accounted). verb is where its predicate
// begins: after from when a passive's subject is denied with it ("Your
// posts are not sold"), at from otherwise.
type deniedSpan struct{ lead, from, verb, to int }

// denied returns the spans of the statement's words that a negation
// denies, in order: each from the verb a negation governs (from the
// subject, for a passive: see subjectStart) to the end of the statement, a
// turning word, or a new clause ("and we", "et nous", "and are used": see
// scopeEnd), so that "we do not sell X, but we do not use Y" denies both
// and "we will not ask again, and we use Y" denies neither Y nor its use.
// s is the statement words were folded from, for the punctuation between
// them. spans is reused.
func denied(s string, words []string, spans []deniedSpan) []deniedSpan {
	spans = spans[:0]
	var gaps []byte // punctuation between words, read when a denial asks
	floor := 0      // end of the last span: none reaches back past it
	gapsOf := func() []byte {
		if gaps == nil {
			gaps = wordGaps(s, len(words))
		}
		return gaps
	}
	scope := func(j int) int { return scopeEnd(words, gapsOf(), j) }
	for i := 0; i < len(words); i++ {
		w := words[i]
		// "collect no biometric data", "use none of your messages": the
		// object is denied, from the verb on. Not "no longer", "no more".
		if (w == "no" || w == "none" || w == "aucun" || w == "aucune") && i > floor && isProcessingVerb(words[i-1]) &&
			(i+1 == len(words) || !notDenying[words[i+1]]) {
			end := scope(i)
			spans = append(spans, deniedSpan{lead: i - 1, from: i - 1, verb: i - 1, to: end})
			floor, i = end, end-1
			continue
		}
		// "We use your public posts to train AI, but not your private
		// messages", "mais pas vos messages privés": what the elided verb
		// would govern, up to the punctuation or verb that ends it
		// ("Public posts, but not private messages, are used…").
		if (w == "not" || w == "pas") && i > floor && (words[i-1] == "but" || words[i-1] == "mais") {
			gaps := gapsOf()
			end := i + 1
			for end < len(words) && gaps[end] == 0 && !isVerbGroup(words[end]) && !isProcessingVerb(words[end]) {
				end++
			}
			if end > i+1 { // else "but not use them…": the verb's denial, below
				spans = append(spans, deniedSpan{lead: i, from: i + 1, verb: i + 1, to: end})
				floor, i = end, end-1
				continue
			}
		}
		stop := -1 // where a verb that stops the use stands (haltVerb)
		j := i + 1
		intent := false // "do not plan to use": the verb after it is active
		if v := haltVerb(words, i, gapsOf); v >= 0 {
			stop, j = i, v // "cease to use", "discontinue the use of"
		} else if !opensDenial(w) && !isPassiveAux(w) {
			continue
		} else if w == "t" && (i == 0 || !strings.HasSuffix(words[i-1], "n")) {
			continue // "t" only as the end of "don't", "won't", "can't"…: not "AT&T"
		} else {
			// A plan or a start stands between as well, and reaches
			// further: "n'avons pas l'intention de commencer à utiliser".
			extra := 0
			for j < len(words) && j <= i+4+extra {
				if intentionAt(words, j) || inceptionAt(words, j) {
					intent, extra = true, min(extra+1, maxPlanWords)
				} else if v := haltVerb(words, j, gapsOf); v >= 0 {
					stop, j = j, v // "do not plan to stop using": its verb
					break
				} else if !isBridge(words[j]) {
					break
				}
				j++
			}
		}
		if j >= len(words) {
			continue
		}
		excluding := isExcluding(words[j])
		if !excluding && !isProcessingVerb(words[j]) {
			if !isBridge(words[j]) {
				// Every word up to j would bridge to the same word: "is is
				// is…", "no no no…" cost one look each, not four.
				i = j - 1
			}
			continue
		}
		// The verb group: the modals, auxiliaries and negations before
		// the verb.
		g := i
		for g > floor && i-g < 4 && isVerbGroup(words[g-1]) {
			g--
		}
		negation, passive := false, false
		for k := g; k < j; k++ {
			if opensDenial(words[k]) && (words[k] != "t" || k > 0 && strings.HasSuffix(words[k-1], "n")) {
				negation = true
			}
			// Before a stop, "be" is the stop's ("are discontinuing the
			// use of"); after it, the verb's ("will stop being used",
			// "cesseront d'être utilisées").
			if k > stop {
				passive = passive || isPassiveAux(words[k])
			}
		}
		// A negation and an exclusion cancel out: "are not excluded from
		// AI training", "ne sont pas exclues", "are no longer excluded"
		// are uses. So do a negation and a stop: "we do not stop using"
		// denies nothing, and its negation, placed nowhere, leaves the
		// statement's uses unbound, as before stops were read.
		negated := excluding != negation != (stop >= 0)
		// "we are not using" is not a passive; "being used" is; nor is
		// "we are not planning to use".
		if passive && (strings.HasSuffix(words[j], "ing") || intent) && !excluding {
			passive = false
		}
		from := j
		if passive {
			subj, turned := subjectStart(words, gapsOf(), g, floor)
			switch {
			case negated:
				from = subj
			case subj < g && negativeDeterminerAt(words, subj) && !turned:
				negated, from = true, subj
			default:
				// "Only public posts, and no private messages, are used…",
				// "Public posts, but no private messages, are used…": the
				// negated part of the subject alone is denied. But a
				// negative determiner after what only sets the time ("…,
				// but from 1 June 2025 none of them will be used…")
				// heads the subject, and denies its verb.
				for k := subj; k < g; k++ {
					if negativeDeterminerAt(words, k) {
						if headsSubject(words, gaps, k, g) {
							negated, from = true, k
							break
						}
						spans = append(spans, deniedSpan{lead: k, from: k, verb: g, to: g})
						floor = g // spans stay in order and apart (isDenied)
						break
					}
				}
			}
		}
		if !negated {
			i = j - 1 // the group is read; its verb is no cue
			continue
		}
		end := scope(j)
		spans = append(spans, deniedSpan{lead: min(g, from), from: from, verb: j, to: end})
		floor, i = end, end-1 // a negation after the scope opens its own
	}
	return spans
}

// headsSubject reports whether the negative determiner at k heads the
// whole subject of the verb group at g: nothing joins it to data named
// before it ("and no", "but none", "mais aucune"), and it runs into the
// verb with no punctuation between ("none of them will be used", not
// "and no private messages, are used"). What stands before it then only
// sets the scene: "From 1 June 2025 none of your posts will be used".
func headsSubject(words []string, gaps []byte, k, g int) bool {
	if k > 0 {
		switch words[k-1] {
		case "and", "or", "but", "nor", "et", "ou", "mais", "ni":
			return false
		}
	}
	for m := k + 1; m <= g && m < len(gaps); m++ {
		if gaps[m] != 0 {
			return false
		}
	}
	return true
}

// notDenying follow "no" without denying what comes after: "no longer
// than", "no more than".
var notDenying = map[string]bool{"longer": true, "more": true, "later": true, "sooner": true, "matter": true, "less": true,
	"exception": true, "exceptions": true, "doubt": true}

// negativeDeterminerAt reports whether words[k] denies what it heads: "no
// private messages", not "no matter your settings" nor "with no
// exceptions", which open a statement of use.
func negativeDeterminerAt(words []string, k int) bool {
	return isNegativeDeterminer(words[k]) && (k+1 == len(words) || !notDenying[words[k+1]])
}

// scopeEnd returns where the denial of the verb at j ends: at a turning
// word, a new clause of ours, an "and" that opens a clause of its own
// (see opensClauseAt), the comma after a conditional clause the verb
// stands in, before a clause of its own (see inCondition), or the
// statement's end.
func scopeEnd(words []string, gaps []byte, j int) int {
	cond := inCondition(words, gaps, j)
	for k := j + 1; k < len(words); k++ {
		if turningWords[words[k]] || (clauseJoins[words[k]] && k+1 < len(words) && ourselves[words[k+1]]) ||
			cond && gaps[k] == ',' && opensClause(words[k:k+1]) ||
			gaps[k] == ';' || contrastJoins[words[k]] || words[k] == "que" && (words[k-1] == "alors" || words[k-1] == "tandis") ||
			(words[k] == "and" || words[k] == "et") && opensClauseAt(words, gaps, k+1) {
			return k
		}
	}
	return len(words)
}

// inCondition reports whether the verb at j stands in a clause that a
// conditional opens, with no punctuation between: "If you do not share
// your posts, you can object to the use of your public posts to train
// AI" denies the reader's sharing, up to the comma that opens the main
// clause, and not the use the main clause names. A comma inside the
// condition ("If we do not use your photos, videos or messages to train
// AI, …") does not end it.
func inCondition(words []string, gaps []byte, j int) bool {
	for k := j - 1; k >= 0 && k >= j-maxSubjectWords; k-- {
		if conditionals[words[k]] {
			return true
		}
		if gaps[k] != 0 {
			return false
		}
	}
	return false
}

// conditionals open a clause that states a condition.
var conditionals = map[string]bool{"if": true, "unless": true, "when": true, "whenever": true, "si": true, "lorsque": true, "lorsqu": true, "quand": true}

// maxNewSubjectWords bounds the subject of a clause that an "and" opens
// ("and your public posts are used").
const maxNewSubjectWords = 6

// opensClauseAt reports whether the words from i, after an "and" or "et"
// inside a denial, are a clause of their own that affirms: a verb group
// whose subject is the denial's ("Your public posts are never sold and
// are used to train our AI models"), a pronoun and its verb group ("and
// they are used"), a verb whose object is a pronoun ("and use them", "et
// les utilisons"), or a subject of its own and its verb group ("and public
// posts are used"). A verb that shares the denial's object stays denied
// ("We do not collect and use biometric data", "do not collect your
// location and track your device"), as does a clause that denies too
// ("and are not shared": it opens its own span).
func opensClauseAt(words []string, gaps []byte, i int) bool {
	if i >= len(words) {
		return false
	}
	w := words[i]
	switch {
	case isVerbGroup(w):
		return affirmedVerb(words, i) >= 0
	case thirdPersons[w]:
		return affirmedVerb(words, i+1) >= 0
	case objectPronoun(words, i) >= 0:
		return true
	}
	for k := i; k < len(words) && k < i+maxNewSubjectWords; k++ {
		v := words[k]
		if isVerbGroup(v) {
			return k > i && affirmedVerb(words, k) >= 0
		}
		if k > i && gaps[k] != 0 || segmentJoins[v] || isProcessingVerb(v) || opensDenial(v) || opensClause(words[k:k+1]) {
			return false // "and photos that are…", "and messages you have shared"
		}
	}
	return false
}

// affirmedVerb returns where the verb of processing stands that the verb
// group at i leads to ("are used", "may also be shared", "sont aussi
// utilisées"), or -1 when none does or the group denies it.
func affirmedVerb(words []string, i int) int {
	for k := i; k < len(words) && k < i+5; k++ {
		w := words[k]
		switch {
		case opensDenial(w):
			return -1
		case isVerbGroup(w), groupAdverbs[w]:
		case isProcessingVerb(w):
			return k
		default:
			return -1
		}
	}
	return -1
}

// groupAdverbs may stand in an affirmed verb group: "are also used",
// "will only be used", "sont également utilisées".
var groupAdverbs = map[string]bool{"also": true, "only": true, "then": true, "still": true, "further": true,
	"aussi": true, "egalement": true, "ensuite": true, "seulement": true, "uniquement": true}

// thirdPersons are the subject pronouns that may stand for data denied
// before them.
var thirdPersons = map[string]bool{"they": true, "it": true, "ils": true, "elles": true, "il": true, "elle": true}

// objectPronoun returns where a pronoun stands that a verb of processing
// at the start of the clause from i takes as its object, after our name
// or none: "use them", "we use it", "will share them", "les utilisons",
// "nous l'utilisons", "on les utilise"; -1 if none.
func objectPronoun(words []string, i int) int {
	if i < len(words) && (ourselves[words[i]] || words[i] == "on") {
		i++
	}
	k := i
	for k < len(words) && k < i+3 && isVerbGroup(words[k]) && !opensDenial(words[k]) {
		k++
	}
	if k+1 < len(words) && isProcessingVerb(words[k]) && (words[k+1] == "them" || words[k+1] == "it") {
		return k + 1
	}
	if i+1 < len(words) && frenchObjects[words[i]] && frenchVerb(words[i+1]) {
		return i
	}
	return -1
}

// frenchObjects are the French object pronouns, which stand before their
// verb; they are articles too, which the verb after them tells apart.
var frenchObjects = map[string]bool{"les": true, "la": true, "le": true, "l": true}

// frenchVerb reports whether w is a conjugated French verb of processing,
// or an auxiliary: "utilisons", "conservent", "avons"; not "utilisateurs"
// nor "traitement".
func frenchVerb(w string) bool {
	switch w {
	case "avons", "ont", "a":
		return true
	}
	return isUseVerb(w) || isProcessingVerb(w) &&
		(strings.HasSuffix(w, "ons") || strings.HasSuffix(w, "ent") && !strings.HasSuffix(w, "ment"))
}

// recall is a word after a denial that stands for what it denied: a
// pronoun, or the verb group of an elided subject. "Your posts are not
// sold, but they are used to train our AI models", "Your public posts are
// never sold and are used to train…", "We do not sell your public posts
// and use them to train…", "We do not sell your data, but we use it for
// ads": the data denied for one verb are stated for the next. Or it is
// the auxiliary of an elided predicate, which stands for the predicate
// denied without its negation: "Private messages are not used for AI
// training, but public posts are", "…, mais vos publications publiques le
// sont" is AI training on public posts. at is the word, span the index of
// the denial in its statement's spans.
type recall struct {
	at, span  int
	predicate bool // it recalls the predicate's purposes, not the data
}

// recalls returns the recalls of the denials spans of statement s's
// words, in order; out is reused. A recall that a later denial covers
// ("…, but they are not used") recalls nothing, and is left out.
func recalls(s string, words []string, spans []deniedSpan, out []recall) []recall {
	out = out[:0]
	var gaps []byte
	for n, sp := range spans {
		k := sp.to
		if k+1 >= len(words) || !joinsClauses(words, k) {
			continue
		}
		if !clauseJoins[words[k]] && sp.verb < k {
			if gaps == nil {
				gaps = wordGaps(s, len(words))
			}
			if at := elidedPredicate(words, gaps, k+1); at >= 0 {
				if !isDenied(spans, at, at+1) {
					out = append(out, recall{at: at, span: n, predicate: true})
				}
				continue
			}
		}
		at, w := -1, words[k+1]
		switch {
		case isVerbGroup(w):
			// The elided subject is the passive's, when it was denied: in
			// "we do not sell your posts and will use…" it is ours.
			if sp.from < sp.verb && affirmedVerb(words, k+1) >= 0 {
				at = k + 1
			}
		case thirdPersons[w]:
			if affirmedVerb(words, k+2) >= 0 {
				at = k + 1
			}
		default:
			at = objectPronoun(words, k+1)
		}
		if at >= 0 && !isDenied(spans, at, at+1) {
			out = append(out, recall{at: at, span: n})
		}
	}
	return out
}

// elidedPredicate returns where the auxiliary stands that ends the
// clause from i when that clause is a subject and an auxiliary alone ("but
// public posts are", "mais vos publications publiques le sont", "while
// comments are too"), -1 otherwise.
func elidedPredicate(words []string, gaps []byte, i int) int {
	// The clause is words[i:e]: a subject, "le", the auxiliary and "too"
	// at most, so that a hostile statement of denials and contrasts costs
	// a few words for each.
	e := i
	for e < len(words) && e < i+maxNewSubjectWords+3 && (e == i || gaps[e] == 0) && !turningWords[words[e]] {
		e++
	}
	if e < len(words) && gaps[e] == 0 && !turningWords[words[e]] {
		return -1 // longer than an elided clause
	}
	if e > i && (words[e-1] == "too" || words[e-1] == "aussi") {
		e--
	}
	aux := e - 1
	if aux <= i || !isVerbGroup(words[aux]) || opensDenial(words[aux]) {
		return -1
	}
	subj := aux
	if frenchObjects[words[subj-1]] { // "le sont", "l'est"
		subj--
	}
	if subj <= i {
		return -1
	}
	for k := i; k < subj; k++ {
		if w := words[k]; isVerbGroup(w) || isProcessingVerb(w) || opensDenial(w) || opensClause(words[k:k+1]) {
			return -1 // a verb of its own, or a denial
		}
	}
	return aux
}

// joinsClauses reports whether words[k], where a denial's scope ends,
// joins it to a clause after it: a turning word, "and", "so", "while",
// "alors que"…
func joinsClauses(words []string, k int) bool {
	w := words[k]
	return turningWords[w] || clauseJoins[w] || contrastJoins[w] || w == "que" && k > 0 && (words[k-1] == "alors" || words[k-1] == "tandis")
}

// contrastJoins open a clause that stands against the one before ("Private
// messages are not used for AI training, while public posts are"): a
// denial's scope ends there, as at a semicolon or a colon. French "alors
// que" and "tandis que" end it at their "que" (see scopeEnd).
var contrastJoins = map[string]bool{"while": true, "whilst": true, "whereas": true}

// subjectStart returns where the subject of the passive whose verb group
// begins at g begins, and whether a turning word ("but not X") cut it
// there. It walks back over segments — words between punctuation, "and",
// "or", "which", "that", "et", "ou", "qui", "que" — and takes the segment
// next to the verb whatever it holds, then each one before it that holds no
// clause of its own (see opensClause): "Your photos, videos and messages
// are not used" is one subject, "We use your photos for ads, and your
// messages are not used" denies the messages only. A relative clause
// inside the subject ("Data we collect is not sold") stays in it; one
// after a verb of ours ("We collect your photos which are not shared")
// does not, the main clause being a segment that opens one.
func subjectStart(words []string, gaps []byte, g, floor int) (int, bool) {
	limit := max(floor, g-maxSubjectWords)
	segEnd, first := g, true // the segment being walked ends at segEnd; first: it is the one next to the verb
	for k := g - 1; k >= limit; k-- {
		w := words[k]
		if turningWords[w] || clauseJoins[w] && k+1 < len(words) && ourselves[words[k+1]] {
			return k + 1, turningWords[w]
		}
		join := segmentJoins[w]
		if !join && gaps[k+1] == 0 {
			continue
		}
		// words[k+1:segEnd] is a segment (empty in "…, and are not
		// shared"); one before the verb's that holds a clause of its own
		// ends the subject.
		if !first && opensClause(words[k+1:segEnd]) {
			return segEnd, false
		}
		first, segEnd = false, k+1
		if join {
			segEnd = k // the join belongs to neither side
		}
	}
	if !first && opensClause(words[limit:segEnd]) {
		return segEnd, false
	}
	return limit, false
}

// segmentJoins split a statement into the segments subjectStart walks.
var segmentJoins = map[string]bool{
	"and": true, "or": true, "which": true, "that": true, "who": true,
	"et": true, "ou": true, "qui": true, "que": true, "dont": true,
}

// opensClause reports whether a segment holds a clause of its own: a
// pronoun, a subordinating word or a verb group.
func opensClause(seg []string) bool {
	for _, w := range seg {
		switch w {
		case "we", "you", "they", "i", "he", "she", "nous", "vous", "on", "ils", "elles", "je", "il",
			"once", "because", "since", "while", "puisque", "car":
			return true
		}
		if conditionals[w] {
			return true
		}
		if isVerbGroup(w) && w != "ne" && w != "n" && w != "not" && w != "never" && w != "t" {
			return true
		}
	}
	return false
}

// wordGaps returns, for each of the n words folded from s (see folder),
// the clause punctuation in the gap before it (, ; : ( ) or a dash), 0
// for none. It cuts s into words as fold does; should the two disagree,
// every gap is 0 and the subject is cut by words alone.
func wordGaps(s string, n int) []byte {
	gaps := make([]byte, n+1)
	k, in := -1, false
	var pending byte
	for i := 0; i < len(s); {
		c := s[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		isWord := wordRune(c, r)
		switch {
		case isWord:
			if !in {
				in = true
				if k++; k >= n {
					return make([]byte, n+1)
				}
				gaps[k], pending = pending, 0
			}
		case r >= utf8.RuneSelf && unicode.Is(unicode.Mn, r) && in:
		default:
			in = false
			switch r {
			case ',':
				if i-1 > 0 && i < len(s) && isDigit(s[i-2]) && isDigit(s[i]) {
					break // "1,000"
				}
				pending = ','
			case '(', ')', '–', '—':
				pending = ','
			case ';', ':':
				pending = ';' // ends a clause, and a denial's scope
			}
		}
	}
	if k != n-1 {
		return make([]byte, n+1)
	}
	return gaps
}

// isDenied reports whether any of the words [from, to) lies in one of
// spans: a match reaching into a denial is denied ("Private messages
// aren't used for AI training" holds "messages … ai" across it). Spans
// are in order and apart, and a hostile statement holds one per few
// words: a binary search, not a walk, for each match.
func isDenied(spans []deniedSpan, from, to int) bool {
	return deniedBy(spans, from, to) >= 0
}

// deniedBy returns the index of the span that denies the words [from,
// to), the first if several do, or -1 (see isDenied). For matches in
// order of their first word, the indexes are in order too.
func deniedBy(spans []deniedSpan, from, to int) int {
	k, _ := slices.BinarySearchFunc(spans, from, func(s deniedSpan, from int) int { return cmp.Compare(s.to, from+1) })
	if k < len(spans) && spans[k].from < to && from < spans[k].to {
		return k
	}
	return -1
}

// accounted reports whether the negation cue at word i opened one of
// spans, or stands in it: what it denies is known, and the rest of its
// statement a fact ("We do not sell your data, but your public posts are
// used to train AI" uses posts). A cue outside every span ("if you do not
// object", "no matter", "no longer than") denies something the analysis
// does not know.
func accounted(spans []deniedSpan, i int) bool {
	k, _ := slices.BinarySearchFunc(spans, i, func(s deniedSpan, i int) int { return cmp.Compare(s.to, i+1) })
	return k < len(spans) && spans[k].lead <= i
}

// rightDenial returns where the words begin that deny the right whose
// match begins at word at (the "ne" of "ne pouvez pas", for statedUses to
// account for every negation cue in them), -1 when the right is offered.
// It is denied, not offered, when a negative determiner heads it ("There
// is no opt-out", "no way to object", "aucune possibilité de vous
// opposer", "pas de droit d'opposition"), or a negated ability stands
// before it ("you cannot object to", "you can't opt out", "will not be
// able to object", "vous ne pouvez pas vous opposer"). "If you do not
// object" offers it. The denial of a verb of processing leaves rights be
// ("we will not use your posts if you object"): this is the one way a
// right is denied.
func rightDenial(words []string, at int) int {
	k := at - 1
	for k >= 0 && k >= at-maxRightBridges && rightBridges[words[k]] {
		k--
	}
	if k < 0 {
		return -1
	}
	denies := false
	switch w := words[k]; w {
	case "cannot":
		denies = true
	case "not", "t":
		denies = k > 0 && abilities[words[k-1]]
	case "pas", "plus":
		denies = k+1 < at && (words[k+1] == "de" || words[k+1] == "d") || k > 0 && abilities[words[k-1]]
	default:
		denies = isNegativeDeterminer(w)
	}
	if !denies {
		return -1
	}
	for j := k - 1; j >= 0 && j >= k-3; j-- {
		if words[j] == "ne" || words[j] == "n" { // "n'y a pas de droit", "ne pouvez pas"
			return j
		}
	}
	return k
}

// timeBound reports whether a statement's words bound it in time: a
// number ("after 26 May 2025", "after 30 days") or "after", "once",
// "après". A right it denies is denied from then on ("After 26 May 2025,
// you can no longer object", "You cannot object after 26 May 2025"): the
// right stands until then, and the date may be its deadline. *known
// keeps the answer for the statement's other rights: -1 not asked yet, 0
// or 1.
func timeBound(words []string, known *int) bool {
	if *known < 0 {
		*known = 0
		if slices.ContainsFunc(words, boundsTime) {
			*known = 1
		}
	}
	return *known == 1
}

// boundsTime reports whether the folded word w bounds its statement in
// time (see timeBound).
func boundsTime(w string) bool {
	switch w {
	case "after", "once", "beyond", "apres", "passe", "dela":
		return true
	}
	return isDigit(w[0])
}

// maxRightBridges is how many of rightBridges may stand between a denied
// right and what denies it ("no longer be able to opt out").
const maxRightBridges = 4

// rightBridges stand between a right and the negation that denies it.
var rightBridges = map[string]bool{
	"way": true, "ways": true, "option": true, "options": true, "possibility": true, "choice": true, "means": true,
	"ability": true, "right": true, "rights": true, "longer": true, "be": true, "able": true, "to": true, "of": true,
	"a": true, "an": true, "the": true, "any": true,
	"possibilite": true, "possibilites": true, "moyen": true, "moyens": true, "choix": true, "droit": true, "droits": true,
	"de": true, "d": true,
}

// abilities, negated, deny the right that follows: "can't opt out", "won't
// be able to object", "ne pouvez pas vous opposer".
var abilities = map[string]bool{
	"can": true, "may": true, "will": true, "could": true, "would": true, "won": true, "couldn": true, "wouldn": true,
	"pouvez": true, "pourrez": true, "pourriez": true, "pouvons": true, "peut": true, "peuvent": true, "pourra": true, "pourront": true,
}

// clauseJoins followed by one of ourselves start a new clause of the
// company's ("…, and we use…"); a "we" alone does not ("the data we
// collect" is inside the denial).
var clauseJoins = map[string]bool{"and": true, "so": true, "et": true, "donc": true}

var ourselves = map[string]bool{"we": true, "meta": true, "nous": true}
