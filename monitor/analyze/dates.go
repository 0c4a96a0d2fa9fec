package analyze

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/goodsign/monday"
)

// Finding dates: regular expressions find the spans that look like dates
// (digit shapes, and month-name shapes in English and French); the month
// names in them only find spans. A dateReader then reads each span: it
// captures day, month and year, takes the month of a name from monday's
// locale tables, and orders the numbers of a digit date by what they say
// or else by the language ("01/11/2024" is 1 November in French).
//
// go-dateparser read the spans before, but it builds all of its ~200
// locales when its package initialises: 255 ms and 95 MB allocated at the
// start of every process, 30 MiB kept live, for the two languages read
// here. monday keeps plain month-name maps (under 1 MiB, under 1 ms).

const (
	ordinalEN = `(?:st|nd|rd|th|` + ordinalSup + `)?`
	monthEN   = `(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`
	monthFR   = `(?:janv(?:ier|\.)?|f[ée]vr?(?:ier|\.)?|mars|avr(?:il|\.)?|mai|juin|juil(?:let|\.)?|ao[uû]t|sept(?:embre|\.)?|oct(?:obre|\.)?|nov(?:embre|\.)?|d[ée]c(?:embre|\.)?)`
	// Ordinals may be written in superscript letters, as word processors
	// set them ("June 1ˢᵗ", "le 1ᵉʳ juin"): a day not to lose to the
	// month alone, or to no date at all. No \b ends the English ones: it
	// stands between an ASCII letter or digit and what is neither.
	ordinalSup = `ˢᵗ|ⁿᵈ|ʳᵈ|ᵗʰ`
	// The first of the month in French: "1er", "1re", "1ᵉʳ", "1ʳᵉ".
	ordinalFR = `(?:er|re|ᵉʳ|ʳᵉ)`
	// German, Spanish, Italian and Dutch: dates only (their texts have no
	// patterns of purposes or data; see knownLang), written day first.
	monthDE = `(?:januar|jan\.?|februar|feb\.?|m[äa]rz|mär\.?|april|apr\.?|mai|juni|juli|august|aug\.?|september|sept?\.?|oktober|okt\.?|november|nov\.?|dezember|dez\.?)`
	monthES = `(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)`
	monthIT = `(?:gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre)`
	monthNL = `(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)`
)

var (
	// "May 27, 2025", "27 May 2025", "4 January, 2022", "1st of June 2024",
	// "July 2026", "May 26-27, 2025" (a range: its last day, which a cue
	// before it is about, as for "26-27 May 2025").
	spanEN = lazyPattern(`(?i)\b(?:\d{1,2}` + ordinalEN + `\s+(?:of\s+)?` + monthEN + `,?\s+\d{4}|` +
		monthEN + `\s+\d{1,2}` + ordinalEN + `\s*[-–]\s*\d{1,2}` + ordinalEN + `,?\s+\d{4}|` +
		monthEN + `\s+\d{1,2}` + ordinalEN + `,?\s+\d{4}|` + monthEN + `\s+\d{4})\b`)
	// "27 mai 2025", "1er janvier 2024", "premier juin 2025", "Juillet
	// 2026".
	spanFR = lazyPattern(`(?i)\b(?:(?:1` + ordinalFR + `|premier|\d{1,2})\s+)?` + monthFR + `\s+\d{4}\b`)
	// "27. Mai 2025", "27 de mayo de 2025", "1° maggio 2025", "27 mei 2025".
	spanDE = lazyPattern(`(?i)\b\d{1,2}\.?\s+` + monthDE + `\s+\d{4}\b`)
	spanES = lazyPattern(`(?i)\b\d{1,2}\s+de\s+` + monthES + `(?:\s+de)?\s+\d{4}\b`)
	spanIT = lazyPattern(`(?i)\b\d{1,2}(?:°|º)?\s+` + monthIT + `\s+\d{4}\b`)
	spanNL = lazyPattern(`(?i)\b\d{1,2}\s+` + monthNL + `\s+\d{4}\b`)
	// "27/05/2025", "15. 07. 2019", "01-11-2024".
	spanDigits = lazyPattern(`\b(\d{1,2})\s?[./-]\s?(\d{1,2})\s?[./-]\s?\d{4}\b`)
	// "2025-05-27", and year first with slashes or dots: "2025/05/27".
	spanISO = lazyPattern(`\b(?:\d{4}-\d{2}-\d{2}|\d{4}/\d{1,2}/\d{1,2}|\d{4}\.\d{1,2}\.\d{1,2})\b`)
	// "27/05/25": a two-digit year, read only where a role cue touches it
	// (see findDates); elsewhere it is as likely a score or a version.
	spanShortYear = lazyPattern(`\b(\d{1,2})[./-](\d{1,2})[./-]\d{2}\b`)

	// A day and month without a year: "27 May", "May 27th", "1er juin",
	// "premier juin".
	// Read only where a role cue touches them or their statement names an
	// objection (see findDates): "27 May" in prose binds nobody.
	spanDayMonthEN = lazyPattern(`(?i)\b(?:\d{1,2}` + ordinalEN + `\s+(?:of\s+)?` + monthEN + `\b|` + monthEN + `\s+\d{1,2}(?:` + ordinalSup + `|(?:st|nd|rd|th)?\b))`)
	spanDayMonthFR = lazyPattern(`(?i)\b(?:1` + ordinalFR + `|premier|\d{1,2})\s+` + monthFR + `\b`)
)

