package analyze

import (
	"slices"
	"strings"
	"unicode"
)

// A page not analysed says no more than that sentences came and went, and
// was notable: Meta's Portuguese, Spanish or Italian page stepping into AI
// training would have reached nobody whose threshold is critical, the
// default. A sentence added that names AI makes the change critical
// (Analysis.AIMentions), since AI training is the change people must act
// on. Naming AI is all that is read: whether the sentence grants, denies
// or only mentions it is not known, and the summary says so by quoting it.

// keepSentence keeps a sentence or heading of a text not analysed: its key,
// to count what changed, and the sentence itself when it names AI.
func (b *sheetBuilder) keepSentence(s string) {
	key := b.pf.key(s)
	b.sheet.sentences = append(b.sheet.sentences, key)
	if _, seen := b.sheet.aiSentences[key]; !seen && mentionsAI(s, b.pf.words) {
		if b.sheet.aiSentences == nil {
			b.sheet.aiSentences = map[string]string{}
		}
		b.sheet.aiSentences[key] = strings.TrimSpace(s)
	}
}

// aiAbbreviations name AI as a whole word, in capitals: "AI" (English,
// Dutch, the Nordic languages, "Meta AI" everywhere), "IA" (the Romance
// languages), "KI" (German), "ИИ", "ШІ", "ΤΝ". Only in capitals: in lower
// case, "ai" is Italian ("ai sensi di") and Portuguese ("aí"), "ia"
// Portuguese ("ia").
var aiAbbreviations = map[string]bool{"AI": true, "IA": true, "KI": true, "GenAI": true, "ИИ": true, "ШІ": true, "ΤΝ": true}

// mentionsAI reports whether sentence s, folded into words, names AI: one
// of aiAbbreviations in a sentence that is not all capitals (where "AI"
// may be Italian's "ai"), "Meta AI", "LLM", or "artificial intelligence"
// in a language of the EU ("intelligence artificielle", "inteligência
// artificial", "künstliche Intelligenz", "sztuczna inteligencja",
// "tekoäly"…).
func mentionsAI(s string, words []string) bool {
	if strings.ContainsFunc(s, unicode.IsLower) {
		for tok := range strings.FieldsFuncSeq(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if aiAbbreviations[tok] {
				return true
			}
		}
	}
	for i, w := range words {
		switch {
		case w == "llm", w == "llms", w == "genai", w == "tekoaly", strings.HasPrefix(w, "tehisintellekt"), strings.HasPrefix(w, "tehisaru"):
			return true
		case i+1 < len(words) && (w == "meta" && words[i+1] == "ai" ||
			hasStem(w, artificialStems) && hasStem(words[i+1], intelligenceStems) ||
			hasStem(w, intelligenceStems) && hasStem(words[i+1], artificialStems)):
			return true
		}
	}
	return false
}

// artificialStems and intelligenceStems are the folded stems of the two
// words of "artificial intelligence" in the languages of the EU (and
// Turkish, Russian, Ukrainian), which stand side by side in either order.
var (
	artificialStems = []string{"artific", "kunstlich", "kunstmatig", "kunstig", "konstgjord", "sztuczn", "umel", "umetn",
		"umjetn", "mesterseges", "dirbtin", "maksligais", "makslig", "изкуствен", "искусствен", "штучн", "τεχνητ", "yapay"}
	intelligenceStems = []string{"intellig", "intelig", "intelekt", "intellekt", "интелект", "интеллект", "інтелект", "νοημοσυν", "zeka"}
)

func hasStem(w string, stems []string) bool {
	for _, stem := range stems {
		if strings.HasPrefix(w, stem) {
			return true
		}
	}
	return false
}

// aiSentencesAdded returns the sentences of after that name AI and that
// before has fewer of, each once, in after's order.
func aiSentencesAdded(before, after *FactSheet) []string {
	if len(after.aiSentences) == 0 {
		return nil
	}
	count := make(map[string]int, len(before.sentences))
	for _, k := range before.sentences {
		count[k]++
	}
	var out []string
	for _, k := range after.sentences {
		if count[k]--; count[k] >= 0 {
			continue
		}
		if text, ok := after.aiSentences[k]; ok && !slices.Contains(out, text) {
			out = append(out, text)
		}
	}
	return out
}
