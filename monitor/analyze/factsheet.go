package analyze

import (
	"cmp"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on hostile input: a policy is a few hundred kilobytes; anything
// far larger is read only this far.
const (
	maxTextBytes      = 4 << 20
	maxStatementBytes = 2000      // longer statements are quoted cut
	maxDates          = 200       // date spans parsed per version
	maxLinks          = 5000      // links placed in the text per version
	cueLookBehind     = 200       // bytes before a date searched for its role
	maxDayMonthBytes  = 256 << 10 // statements searched for dates without a year, per version
	linkSearchWindow  = 64 << 10  // how far ahead a link's text is looked for
	maxLabelWords     = 4         // a paragraph that is a link's text this short is a label (see isLabel)
	maxAgeTexts       = 1000      // statements denying minors read for age limits
)

// FactSheet reads one version's readable text (monitor/extract's format)
// in lang ("en", "fr", "fr-FR"; "": every language) and returns what it
// says. A text in a language the taxonomy has no patterns for ("de-DE")
// is NotAnalysed: only its dates are read, in every language. lang's
// region orders ambiguous digit dates: 04/07/2025 is 7 April in "en" and
// "en-US", 4 July in "en-GB", "en-IE" or any other English. links are the version's links in
// document order; the objection forms among them are kept with the
// statements about the right to object that hold them.
func (t *Taxonomy) FactSheet(text string, lang string, links []Link) *FactSheet {
	b := sheetBuilder{t: t, lang: t.knownLang(lang), tag: strings.TrimSpace(lang), langHits: map[string]int{}, sectionRole: -1, leadIn: -1, yearWindows: maxYearWindows, dayMonthBytes: maxDayMonthBytes,
		minors: -1, lead: leadIn{at: noSpan}, lastPurpose: -1}
	if i, ok := t.byID["minors"]; ok && t.entries[i].Kind == KindCategory {
		b.minors = i
	}
	if base := BaseLang(lang); base != "" && b.lang == "" {
		b.sheet.NotAnalysed, b.sheet.Language = true, base
	}
	if len(text) > maxTextBytes {
		cut := strings.LastIndexByte(text[:maxTextBytes], '\n')
		if cut < 0 {
			cut = maxTextBytes
		}
		text = text[:cut]
		b.sheet.Truncated = true
	}
	b.placeLinks(text, links)
	for off := 0; off < len(text); {
		end := strings.IndexByte(text[off:], '\n')
		if end < 0 {
			end = len(text) - off
		}
		b.line(text, off, off+end)
		off += end + 1
	}
	b.statements(text)
	b.uses(text)
	return b.finish()
}

// sheetBuilder holds the state of one FactSheet call.
type sheetBuilder struct {
	t     *Taxonomy
	lang  string // "" reads every language
	tag   string // the language as given, region and all: the order of digit dates
	sheet FactSheet
	f     folder
	forms []PlacedLink // objection-form links, by position in the text
	// labels holds the texts of the version's short links (see isLabel):
	// true for a label, false for the text of an objection form.
	labels map[string]bool

	section     string
	sectionIDs  []int // entry indexes the heading mentions
	sectionRole int   // role of an "anywhere" cue in the heading, -1 none

	// What a deadline's statement may take its objection from besides its
	// own words (see satisfies): the headings above it, the statement
	// before it, and the lead-in of the list it is an item of. "You have
	// the right to object. The deadline is 26 May 2025." and "You can
	// object:\n- until 26 May 2025" name the objection one statement away.
	headingIDs [6][]int // by heading level
	titles     [6]string
	prevIDs    []int // the statement before, under the same heading
	leadInIDs  []int // the ids of the lead-in paragraph (leadIn)
	lineIDs    []int // the ids read so far in the block being read
	inItem     bool  // the block being read is a list item that follows leadIn
	// lastPurpose is the first purpose (entry index) of the nearest
	// statement before that named one under the same heading, or of the
	// headings above, -1 none: the use a start date's statement speaks of
	// when it names none ("We'll start using your public information on
	// 26 May 2025").
	lastPurpose int
	// label is the text a date that opens its cell or line takes its role
	// from: the cell before in a table row ("Effective date | 26 May
	// 2025"), or a short line ending with a colon ("Effective date:").
	label     string
	lineLabel string // the label the next line may take
	// header holds the labels (labelText) of a table's first row, which
	// name its columns ("Purpose | Deadline"); colLabel is the one of the
	// cell being read, a date's label when the cell before it says
	// nothing of it. inTable says the line before was a row.
	header   []string
	colLabel string
	inTable  bool
	context  []int // prevIDs, lineIDs and leadInIDs, as read sets them for satisfies
	// borrowing says the statement being read speaks of a date's terms
	// (taxonomy.yaml's "borrows": "the deadline", "submit the form"), so
	// that it may take what its role requires from context and the
	// headings above the nearest; see satisfies.
	borrowing bool
	lineNo    int // lines read, for the dates of one block
	// dayMonthBytes is how much more text may be searched for dates
	// without a year, which have no year to find them by.
	dayMonthBytes int
	stmtStart     int // offset of the statement being read
	lineStart     int // offset of the line being read

	// Whether a purpose counts depends on its context, which may come after
	// it (a lead-in naming a purpose before a list of data), so statements
	// are kept as candidates and settled in finish.
	candidates  []candidate
	blockData   []bool // per block: its context names data
	leadIn      int    // block index of the paragraph that leads into what follows, -1 none
	leadInOwn   bool   // that paragraph itself names data
	leadInColon bool   // it ends with a colon: it leads into the next paragraph too

	yearWindows  int // years left to look for dates around
	langHits     map[string]int
	entryCounts  []int
	pendingDates []pendingDate
	cues         []roleCue
	spans        []span
	block        []sentence
	denied       []deniedSpan // of the statement being read (negation.go)
	recalls      []recall     // of its denials
	deniedHits   []deniedHit  // its matches that a denial took out, when a recall may take them back
	rightDenials []span       // the words that deny its rights ("no" in "There is no opt-out"), by word index
	tm, ptm      termMatches  // findTerms's, for read and for what it calls (as f and pf)
	useRoles     []int        // the start roles whose use it states (statesUse): stmtDates.uses's buffer
	hits         []hit        // its ids, where they stand (uses.go)

	// Which data each purpose uses (uses.go).
	useCtx        [2]useContext // the blocks open: a heading's, a title's
	bindings      []rawBinding
	minors        int  // the minors entry, -1 none
	sectionMinors bool // the heading above names minors
	lead          leadIn
	pieces        map[int][]piece // narrow's, by statement
	pf            folder          // for what read calls amid its own fold
	pdenied       []deniedSpan
	// ageTexts are the statements whose mention of minors is denied:
	// they set no fact of minors, but an age limit all the same.
	ageTexts []string
}

// sentence is one statement of the block being read.
type sentence struct {
	start, end int      // in the whole text
	entries    []int    // entry indexes mentioned, sorted, unique
	hasData    bool     // names a category or personal data
	cell       int      // its cell in a table row (0 in a block that is no row)
	pairs      [][2]int // the purposes and categories it binds itself (statedUses)
}

// candidate is a sentence that mentions an id, waiting for its block's
// context to be settled.
type candidate struct {
	section    string
	start, end int
	entries    []int
	block      int
}

type pendingDate struct {
	text    string
	span    dateSpan
	role    DateRole
	quote   string
	sect    string
	line    int // the line (block) it stands in
	pos     int // its offset in the text
	subject string
	use     int // for a start date, the purpose (entry index) it starts, -1 none
}

// PlacedLink is a link whose text was found in a text at [Start, End).
type PlacedLink struct {
	Start, End int
	Link       Link // its text trimmed
}

// PlaceLinks finds where each link's text stands in text, walking both in
// document order, as extraction writes them. A link whose text is not
// found ahead (within linkSearchWindow) is skipped without moving on, so
// one missing link does not lose the rest. The analysis places links to
// find the objection forms of statements; the Markdown export of a
// version, to link the same words the page did.
func PlaceLinks(text string, links []Link) []PlacedLink {
	var out []PlacedLink
	cursor := 0
	for _, l := range links {
		anchor := strings.TrimSpace(l.Text)
		if anchor == "" || l.Href == "" {
			continue
		}
		window := text[cursor:min(len(text), cursor+linkSearchWindow)]
		i := strings.Index(window, anchor)
		if i < 0 {
			continue
		}
		start := cursor + i
		cursor = start + len(anchor)
		out = append(out, PlacedLink{Start: start, End: cursor, Link: Link{Text: anchor, Href: l.Href}})
	}
	return out
}

// line reads the line text[start:end].
func (b *sheetBuilder) line(text string, start, end int) {
	for start < end && isSpace(text[start]) {
		start++
	}
	for end > start && isSpace(text[end-1]) {
		end--
	}
	if start == end {
		return
	}
	line := text[start:end]
	b.lineNo++
	b.lineStart = start
	lineLabel := b.lineLabel
	b.lineLabel = ""
	if isTableRule(line) {
		return // Markdown's "|---|---|" under a header row
	}
	if strings.HasPrefix(line, "|") && strings.Contains(line, " | ") {
		// A Markdown row, "| Purpose | Deadline |": its outer pipes hold
		// no cell.
		for start < end && (text[start] == '|' || isSpace(text[start])) {
			start++
		}
		for end > start && (text[end-1] == '|' || isSpace(text[end-1])) {
			end--
		}
		line = text[start:end]
	}
	row := strings.Contains(line, " | ")
	first := row && !b.inTable
	// A row that does not line up with the header's cells lost one
	// (extraction drops empty cells): which column its date is in is not
	// known.
	header := b.inTable && row && strings.Count(line, " | ")+1 == len(b.header)
	b.inTable = row
	if level := headingLevel(line); level > 0 {
		b.inTable = false
		// A heading cell of a table row keeps the row's separators.
		title := strings.Trim(line[level:], " |")
		if b.sheet.NotAnalysed {
			b.keepSentence(title)
		}
		b.heading(title, level)
		b.headingDates(text, title, level)
		b.useHeading(title)
		return
	}
	item := strings.HasPrefix(line, "- ")
	if item {
		start += 2
	}
	b.inItem = item && b.leadIn >= 0
	b.lineIDs = b.lineIDs[:0]
	// A table row is one block whose cells are read apart.
	b.block = b.block[:0]
	blockHasData := false
	cells := 0
	prevCell := ""
	for cellStart := start; cellStart <= end; cells++ {
		cellEnd := end
		if i := strings.Index(text[cellStart:end], " | "); i >= 0 {
			cellEnd = cellStart + i
		}
		b.label = lineLabel
		if cells > 0 {
			b.label = labelText(prevCell)
		}
		if header {
			b.colLabel = b.header[cells]
		}
		prevCell = text[cellStart:cellEnd]
		b.spans = splitSentences(text[cellStart:cellEnd], b.spans[:0])
		for _, sp := range b.spans {
			sn := b.read(text, cellStart+sp.start, cellStart+sp.end)
			sn.cell = cells
			blockHasData = blockHasData || sn.hasData
			b.block = append(b.block, sn)
		}
		cellStart = cellEnd + len(" | ")
	}
	b.label, b.colLabel = "", ""
	if first {
		b.header = b.header[:0]
		for cell := range strings.SplitSeq(line, " | ") {
			b.header = append(b.header, labelText(cell))
		}
	}
	if !item && strings.HasSuffix(line, ":") {
		b.lineLabel = labelText(line)
	}
	if !item && b.isLabel(line) {
		// Its dates are read; it states nothing, and leads into nothing.
		return
	}
	// The context of a block is the block itself and its lead-in: the
	// paragraph before a list, or a paragraph ending with a colon ("Why and
	// how we process your information:"). It works both ways: a lead-in
	// naming a purpose ("…we may use to train our AI:") takes its context
	// from the list of data that follows.
	block := len(b.blockData)
	follows := b.leadIn >= 0 && (item || b.leadInColon)
	b.useLine(text, line, item, cells > 1, follows, blockHasData)
	b.blockData = append(b.blockData, blockHasData || (follows && b.leadInOwn))
	if follows && blockHasData {
		b.blockData[b.leadIn] = true
	}
	for _, sn := range b.block {
		if len(sn.entries) > 0 {
			b.candidates = append(b.candidates, candidate{section: b.section, start: sn.start, end: sn.end, entries: sn.entries, block: block})
		}
	}
	if !item {
		b.leadIn, b.leadInOwn, b.leadInColon = block, blockHasData, strings.HasSuffix(line, ":")
		b.leadInIDs = append(b.leadInIDs[:0], b.lineIDs...)
	}
}

// isTableRule reports whether a line is Markdown's rule under a table's
// header row: pipes, dashes, colons and spaces only.
func isTableRule(line string) bool {
	return strings.Contains(line, "|") && strings.Contains(line, "-") && strings.Trim(line, "|-: ") == ""
}

// maxLabelTextWords is the most words a cell or a line ending with a colon
// may have to be the label of the date that follows it: "Effective date",
// "Date limite pour vous opposer".
const maxLabelTextWords = 6

// labelText returns s if it is short enough to be a date's label, "".
func labelText(s string) string {
	s = strings.TrimSpace(s)
	words := 0
	for range strings.FieldsSeq(s) {
		if words++; words > maxLabelTextWords {
			return ""
		}
	}
	return s
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// headingLevel returns the number of "#" of a heading line, or 0.
func headingLevel(line string) int {
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n == len(line) || line[n] != ' ' {
		return 0
	}
	return n
}

func (b *sheetBuilder) heading(title string, level int) {
	b.section = title
	words := b.f.fold(title)
	b.sectionIDs = b.sectionIDs[:0]
	if !b.sheet.NotAnalysed {
		b.t.findTerms(words, b.lang, &b.tm, func(m match) {
			if m.p.target >= 0 {
				b.sectionIDs = append(b.sectionIDs, m.p.target)
			}
		})
	}
	b.sectionRole = b.t.anywhereRole(words, b.lang)
	b.leadIn = -1
	b.headingIDs[level-1] = append(b.headingIDs[level-1][:0], b.sectionIDs...)
	b.titles[level-1] = title
	for l := level; l < len(b.headingIDs); l++ {
		b.headingIDs[l] = b.headingIDs[l][:0]
		b.titles[l] = ""
	}
	b.prevIDs = b.prevIDs[:0]
	b.lastPurpose = -1
	for l := level - 1; l >= 0 && b.lastPurpose < 0; l-- {
		b.lastPurpose = b.firstPurpose(b.headingIDs[l])
	}
}

// headingDates reads the dates of a heading's title, the statement of its
// own: "## Last updated: May 20, 2025", "### En vigueur le 27 mai 2025".
// Its role comes from its own words (heading set sectionRole and the ids
// it names); its section is the heading above it.
func (b *sheetBuilder) headingDates(text, title string, level int) {
	if !strings.ContainsAny(title, "0123456789") {
		return // every date has a number
	}
	words := b.f.fold(title)
	dayMonth := len(b.pendingDates) < maxDates && len(title) <= b.dayMonthBytes && (b.t.dates.hasDayMonth(words, b.lang) || hasShortYearDate(words))
	if !dayMonth && (nextYear(title, 0) < 0 || b.yearWindows <= 0) {
		return
	}
	if dayMonth {
		b.dayMonthBytes -= len(title)
	}
	parent := ""
	for l := level - 2; l >= 0 && parent == ""; l-- {
		parent = b.titles[l]
	}
	b.section, b.context, b.label, b.colLabel = parent, b.context[:0], "", ""
	b.borrowing = b.t.borrowsContext(words, b.lang)
	// title is a substring of text: its offset places its dates.
	b.stmtStart = strings.Index(text[b.lineStart:], title) + b.lineStart
	b.findDates(title, "", b.sectionIDs, b.sectionRole, dayMonth, stmtDates{})
	b.section = title
}

// read matches the sentence text[start:end] against the taxonomy and finds
// its dates.
func (b *sheetBuilder) read(text string, start, end int) sentence {
	s := text[start:end]
	sn := sentence{start: start, end: end}
	if b.sheet.NotAnalysed {
		// Its ids would be the English or French patterns' reading of
		// another language: noise ("post" in Italian), not facts.
		b.keepSentence(s)
		if nextYear(s, 0) >= 0 && b.yearWindows > 0 {
			b.stmtStart = start
			b.findDates(s, "", nil, b.t.anywhereRole(b.f.fold(s), b.lang), false, stmtDates{})
		}
		return sn
	}
	words := b.f.fold(s)
	b.denied = denied(s, words, b.denied)
	b.recalls = recalls(s, words, b.denied, b.recalls)
	b.deniedHits = b.deniedHits[:0]
	b.rightDenials = b.rightDenials[:0]
	lapsing := false // it denies the objection from a time on
	b.hits = b.hits[:0]
	minorsDenied := false
	bound := -1 // timeBound's answer, once asked
	b.t.findTerms(words, b.lang, &b.tm, func(m match) {
		b.langHits[m.p.lang]++
		if k := deniedBy(b.denied, m.start, m.end); k >= 0 && (m.p.target == personalDataTarget || b.t.entries[m.p.target].Kind != KindRight) {
			// "we do not use … to train our AI": not a fact (negation.go).
			minorsDenied = minorsDenied || b.minors >= 0 && m.p.target == b.minors
			if len(b.recalls) > 0 {
				b.deniedHits = append(b.deniedHits, deniedHit{target: m.p.target, start: m.start, span: k})
			}
			return
		}
		if m.p.target == personalDataTarget {
			sn.hasData = true
			return
		}
		if b.t.entries[m.p.target].Kind == KindRight {
			// A pattern that holds its own negation ("no longer object",
			// "cannot object", "can't object") is read from the right's
			// word.
			at := m.start
			for at < m.end-1 && (rightBridges[words[at]] || isNegationCue(words[at]) || abilities[words[at]] || words[at] == "cannot") {
				at++
			}
			if k := rightDenial(words, at); k >= 0 {
				if !timeBound(words, &bound) {
					b.rightDenials = append(b.rightDenials, span{k, at})
					return // "There is no opt-out": no right offered
				}
				// "After 26 May 2025, you can no longer object": offered
				// until then (lapsesAt).
				lapsing = lapsing || b.t.deadline >= 0 && slices.Contains(b.t.requires[b.t.deadline], m.p.target)
			}
		}
		sn.entries = append(sn.entries, m.p.target)
		if len(words) <= maxStatedWords {
			b.hits = append(b.hits, hit{m.p.target, m.start}) // for statedUses
		}
		if b.t.entries[m.p.target].Kind == KindCategory {
			sn.hasData = true
		}
	})
	for _, r := range b.recalls {
		b.takeBack(&sn, words, r, len(words) <= maxStatedWords)
	}
	if minorsDenied && len(b.ageTexts) < maxAgeTexts {
		// "Les mineurs (moins de 18 ans) sont exclus de cette collecte"
		// collects nothing of minors, but still sets the age they are
		// minors until.
		b.ageTexts = append(b.ageTexts, s)
	}
	slices.Sort(sn.entries)
	sn.entries = slices.Compact(sn.entries)
	if len(sn.entries) >= 2 {
		sn.pairs = b.statedUses(s, words, sn.entries)
	}
	b.context = b.context[:0]
	// A date's label ("Deadline to object | 26 May 2025") speaks for it,
	// as its column's header does ("Purpose | Deadline").
	b.borrowing = b.t.borrowsContext(words, b.lang) || b.label != "" && b.t.borrowsContext(b.pf.fold(b.label), b.lang) ||
		b.colLabel != "" && b.t.borrowsContext(b.pf.fold(b.colLabel), b.lang)
	if b.borrowing {
		b.context = append(append(b.context, b.prevIDs...), b.lineIDs...)
		if b.inItem {
			b.context = append(b.context, b.leadInIDs...)
		}
	}
	// A day and month without a year is looked for only where a number
	// stands beside a month name among the words.
	dayMonth := len(b.pendingDates) < maxDates && (b.t.dates.hasDayMonth(words, b.lang) || hasShortYearDate(words))
	if dayMonth && len(s) > b.dayMonthBytes {
		dayMonth, b.sheet.Truncated = false, true
	}
	if dayMonth {
		b.dayMonthBytes -= len(s)
	}
	purpose := b.firstPurpose(sn.entries)
	if dayMonth || nextYear(s, 0) >= 0 && b.yearWindows > 0 {
		// The statement before in the same block (line) may announce an
		// update whose date this one gives.
		prev := ""
		if n := len(b.block); n > 0 {
			prev = text[b.block[n-1].start:b.block[n-1].end]
		}
		// The "anywhere" cues need the statement's words, which the next
		// fold (of the text before each date) overwrites.
		b.stmtStart = start
		// "Starting 27 May 2025, we will use your public posts to train
		// our AI": a use of data to come, which the date starts.
		b.useRoles = b.useRoles[:0]
		if sn.hasData || purpose >= 0 {
			b.useRoles = b.t.statesUse(words, b.lang, b.denied, b.useRoles)
		}
		stmtRole := b.t.anywhereRole(words, b.lang)
		// "To build AI at Meta, we'll use public information… This
		// starts on 27 May 2025.": a pronoun that stands for the use the
		// statement before states.
		st := stmtDates{lapsing: lapsing}
		if n := len(b.block); n > 0 && !sn.hasData && purpose < 0 {
			if at := useAnaphora(words); at > 0 && (b.block[n-1].hasData || b.firstPurpose(b.block[n-1].entries) >= 0) {
				st.startVerb = startVerb(words[at:])
				pw := b.pf.fold(prev)
				b.pdenied = denied(prev, pw, b.pdenied)
				b.useRoles = b.t.statesUse(pw, b.lang, b.pdenied, b.useRoles)
				st.continuing = len(b.useRoles) > 0
			}
		}
		st.uses = b.useRoles
		b.findDates(s, prev, sn.entries, stmtRole, dayMonth, st)
	}
	b.prevIDs = append(b.prevIDs[:0], sn.entries...)
	if purpose >= 0 {
		b.lastPurpose = purpose
	}
	// A set: a line of a hundred thousand sentences must not make each
	// one's context longer than the taxonomy.
	for _, id := range sn.entries {
		if !slices.Contains(b.lineIDs, id) {
			b.lineIDs = append(b.lineIDs, id)
		}
	}
	return sn
}

// stmtDates is what a statement says that gives its dates a role beyond
// their cues: read for that statement alone, so that none of it reaches
// the next heading's dates.
type stmtDates struct {
	uses       []int // the start roles whose use of data it states (statesUse)
	continuing bool  // its pronoun stands for the use of data to come the statement before states (useAnaphora)
	startVerb  bool  // and its verb says that use starts ("This starts on …")
	lapsing    bool  // it denies the objection from a time on ("After …, you can no longer object")
}

// useAnaphora returns where the verb begins in words, a statement's, when
// its subject is a pronoun or a noun that stands for what the statement
// before says ("This starts on 27 May 2025", "Cela commencera le 27 mai
// 2025", "Cette utilisation débutera le …"); 0 otherwise.
func useAnaphora(words []string) int {
	if len(words) < 2 {
		return 0
	}
	switch words[0] {
	case "this", "it", "cela", "ceci", "ca":
		if words[0] == "this" && useNouns[words[1]] {
			return 2
		}
		return 1
	case "ce", "cette":
		if useNouns[words[1]] {
			return 2
		}
	}
	return 0
}

// useNouns name a use of data or its change after a demonstrative ("this
// use", "cette utilisation", "ce traitement", "ce changement").
var useNouns = map[string]bool{
	"use": true, "processing": true, "change": true, "utilisation": true, "traitement": true, "changement": true, "modification": true,
}

// startVerb reports whether words, a statement's from its verb on, open
// with a verb that says something starts or started: "starts", "will
// begin", "ll start", "commencera", "débute", "va commencer", "began",
// "a commencé".
func startVerb(words []string) bool {
	if len(words) == 0 {
		return false
	}
	if len(words) > 1 && (words[0] == "will" || words[0] == "ll" || words[0] == "va" || words[0] == "a" || words[0] == "has" || words[0] == "is" && words[1] == "going") {
		words = words[1:]
		if words[0] == "going" && len(words) > 2 && words[1] == "to" {
			words = words[2:]
		}
	}
	return inceptions[words[0]]
}

// deniedHit is a match of a statement that a denial took out: its target,
// first word, and the index of the denial (deniedBy), in order.
type deniedHit struct{ target, start, span int }

// takeBack adds to sn the data of the denial that r recalls, or the
// purposes of its predicate, named where r stands (for statedUses: "but
// they are used to train…" binds them as if named there). A recall inside
// a denial of its own ("but they are not used") is none (recalls).
func (b *sheetBuilder) takeBack(sn *sentence, words []string, r recall, stated bool) {
	sp := b.denied[r.span]
	if r.predicate {
		b.proFormData(sn, words, sp, r.at, stated)
	}
	// A hostile statement holds a denial and a recall every few words: a
	// search for the denial's own, not a walk over all.
	i, _ := slices.BinarySearchFunc(b.deniedHits, r.span, func(h deniedHit, span int) int { return cmp.Compare(h.span, span) })
	for _, h := range b.deniedHits[i:] {
		if h.span != r.span {
			break
		}
		if r.predicate {
			// "Private messages are not used for AI training, but public
			// posts are": the purposes, not the messages.
			if h.start < sp.verb || h.target == personalDataTarget || b.t.entries[h.target].Kind != KindPurpose {
				continue
			}
		} else if h.target == personalDataTarget {
			sn.hasData = true
			continue
		} else if b.t.entries[h.target].Kind != KindCategory {
			continue // what was denied of them stays denied
		}
		sn.entries = append(sn.entries, h.target)
		sn.hasData = sn.hasData || !r.predicate
		if stated {
			b.hits = append(b.hits, hit{h.target, r.at})
		}
	}
}

// proFormData adds to sn the data that the subject of an elided predicate
// stands for when it names none of its own: "but public ones are", "mais
// les publiques le sont" are the noun of the denied subject ("Private
// messages are not used…", "Les publications privées ne sont pas…") with
// the adjectives they give: public messages, publications publiques. The
// elided clause is words[sp.to+1:at], at its auxiliary.
func (b *sheetBuilder) proFormData(sn *sentence, words []string, sp deniedSpan, at int, stated bool) {
	clause := words[min(sp.to+1, at):at]
	if n := len(clause); n > 0 && frenchObjects[clause[n-1]] {
		clause = clause[:n-1] // "le sont"
	}
	if n := len(clause); n > 0 && (clause[n-1] == "too" || clause[n-1] == "aussi") {
		clause = clause[:n-1]
	}
	french := len(clause) > 0 && clause[len(clause)-1] != "ones" && clause[len(clause)-1] != "one"
	var adjectives []string
	for i, w := range clause {
		switch {
		case determiners[w]:
		case !french && i == len(clause)-1: // "ones"
		case french && i == 0: // a pro-form opens with its article
			return
		default:
			adjectives = append(adjectives, w)
		}
	}
	if len(adjectives) == 0 || len(adjectives) > maxProFormAdjectives {
		return
	}
	// The denied subject, without its verb group: its head is the last
	// word in English ("your private messages"), the first after the
	// articles in French ("les messages privés").
	subj := words[sp.from:sp.verb]
	for len(subj) > 0 && (isVerbGroup(subj[len(subj)-1]) || negationBridges[subj[len(subj)-1]]) {
		subj = subj[:len(subj)-1]
	}
	for len(subj) > 0 && determiners[subj[0]] {
		subj = subj[1:]
	}
	if len(subj) == 0 {
		return
	}
	var phrase []string
	if french {
		phrase = append([]string{subj[0]}, adjectives...)
	} else {
		phrase = append(adjectives, subj[len(subj)-1])
	}
	own := false
	b.t.findTerms(clause, b.lang, &b.ptm, func(m match) { own = own || m.p.target >= 0 })
	if own {
		return // "mais vos publications publiques le sont" names its data
	}
	b.t.findTerms(phrase, b.lang, &b.ptm, func(m match) {
		if m.p.target != personalDataTarget && (m.p.target < 0 || b.t.entries[m.p.target].Kind != KindCategory) {
			return
		}
		sn.hasData = true
		if m.p.target == personalDataTarget {
			return
		}
		sn.entries = append(sn.entries, m.p.target)
		if stated {
			// Where the pro-form stands, before the auxiliary that
			// stands for the verb (statedUses binds what comes before).
			b.hits = append(b.hits, hit{m.p.target, at - 1})
		}
	})
}

// maxProFormAdjectives bounds the adjectives a pro-form may give ("public
// ones", "les publiques"): more is a clause of its own.
const maxProFormAdjectives = 2

// determiners are the articles and possessives that stand before a noun
// or a pro-form, in English and French.
var determiners = map[string]bool{
	"the": true, "your": true, "our": true, "their": true, "its": true, "those": true, "these": true,
	"les": true, "la": true, "le": true, "l": true, "vos": true, "nos": true, "leurs": true, "ses": true, "des": true, "votre": true, "notre": true,
}

// findDates finds the dates of statement s and gives each its role. prev
// is the statement before s in its block, "" when s is the first.
// st is what s itself says of uses to come and of the objection (none
// for a heading). Its uses are the start roles whose use of data s states, naming data or a
// purpose (statesUse, roleSpec.Uses).
func (b *sheetBuilder) findDates(s, prev string, entries []int, stmtRole int, dayMonth bool, st stmtDates) {
	fallback := stmtRole
	if fallback < 0 {
		fallback = b.sectionRole
	}
	announced := fallback >= 0 && b.t.roles[fallback].Role == RoleUpcoming
	// "We will start using your public posts from 26 May 2025": the date
	// an upcoming or effective cue gives in a statement that says a use
	// starts is that start.
	// So is the date of a statement whose pronoun stands for the use the
	// statement before states (useAnaphora).
	starting := fallback >= 0 && b.t.roles[fallback].Role == RoleStart || st.continuing
	// Whether prev announces an update is read when an effective date
	// asks, once: most statements with a date have none.
	prevRead := prev == ""
	prevEnd, prevFrom := 0, 0
	var subject *string
	spans := findDateSpans(s, b.lang, maxDates-len(b.pendingDates), &b.yearWindows)
	if dayMonth {
		spans = append(spans, append(dayMonthSpans(s, b.lang, spans), shortYearSpans(s, spans)...)...)
		slices.SortFunc(spans, func(a, b dateSpan) int { return a.start - b.start })
		spans = spans[:min(len(spans), maxDates-len(b.pendingDates))]
	}
	for _, sp := range spans {
		role := RoleOther
		if fallback >= 0 {
			role = b.t.roles[fallback].Role
		}
		// Cues end within a few words of the date: the text just before it
		// is enough, however long the statement.
		from, cueEnd := max(prevEnd, sp.start-cueLookBehind), sp.start
		// The end of a range takes the cue before the range: "until 26-27
		// May 2025", "from 14 April to 26 May 2025".
		behind := max(0, sp.start-cueLookBehind)
		rs, opened := rangeStart(s[behind:sp.start])
		inRange, startIsDate := rs >= 0, false
		if inRange {
			cueEnd = behind + rs
			if cueEnd < prevEnd {
				from, startIsDate = prevFrom, true // the range's start is the date before
			}
			from = min(from, cueEnd)
		}
		// "Effective date | 26 May 2025": the date opens its cell or line,
		// and the label before it says what it is; or, when that says
		// nothing of it, its column's header ("Purpose | Deadline").
		opens := (b.label != "" || b.colLabel != "") && prevEnd == 0 && sp.start <= yearLookBehind && len(b.f.fold(s[:sp.start])) == 0
		words := b.f.fold(s[from:cueEnd])
		if opens && b.label != "" {
			words = b.f.fold(b.label)
		}
		b.cues = b.t.beforeCues(words, b.lang, b.cues)
		if opens && len(b.cues) == 0 && b.colLabel != "" {
			b.cues = b.t.beforeCues(b.f.fold(b.colLabel), b.lang, b.cues)
		}
		cued := false
		for _, c := range b.cues {
			if !b.satisfies(c.role, entries) || b.overruled(c.role, s[from:cueEnd]) || len(b.t.roles[c.role].Uses) > 0 && !slices.Contains(st.uses, c.role) {
				continue
			}
			if c.role == b.t.deadline {
				// The limit cue before the date, if any: read once for both.
				cue := b.f.fold(s[from:cueEnd])
				at := b.t.limitAt(cue, b.lang)
				if b.datesWhatWasDone(s[from:cueEnd], cue, at, s[sp.end:]) {
					continue // "You can object to posts shared before 1 January 2024 until …"
				}
				if b.lentByHeading(entries) && !b.readsAsLimit(s, cue, at) {
					continue // "How to object" above "The law of … applies until …"
				}
			}
			role, cued = b.t.roles[c.role].Role, true
			// "Public posts from 1 January 2024 will be used…": the date
			// says which posts, not when their use starts or the policy
			// changes.
			if (role == RoleStart || role == RoleUpcoming) && c.gap == 0 && !inRange && b.scopesData(s, cueEnd, sp.end, c.length) {
				role, cued = RoleOther, false
				break
			}
			// "We'll soon be updating our policy, effective 26 June", "We
			// are updating our Privacy Policy. The new policy takes effect
			// on 27 May 2025.": the effective date of an announced update
			// is upcoming. Only the statement just before counts, and
			// only a cue that announces (not "will update", said of a
			// habit as often as of a plan); a "This policy takes effect…"
			// alone is the policy's own date.
			if role == RoleEffective && !announced && !prevRead {
				announced, prevRead = b.t.announces(b.f.fold(prev), b.lang), true
			}
			if role == RoleEffective && announced {
				role = RoleUpcoming
			}
			break
		}
		if starting && (role == RoleUpcoming || role == RoleEffective) {
			role = RoleStart
		}
		if !cued && st.continuing && st.startVerb && !inRange {
			role, cued = RoleStart, true // "This starts on 27 May 2025."
		}
		// "After 26 May 2025, you can no longer object": the objection
		// ends with the date.
		if !cued && st.lapsing && !inRange && b.t.lapsesAt(b.f.fold(s[from:cueEnd]), b.lang) && b.satisfies(b.t.deadline, entries) {
			role, cued = RoleDeadline, true
		}
		if sp.shape == shapeDayMonth && !cued && !b.namesObjection(entries) || sp.shape == shapeShortYear && !cued {
			continue // "27 May" or "27/05/25" in prose
		}
		if inRange {
			// A period to object in ("You can object from 14 April to 26
			// May 2025") ends at its deadline; a period with no cue and no
			// objection binds nobody. Its start is no deadline, and no
			// "from" of an upcoming change either: the range took the word.
			if !cued && opened && b.t.deadline >= 0 && b.satisfies(b.t.deadline, entries) && !b.lentByHeading(entries) && !b.overruled(b.t.deadline, s[from:cueEnd]) {
				role = RoleDeadline
			}
			if startIsDate {
				startRole := role
				if startRole == RoleDeadline {
					startRole = RoleOther
				}
				last := len(b.pendingDates) - 1
				b.pendingDates[last].role = startRole
				if b.pendingDates[last].span.shape == shapeDayMonth && startRole == RoleOther && !b.namesObjection(entries) {
					// Read for the "from" the range took from it.
					b.pendingDates = b.pendingDates[:last]
				}
			}
		}
		if subject == nil {
			subject = b.subject(entries)
		}
		use := -1
		if role == RoleStart {
			if use = b.firstPurpose(entries); use < 0 {
				use = b.lastPurpose
			}
		}
		b.pendingDates = append(b.pendingDates, pendingDate{
			text: s[sp.start:sp.end], span: sp, role: role, quote: s, sect: b.section,
			line: b.lineNo, pos: b.stmtStart + sp.start, subject: *subject, use: use,
		})
		prevEnd, prevFrom = sp.end, from
	}
	if len(b.pendingDates) >= maxDates || b.yearWindows <= 0 {
		b.sheet.Truncated = true
	}
}

// scopesData reports whether the date of s ending at dateEnd, whose cue
// of cueWords words ends at cueEnd, says which data rather than when: the
// data are named right before the cue, in its clause ("public posts
// from", "posts you share starting", "les publications publiques à
// partir du"), and their verb right after the date ("… will be used",
// "… seront utilisées"). "From 1 January 2024, public posts will be
// used…" and "We will use your public posts from 1 January 2024" start
// the use.
func (b *sheetBuilder) scopesData(s string, cueEnd, dateEnd, cueWords int) bool {
	rest := strings.TrimLeft(s[dateEnd:], " ")
	if rest == "" || strings.IndexByte(",.;:!?()", rest[0]) >= 0 {
		return false // the statement or its clause ends with the date
	}
	after := b.f.fold(rest[:min(len(rest), 40)])
	for len(after) > 0 && (after[0] == "onwards" || after[0] == "onward") {
		after = after[1:]
	}
	if len(after) == 0 || !isVerbGroup(after[0]) {
		return false
	}
	clause := s[:cueEnd]
	if i := strings.LastIndexAny(clause, ",;:()"); i >= 0 {
		clause = clause[i+1:]
	}
	words := b.f.fold(clause)
	if len(words) <= cueWords {
		return false // the cue opens the clause
	}
	words = words[:len(words)-cueWords]
	data := -1 // the end of the last data named
	b.t.findTerms(words, b.lang, &b.tm, func(m match) {
		if m.p.target == personalDataTarget || m.p.target >= 0 && b.t.entries[m.p.target].Kind == KindCategory {
			data = max(data, m.end)
		}
	})
	// "posts published", "content you shared": a few words between.
	return data >= 0 && len(words)-data <= maxScopeGap
}

// maxScopeGap is how many words may stand between data and the cue of a
// date that scopes them (see scopesData).
const maxScopeGap = 3

// subject returns the English labels of the purposes and data a statement
// mentioning entries names, in taxonomy order: what its dates are about.
// Purposes count whether or not data is named beside them: "You can object
// to AI training until 26 May 2025" is about AI training.
func (b *sheetBuilder) subject(entries []int) *string {
	var labels []string
	for _, i := range entries {
		if e := &b.t.entries[i]; e.Kind != KindRight {
			labels = append(labels, b.t.Label(e.ID, "en"))
		}
	}
	s := strings.Join(labels, ", ")
	return &s
}

// firstPurpose returns the first purpose among ids in taxonomy order, -1
// none.
func (b *sheetBuilder) firstPurpose(ids []int) int {
	first := -1
	for _, i := range ids {
		if b.t.entries[i].Kind == KindPurpose && (first < 0 || i < first) {
			first = i
		}
	}
	return first
}

// namesObjection reports whether a statement mentioning entries names
// what a deadline is for (objecting, withdrawing consent).
func (b *sheetBuilder) namesObjection(entries []int) bool {
	if b.t.deadline < 0 {
		return false
	}
	for _, i := range b.t.requires[b.t.deadline] {
		if slices.Contains(entries, i) {
			return true
		}
	}
	return false
}

// overruled reports whether role r does not hold for a date after before,
// the text of its statement before it: one of the role's unless phrases
// stands there ("we will delete your data by"), and neither the reader
// nor the objection's terms come after it ("We will stop using your posts
// if you object before") or hold it. A phrase governs what follows it up
// to the date, so "If you object, we will delete your data by 30 June
// 2025" is no deadline, while "If you object before 26 May 2025, we will
// delete your posts" is.
func (b *sheetBuilder) overruled(r int, before string) bool {
	if len(b.t.roles[r].Unless) == 0 {
		return false
	}
	words := b.f.fold(before)
	at, end := -1, 0
	b.t.overrule.find(words, b.lang, func(m match) {
		if m.p.target == r && m.start >= at {
			at, end = m.start, max(end, m.end)
		}
	})
	if at < 0 {
		return false
	}
	// The reader the company's act is for is no reader who acts: "nous
	// vous répondrons", "we will reply to you", "we will send you".
	rest := words[end:]
	if len(rest) > 1 && (rest[0] == "to" || rest[0] == "for") && rest[1] == "you" {
		rest = rest[2:]
	} else if len(rest) > 0 && rest[0] == "you" {
		rest = rest[1:]
	}
	// Nor is the objection the act is done to: "we will process your
	// objection before …", "nous traiterons votre opposition avant le …".
	object := len(words) // where that objection stands in words, if any
	if len(rest) > 1 && (rest[0] == "your" || rest[0] == "votre" || rest[0] == "vos") && b.t.borrowsContext(rest[1:2], b.lang) {
		object = len(words) - len(rest) + 1
		rest = rest[2:]
	}
	if slices.ContainsFunc(rest, func(w string) bool { return readerNames[w] }) || b.t.borrowsContext(rest, b.lang) {
		return false
	}
	// An objection that ends in the phrase holds it: "Si vous ne
	// souhaitez pas que nous utilisions vos publications, dites-le-nous
	// avant le …".
	terms := false
	b.t.findTerms(words, b.lang, &b.tm, func(m match) {
		terms = terms || m.end > at && m.start != object && m.p.target >= 0 && slices.Contains(b.t.requires[r], m.p.target)
	})
	return !terms
}

// readerNames are the words that name the reader as the one who acts
// ("you have until …", "si vous vous opposez avant …"); not "your": "we
// will delete your data by …" is the company's act.
var readerNames = map[string]bool{"you": true, "vous": true}

// lentByHeading reports whether a statement mentioning entries that
// satisfies the deadline role (t.deadline, the only role it is asked of)
// does so by the nearest heading alone: it names none of the ids a
// deadline requires ("How to object" above "The law … applies until …")
// and does not speak of the date's terms (borrowing).
func (b *sheetBuilder) lentByHeading(entries []int) bool {
	if b.borrowing || b.t.deadline < 0 {
		return false
	}
	req := b.t.requires[b.t.deadline]
	for _, i := range req {
		if slices.Contains(entries, i) {
			return false
		}
	}
	return len(req) > 0
}

// readsAsLimit reports whether statement s reads as a time limit on the
// reader at the date whose cue words (the folded text before it) hold the
// limit cue at (limitAt, -1 none): a limit cue
// (taxonomy.yaml's "limits") stands there, not after a past participle
// that dates what was done ("posts shared before", "was passed by"); the
// statement gives no example; and it has no subject but the reader's ("You
// have until …", "Send it no later than …", "Until …"), not a third
// party's ("The regulation … applies until …", "La loi s'applique
// jusqu'au …").
func (b *sheetBuilder) readsAsLimit(s string, words []string, at int) bool {
	if at < 0 {
		return false
	}
	if at > 0 && isPastParticiple(words[at-1]) {
		return false
	}
	all := b.f.fold(s)
	reader := false
	for i, w := range all {
		switch w {
		case "example", "examples", "instance", "exemple", "exemples":
			return false
		case "g":
			if i > 0 && all[i-1] == "e" {
				return false // "e.g."
			}
		}
		reader = reader || readerNames[w] || w == "your" || w == "votre" || w == "vos"
	}
	return reader || len(all) == 0 || !thirdParty[all[0]]
}

// datesWhatWasDone reports whether the limit cue at words[at] (limitAt of
// the folded text before a date, raw, -1 none) dates what was done rather
// than what the reader must do: it follows a past participle that is no
// passive of a requirement ("posts shared before 1 January 2024", "content
// published until …", "Objections received before … were processed", not
// "must be received before …" nor "is sent by …"). A statement may name
// both: "You can object to posts shared before 1 January 2024 until 26 May
// 2025" has one deadline, and a change of the posts' date is no deadline
// moved. A participle that qualifies the objection's own terms is what the
// reader must do, unless after, the statement after the date, says in the
// past what was done with them: "Objections received before … will be
// processed" is a window still open, "… have been processed" one closed,
// as in French ("seront traitées", "ont été traitées"). French
// participles are read by frenchDone.
func (b *sheetBuilder) datesWhatWasDone(raw string, words []string, at int, after string) bool {
	if at < 1 {
		return false
	}
	if p := at - 1; b.lang != "fr" && isPastParticiple(words[p]) {
		if p > 0 && !englishDone(words[:p]) || !joined(raw, len(words), p, at) {
			return false
		}
		if p > 0 && !isVerbGroup(words[p-1]) && b.t.borrowsContext(words[max(0, p-3):p], b.lang) {
			return b.englishPastAfter(after)
		}
		return true
	}
	return b.lang != "en" && b.frenchDone(raw, words, at, after)
}

// joined reports whether no clause punctuation stands between the words p
// and at of the n words folded from raw: a participle parted from the
// limit cue by a comma qualifies someone else ("Vous pouvez vous opposer,
// si vous êtes concerné, jusqu'au …", "You can object, once logged in,
// until …"), not what the cue dates.
func joined(raw string, n, p, at int) bool {
	gaps := wordGaps(raw, n)
	for k := p + 1; k <= at; k++ {
		if gaps[k] != 0 {
			return false
		}
	}
	return true
}

// englishDone reports whether a past participle after words dates what
// was done: it is no passive, or a past one ("posts that were shared
// before …", "have been posted before …"), not a passive of what is
// required ("must be received before …", "is sent by …", "gets sent by
// …", "must have been received before …").
func englishDone(words []string) bool {
	n := len(words)
	switch aux := words[n-1]; aux {
	case "was", "were", "wasn", "weren":
		return true
	case "been":
		// "have been shared", not "must have been received".
		return n >= 2 && (words[n-2] == "has" || words[n-2] == "have" || words[n-2] == "had") && (n < 3 || !isModal(words[n-3]))
	case "get", "gets":
		return false
	default:
		return !isPassiveAux(aux)
	}
}

// isModal reports whether the folded English word w is a modal verb.
func isModal(w string) bool {
	switch w {
	case "will", "would", "may", "might", "can", "could", "should", "shall", "must", "ll":
		return true
	}
	return false
}

// frenchDone is datesWhatWasDone in French: the limit cue at words[at]
// follows a past participle ("les publications partagées avant le 1er
// janvier 2024", "les contenus publiés avant le …", "les photos mises en
// ligne avant le …", "que vous avez partagées avant le …", "qui ont été
// publiées avant le …"), not a passive of a requirement ("doivent être
// reçues avant le …", "doit être envoyé d'ici le …", "sera envoyée
// avant le …"). Folding drops accents, and "-é" tells a participle from
// a noun ("partagée", not "date"): the participle is read in raw, the
// text the words were folded from. A participle that qualifies the
// objection's own terms ("le formulaire rempli avant le …", "votre
// opposition envoyée avant le …"), or anything but data, is what the
// reader must do, unless the statement after the date says in the past
// what was done with them ("Les oppositions reçues avant le … ont été
// traitées": frenchPastAfter); one that follows a determiner is a noun
// ("vos données avant le …", "de confidentialité avant le …").
func (b *sheetBuilder) frenchDone(raw string, words []string, at int, after string) bool {
	p := at - 1
	w := rawWord(raw, p)
	if !isFrenchParticiple(w, words[p]) {
		// "les photos mises en ligne avant le …", "publiées sur Instagram
		// avant le …": a participle and its place.
		if p < 2 || !frenchPlaces[words[p-1]] {
			return false
		}
		p -= 2
		if w = rawWord(raw, p); !isFrenchParticiple(w, words[p]) {
			return false
		}
	}
	if !joined(raw, len(words), p, at) {
		return false
	}
	if p == 0 {
		return true
	}
	if aux := words[p-1]; frenchDeterminers[aux] {
		return false // "vos données avant le …"
	} else if frenchPassiveAux[aux] {
		// "doivent être reçues avant le …", "si vous êtes concerné", but
		// not a reflexive verb's past: "vous vous êtes opposé avant le
		// …", "qui se sont opposées avant le …".
		return p >= 2 && (reflexives[words[p-2]] && words[p-2] != "nous" && words[p-2] != "vous" ||
			p >= 3 && (words[p-2] == "nous" || words[p-2] == "vous") && words[p-3] == words[p-2])
	} else if aux == "ete" {
		// "qui ont été publiées avant le …", not "doivent avoir été
		// reçues avant le …".
		return p < 2 || words[p-2] != "avoir" && words[p-2] != "aura" && words[p-2] != "auront"
	} else if frenchActiveAux[aux] {
		return true // "que vous avez partagées avant le …"
	}
	if b.t.borrowsContext(words[max(0, p-3):p], b.lang) {
		return b.frenchPastAfter(after)
	}
	// Data the participle qualifies, right before it ("les publications
	// partagées", "vos photos de profil mises en ligne"): not what the
	// reader sends or is ("un courrier signé avant le …", "votre refus
	// motivé avant le …", "une fois connecté jusqu'au …").
	if contentNouns[words[p-1]] {
		return true
	}
	window := words[max(0, p-maxQualifiedWords):p]
	data := false
	b.t.findTerms(window, b.lang, &b.tm, func(m match) {
		if (m.p.target == personalDataTarget || m.p.target >= 0 && b.t.entries[m.p.target].Kind == KindCategory) && len(window)-m.end <= 2 {
			data = true
		}
	})
	return data
}

// frenchPastAfter reports whether after, the statement after a date,
// opens with a predicate in the past: "ont été traitées", "a été prise
// en compte", "ont toutes été examinées", "ont reçu une réponse",
// "étaient traitées". Not "seront traitées" nor "sont prises en
// compte" (what is done from then on), nor a clause after a comma.
func (b *sheetBuilder) frenchPastAfter(after string) bool {
	rest, words := b.predicateAfter(after)
	if len(words) < 2 {
		return false
	}
	if lastsAfter(words) {
		return true
	}
	aux := 0
	if words[0] == "n" || words[0] == "ne" {
		aux = 1 // "n'ont pas été traitées"
	}
	if aux+1 >= len(words) {
		return false
	}
	switch words[aux] {
	case "a":
		if rawWord(rest, aux) != "a" {
			return false // "à Paris"
		}
	case "ont", "avait", "avaient", "etait", "etaient":
	default:
		return false
	}
	i := aux + 1
	for i < len(words)-1 && pastAdverbs[words[i]] {
		i++
	}
	if words[i] == "ete" {
		return !strings.HasPrefix(words[aux], "et") // "ont été traitées", not "étaient été"
	}
	return isFrenchParticiple(rawWord(rest, i), words[i])
}

// englishPastAfter is frenchPastAfter in English: after, the statement
// after a date, opens with a predicate in the past: "have been
// processed", "were processed", "have all been honoured", "has already
// received a reply". Not "will be processed" nor "are processed" (what is
// done from then on), nor a clause after a comma.
func (b *sheetBuilder) englishPastAfter(after string) bool {
	_, words := b.predicateAfter(after)
	if len(words) < 2 {
		return false
	}
	if lastsAfter(words) {
		return true
	}
	switch words[0] {
	case "have", "has", "had", "was", "were", "haven", "hasn", "hadn", "wasn", "weren": // "weren't processed"
	default:
		return false
	}
	i := 1
	for i < len(words)-1 && pastAdverbsEN[words[i]] {
		i++
	}
	return words[i] == "been" || isPastParticiple(words[i])
}

// pastAdverbsEN may stand between an auxiliary and its participle: "have
// already been processed", "were all honoured", "were not processed".
var pastAdverbsEN = map[string]bool{"already": true, "all": true, "also": true, "each": true, "both": true, "now": true, "not": true, "t": true, "yet": true}

// lastsAfter reports whether words, the predicate after a date, says that
// what was received before it lasts: "will continue to be honoured",
// "remain valid", "are still honoured", "restent valables",
// "continueront d'être prises en compte", "sont toujours traitées". Those
// objections were made: the date closed a window, as "have been
// processed" says, rather than opening one.
func lastsAfter(words []string) bool {
	w := words[0]
	if (w == "will" || w == "shall") && len(words) > 1 {
		w = words[1]
	}
	switch w {
	case "remain", "remains", "continue", "continues", "stay", "stays",
		"restent", "resteront", "demeurent", "demeureront", "continuent", "continueront":
		return true
	case "are", "is", "sont", "est":
		return len(words) > 1 && (words[1] == "still" || words[1] == "toujours")
	}
	return false
}

// predicateAfter returns the start of after, the statement after a date,
// and its folded words, as much as frenchPastAfter and englishPastAfter
// read; no words when punctuation opens it (a clause of its own).
func (b *sheetBuilder) predicateAfter(after string) (string, []string) {
	rest := strings.TrimLeft(after, " ")
	if rest == "" || strings.IndexByte(",.;:!?()", rest[0]) >= 0 {
		return "", nil
	}
	if len(rest) > maxPastAfterBytes {
		// At a space, so that the last word read is whole.
		k := strings.LastIndexByte(rest[:maxPastAfterBytes], ' ')
		if k < 0 {
			return "", nil
		}
		rest = rest[:k]
	}
	// b.pf: b.f holds the words of the cue before the date.
	return rest, b.pf.fold(rest)
}

// maxPastAfterBytes is how much of a statement after a date
// frenchPastAfter and englishPastAfter read: an auxiliary, a few adverbs
// and a participle.
const maxPastAfterBytes = 60

// pastAdverbs may stand between an auxiliary and its participle: "ont
// déjà été traitées", "ont toutes été examinées", "a bien été prise en
// compte".
var pastAdverbs = map[string]bool{"deja": true, "bien": true, "tous": true, "toutes": true, "toute": true, "tout": true, "egalement": true, "aussi": true, "pas": true, "jamais": true}

// maxQualifiedWords is how far before a French participle the data it
// qualifies are looked for: "vos photos de profil mises en ligne".
const maxQualifiedWords = 6

// contentNouns name data without naming a category: "les contenus
// publiés", "des informations fournies".
var contentNouns = map[string]bool{"contenu": true, "contenus": true, "information": true, "informations": true, "donnee": true, "donnees": true}

// frenchActiveAux are the forms of "avoir" of a compound past: "que vous
// avez partagées avant le …" dates what was done.
var frenchActiveAux = map[string]bool{
	"ai": true, "as": true, "a": true, "avons": true, "avez": true, "ont": true, "avait": true, "avaient": true, "aviez": true, "avions": true, "ayant": true, "aurez": true,
}

// reflexives are the pronouns of a French reflexive verb, whose past takes
// "être": "se sont opposées", "vous vous êtes opposé".
var reflexives = map[string]bool{"se": true, "s": true, "me": true, "m": true, "te": true, "t": true, "nous": true, "vous": true}

// frenchPlaces are the words between a participle and the place it was
// done in, before a limit cue: "mises en ligne avant le …", "publiées
// sur Facebook avant le …".
var frenchPlaces = map[string]bool{"en": true, "sur": true, "dans": true, "via": true}

// frenchPassiveAux are the forms of "être" that make the participle after
// them a passive of what is required: "doivent être reçues avant le …",
// "est envoyé d'ici le …", "sera reçue avant le …". The past ones ("ont
// été partagées", "étaient publiées") date what was done.
var frenchPassiveAux = map[string]bool{
	"etre": true, "est": true, "sont": true, "sera": true, "seront": true, "soit": true, "soient": true, "serait": true, "seraient": true,
	"suis": true, "es": true, "sommes": true, "etes": true,
}

// frenchDeterminers stand before a noun: a participle-shaped word after
// one is a noun ("vos données", "de confidentialité", "l'entrée").
var frenchDeterminers = map[string]bool{
	"le": true, "la": true, "les": true, "l": true, "un": true, "une": true, "des": true, "du": true, "de": true, "d": true, "au": true, "aux": true,
	"mon": true, "ma": true, "mes": true, "ton": true, "ta": true, "tes": true, "son": true, "sa": true, "ses": true,
	"notre": true, "nos": true, "votre": true, "vos": true, "leur": true, "leurs": true,
	"ce": true, "cet": true, "cette": true, "ces": true, "chaque": true, "aucun": true, "aucune": true, "quelques": true, "plusieurs": true,
}

// isFrenchParticiple reports whether a French word, raw (as written) and
// folded, is shaped as a past participle: "-é(e)(s)" (which folding
// cannot tell from "-e": "partagée", not "date"), "-i(e)(s)" and
// "-u(e)(s)" after a consonant ("fournies", "reçues", not "mai", "vous",
// "publiques"), or one of the irregular ones policies use ("fait", "mis",
// "écrites"), but for the words of those shapes a policy uses otherwise.
func isFrenchParticiple(raw, folded string) bool {
	if frenchParticiples[folded] {
		return true
	}
	if notFrenchParticiples[folded] || len(folded) < 2 {
		return false
	}
	w := norm.NFC.String(strings.ToLower(raw)) // "e\u0301" is "é"
	for _, suffix := range []string{"é", "ée", "és", "ées"} {
		if strings.HasSuffix(w, suffix) {
			return len(w) > len(suffix)
		}
	}
	base := strings.TrimSuffix(strings.TrimSuffix(folded, "s"), "e")
	n := len(base)
	if n < 2 || base[n-1] != 'i' && base[n-1] != 'u' {
		return false
	}
	return !strings.ContainsRune("aeiouyqg", rune(base[n-2]))
}

// frenchParticiples are irregular participles a policy dates data by, in
// all their forms.
var frenchParticiples = map[string]bool{
	"fait": true, "faits": true, "faite": true, "faites": true,
	"ecrit": true, "ecrits": true, "ecrite": true, "ecrites": true,
	"inscrit": true, "inscrits": true, "inscrite": true, "inscrites": true,
	"decrit": true, "decrits": true, "decrite": true, "decrites": true,
	"traduit": true, "traduits": true, "traduite": true, "traduites": true,
	"detruit": true, "detruits": true, "detruite": true, "detruites": true,
	"ouvert": true, "ouverts": true, "ouverte": true, "ouvertes": true,
	"offert": true, "offerts": true, "offerte": true, "offertes": true,
	"couvert": true, "couverts": true, "couverte": true, "couvertes": true,
	"mise": true, "mises": true, "prise": true, "prises": true, "transmise": true, "transmises": true,
	"soumise": true, "soumises": true, "remise": true, "remises": true, "admise": true, "admises": true,
	"acquise": true, "acquises": true, "permise": true, "permises": true,
}

// notFrenchParticiples are words shaped as participles (isFrenchParticiple)
// that a policy uses otherwise: pronouns and adverbs ("plus", "aussi"),
// the days of the week, nouns a policy names without a determiner
// ("publications et contenus"), and the adjectives said of where one
// objects ("la page dédiée", "les informations requises", "vie privée").
var notFrenchParticiples = map[string]bool{
	"plus": true, "aussi": true, "ainsi": true, "ici": true, "ceci": true, "ci": true, "parmi": true, "si": true, "ni": true, "mi": true, "du": true, "tu": true,
	"merci": true, "dessus": true, "lundi": true, "mardi": true, "mercredi": true, "jeudi": true, "vendredi": true, "samedi": true, "midi": true,
	"contenu": true, "contenus": true, "donnee": true, "donnees": true, "ami": true, "amis": true, "amie": true, "amies": true, "vie": true, "refus": true, "processus": true,
	"prive": true, "privee": true, "prives": true, "privees": true, "dedie": true, "dediee": true, "dedies": true, "dediees": true,
	"requis": true, "requise": true, "requises": true,
}

// rawWord returns word i of s, as fold splits s into words, in its raw
// form: fold's words lose their accents, which tell "partagée" from
// "date". "" when s has fewer words.
func rawWord(s string, i int) string {
	n, start := 0, -1
	for k := 0; k < len(s); {
		r, size := rune(s[k]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[k:])
		}
		inWord := wordRune(s[k], r) || start >= 0 && r >= utf8.RuneSelf && unicode.Is(unicode.Mn, r)
		switch {
		case inWord && start < 0:
			start = k
		case !inWord && start >= 0:
			if n == i {
				return s[start:k]
			}
			n, start = n+1, -1
		}
		k += size
	}
	if start >= 0 && n == i {
		return s[start:]
	}
	return ""
}

// isPastParticiple reports whether the folded English word w is a past
// participle that may date what it qualifies: a regular one ("shared",
// "posted", "received") or one of the irregular ones policies date data
// with.
func isPastParticiple(w string) bool {
	switch w {
	case "sent", "made", "written", "taken", "given", "seen", "done", "put":
		return true
	}
	return len(w) > 3 && strings.HasSuffix(w, "ed") && w != "need" && w != "indeed" && w != "feed"
}

// thirdParty are the words that open a subject other than the reader: a
// statement that opens with one and never names the reader is about
// something else's time ("The law … applies until …").
var thirdParty = map[string]bool{
	"the": true, "this": true, "that": true, "these": true, "those": true, "our": true, "its": true, "their": true, "a": true, "an": true,
	"le": true, "la": true, "les": true, "l": true, "ce": true, "cet": true, "cette": true, "ces": true, "un": true, "une": true,
	"notre": true, "nos": true, "leur": true, "leurs": true,
}

// satisfies reports whether a statement mentioning entries, under the
// current heading, may carry a date of role r (a deadline must be about
// objecting or withdrawing consent). What it lets through, the company's
// acts may still overrule (see overruled).
func (b *sheetBuilder) satisfies(r int, entries []int) bool {
	req := b.t.requires[r]
	if len(req) == 0 {
		return true
	}
	for _, i := range req {
		// The statement's own words, and its heading, as before the
		// context was read.
		if slices.Contains(entries, i) || slices.Contains(b.sectionIDs, i) {
			return true
		}
		// Further, only for a statement about the date's terms: a
		// retention date under "How to object", or an item "posts you
		// shared before 1 January 2024" under "You can object to the use
		// of:", is no deadline.
		if !b.borrowing {
			continue
		}
		if slices.Contains(b.context, i) {
			return true
		}
		for _, ids := range b.headingIDs {
			if slices.Contains(ids, i) {
				return true
			}
		}
	}
	return false
}

// statements turns the candidates into statements. Purposes count only
// where their block's context names data; a candidate left with no id
// that counts is kept apart, unbound (see FactSheet.Unbound).
func (b *sheetBuilder) statements(text string) {
	b.entryCounts = make([]int, len(b.t.entries))
	for _, c := range b.candidates {
		var ids []string
		object := false
		for _, i := range c.entries {
			e := &b.t.entries[i]
			if e.Kind == KindPurpose && !b.blockData[c.block] {
				continue
			}
			ids = append(ids, e.ID)
			object = object || e.ID == "object"
			b.entryCounts[i]++
		}
		st := Statement{Section: c.section, Text: truncate(text[c.start:c.end], maxStatementBytes), IDs: ids,
			Cut: c.end-c.start > maxStatementBytes}
		if len(ids) == 0 {
			// Only purposes, and no data around them.
			for _, i := range c.entries {
				st.IDs = append(st.IDs, b.t.entries[i].ID)
			}
			b.sheet.Unbound = append(b.sheet.Unbound, st)
			continue
		}
		if object {
			st.Links = b.formsIn(c.start, c.end)
		}
		b.sheet.Statements = append(b.sheet.Statements, st)
	}
}

// placeLinks places the links in the text (PlaceLinks) and keeps those
// that look like objection forms, and the texts of the short links that
// may stand alone as labels.
func (b *sheetBuilder) placeLinks(text string, links []Link) {
	if len(links) > maxLinks {
		links = links[:maxLinks]
	}
	for _, p := range PlaceLinks(text, links) {
		if b.isForm(p.Link.Text, p.Link.Href) {
			b.forms = append(b.forms, p)
		}
	}
	// Every link counts, placed or not: the extraction lists a link once
	// however many times the page repeats it.
	for _, l := range links {
		anchor := strings.TrimSpace(l.Text)
		if anchor == "" || l.Href == "" || !labelShaped(anchor) {
			continue
		}
		if label, seen := b.labels[anchor]; seen && !label {
			continue // the text of an objection form, wherever it stands
		}
		if b.labels == nil {
			b.labels = map[string]bool{}
		}
		b.labels[anchor] = !b.isForm(anchor, l.Href)
	}
}

// isLabel reports whether a paragraph (not a list item) is a label of the
// page rather than a statement: it is, word for word, the text of one of
// the version's links, of at most maxLabelWords words and without a
// sentence's end. Such a paragraph is a button or a menu entry — "Play
// Video" under each of Meta's videos, "Cookie settings", "Download your
// information" — that names where it leads, not what the policy does:
// "Play Video" was a statement about videos, and its coming and going a
// change of statements. The text alone cannot tell a label from a heading
// that lost its markup ("Withdraw consent" in a list of rights), so a
// paragraph without a link stays a statement; a link to object stays one
// too, as it is where one objects (its link is the form).
func (b *sheetBuilder) isLabel(line string) bool {
	return b.labels[line] && !strings.Contains(line, " | ")
}

// labelShaped reports whether a text is short enough, and unfinished
// enough, to be a label: at most maxLabelWords words and no final . ! ? : or ;.
func labelShaped(s string) bool {
	if strings.ContainsAny(s[len(s)-1:], ".!?:;") {
		return false
	}
	words := 0
	for range strings.FieldsSeq(s) {
		if words++; words > maxLabelWords {
			return false
		}
	}
	return true
}

// isForm reports whether a link looks like a way to object: its text
// matches the taxonomy's objection_links phrases ("Object", "opt out",
// "this form"), or its address is a form or contact page.
func (b *sheetBuilder) isForm(anchor, href string) bool {
	found := false
	b.t.formLinks.find(b.f.fold(anchor), "", func(match) { found = true })
	if found {
		return true
	}
	u, err := url.Parse(href)
	if err != nil {
		return false
	}
	// Redirectors wrap the target in the path or query: read both.
	for _, w := range b.f.fold(u.Path + " " + u.RawQuery) {
		if slices.Contains(formPathWords, w) {
			return true
		}
	}
	return false
}

// formPathWords in a link's address make it a form: "/help/contact/123",
// "/forms/objection".
var formPathWords = []string{"form", "forms", "contact", "object", "objection", "optout", "opposition", "formulaire"}

// formsIn returns the objection forms placed within text[start:end].
func (b *sheetBuilder) formsIn(start, end int) []Link {
	i, _ := slices.BinarySearchFunc(b.forms, start, func(p PlacedLink, start int) int { return p.Start - start })
	var out []Link
	for ; i < len(b.forms) && b.forms[i].End <= end; i++ {
		if !slices.Contains(out, b.forms[i].Link) {
			out = append(out, b.forms[i].Link)
		}
	}
	return out
}

var (
	ageEN = lazyPattern(`(?i)\b(\d{1,2})\s*(?:years?|yrs)\b|\b(?:under|over|aged?|at least)\s+(\d{1,2})\b`)
	ageFR = lazyPattern(`(?i)\b(\d{1,2})\s*ans\b`)
)

func (b *sheetBuilder) finish() *FactSheet {
	sh := &b.sheet
	if !sh.NotAnalysed {
		sh.Language = b.lang
	}
	if sh.Language == "" {
		best := 0
		for _, lang := range slices.Sorted(maps.Keys(b.langHits)) {
			if n := b.langHits[lang]; n > best {
				sh.Language, best = lang, n
			}
		}
	}
	for i, n := range b.entryCounts {
		if n > 0 {
			e := &b.t.entries[i]
			sh.Topics = append(sh.Topics, Topic{ID: e.ID, Kind: e.Kind, Label: b.t.Label(e.ID, "en"), Count: n})
		}
	}
	parsed := map[string]string{}
	var places []datePlace
	// The region of the language given orders digit dates ("en-GB": day
	// first), when the text is read in that language.
	digitLang := sh.Language
	if BaseLang(b.tag) == sh.Language {
		digitLang = b.tag
	}
	for _, p := range b.pendingDates {
		key := p.text + "\x00" + p.span.lang + "\x00" + strconv.Itoa(int(p.span.order))
		iso, seen := parsed[key]
		if !seen {
			iso = b.t.dates.parse(p.text, p.span, digitLang)
			parsed[key] = iso
		}
		if iso == "" {
			continue
		}
		d := DateFact{Role: p.role, Date: iso, Text: p.text, Quote: truncate(p.quote, maxStatementBytes), Section: p.sect,
			subject: p.subject}
		if p.use >= 0 {
			d.use = b.t.entries[p.use].ID
			if sh.useLabels == nil {
				sh.useLabels = map[string]string{}
			}
			sh.useLabels[d.use] = b.t.Label(d.use, "en")
		}
		sh.Dates = append(sh.Dates, d)
		places = append(places, datePlace{line: p.line, pos: p.pos})
	}
	inferYears(sh.Dates, places)
	ages := map[int]bool{}
	texts := b.ageTexts
	for _, st := range sh.Statements {
		if slices.Contains(st.IDs, "minors") {
			texts = append(texts, st.Text)
		}
	}
	for _, text := range texts {
		for _, re := range []*lazyRegexp{ageEN, ageFR} {
			for _, m := range re.compiled().FindAllStringSubmatch(text, -1) {
				for _, g := range m[1:] {
					if n, err := strconv.Atoi(g); err == nil && 10 <= n && n <= 21 {
						ages[n] = true
					}
				}
			}
		}
	}
	for age := range ages {
		sh.AgeLimits = append(sh.AgeLimits, age)
	}
	slices.Sort(sh.AgeLimits)
	if sh.Topics == nil {
		sh.Topics = []Topic{}
	}
	if sh.Dates == nil {
		sh.Dates = []DateFact{}
	}
	if sh.Statements == nil {
		sh.Statements = []Statement{}
	}
	if sh.Uses == nil {
		sh.Uses = []Use{}
	}
	return sh
}