// A range's start, right before the date that ends it: "26-", "14 April
// – ", "from 14 April to ", "du 14 avril au ", "between the 14th and ".
// Word connectors need the word that opens the range, or "to" and "and"
// would join anything to a date.
var (
	rangeStartDay = `(?:(?:` + weekdayEN + `|` + weekdayFR + `),?\s+)?(?:(?:\d{1,2}(?:` + ordinalFR + `|` + ordinalEN + `)|premier)(?:\s+(?:of\s+)?(?:` + monthEN + `|` + monthFR + `))?|(?:` +
		monthEN + `|` + monthFR + `)\s+\d{1,2}` + ordinalEN + `)(?:,?\s+\d{4})?`
	rangeOpener    = `\b(?:from|between|du|entre)\s+(?:the\s+|le\s+)?`
	rangeStartDash = lazyPattern(`(?i)(?:` + rangeOpener + `)?` + rangeStartDay + `\s*[-–—]\s*$`)
	rangeStartWord = lazyPattern(`(?i)` + rangeOpener + rangeStartDay + `\s+(?:to|until|till|through|and|au|et|jusqu'au|jusqu’au)\s+(?:the\s+|le\s+)?$`)
)

const (
	weekdayEN = `(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?`
	weekdayFR = `(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)`
)

// rangeStart returns where the start of a range ends before at the end of
// s, -1 for none, and whether a word opened it ("from", "du"), which makes
// it a period rather than two days.
func rangeStart(s string) (int, bool) {
	// The longest start ("between Wednesday, 14th of September 2025 and
	// the ") fits; and most dates have no range before them, which a look
	// at the last word tells without the patterns.
	s = s[max(0, len(s)-rangeLookBehind):]
	dash, word := rangeConnector(s)
	if word && hasRangeOpener(s) {
		if loc := rangeStartWord.compiled().FindStringIndex(s); loc != nil {
			return loc[0], true
		}
	}
	if !dash {
		return -1, false
	}
	if loc := rangeStartDash.compiled().FindStringIndex(s); loc != nil {
		opened := rangeOpenerRe.compiled().MatchString(s[loc[0]:])
		return loc[0], opened
	}
	return -1, false
}

const rangeLookBehind = 80

// rangeConnector reports whether s ends with what joins a range's start to
// its end: a dash, or a word such as "to", "au", "and" (then "the", "le").
func rangeConnector(s string) (dash, word bool) {
	s = strings.TrimRight(s, " ")
	if strings.HasSuffix(s, "-") || strings.HasSuffix(s, "–") || strings.HasSuffix(s, "—") {
		return true, false
	}
	for range 2 {
		i := strings.LastIndexByte(s, ' ')
		switch w := strings.ToLower(s[i+1:]); w {
		case "to", "until", "till", "through", "and", "au", "et", "jusqu'au", "jusqu’au":
			return false, true
		case "the", "le":
			s = strings.TrimRight(s[:max(i, 0)], " ")
			continue
		}
		return false, false
	}
	return false, false
}

