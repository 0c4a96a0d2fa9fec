package analyze

import "strings"

// Negated statements. "We do not use your posts to train our AI models"
// names a purpose and data only to deny them: read as a fact, it was
// reported as "Purpose added: AI training", critical, the reverse of what
// the policy says. A negation counts when it governs a verb of processing
// ("do not use", "never sell", "n'utilisons pas", "ne vendons jamais"): a
// negation elsewhere ("if you do not object, we will use…", "unless you
// tell us not to, we use…") leaves the statement a fact. Its scope runs
// from that verb to the end of the statement, or to a word that turns it
// round ("but", "however", "mais").

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
// purpose or a collection.
var processingVerbs = []string{
	// English
	"use", "using", "shar", "sell", "sold", "rent", "collect", "process", "train",
	"disclos", "transfer", "stor", "retain", "keep", "kept", "access", "read", "analy",
	"monitor", "track", "scan", "listen", "record", "allow", "permit", "provid", "gather",
	"receiv", "obtain", "request", "ask", "combin", "lever", "feed",
	// French
	"utilis", "partag", "vend", "lou", "collect", "recueil", "trait", "entrain", "divulgu",
	"transf", "conserv", "stock", "acced", "lis", "lit", "analys", "surveill", "suiv",
	"enregistr", "autoris", "permet", "fourn", "communiqu", "ced", "exploit", "demand", "combin",
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

// negatedFrom returns the word index from which the statement's words are
// denied, and where that ends (end of the statement, or a turning word);
// from is -1 when nothing is denied.
func negatedFrom(words []string) (from, to int) {
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
			if turningWords[words[k]] {
				end = k
				break
			}
		}
		return j, end
	}
	return -1, -1
}
