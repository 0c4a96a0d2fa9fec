package diff

import (
	"unicode"
	"unicode/utf8"
)

// interner gives each distinct string a rune, so that go-diff, which diffs
// runes, diffs lines or words. The runes start in the Private Use Area:
// lower, go-diff's cleanups would take some ids for spaces or newlines and
// shift edits around them for no reason.
type interner struct {
	ids map[string]rune
}

const (
	firstID = 0xE000
	maxIDs  = unicode.MaxRune - firstID + 1 // no surrogates above firstID
)

func (in *interner) reset() {
	if in.ids == nil {
		in.ids = make(map[string]rune)
		return
	}
	clear(in.ids)
}

// id returns s's rune, or false when the runes are used up (over a million
// distinct strings: only hostile input gets there).
func (in *interner) id(s string) (rune, bool) {
	if r, ok := in.ids[s]; ok {
		return r, true
	}
	if len(in.ids) >= maxIDs {
		return 0, false
	}
	r := rune(firstID + len(in.ids))
	in.ids[s] = r
	return r, true
}

// tokens splits a line into words, runs of white space, and single other
// characters (punctuation, symbols), so that a word diff never splits a
// word and its spans re-join to the line exactly. Its slices are reused
// from line to line.
type tokens struct {
	s      string
	bounds []int  // token k is s[bounds[k]:bounds[k+1]]
	isWord []bool // token k is a word
	idBuf  []rune
}

func (t *tokens) split(s string) {
	t.s = s
	t.bounds = append(t.bounds[:0], 0)
	t.isWord = t.isWord[:0]
	for i := 0; i < len(s); {
		end, word := nextToken(s, i)
		t.bounds = append(t.bounds, end)
		t.isWord = append(t.isWord, word)
		i = end
	}
}

// ids returns the tokens as runes of in; false when in is full.
func (t *tokens) ids(in *interner) ([]rune, bool) {
	t.idBuf = t.idBuf[:0]
	for k := range t.isWord {
		id, ok := in.id(t.text(k, k+1))
		if !ok {
			return nil, false
		}
		t.idBuf = append(t.idBuf, id)
	}
	return t.idBuf, true
}

// text returns tokens [from, to) as the substring of the line they cover.
func (t *tokens) text(from, to int) string { return t.s[t.bounds[from]:t.bounds[to]] }

// words counts the words among tokens [from, to).
func (t *tokens) words(from, to int) int {
	n := 0
	for _, w := range t.isWord[from:to] {
		if w {
			n++
		}
	}
	return n
}

// countWords counts the words of s as tokens splits them.
func countWords(s string) int {
	n := 0
	for i := 0; i < len(s); {
		end, word := nextToken(s, i)
		if word {
			n++
		}
		i = end
	}
	return n
}

// nextToken returns the end of the token that starts at s[i] and whether
// it is a word.
//
// A word is a run of letters, digits and marks, held together by an
// apostrophe or hyphen between letters ("that’s", "third-party",
// "l’utilisateur", "2025-05-27") and by a point or comma between digits
// ("1.5", "10,000"). Ideographs and kana are a word each: those scripts do
// not separate words with spaces, and one character is the nearest unit a
// reader sees change.
func nextToken(s string, i int) (end int, word bool) {
	r, size := utf8.DecodeRuneInString(s[i:])
	end = i + size
	switch {
	case unicode.IsSpace(r):
		for end < len(s) {
			r, size := utf8.DecodeRuneInString(s[end:])
			if !unicode.IsSpace(r) {
				break
			}
			end += size
		}
		return end, false
	case isIdeograph(r):
		return end, true
	case !isWordRune(r):
		return end, false
	}
	prev := r
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if isWordRune(r) && !isIdeograph(r) {
			prev = r
			end += size
			continue
		}
		if !joinsWords(prev, r) {
			break
		}
		next, nextSize := utf8.DecodeRuneInString(s[end+size:])
		if !isWordRune(next) || isIdeograph(next) || (isNumberJoiner(r) && !unicode.IsDigit(next)) {
			break
		}
		prev = next
		end += size + nextSize
	}
	return end, true
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func isIdeograph(r rune) bool {
	return r >= 0x2E80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// joinsWords says r, after the word rune prev, may join prev's word to the
// next one.
func joinsWords(prev, r rune) bool {
	switch r {
	case '\'', '’', '-', '‐', '‑':
		return true
	case '.', ',':
		return unicode.IsDigit(prev)
	}
	return false
}

func isNumberJoiner(r rune) bool { return r == '.' || r == ',' }
