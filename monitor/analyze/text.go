package analyze

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// folder turns text into the folded word sequence that patterns are
// matched against and statements are compared by: letters and digits
// lower-cased and stripped of accents, everything else a word break
// ("Meta’s opt-out" → "meta s opt out"). It reuses its buffers, so one
// folder serves one goroutine.
type folder struct {
	buf    []byte
	bounds []int // start, end of each word in buf
	words  []string
	joined string // the words joined by single spaces
	start  int    // start of the word being folded, -1 between words
}

// fold folds s and returns the words, which stay valid until the next call.
func (f *folder) fold(s string) []string {
	f.buf, f.bounds, f.start = f.buf[:0], f.bounds[:0], -1
	for i := 0; i < len(s); {
		if asciiFold[s[i]] != 0 {
			// Most text is runs of ASCII letters and digits: copy each run
			// in one go.
			f.startWord()
			buf := f.buf
			for ; i < len(s) && asciiFold[s[i]] != 0; i++ {
				buf = append(buf, asciiFold[s[i]])
			}
			f.buf = buf
			continue
		}
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		switch {
		case r < utf8.RuneSelf:
			f.endWord()
		case unicode.IsLetter(r), unicode.IsDigit(r):
			f.startWord()
			f.buf = appendFolded(f.buf, r)
		case unicode.Is(unicode.Mn, r) && f.start >= 0:
			// A combining accent written apart ("e\u0301"): dropped, the
			// word goes on.
		default:
			f.endWord()
		}
	}
	f.endWord()
	// One string for the whole folded text; the words are slices of it.
	f.joined = string(f.buf)
	f.words = f.words[:0]
	for k := 0; k < len(f.bounds); k += 2 {
		f.words = append(f.words, f.joined[f.bounds[k]:f.bounds[k+1]])
	}
	return f.words
}

// wordRune reports whether r, whose first byte is c, is of a word as
// fold cuts words: an ASCII letter or digit, or a letter or digit beyond
// ASCII. (A combining accent goes on a word, but starts none.) wordGaps
// and rawWord cut by it, so as to agree with fold.
func wordRune(c byte, r rune) bool {
	return asciiFold[c] != 0 || r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// asciiFold maps the ASCII letters and digits to their folded byte, and
// every other byte to 0.
var asciiFold = func() (t [256]byte) {
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c)
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = byte(c)
		t[c-'a'+'A'] = byte(c)
	}
	return t
}()

func (f *folder) startWord() {
	if f.start >= 0 {
		return
	}
	if len(f.buf) > 0 {
		f.buf = append(f.buf, ' ')
	}
	f.start = len(f.buf)
}

func (f *folder) endWord() {
	if f.start >= 0 {
		f.bounds = append(f.bounds, f.start, len(f.buf))
		f.start = -1
	}
}

// key returns the folded form of s as one string: the normalised key two
// statements are compared by, blind to case, accents, punctuation and
// spacing.
func (f *folder) key(s string) string {
	if strings.IndexByte(s, '[') >= 0 {
		s = footnoteRef.ReplaceAllString(s, " ")
	}
	f.fold(s)
	return f.joined
}

// footnoteRef matches a note call such as "Metadata[7]": notes are
// renumbered whenever one is added above, which changes no statement.
var footnoteRef = regexp.MustCompile(`\[\d{1,3}\]`)

// appendFolded appends the lower-case, accent-free form of the letter or
// digit r.
func appendFolded(dst []byte, r rune) []byte {
	r = unicode.ToLower(r)
	switch r {
	case 'œ':
		return append(dst, 'o', 'e')
	case 'æ':
		return append(dst, 'a', 'e')
	case 'ß':
		return append(dst, 's', 's')
	}
	var enc [utf8.UTFMax]byte
	n := utf8.EncodeRune(enc[:], r)
	if d := norm.NFD.Properties(enc[:n]).Decomposition(); len(d) > 0 {
		// The first rune of the canonical decomposition is the base letter
		// (é = e + ◌́); the combining marks after it are dropped.
		base, _ := utf8.DecodeRune(d)
		return utf8.AppendRune(dst, base)
	}
	return append(dst, enc[:n]...)
}

