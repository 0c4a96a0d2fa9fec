package analyze

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Patterns are phrases matched against a statement's folded words (see
// folder): case, accents and punctuation never matter, and a pattern is
// written the same way ("l ia" matches "l’IA", "opt out" matches "opt-out").
// A pattern is words separated by spaces, where a word may be
//
//	word         that word exactly
//	word*        any word that begins with "word"
//	a|b*|c       any of these
//	(a b|c)      any of these phrases
//	~N           up to N other words (1 to 20) before the next one
//
// A pattern has at most two gaps, which bounds the work of matching one
// at any place of a hostile text to a few hundred word comparisons.
//
// Phrases rather than regular expressions because one pass over the words
// with a map lookup per word tests every pattern of the taxonomy at once: a
// whole policy costs a few milliseconds, and a pattern from a config file
// cannot make that pass slow.

const (
	maxGap  = 20
	maxGaps = 2
)

// word is one word of a pattern.
type word struct {
	text   string
	prefix bool // "word*": any word beginning with text
}

func (w word) matches(s string) bool {
	if w.prefix {
		return strings.HasPrefix(s, w.text)
	}
	return w.text == s
}

// term is one position of a pattern: alternative phrases, usually of one
// word each.
type term struct {
	alts [][]word
	gap  int // other words allowed before this term
}

// pattern is one compiled phrase; target says what a match means to its
// matcher's owner (an entry index, a date role…).
type pattern struct {
	lang   string
	target int
	terms  []term
	// touching: a date cue that counts only right before the date, with
	// nothing but fillers between (taxonomy.yaml's "touching").
	touching bool
}

// compilePattern parses src. Its words are folded like the text they will
// meet, so "Dernière mise à jour" and "derniere mise a jour" are the same
// pattern.
func compilePattern(src string) ([]term, error) {
	fields, err := splitPattern(src)
	if err != nil {
		return nil, err
	}
	var f folder
	var terms []term
	gap, gaps := 0, 0
	for _, field := range fields {
		if strings.HasPrefix(field, "~") {
			if len(terms) == 0 {
				return nil, errors.New("a pattern cannot begin with a gap")
			}
			if gap > 0 {
				return nil, errors.New("two gaps in a row")
			}
			n, err := strconv.Atoi(field[1:])
			if err != nil || n < 1 || n > maxGap {
				return nil, fmt.Errorf("gap %q: want ~1 to ~%d", field, maxGap)
			}
			if gaps++; gaps > maxGaps {
				return nil, fmt.Errorf("more than %d gaps", maxGaps)
			}
			gap = n
			continue
		}
		group := strings.HasPrefix(field, "(")
		body := strings.TrimSuffix(strings.TrimPrefix(field, "("), ")")
		t := term{gap: gap}
		gap = 0
		for _, alt := range strings.Split(body, "|") {
			var phrase []word
			for _, w := range strings.Fields(alt) {
				isPrefix := strings.HasSuffix(w, "*")
				folded := f.fold(strings.TrimSuffix(w, "*"))
				switch {
				case len(folded) == 0:
					return nil, fmt.Errorf("%q has no letter or digit", w)
				case isPrefix && len(folded) > 1:
					return nil, fmt.Errorf("prefix %q folds to several words", w)
				case isPrefix && len(folded[0]) < 2:
					return nil, fmt.Errorf("prefix %q is too short: give at least two letters", w)
				}
				for k, fw := range folded {
					phrase = append(phrase, word{text: fw, prefix: isPrefix && k == len(folded)-1})
				}
			}
			if len(phrase) == 0 {
				return nil, fmt.Errorf("empty alternative in %q", field)
			}
			if len(phrase) > 1 && !group {
				// Only reachable through a word that folds to several ("opt-out").
				return nil, fmt.Errorf("%q folds to several words: write them apart, or in ( )", alt)
			}
			t.alts = append(t.alts, phrase)
		}
		terms = append(terms, t)
	}
	if len(terms) == 0 {
		return nil, errors.New("empty pattern")
	}
	if gap > 0 {
		return nil, errors.New("a pattern cannot end with a gap")
	}
	return terms, nil
}

// splitPattern cuts a pattern into its fields: words, ~N gaps, and
// parenthesised groups kept whole.
func splitPattern(src string) ([]string, error) {
	var fields []string
	for rest := strings.TrimSpace(src); rest != ""; rest = strings.TrimSpace(rest) {
		if rest[0] == '(' {
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				return nil, errors.New("unclosed (")
			}
			if strings.ContainsRune(rest[1:end], '(') {
				return nil, errors.New("groups do not nest")
			}
			fields = append(fields, rest[:end+1])
			rest = rest[end+1:]
			continue
		}
		end := strings.IndexAny(rest, " \t()")
		if end < 0 {
			end = len(rest)
		}
		if end == 0 {
			return nil, errors.New("unopened )")
		}
		fields = append(fields, rest[:end])
		rest = rest[end:]
	}
	return fields, nil
}