// hasRangeOpener reports whether s holds a word that opens a range, which
// a range joined by a word needs.
func hasRangeOpener(s string) bool {
	s = strings.ToLower(s)
	for _, w := range []string{"from ", "between ", "du ", "entre "} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

var rangeOpenerRe = lazyPattern(`(?i)^` + rangeOpener)

type spanShape int

const (
	shapeMonthName spanShape = iota
	shapeDigits
	shapeISO
	shapeDayMonth  // no year: read as --MM-DD, its year inferred in finish
	shapeShortYear // "27/05/25", read as shapeDigits
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
	addAll := func(re *lazyRegexp, shape spanShape, spanLang string) {
		for _, m := range re.compiled().FindAllStringSubmatchIndex(s, -1) {
			sp := dateSpan{start: m[0], end: m[1], shape: shape, lang: spanLang}
			if shape == shapeDigits {
				var ok bool
				if sp.order, ok = readDigitOrder(s, m); !ok {
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
	for _, o := range otherMonthSpans {
		if lang == "" || lang == o.lang {
			addAll(o.re, shapeMonthName, o.lang)
		}
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

// dayMonthSpans returns the spans of s that are a day and month without a
// year and overlap none of spans (the dates with one), in order.
func dayMonthSpans(s, lang string, spans []dateSpan) []dateSpan {
	var out []dateSpan
	add := func(re *lazyRegexp, spanLang string) {
		for _, m := range re.compiled().FindAllStringIndex(s, maxDates) {
			if spanLang == "en" && !englishMonthFirst(s[m[0]:m[1]]) {
				continue
			}
			overlaps := slices.ContainsFunc(spans, func(sp dateSpan) bool { return m[0] < sp.end && sp.start < m[1] })
			if !overlaps {
				out = append(out, dateSpan{start: m[0], end: m[1], shape: shapeDayMonth, lang: spanLang})
			}
		}
	}
	if lang == "" || lang == "en" {
		add(spanDayMonthEN, "en")
	}
	if lang == "" || lang == "fr" {
		add(spanDayMonthFR, "fr")
	}
	slices.SortFunc(out, func(a, b dateSpan) int { return a.start - b.start })
	// Of overlapping spans (English and French both read "27 mai"… only
	// one does; "1er" cannot be English) keep the first.
	kept := out[:0]
	for _, sp := range out {
		if len(kept) > 0 && sp.start < kept[len(kept)-1].end {
			continue
		}
		kept = append(kept, sp)
	}
	return kept
}

// readDigitOrder reads the order of a digit date's first two numbers,
// submatches 1 and 2 of m in s: a number over 12 is the day; both over 12,
// no date (ok false); neither, eitherOrder: the language decides.
func readDigitOrder(s string, m []int) (order digitOrder, ok bool) {
	a, _ := strconv.Atoi(s[m[2]:m[3]])
	b, _ := strconv.Atoi(s[m[4]:m[5]])
	switch {
	case a > 12 && b > 12:
		return order, false
	case a > 12:
		return dayFirst, true
	case b > 12:
		return monthFirst, true
	}
	return order, true
}

// shortYearSpans returns the spans of s that are digit dates with a
// two-digit year and overlap none of spans, in order.
func shortYearSpans(s string, spans []dateSpan) []dateSpan {
	var out []dateSpan
	for _, m := range spanShortYear.compiled().FindAllStringSubmatchIndex(s, maxDates) {
		if slices.ContainsFunc(spans, func(sp dateSpan) bool { return m[0] < sp.end && sp.start < m[1] }) {
			continue
		}
		sp := dateSpan{start: m[0], end: m[1], shape: shapeShortYear}
		var ok bool
		if sp.order, ok = readDigitOrder(s, m); !ok {
			continue
		}
		out = append(out, sp)
	}
	return out
}

// hasShortYearDate reports whether folded words hold three numbers of one
// or two digits in a row, the last of two: the cheap test before
// shortYearSpans.
func hasShortYearDate(words []string) bool {
	for i := 2; i < len(words); i++ {
		if len(words[i]) == 2 && isSmallNumber(words[i]) && isSmallNumber(words[i-1]) && isSmallNumber(words[i-2]) {
			return true
		}
	}
	return false
}

// englishMonthFirst reports whether an English day-and-month span writes its
// month with a capital, as English always does: "you may 3 times" is no
// date.
func englishMonthFirst(span string) bool {
	for f := range strings.FieldsSeq(span) {
		if c := f[0]; !isDigit(c) && !strings.EqualFold(f, "of") {
			return 'A' <= c && c <= 'Z'
		}
	}
	return false
}

// hasDayMonth reports whether folded words hold a month name next to a day
// number in a language read: the cheap test before dayMonthSpans.
func (r *dateReader) hasDayMonth(words []string, lang string) bool {
	names := r.anyMonth
	if lang != "" {
		names = r.months[lang]
	}
	// The number beside it first: most words have none, and testing that
	// costs less than looking the word up.
	for i, w := range words {
		if len(w) < 3 || len(w) > 9 || isDigit(w[0]) {
			continue
		}
		if !(i > 0 && dayWord(words[i-1]) || i > 1 && words[i-1] == "of" && dayWord(words[i-2]) || i+1 < len(words) && dayWord(words[i+1])) {
			continue
		}
		if names[w] != 0 {
			return true
		}
	}
	return false
}

// dayWord reports whether a folded word is a day of the month: "27",
// "27th", "1er", "1ᵉʳ", "premier".
func dayWord(w string) bool {
	if w == "premier" {
		return true
	}
	n := 0
	for n < len(w) && isDigit(w[n]) {
		n++
	}
	if n == 0 || n > 2 {
		return false
	}
	switch w[n:] {
	case "", "st", "nd", "rd", "th", "er", "re", "ˢᵗ", "ⁿᵈ", "ʳᵈ", "ᵗʰ", "ᵉʳ", "ʳᵉ":
		return true
	}
	return false
}

// otherMonthSpans are the span patterns of the languages read for dates
// only, in the order they are tried.
var otherMonthSpans = []struct {
	lang string
	re   *lazyRegexp
}{{"de", spanDE}, {"es", spanES}, {"it", spanIT}, {"nl", spanNL}}

// dateReader reads date spans into ISO dates. The span patterns above
// only spot dates; reading captures the day, month and year of a span and
// looks the month name up in month tables derived from monday's locale
// data, so that no month table is written here and the names of a month
// agree with a maintained source. It holds only read-only maps, so it is
// safe for concurrent use.
type dateReader struct {
	months   map[string]map[string]time.Month // language → folded name → month
	anyMonth map[string]time.Month            // every language's names (the month is one of them)
}

func newDateReader() *dateReader {
	r := &dateReader{months: monthTables(), anyMonth: map[string]time.Month{}}
	for _, names := range r.months {
		maps.Copy(r.anyMonth, names)
	}
	return r
}

// monthLocales are the monday locales whose month names the span patterns
// spot, by language.
var monthLocales = map[string]monday.Locale{
	"en": monday.LocaleEnUS,
	"fr": monday.LocaleFrFR,
	"de": monday.LocaleDeDE,
	"es": monday.LocaleEsES,
	"it": monday.LocaleItIT,
	"nl": monday.LocaleNlNL,
}

// monthTables builds the month-name tables once, on first use: a process
// that never reads a date pays nothing, and every Taxonomy shares them.
var monthTables = sync.OnceValue(func() map[string]map[string]time.Month {
	tables := make(map[string]map[string]time.Month, len(monthLocales))
	for lang, locale := range monthLocales {
		tables[lang] = monthNames(monday.GetLongMonths(locale), monday.GetShortMonths(locale))
	}
	return tables
})

// monthNames maps the folded forms of a language's month names (long and
// short, January first) to the months, with every prefix of three letters
// or more of a long name that names one month only: policies abbreviate
// more freely than a locale's one short form ("Sept." besides "Sep",
// "fév." besides "févr.", "déc" written "dec").
func monthNames(long, short []string) map[string]time.Month {
	names := map[string]time.Month{}
	ambiguous := map[string]bool{} // "jui" of juin and juillet
	for i, name := range long {
		m := time.Month(i + 1)
		folded := []rune(foldName(name))
		for n := 3; n <= len(folded); n++ {
			p := string(folded[:n])
			if prev, ok := names[p]; ok && prev != m {
				ambiguous[p] = true
			}
			names[p] = m
		}
	}
	for p := range ambiguous {
		delete(names, p)
	}
	// A whole name or the locale's own short form always stands, even
	// where it begins another month's name.
	for i, name := range long {
		names[foldName(name)] = time.Month(i + 1)
	}
	for i, name := range short {
		names[foldName(name)] = time.Month(i + 1)
	}
	return names
}

// foldName returns the letters of a month name lower-cased and without
// accents, as the text folder folds words ("Déc." → "dec").
func foldName(s string) string {
	var b []byte
	for _, r := range s {
		if unicode.IsLetter(r) {
			b = appendFolded(b, r)
		}
	}
	return string(b)
}

// The reading patterns match a whole span that the span patterns found,
// from the same pieces, and capture its parts: day (absent in a
// year-month), month and year, or for digit shapes the first and second
// numbers, whose order is decided apart.
var (
	readEN = []*lazyRegexp{
		// "27 May 2025", "4 January, 2022", "1st of June 2024".
		lazyPattern(`(?i)^(?P<day>\d{1,2})` + ordinalEN + `\s+(?:of\s+)?(?P<month>` + monthEN + `),?\s+(?P<year>\d{4})$`),
		// "May 26-27, 2025": the range's end.
		lazyPattern(`(?i)^(?P<month>` + monthEN + `)\s+\d{1,2}` + ordinalEN + `\s*[-–]\s*(?P<day>\d{1,2})` + ordinalEN + `,?\s+(?P<year>\d{4})$`),
		// "May 27, 2025", "Sept. 7, 2023".
		lazyPattern(`(?i)^(?P<month>` + monthEN + `)\s+(?P<day>\d{1,2})` + ordinalEN + `,?\s+(?P<year>\d{4})$`),
		// "July 2026".
		lazyPattern(`(?i)^(?P<month>` + monthEN + `)\s+(?P<year>\d{4})$`),
	}
	// "27 mai 2025", "1er janvier 2024", "premier juin 2025", "Juillet
	// 2026".
	readFR = []*lazyRegexp{lazyPattern(`(?i)^(?:(?P<day>\d{1,2}|premier)` + ordinalFR + `?\s+)?(?P<month>` + monthFR + `)\s+(?P<year>\d{4})$`)}
	// The month-name readings by language.
	readMonthName = map[string][]*lazyRegexp{
		"en": readEN,
		"fr": readFR,
		"de": {lazyPattern(`(?i)^(?P<day>\d{1,2})\.?\s+(?P<month>` + monthDE + `)\s+(?P<year>\d{4})$`)},
		"es": {lazyPattern(`(?i)^(?P<day>\d{1,2})\s+de\s+(?P<month>` + monthES + `)(?:\s+de)?\s+(?P<year>\d{4})$`)},
		"it": {lazyPattern(`(?i)^(?P<day>\d{1,2})(?:°|º)?\s+(?P<month>` + monthIT + `)\s+(?P<year>\d{4})$`)},
		"nl": {lazyPattern(`(?i)^(?P<day>\d{1,2})\s+(?P<month>` + monthNL + `)\s+(?P<year>\d{4})$`)},
	}
	readDayMonth = map[string][]*lazyRegexp{
		"en": {
			lazyPattern(`(?i)^(?P<day>\d{1,2})` + ordinalEN + `\s+(?:of\s+)?(?P<month>` + monthEN + `)$`),
			lazyPattern(`(?i)^(?P<month>` + monthEN + `)\s+(?P<day>\d{1,2})` + ordinalEN + `$`),
		},
		"fr": {lazyPattern(`(?i)^(?P<day>\d{1,2}|premier)` + ordinalFR + `?\s+(?P<month>` + monthFR + `)$`)},
	}
	readDigits = lazyPattern(`^(?P<first>\d{1,2})\s?[./-]\s?(?P<second>\d{1,2})\s?[./-]\s?(?P<year>\d{4}|\d{2})$`)
	readYMD    = lazyPattern(`^(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})$`)
)

// parse returns the ISO form of span (2025-05-27, or 2025-05 without a
// day), or "" when it is not a plausible date. lang is the text's language
// for digit shapes whose order is ambiguous.
func (r *dateReader) parse(text string, sp dateSpan, lang string) string {
	var year, day int
	var month time.Month
	switch sp.shape {
	case shapeISO:
		parts := submatches(readYMD, text)
		if parts == nil {
			return ""
		}
		year, _ = strconv.Atoi(parts["year"])
		m, _ := strconv.Atoi(parts["month"])
		day, _ = strconv.Atoi(parts["day"])
		month = time.Month(m)
	case shapeMonthName:
		parts := firstSubmatches(readMonthName[sp.lang], text)
		if parts == nil {
			return ""
		}
		month = r.months[sp.lang][foldName(parts["month"])]
		if month == 0 {
			return ""
		}
		year, _ = strconv.Atoi(parts["year"])
		if parts["day"] == "" {
			if !plausibleYear(year) {
				return ""
			}
			// A year-month: the policy names no day, nor do we.
			return time.Date(year, month, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		}
		day = dayNumber(parts["day"])
	case shapeDayMonth:
		parts := firstSubmatches(readDayMonth[sp.lang], text)
		if parts == nil {
			return ""
		}
		month = r.months[sp.lang][foldName(parts["month"])]
		day = dayNumber(parts["day"])
		// A leap year, so that 29 February stands until its year is known.
		if t := time.Date(2024, month, day, 0, 0, 0, 0, time.UTC); month == 0 || t.Month() != month || t.Day() != day {
			return ""
		}
		return fmt.Sprintf("--%02d-%02d", month, day)
	case shapeDigits, shapeShortYear:
		parts := submatches(readDigits, text)
		if parts == nil {
			return ""
		}
		first, _ := strconv.Atoi(parts["first"])
		second, _ := strconv.Atoi(parts["second"])
		year, _ = strconv.Atoi(parts["year"])
		if len(parts["year"]) == 2 {
			year += 2000 // a policy's "25" is 2025; 1990s policies wrote the year whole
		}
		// The numbers say the order when one of them cannot be a month
		// ("27/05" is day first); otherwise the language does: month
		// first in American English, day first in British, Irish or any
		// other English, in French and by default.
		switch {
		case sp.order == dayFirst:
			day, month = first, time.Month(second)
		case sp.order == monthFirst:
			month, day = time.Month(first), second
		case usEnglish(lang):
			month, day = time.Month(first), second
		default:
			day, month = first, time.Month(second)
		}
	default:
		return ""
	}
	// time.Date normalises "31/02" into March: a date that does not come
	// back as written does not exist.
	t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	if t.Year() != year || t.Month() != month || t.Day() != day || !plausibleYear(year) {
		return ""
	}
	return t.Format(time.DateOnly)
}

// dayNumber returns the day a reading captured: its digits, or 1 for
// French's "premier" spelled out ("le premier juin 2025"); 0 for none.
func dayNumber(s string) int {
	if strings.EqualFold(s, "premier") {
		return 1
	}
	n, _ := strconv.Atoi(s)
	return n
}

// usEnglish reports whether a language tag ("en", "en-US", "en-GB") writes
// digit dates month first: English with no region, as policywatch read
// every English text before a watch's region reached it, or the United
// States'. Meta's EU pages are en-GB or en-IE, where 04/07/2025 is 4 July.
func usEnglish(tag string) bool {
	tag = strings.ToLower(tag)
	if BaseLang(tag) != "en" {
		return false
	}
	region := strings.TrimPrefix(strings.TrimPrefix(tag, "en"), "-")
	region = strings.TrimPrefix(region, "_")
	return region == "" || region == "us" || strings.HasPrefix(region, "us-") || strings.HasPrefix(region, "us_")
}

// submatches returns the named groups of re's match of s (a group that did
// not take part is ""), or nil when re does not match.
// firstSubmatches is submatches of the first of res that matches s.
func firstSubmatches(res []*lazyRegexp, s string) map[string]string {
	for _, re := range res {
		if parts := submatches(re, s); parts != nil {
			return parts
		}
	}
	return nil
}

func submatches(lazy *lazyRegexp, s string) map[string]string {
	re := lazy.compiled()
	m := re.FindStringSubmatch(s)
	if m == nil {
		return nil
	}
	parts := make(map[string]string, len(m))
	for i, name := range re.SubexpNames() {
		if name != "" {
			parts[name] = m[i]
		}
	}
	return parts
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
// does not. A touching cue may not be apart from it at all.
const maxCueGap = 3

// beforeCues returns the cues that end within maxCueGap words before the
// end of words (the text between the previous date and this one), nearest
// first, then longest, then in role order.
func (t *Taxonomy) beforeCues(words []string, lang string, cues []roleCue) []roleCue {
	cues = cues[:0]
	t.before.find(words, lang, func(m match) {
		gap := 0
		rest := words[m.end:]
		for i, w := range rest {
			if !t.isFiller(w, lang) && !isClockWord(rest, i) {
				gap++
			}
		}
		if gap == 0 || gap <= maxCueGap && !m.p.touching {
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

// isClockWord reports whether words[i] is part of a time of day written
// between a cue and its date ("until 11:59 pm on", "jusqu'à 23h59 le",
// "23 h 59"): a deadline is often given to the minute, and the time must
// not part the cue from its date. A lone number is no time: "by 2 26 May"
// is nothing a policy writes, but a number next to minutes, "h" or
// "am/pm" is one.
func isClockWord(words []string, i int) bool {
	w := words[i]
	if clockWord.compiled().MatchString(w) {
		return true
	}
	if !isSmallNumber(w) {
		return w == "h" && i > 0 && isSmallNumber(words[i-1])
	}
	next := func(j int) string {
		if j < len(words) {
			return words[j]
		}
		return ""
	}
	prev := ""
	if i > 0 {
		prev = words[i-1]
	}
	switch {
	case isSmallNumber(next(i+1)) && len(next(i+1)) == 2, next(i+1) == "h", clockSuffix[next(i+1)]:
		return true // the hour
	case len(w) == 2 && (isSmallNumber(prev) || prev == "h"):
		return true // the minutes
	}
	return false
}

// clockWord is a time folded into one word: "23h59", "5pm", "11am".
var clockWord = lazyPattern(`^\d{1,2}(?:h\d{0,2}|am|pm)$`)

var clockSuffix = map[string]bool{"am": true, "pm": true}

// isSmallNumber reports whether w is one or two digits: a day, a month,
// a two-digit year, an hour or its minutes.
func isSmallNumber(w string) bool {
	if w == "" || len(w) > 2 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !isDigit(w[i]) {
			return false
		}
	}
	return true
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

// announces reports whether words hold a cue of an announced update that
// reaches the statement after them (taxonomy.yaml's "announce").
func (t *Taxonomy) announces(words []string, lang string) bool {
	found := false
	t.announce.find(words, lang, func(match) { found = true })
	return found
}

// statesUse appends to roles the start roles (indexes in t.roles) whose
// "uses" phrases words, a statement's, hold in a phrase that no negation
// denies (spans, from denied): "we will use", "vos publications seront
// utilisées" say that data will be used, "since …, we have used" that it
// has been; not "nous ne les utiliserons plus". ("We will no longer use",
// "will not be used" are no such phrase.)
func (t *Taxonomy) statesUse(words []string, lang string, spans []deniedSpan, roles []int) []int {
	t.uses.find(words, lang, func(m match) {
		if !slices.Contains(roles, m.p.target) && !isDenied(spans, m.start, m.end) {
			roles = append(roles, m.p.target)
		}
	})
	return roles
}

// lapsesAt reports whether words, the text just before a date, end with
// a cue of a date after which the objection is denied (taxonomy.yaml's
// "lapses": "after", "après le"), little words aside.
func (t *Taxonomy) lapsesAt(words []string, lang string) bool {
	return t.cueAt(t.lapses, words, lang, 0) >= 0
}

// limitAt returns where a cue of a time limit on the reader begins in
// words, the text just before a date (taxonomy.yaml's "limits": "by",
// "no later than", "jusqu'au"), within maxCueGap words of its end; -1
// none.
func (t *Taxonomy) limitAt(words []string, lang string) int {
	return t.cueAt(t.limits, words, lang, maxCueGap)
}

// cueAt returns where the last match of m in words begins that ends at
// most maxGap words (little words and times of day aside) before their
// end, -1 none.
func (t *Taxonomy) cueAt(m *matcher, words []string, lang string, maxGap int) int {
	at := -1
	m.find(words, lang, func(mt match) {
		gap := 0
		rest := words[mt.end:]
		for i, w := range rest {
			if !t.isFiller(w, lang) && !isClockWord(rest, i) {
				gap++
			}
		}
		if gap <= maxGap {
			at = max(at, mt.start)
		}
	})
	return at
}

// borrowsContext reports whether words are those of a statement about a
// date's own terms (taxonomy.yaml's "borrows"), which may take what its
// role requires from the statements before it.
func (t *Taxonomy) borrowsContext(words []string, lang string) bool {
	found := false
	t.borrows.find(words, lang, func(match) { found = true })
	return found
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

// inferYears gives the dates read without a year (--MM-DD) the year of the
// nearest full date in their line, else of the version's effective date,
// else of its last-updated date; a deadline, upcoming or start date is
// after the date it is reckoned from ("Effective 15 December 2025 … until
// 15 January" is 2026), or shortly before it (maxDaysBefore: "Effective
// 27 May 2025 … until 26 May" is 2025). A date with no year to take keeps none: it is not
// given one it may not have.
func inferYears(dates []DateFact, places []datePlace) {
	anchor := -1
	for _, role := range []DateRole{RoleEffective, RoleUpdated} {
		if anchor < 0 {
			anchor = slices.IndexFunc(dates, func(d DateFact) bool { return d.Role == role && len(d.Date) == len(time.DateOnly) })
		}
	}
	for i := range dates {
		d := &dates[i]
		if !strings.HasPrefix(d.Date, "--") {
			continue
		}
		ref, dist := -1, 0
		for j, o := range dates {
			if places[j].line != places[i].line || len(o.Date) != len(time.DateOnly) {
				continue
			}
			if k := abs(places[j].pos - places[i].pos); ref < 0 || k < dist {
				ref, dist = j, k
			}
		}
		if ref < 0 && anchor >= 0 {
			ref = anchor
		}
		if ref < 0 {
			continue
		}
		r, err := time.Parse(time.DateOnly, dates[ref].Date)
		if err != nil {
			continue
		}
		year := r.Year()
		md := d.Date[2:] // "05-27"
		forward := d.Role == RoleDeadline || d.Role == RoleUpcoming || d.Role == RoleStart
		if forward && places[ref].pos <= places[i].pos && md < dates[ref].Date[5:] {
			// Not when it falls shortly before: a policy effective 27 May
			// 2025 whose objection runs "until 26 May" sets the day before,
			// not a year after.
			if t, err := time.Parse(time.DateOnly, fmt.Sprintf("%04d-%s", year, md)); err != nil || r.Sub(t) > maxDaysBefore*24*time.Hour {
				year++
			}
		}
		iso := fmt.Sprintf("%04d-%s", year, md)
		if _, err := time.Parse(time.DateOnly, iso); err != nil {
			continue // 29 February of a year without one
		}
		d.Date, d.YearInferred = iso, true
	}
}

// maxDaysBefore is how long before the date a yearless deadline, start
// or upcoming date is reckoned from it may fall and keep its year
// (inferYears): an objection deadline precedes the policy it objects to
// by weeks; "Effective 15 December 2025 … until 15 January" is 2026.
const maxDaysBefore = 92

// datePlace is where a date of a sheet stands: its line and offset.
type datePlace struct{ line, pos int }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
