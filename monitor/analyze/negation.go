package analyze

import "strings"

// Negated statements. "We do not use your posts to train our AI models"
// names a purpose and data only to deny them: read as a fact, it was
// reported as "Purpose added: AI training", critical, the reverse of what
// the policy says. A negation counts when it governs a verb of processing
// ("do not use", "never sell", "n'utilisons pas", "ne vendons jamais"): a
// negation elsewhere ("if you do not object, we will use…", "unless you
// tell us not to, we use…") leaves the statement a fact. Its scope runs
// from that verb to the end of the statement, a word that turns it round
// ("but", "however", "mais") or a new clause of ours ("and we"); a
// statement may hold several (see denied).

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

// negationBridges may stand between a cue and its verb ("do not ever
// sell", "will never directly share", "nous ne les vendons pas").
var negationBridges = map[string]bool{
	"ever": true, "currently": true, "directly": true, "otherwise": true, "knowingly": true, "longer": true,
	"be": true, "been": true, "have": true, "and": true, "or": true,
	"les": true, "la": true, "le": true, "l": true, "vous": true, "leur": true, "y": true, "en": true,
}

// processingVerbs are the stems of the verbs whose denial denies a
// purpose or a collection. They are only looked for just after a
// negation, so a broad stem ("stor", "read") costs nothing elsewhere; each
// is listed once, under its shortest form.
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

// deniedSpan is the words [from, to) of a statement that a negation
// denies.
type deniedSpan struct{ from, to int }

// denied returns the spans of the statement's words that a negation
// denies, in order: each from the verb a negation governs to the end of
// the statement, a turning word, or a new clause of ours ("and we", "et
// nous"), so that "we do not sell X, but we do not use Y" denies both and
// "we will not ask again, and we use Y" denies neither Y nor its use.
// spans is reused.
func denied(words []string, spans []deniedSpan) []deniedSpan {
	spans = spans[:0]
	for i := 0; i < len(words); i++ {
		if !isNegationCue(words[i]) {
			continue
		}
		// "t" only as the end of "don't", "won't", "can't"…: not "AT&T".
		if words[i] == "t" && (i == 0 || !strings.HasSuffix(words[i-1], "n")) {
			continue
		}
		j := i + 1
		for j < len(words) && j <= i+3 && (negationBridges[words[j]] || isNegationCue(words[j])) {
			j++
		}
		if j >= len(words) || !isProcessingVerb(words[j]) {
			continue
		}
		end := len(words)
		for k := j + 1; k < len(words); k++ {
			if turningWords[words[k]] || (clauseJoins[words[k]] && k+1 < len(words) && ourselves[words[k+1]]) {
				end = k
				break
			}
		}
		spans = append(spans, deniedSpan{j, end})
		i = end - 1 // a negation after the scope opens its own
	}
	return spans
}

// isDenied reports whether the word at index i lies in one of spans.
func isDenied(spans []deniedSpan, i int) bool {
	for _, s := range spans {
		if s.from <= i && i < s.to {
			return true
		}
	}
	return false
}

// clauseJoins followed by one of ourselves start a new clause of the
// company's ("…, and we use…"); a "we" alone does not ("the data we
// collect" is inside the denial).
var clauseJoins = map[string]bool{"and": true, "so": true, "et": true, "donc": true}

var ourselves = map[string]bool{"we": true, "meta": true, "nous": true}
