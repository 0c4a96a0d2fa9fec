package analyze

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	dateparser "github.com/markusmobius/go-dateparser"
	"github.com/markusmobius/go-dateparser/date"
)

// Finding dates: regular expressions find the spans that look like dates
// (digit shapes, and month-name shapes in English and French); the month
// names in them only find spans, go-dateparser reads them. Its Search over
// whole sentences misreads "le 22 décembre 2025" (year only) and
// "01/11/2024" (month first), while its Parse, given the span, the language
// and the day-month order, reads every shape right.

const (
	ordinalEN = `(?:st|nd|rd|th)?`
	monthEN   = `(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`
	monthFR   = `(?:janv(?:ier|\.)?|f[ée]vr?(?:ier|\.)?|mars|avr(?:il|\.)?|mai|juin|juil(?:let|\.)?|ao[uû]t|sept(?:embre|\.)?|oct(?:obre|\.)?|nov(?:embre|\.)?|d[ée]c(?:embre|\.)?)`
)

var (
	// "May 27, 2025", "27 May 2025", "4 January, 2022", "1st of June 2024", "July 2026".
	spanEN = regexp.MustCompile(`(?i)\b(?:\d{1,2}` + ordinalEN + `\s+(?:of\s+)?` + monthEN + `,?\s+\d{4}|` +
		monthEN + `\s+\d{1,2}` + ordinalEN + `,?\s+\d{4}|` + monthEN + `\s+\d{4})\b`)
	// "27 mai 2025", "1er janvier 2024", "Juillet 2026".
	spanFR = regexp.MustCompile(`(?i)\b(?:(?:1er|\d{1,2})\s+)?` + monthFR + `\s+\d{4}\b`)
	// "27/05/2025", "15. 07. 2019", "01-11-2024".
	spanDigits = regexp.MustCompile(`\b(\d{1,2})\s?[./-]\s?(\d{1,2})\s?[./-]\s?\d{4}\b`)
	spanISO    = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
)

type spanShape int

const (
	shapeMonthName spanShape = iota
	shapeDigits
	shapeISO
)

// dateSpan is a piece of a statement that looks like a date.
type dateSpan struct {
	start, end int
	shape      spanShape
	lang       string     // for month names: the language the name is in
	order      digitOrder // for digit shapes: what the numbers themselves say
}

// digitOrder is what the numbers of a digit date say of its order.
type digitOrder int

const (
	eitherOrder digitOrder = iota // "01/11/2024": the language decides
	dayFirst                      // "27/05/2025"
	monthFirst                    // "05/27/2025"
)

// Every date shape holds a four-digit year, so the span patterns run only
// on a window around each year: a long statement costs little, and a text
// stuffed with years costs at most maxYearWindows windows.
const (
	yearLookBehind = 40 // "Wednesday, 1st of September 2024" fits
	yearLookAhead  = 6  // "-03-05" after an ISO year
	maxYearWindows = 1000
)

// findDateSpans returns the date-like spans of s in order, without
// overlaps, at most limit of them. It looks at most *windows years (and
// counts them down). lang "" looks for month names in every language it
// knows.
func findDateSpans(s, lang string, limit int, windows *int) []dateSpan {
	var spans []dateSpan
	lastEnd := 0
	for y := nextYear(s, 0); y >= 0 && len(spans) < limit; y = nextYear(s, y+4) {
		if *windows <= 0 {
			break
		}
		*windows--
		start := max(lastEnd, y-yearLookBehind)
		if start > lastEnd {
			// Begin at a word, so that \b does not see one inside a word.
			if i := strings.IndexByte(s[start:y], ' '); i >= 0 {
				start += i + 1
			} else {
				start = y
			}
		}
		end := min(len(s), y+4+yearLookAhead)
		for _, sp := range windowSpans(s[start:end], lang) {
			sp.start += start
			sp.end += start
			if sp.start >= lastEnd && sp.end >= y+4 {
				spans = append(spans, sp)
				lastEnd = sp.end
			}
		}
	}
	if len(spans) > limit {
		spans = spans[:limit]
	}
	return spans
}

// nextYear returns the index of the next run of exactly four digits in s
// at or after from, or -1.
func nextYear(s string, from int) int {
	run := 0
	for i := from; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			run++
			continue
		}
		if run == 4 {
			return i - 4
		}
		run = 0
	}
	if run == 4 {
		return len(s) - 4
	}
	return -1
}