// matcher finds every pattern of a set in a sequence of folded words. It
// indexes each language's patterns by their first term, so each word costs
// two map lookups and a glance at the prefixes sharing its first two
// bytes, however many patterns there are. It is read-only once built.
type matcher struct {
	any    *index            // every pattern, for lang ""
	byLang map[string]*index // each language's own, so a call never visits the others
}

// index holds patterns by the first word of their first term.
type index struct {
	exact  map[string][]*pattern // whole words
	prefix map[string][]lead     // by the first two bytes of the word
}

// lead says that a word beginning with text may start p. A two-byte
// bucket holds every "co*" pattern; the lead spares trying them all on each
// "co…" word.
type lead struct {
	text string
	p    *pattern
}

func newMatcher(patterns []*pattern) *matcher {
	m := &matcher{any: newIndex(patterns, ""), byLang: map[string]*index{}}
	for _, p := range patterns {
		if m.byLang[p.lang] == nil {
			m.byLang[p.lang] = newIndex(patterns, p.lang)
		}
	}
	return m
}

// newIndex indexes the patterns of language lang ("" all) in their order,
// which find keeps among the matches at one word: anywhereRole takes the
// first.
func newIndex(patterns []*pattern, lang string) *index {
	ix := &index{exact: map[string][]*pattern{}, prefix: map[string][]lead{}}
	for _, p := range patterns {
		if lang != "" && p.lang != lang {
			continue
		}
		for _, alt := range p.terms[0].alts {
			if w := alt[0]; !w.prefix {
				ix.exact[w.text] = appendOnce(ix.exact[w.text], p)
			}
		}
		for _, alt := range p.terms[0].alts {
			if w := alt[0]; w.prefix {
				key := w.text[:2]
				ix.prefix[key] = addLeads(ix.prefix[key], key, p)
			}
		}
	}
	return ix
}

// addLeads adds p to bucket, the prefix list of key, under each first word
// of its first term that begins with key. Whole words count too: a pattern
// reached through a prefix is tried with all its alternatives, so
// "dat|dab*" also matches "dat" there. Of two leads where one begins the
// other only the shorter is kept, so that no word meets two leads of p
// and p is tried at most once per word.
func addLeads(bucket []lead, key string, p *pattern) []lead {
	if len(bucket) > 0 && bucket[len(bucket)-1].p == p {
		return bucket // another prefix of p with the same key
	}
	var texts []string
	for _, alt := range p.terms[0].alts {
		if t := alt[0].text; strings.HasPrefix(t, key) {
			texts = append(texts, t)
		}
	}
	// Sorted, the words beginning with a lead follow it.
	slices.Sort(texts)
	kept := len(bucket)
	for _, t := range texts {
		if len(bucket) > kept && strings.HasPrefix(t, bucket[len(bucket)-1].text) {
			continue
		}
		bucket = append(bucket, lead{text: t, p: p})
	}
	return bucket
}

func appendOnce(ps []*pattern, p *pattern) []*pattern {
	for _, q := range ps {
		if q == p {
			return ps
		}
	}
	return append(ps, p)
}

// match is one pattern found at words[start:end].
type match struct {
	p          *pattern
	start, end int
}

// find calls fn for each match of a pattern of language lang ("" any) in
// words, in order of their first word. A pattern matching at several places
// is reported at each.
func (m *matcher) find(words []string, lang string, fn func(match)) {
	ix := m.any
	if lang != "" {
		if ix = m.byLang[lang]; ix == nil {
			return
		}
	}
	for i, w := range words {
		for _, p := range ix.exact[w] {
			try(p, words, i, fn)
		}
		if len(w) >= 2 {
			for _, l := range ix.prefix[w[:2]] {
				if strings.HasPrefix(w, l.text) {
					try(l.p, words, i, fn)
				}
			}
		}
	}
}

func try(p *pattern, words []string, i int, fn func(match)) {
	if end, ok := matchTerms(p.terms, words, i); ok {
		fn(match{p: p, start: i, end: end})
	}
}

// matchTerms matches terms from words[at:], trying each place a gap allows
// and each alternative in turn, and returns the end of the first match
// found.
func matchTerms(terms []term, words []string, at int) (int, bool) {
	if len(terms) == 0 {
		return at, true
	}
	t := &terms[0]
	for j := at; j <= at+t.gap && j < len(words); j++ {
	alts:
		for _, alt := range t.alts {
			if j+len(alt) > len(words) {
				continue
			}
			for k, w := range alt {
				if !w.matches(words[j+k]) {
					continue alts
				}
			}
			if end, ok := matchTerms(terms[1:], words, j+len(alt)); ok {
				return end, true
			}
		}
	}
	return 0, false
}