// splitSentences cuts one block of text (a paragraph, list item or table
// cell) into sentences. It ends a sentence at . ! or ? followed by a capital,
// digit, quote or bullet, and before a "*" or "•" bullet glued to the text
// (the archived Markdown leaves "provide:* Interactions"), but not after
// common abbreviations, initials, or inside "15. 07. 2019".
//
// It returns the sentences as [start, end) offsets into block.
func splitSentences(block string, out []span) []span {
	start := 0
	emit := func(end int) {
		if s, e := trimStatement(block, start, end); s < e {
			out = append(out, span{s, e})
		}
	}
	for i := 0; i < len(block); i++ {
		c := block[i]
		switch c {
		case '*':
			// A bullet: at the block's start, or after punctuation, and
			// followed by a space.
			if i+1 < len(block) && block[i+1] == ' ' && (i == start || isBulletLead(block[i-1])) {
				emit(i)
				start = i
			}
		case '.', '!', '?':
			j := i + 1
			for j < len(block) && isCloser(block, j) {
				_, size := utf8.DecodeRuneInString(block[j:])
				j += size
			}
			if j >= len(block) {
				continue
			}
			if c == '.' && isAbbreviation(block[start:i]) {
				continue
			}
			next := block[j]
			switch {
			case next == '*':
				emit(j)
				start = j
			case next == ' ':
				k := j
				for k < len(block) && block[k] == ' ' {
					k++
				}
				if k < len(block) && startsSentence(block[k:]) && !(c == '.' && i > 0 && isDigit(block[i-1]) && (isDigit(block[k]) || germanDay(block[:i], block[k:]))) {
					emit(j)
					start = k
					i = k - 1
				}
			case 'A' <= next && next <= 'Z' && i > 0 && 'a' <= block[i-1] && block[i-1] <= 'z':
				// "technology.Information from …": two blocks glued by
				// markup loss. Lower-case on the left rules out "U.S".
				emit(j)
				start = j
				i = j - 1
			}
		}
	}
	emit(len(block))
	return out
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// germanDay reports whether a full stop between before and after is that
// of a German ordinal day before its month, "27. Mai 2025": one or two
// digits standing alone before it, a month's name after it.
func germanDay(before, after string) bool {
	n := 0
	for n < len(before) && n < 3 && isDigit(before[len(before)-1-n]) {
		n++
	}
	if n == 0 || n > 2 || n < len(before) && before[len(before)-1-n] != ' ' && before[len(before)-1-n] != '(' {
		return false
	}
	end := 0
	for end < len(after) && end < 12 {
		r, size := utf8.DecodeRuneInString(after[end:])
		if !unicode.IsLetter(r) {
			break
		}
		end += size
	}
	_, ok := monthTables()["de"][foldName(after[:end])]
	return ok
}

func isBulletLead(c byte) bool {
	return c == '.' || c == ':' || c == ';' || c == ',' || c == ' ' || c == '!' || c == '?'
}

// isCloser reports whether the rune at s[i] may close a sentence after its
// full stop: a quote or bracket.
func isCloser(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	switch r {
	case '"', '\'', ')', ']', '’', '”', '»':
		return true
	}
	return false
}

// startsSentence reports whether s begins like a sentence: a capital, a
// digit, an opening quote or bracket, or a bullet.
func startsSentence(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '"', '“', '«', '(', '[', '*', '•', '‘', '¿', '¡':
		return true
	}
	return unicode.IsUpper(r) || unicode.IsDigit(r)
}

// abbreviations end with a full stop that does not end a sentence.
var abbreviations = map[string]bool{
	"e.g": true, "i.e": true, "etc": true, "inc": true, "ltd": true, "co": true,
	"corp": true, "mr": true, "mrs": true, "ms": true, "dr": true, "st": true,
	"no": true, "vs": true, "cf": true, "ex": true, "p.ex": true, "art": true,
	"approx": true, "fig": true, "n°": true, "mme": true, "av": true,
	// Month abbreviations, so that "Sept. 7, 2023" stays one sentence.
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true,
	"aug": true, "sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
	"janv": true, "févr": true, "fevr": true, "avr": true, "juil": true, "déc": true,
	"mär": true, "okt": true, "dez": true, "mrt": true, // German and Dutch
}

// isAbbreviation reports whether the word just before a full stop is an
// abbreviation or an initial.
func isAbbreviation(before string) bool {
	k := strings.LastIndexAny(before, " (\"“")
	word := before[k+1:]
	if abbreviations[strings.ToLower(word)] {
		return true
	}
	// Initials: "J. Smith", "U.S.", "e.g." — every dotted part one letter.
	for part := range strings.SplitSeq(word, ".") {
		if utf8.RuneCountInString(part) != 1 {
			return false
		}
	}
	return true
}

// span is a piece of a text, by byte offsets.
type span struct{ start, end int }

// trimStatement narrows s[start:end] past the white space, bullets and list
// markers around a sentence; the result is empty for one without a letter
// or digit.
func trimStatement(s string, start, end int) (int, int) {
trim:
	for start < end {
		switch {
		case s[start] == ' ':
			start++
		case strings.HasPrefix(s[start:end], "* "), strings.HasPrefix(s[start:end], "- "):
			start += 2
		case strings.HasPrefix(s[start:end], "•"):
			start += len("•")
		default:
			break trim
		}
	}
	for end > start && s[end-1] == ' ' {
		end--
	}
	for _, r := range s[start:end] {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return start, end
		}
	}
	return start, start
}

// truncate cuts s to at most max bytes on a rune boundary, marking the cut.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