// windowSpans returns the date-like spans of a window of text, in order,
// without overlaps.
func windowSpans(s, lang string) []dateSpan {
	var spans []dateSpan
	addAll := func(re *regexp.Regexp, shape spanShape, spanLang string) {
		for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
			sp := dateSpan{start: m[0], end: m[1], shape: shape, lang: spanLang}
			if shape == shapeDigits {
				a, _ := strconv.Atoi(s[m[2]:m[3]])
				b, _ := strconv.Atoi(s[m[4]:m[5]])
				switch {
				case a > 12 && b <= 12:
					sp.order = dayFirst
				case b > 12 && a <= 12:
					sp.order = monthFirst
				case a > 12 && b > 12:
					continue // not a date
				}
			}
			spans = append(spans, sp)
		}
	}
	if lang == "" || lang == "en" {
		addAll(spanEN, shapeMonthName, "en")
	}
	if lang == "" || lang == "fr" {
		addAll(spanFR, shapeMonthName, "fr")
	}
	addAll(spanDigits, shapeDigits, "")
	addAll(spanISO, shapeISO, "")
	if len(spans) < 2 {
		return spans
	}
	// Of overlapping spans keep the one that starts first, and of those the
	// longest: "1er mars 2024" rather than "mars 2024".
	slices.SortFunc(spans, func(a, b dateSpan) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	kept := spans[:1]
	for _, sp := range spans[1:] {
		if last := &kept[len(kept)-1]; sp.start < last.end {
			continue
		}
		kept = append(kept, sp)
	}
	return kept
}

// dateReader parses date spans with go-dateparser. Its Parser is safe for
// concurrent use (it locks itself).
type dateReader struct {
	parser *dateparser.Parser
}

func newDateReader() *dateReader {
	return &dateReader{parser: &dateparser.Parser{
		// Only absolute dates: a span is never "in two days" or a timestamp.
		ParserTypes: []dateparser.ParserType{dateparser.AbsoluteTime},
	}}
}

// refTime anchors parsing so that results never depend on the clock. Every
// span has a year and a span without a day becomes a year-month, so it
// fills in nothing that is reported.
var refTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// parse returns the ISO form of span (2025-05-27, or 2025-05 without a
// day), or "" when it is not a plausible date. lang is the text's language
// for digit shapes whose order is ambiguous.
func (r *dateReader) parse(text string, sp dateSpan, lang string) string {
	if sp.shape == shapeISO {
		t, err := time.Parse(time.DateOnly, text)
		if err != nil || !plausibleYear(t.Year()) {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	cfg := &dateparser.Configuration{
		CurrentTime:         refTime,
		DefaultTimezone:     time.UTC,
		PreferredDayOfMonth: dateparser.First,
	}
	switch sp.shape {
	case shapeMonthName:
		cfg.Languages = []string{sp.lang}
		cfg.DateOrder = dateparser.DMY
		if sp.lang == "en" {
			cfg.DateOrder = dateparser.MDY
		}
	case shapeDigits:
		// The language says the order unless the numbers do: "27/05" can
		// only be day first.
		parseLang := lang
		if parseLang == "" {
			parseLang = "fr" // any: digits read the same, the order is set below
		}
		cfg.Languages = []string{parseLang}
		switch {
		case sp.order == dayFirst:
			cfg.DateOrder = dateparser.DMY
		case sp.order == monthFirst:
			cfg.DateOrder = dateparser.MDY
		case lang == "en":
			cfg.DateOrder = dateparser.MDY
		default:
			cfg.DateOrder = dateparser.DMY
		}
	}
	d, err := r.parser.Parse(cfg, strings.Join(strings.Fields(text), " "))
	if err != nil || d.IsZero() || !plausibleYear(d.Time.Year()) {
		return ""
	}
	switch d.Period {
	case date.Day:
		return d.Time.Format(time.DateOnly)
	case date.Month:
		return d.Time.Format("2006-01")
	}
	return "" // a year alone binds nobody to anything
}

func plausibleYear(y int) bool { return 1990 <= y && y <= 2100 }

// roleCue is a date-role cue found before a date.
type roleCue struct {
	role   int // index in Taxonomy.roles
	gap    int // words between the cue and the date, little words not counted
	length int // words in the cue
}

// maxCueGap is how far before a date a cue may end: "Effective for all
// users May 27" still reads as an effective date, a cue a clause away
// does not.
const maxCueGap = 3

// beforeCues returns the cues that end within maxCueGap words before the
// end of words (the text between the previous date and this one), nearest
// first, then longest, then in role order.
func (t *Taxonomy) beforeCues(words []string, lang string, cues []roleCue) []roleCue {
	cues = cues[:0]
	t.before.find(words, lang, func(m match) {
		gap := 0
		for _, w := range words[m.end:] {
			if !t.isFiller(w, lang) {
				gap++
			}
		}
		if gap <= maxCueGap {
			cues = append(cues, roleCue{role: m.p.target, gap: gap, length: m.end - m.start})
		}
	})
	slices.SortStableFunc(cues, func(a, b roleCue) int {
		if a.gap != b.gap {
			return a.gap - b.gap
		}
		if a.length != b.length {
			return b.length - a.length
		}
		return a.role - b.role
	})
	return cues
}

func (t *Taxonomy) isFiller(w, lang string) bool {
	if lang != "" {
		return t.fillers[lang][w]
	}
	for _, set := range t.fillers {
		if set[w] {
			return true
		}
	}
	return false
}

// anywhereRole returns the role of the first "anywhere" cue in words, or -1.
func (t *Taxonomy) anywhereRole(words []string, lang string) int {
	role := -1
	t.anywhere.find(words, lang, func(m match) {
		if role < 0 {
			role = m.p.target
		}
	})
	return role
}
