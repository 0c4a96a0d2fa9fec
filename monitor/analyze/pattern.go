package analyze

import (
	"errors"
	"fmt"
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

// matchAt returns the ends of the alternatives of t that match at
// words[at:].
func (t *term) matchAt(words []string, at int, fn func(end int) bool) bool {
	for _, alt := range t.alts {
		if at+len(alt) > len(words) {
			continue
		}
		ok := true
		for k, w := range alt {
			if !w.matches(words[at+k]) {
				ok = false
				break
			}
		}
		if ok && fn(at+len(alt)) {
			return true
		}
	}
	return false
}

// pattern is one compiled phrase; target says what a match means to its
// matcher's owner (an entry index, a date role…).
type pattern struct {
	src    string
	lang   string
	target int
	terms  []term
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
// indexes patterns by their first term, so each word costs two map lookups
// however many patterns there are. It is read-only once built.
type matcher struct {
	patterns []*pattern
	exact    map[string][]*pattern // first-term whole words
	prefix   map[string][]*pattern // first-term prefixes, by their first two bytes
}

func newMatcher(patterns []*pattern) *matcher {
	m := &matcher{patterns: patterns, exact: map[string][]*pattern{}, prefix: map[string][]*pattern{}}
	for _, p := range patterns {
		for _, alt := range p.terms[0].alts {
			if w := alt[0]; w.prefix {
				m.prefix[w.text[:2]] = appendOnce(m.prefix[w.text[:2]], p)
			} else {
				m.exact[w.text] = appendOnce(m.exact[w.text], p)
			}
		}
	}
	return m
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
	for i, w := range words {
		for _, p := range m.exact[w] {
			m.try(p, words, i, lang, fn)
		}
		if len(w) >= 2 {
			for _, p := range m.prefix[w[:2]] {
				m.try(p, words, i, lang, fn)
			}
		}
	}
}

func (m *matcher) try(p *pattern, words []string, i int, lang string, fn func(match)) {
	if lang != "" && p.lang != lang {
		return
	}
	end := -1
	p.terms[0].matchAt(words, i, func(e int) bool {
		if rest, ok := matchRest(p.terms[1:], words, e); ok {
			end = rest
			return true
		}
		return false
	})
	if end >= 0 {
		fn(match{p: p, start: i, end: end})
	}
}

// matchRest matches terms from words[at:], trying each place a gap allows,
// and returns the end of the first match found.
func matchRest(terms []term, words []string, at int) (int, bool) {
	if len(terms) == 0 {
		return at, true
	}
	t := &terms[0]
	end := -1
	for j := at; j <= at+t.gap && j < len(words); j++ {
		if t.matchAt(words, j, func(e int) bool {
			if rest, ok := matchRest(terms[1:], words, e); ok {
				end = rest
				return true
			}
			return false
		}) {
			return end, true
		}
	}
	return 0, false
}
