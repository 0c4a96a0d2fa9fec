package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
)

// Language detection reads a sample of the text's prose: a policy is in
// one language throughout, headings and menus say little about it, and
// the detector's cost grows with its input (about 1.1 ms for 2 KB, 0.5
// ms for 512 bytes: a tenth of a first capture). Half a kilobyte of prose
// is what whatlanggo is made for (its own examples are 400 bytes in 83
// languages); TestCorpusReplay holds every distinct text of both corpus
// histories to "en", reliable, as it did with 2 KB.
const (
	langSample     = 512 // bytes of prose read
	langMinLine    = 60  // bytes: shorter lines are headings, menus, cells
	langMinLetters = 200 // below, no guess is confident
)

// DetectLanguage returns the ISO 639-1 code of the language a readable
// text is written in ("en", "fr"), with ok false when the text is too
// short or the guess not reliable. It reads about 512 bytes of the text's
// longer lines, so its cost does not grow with the text; still, it is
// meant for texts that changed, not for every fetch.
func DetectLanguage(text string) (lang string, ok bool) {
	sample := proseSample(text, langSample)
	letters := 0
	for _, r := range sample {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	if letters < langMinLetters {
		return "", false
	}
	info := whatlanggo.Detect(sample)
	if !info.IsReliable() {
		return "", false
	}
	code := info.Lang.Iso6391()
	return code, code != ""
}

// proseSample returns about max bytes of text's long lines, markers
// stripped, or 4×max bytes of the start of text when it has too few of
// them.
func proseSample(text string, max int) string {
	var b strings.Builder
	for rest := text; rest != "" && b.Len() < max; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = stripLineMarker(line)
		if len(line) < langMinLine {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(truncate(line, max-b.Len()))
	}
	if b.Len() < max/2 {
		// A text of short lines (a policy set as lists, a shell of
		// menus): four times as much of its start, as prose is scarce.
		return strings.ToValidUTF8(truncate(text, 4*max), "")
	}
	s := b.String()
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	return s
}
