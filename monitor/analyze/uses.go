package analyze

import (
	"cmp"
	"slices"
	"strings"
)

// Which data each purpose uses.
//
// A sheet's topics say that a policy names AI training and names posts,
// not that it trains AI on posts. Meta's policy named both long before it
// listed "Public content you or others create or share, like posts…"
// among the data used for "Developing and improving AI at Meta" "for all
// registered users, including those under the age of majority" (16
// December 2025), and took that line out again (25 February 2026): both
// changes read as wording. A Use says that the text binds a purpose to a
// category of data, and where:
//
//   - in one statement that says so: a verb of use, whose subject is not
//     the reader ("we use", "may be used", not "when you use our
//     Products"), the purpose after it and the category before the
//     purpose ("We use your public posts to train our AI models", "Your
//     photos may be used to improve our AI"), or after the verb when the
//     verb is the purpose's own ("train our AI on your posts"); what a
//     denial denies left out, and no other negation in it (a negation the
//     analysis cannot scope, as in "if you do not object", may deny what
//     it binds) nor any exclusion ("other than ads"); and at most
//     maxStatedWords words (longer ones are list items glued together).
//     "We do not sell your data, but your public posts are used to train
//     AI" and "We use your public posts, but not your private messages,
//     to train AI" bind AI training to public posts only;
//   - in a table row: the purposes that the title of its first cell names
//     (up to a colon or full stop, at most maxRowTitleWords words) bind the
//     categories of its last cell, the data column of Meta's legal-basis
//     tables ("Develop and improve AI … | legitimate interests | Your
//     activity and information you provide:* Public content…");
//   - in a block: a title (a paragraph of at most maxTitleWords words
//     without a sentence's end, as the printable page flattens those rows:
//     "Developing and improving AI at Meta") or a heading that names a
//     purpose opens it. The categories of its lists of data (items after a
//     lead-in that speaks of data or of using it: "Your activity and
//     information you provide:", not "This is how we:" or "… to:") and of
//     its category lines ("Friends, followers and other connections") bind
//     to the purpose. A title's block ends at a heading, at the next title
//     that names a purpose, at a title that names no data ("Improving Meta
//     Products", the next row), or at a title like its own: one followed
//     by a line that begins as the line after its own title did ("Why
//     and how we process your information:", "ⓘ For registered users…"),
//     which tells the next row's title "Receiving information from device
//     settings" from a data line such as "Friends, followers and other
//     connections" (both name data and no purpose). A
//     heading's block ends at the next heading of any level: in Meta's
//     policy the headings that name a purpose are chapters ("How is your
//     information shared…?") whose sub-sections list what others do, not
//     what the purpose uses;
//   - in a lead-in: the purposes of a paragraph's last sentence bind the
//     categories of the list after it ("We use the following to train our
//     AI models:").
//
// Purposes inside parentheses or after an exclusion qualify a title
// rather than name its purpose ("Personalising the Meta Products (other
// than ads)", "Personalizing Meta Products other than ads"), and bind
// nothing. A statement, row or block that names minors ("For all
// registered users, including those under the age of majority"), or that
// stands under a heading that does, makes its uses minors' ones: AI
// training on minors' posts is another use than on adults' posts, and its
// coming is the news even where adults' posts were used before.
//
// The rule reads Meta's two layouts of its legal-basis tables alike, the
// Markdown archive's rows and the printable page's flattened blocks. Its
// limits: a category named in a block but meant otherwise is bound all
// the same; a block whose title names no purpose of the taxonomy binds
// nothing; a purpose and its data in different paragraphs, with no lead-in
// between, are not bound; a row whose data is not in its last cell is not
// read; only minors are told apart among audiences.

// Use is a purpose bound to a category of data it uses.
type Use struct {
	Purpose  string `json:"purpose"`          // a purpose id
	Category string `json:"category"`         // a category id
	Minors   bool   `json:"minors,omitempty"` // said of minors' data (see above)
	// Quote is the statement (or list item glued in one) that names the
	// category, the first in document order; Context the title, heading,
	// lead-in or row title that names the purpose, when it is not the
	// quote; Section the heading above.
	Quote   string `json:"quote"`
	Context string `json:"context,omitempty"`
	Section string `json:"section,omitempty"`
	// bindings are every place that binds the two, which Compare reads.
	// Like FactSheet.Unbound they are not stored.
	bindings []useBinding
}

// useBinding is one place of the text that binds a use.
type useBinding struct {
	quote, context, section string
	keys                    []string // the keys (folder.key) of the statements that make it
}

// UseChange is a use that a version added or removed: "AI training now
// also uses minors' data: Posts", with the statement that says so.
type UseChange struct {
	Purpose  string `json:"purpose"`
	Category string `json:"category"`
	Minors   bool   `json:"minors,omitempty"`
	Quote    string `json:"quote"`
	Context  string `json:"context,omitempty"`
	Section  string `json:"section,omitempty"`
}

const (
	maxTitleWords    = 15 // a title is a paragraph of at most this many words
	maxRowTitleWords = 25 // a row's title, up to its colon, at most this many
	maxStatedWords   = 60 // a statement binds its own purposes and data up to this length
	titleLevel       = 7  // a title's block: below every heading
	// maxBindings caps the places that bind uses in one version (Meta's
	// policy has under 300): a hostile text of endless lists under a
	// title naming every purpose is read this far.
	maxBindings = 10000
)

// useContext is a block open: its purposes, and the categories named in
// it so far, bound when it ends.
type useContext struct {
	open     bool
	level    int   // titleLevel for a title's, 1 for a heading's
	purposes []int // entry indexes
	opener   span  // the statement that names them; start -1 for a heading
	context  string
	section  string
	minors   bool // a line of it names minors (titles' blocks only)
	minorsAt span // the first that does
	cats     []catRef
	// A title's block ends at a title like its own (see above).
	follower     string   // how the line after its title begins
	wantFollower bool     // the next line tells follower
	pending      bool     // the last line was a title naming data and no purpose…
	held         []catRef // …whose categories wait for the next line to tell
}

// catRef is a category named in a block.
type catRef struct {
	entry    int
	at       span
	audience bool // under a heading that names minors
}

// rawBinding is a use found while reading, its statements as spans.
type rawBinding struct {
	purpose, category int
	minors            bool
	quote, opener     span // opener.start -1: none but the quote
	minorsAt          span // start -1: none
	context, section  string
}

// hit is an id a statement names, at its word index.
type hit struct{ entry, at int }

// piece is a list item of a statement that glues several (see narrow).
type piece struct {
	span
	entries []int
}

var noSpan = span{-1, -1}

// useHeading ends the blocks a heading ends and opens the one it starts
// when it names a purpose.
func (b *sheetBuilder) useHeading(title string) {
	b.closeUse(1)
	b.closeUse(0)
	b.sectionMinors = b.minors >= 0 && slices.Contains(b.sectionIDs, b.minors)
	b.lead = leadIn{at: noSpan}
	if ps := b.purposesOf(title, b.sectionIDs, true); len(ps) > 0 {
		b.useCtx[0] = useContext{open: true, level: 1, purposes: ps, opener: noSpan, context: title,
			section: b.section, minorsAt: noSpan, cats: b.useCtx[0].cats[:0]}
	}
}

// leadIn is the paragraph before the block being read, as a lead-in of
// uses: its last sentence, read when a list follows.
type leadIn struct {
	at       span
	entries  []int
	hasData  bool // its last sentence names data
	minors   bool
	read     bool  // purposes and data are read
	purposes []int // the purposes its last sentence names
	data     bool  // it leads into a list of data
}

// useLine reads the uses of a block that is not a heading: its
// statements', its row's, its lead-in's, and it adds its categories to the
// block open. item and row say what it is; follows that it follows a
// lead-in; hasData that it names data.
func (b *sheetBuilder) useLine(text, line string, item, row, follows, hasData bool) {
	if c := &b.useCtx[1]; c.open && (c.wantFollower || c.pending) {
		prefix := b.linePrefix(text)
		switch {
		case c.wantFollower:
			c.follower, c.wantFollower = prefix, false
		case prefix == c.follower:
			b.closeUse(1) // the title before was the next row's
		default:
			c.cats = append(c.cats, c.held...)
		}
		c.pending, c.held = false, c.held[:0]
	}
	lineMinors := noSpan
	for _, sn := range b.block {
		if b.minors >= 0 && slices.Contains(sn.entries, b.minors) {
			lineMinors = span{sn.start, sn.end}
			break
		}
	}
	inner := &b.useCtx[1]
	if !inner.open {
		inner = &b.useCtx[0]
	}
	audience, audienceAt := b.sectionMinors || lineMinors.start >= 0, lineMinors
	if inner.open && inner.minors {
		audience = true
		if audienceAt.start < 0 {
			audienceAt = inner.minorsAt
		}
	}

	// In one statement. Minors beside other data are the audience, not
	// data of their own: "public posts from users under 18 to train our AI
	// models" uses minors' posts, and listed "Minors" among the data used
	// (bind keeps them as data where they are all there is).
	for _, sn := range b.block {
		at := span{sn.start, sn.end}
		for _, pc := range sn.pairs {
			if pc[1] == b.minors && audience && slices.ContainsFunc(sn.pairs, func(o [2]int) bool { return o[0] == pc[0] && o[1] != b.minors }) {
				continue
			}
			b.bind(pc[:1], pc[1:], audience, at, at, audienceAt, "")
		}
	}

	// A lead-in and its list.
	if follows {
		l := &b.lead
		if !l.read && l.at.start >= 0 {
			s := text[l.at.start:l.at.end]
			l.read, l.purposes, l.data = true, b.purposesOf(s, l.entries, true), b.leadsIntoData(s, l.hasData)
		}
		if len(l.purposes) > 0 {
			b.bindBlock(l.purposes, audience || l.minors, l.at, audienceAt, text[l.at.start:l.at.end], 0)
		}
	}
	leadData := follows && b.lead.data
	if !item {
		b.lead = leadIn{at: noSpan, minors: lineMinors.start >= 0}
		if n := len(b.block); n > 0 {
			last := b.block[n-1]
			b.lead.at, b.lead.entries, b.lead.hasData = span{last.start, last.end}, last.entries, last.hasData
		}
	}

	// A table row whose title names a purpose binds its data column.
	if row {
		if len(b.block) == 0 {
			return
		}
		first := b.block[0]
		whole := text[first.start:first.end]
		title := rowTitle(whole)
		if ps := b.purposesOf(title, first.entries, title == whole); len(ps) > 0 && wordCount(stripParens(title)) <= maxRowTitleWords {
			b.closeUse(1)
			b.bindBlock(ps, b.sectionMinors || lineMinors.start >= 0, span{first.start, first.end}, lineMinors,
				strings.TrimSpace(title), b.block[len(b.block)-1].cell)
		}
		return
	}

	// A title opens a block, or ends one.
	title := !item && len(b.block) > 0 && isTitle(line)
	if title {
		entries := b.block[0].entries
		for _, sn := range b.block[1:] {
			entries = append(slices.Clip(entries), sn.entries...)
		}
		first := b.block[0]
		switch ps := b.purposesOf(line, entries, len(b.block) == 1); {
		case len(ps) > 0:
			b.closeUse(1)
			b.useCtx[1] = useContext{open: true, level: titleLevel, purposes: ps, opener: span{first.start, first.end},
				context: line, section: b.section, minorsAt: noSpan, cats: b.useCtx[1].cats[:0],
				wantFollower: true, held: b.useCtx[1].held[:0]}
		case !hasData:
			b.closeUse(1)
		case b.useCtx[1].open:
			b.useCtx[1].pending = true
		}
	}
	c := &b.useCtx[1]
	if !c.open {
		c = &b.useCtx[0]
	}
	if !c.open {
		return
	}
	for _, sn := range b.block {
		for _, e := range sn.entries {
			if b.t.entries[e].Kind != KindCategory {
				continue
			}
			if e == b.minors {
				if !c.minors && c.level == titleLevel {
					c.minors, c.minorsAt = true, span{sn.start, sn.end}
				}
				continue
			}
			if !(item && leadData) && !title {
				// Prose, or a list of what is done ("This is how we:"):
				// what it names in passing is not the block's data.
				continue
			}
			r := catRef{entry: e, at: span{sn.start, sn.end}, audience: b.sectionMinors}
			if c.pending {
				c.held = append(c.held, r)
			} else {
				c.cats = append(c.cats, r)
			}
		}
	}
}

// linePrefix returns the first three words of the block being read,
// folded: what tells a title like the block's own.
func (b *sheetBuilder) linePrefix(text string) string {
	if len(b.block) == 0 {
		return ""
	}
	s := text[b.block[0].start:b.block[0].end]
	words := b.pf.fold(s[:min(len(s), 60)])
	return strings.Join(words[:min(len(words), 3)], " ")
}

// leadsIntoData reports whether a lead-in's last sentence s introduces a
// list of data: it names data or information, or a verb of using or
// collecting it ("Your activity and information you provide:", "We
// use:"), and does not introduce what is done ("This is how we:", "… we
// use information we collect to:").
func (b *sheetBuilder) leadsIntoData(s string, hasData bool) bool {
	if strings.HasSuffix(s, " to:") || strings.HasSuffix(s, " pour :") || strings.HasSuffix(s, " pour:") {
		return false
	}
	if hasData || namesInformation(s) {
		return true
	}
	for _, w := range b.pf.fold(s) {
		if isUseVerb(w) || strings.HasPrefix(w, "collect") {
			return true
		}
	}
	return false
}

// bindBlock binds purposes to the categories of the block being read, of
// its cells from fromCell on.
func (b *sheetBuilder) bindBlock(purposes []int, minors bool, opener, minorsAt span, context string, fromCell int) {
	for _, sn := range b.block {
		if sn.cell < fromCell {
			continue
		}
		_, cats := b.kindsOf(sn.entries)
		at := span{sn.start, sn.end}
		b.bind(purposes, cats, minors, at, opener, minorsAt, context)
	}
}

// bind binds each purpose to each category but minors, which makes the
// uses minors' ones. A statement that names minors as its only data binds
// them as a category ("We use information about children to…").
func (b *sheetBuilder) bind(purposes, cats []int, minors bool, quote, opener, minorsAt span, context string) {
	if !minors {
		minorsAt = noSpan
	}
	add := func(c int) {
		for _, p := range purposes {
			b.addBinding(rawBinding{purpose: p, category: c, minors: minors,
				quote: quote, opener: opener, minorsAt: minorsAt, context: context, section: b.section})
		}
	}
	others := 0
	for _, c := range cats {
		if c != b.minors {
			others++
			add(c)
		}
	}
	if others == 0 && minors && quote == opener && slices.Contains(cats, b.minors) {
		add(b.minors)
	}
}

// closeUse ends block i (0: a heading's, 1: a title's) and binds its
// purposes to the categories named in it.
func (b *sheetBuilder) closeUse(i int) {
	c := &b.useCtx[i]
	if !c.open {
		return
	}
	c.open, c.pending = false, false
	for _, r := range c.cats {
		minorsAt := noSpan
		if c.minors {
			minorsAt = c.minorsAt
		}
		for _, p := range c.purposes {
			b.addBinding(rawBinding{purpose: p, category: r.entry, minors: c.minors || r.audience,
				quote: r.at, opener: c.opener, minorsAt: minorsAt, context: c.context, section: c.section})
		}
	}
	c.cats = c.cats[:0]
}

// addBinding records r, up to maxBindings.
func (b *sheetBuilder) addBinding(r rawBinding) {
	if len(b.bindings) >= maxBindings {
		b.sheet.Truncated = true
		return
	}
	b.bindings = append(b.bindings, r)
}

// uses turns the bindings into the sheet's uses: one per purpose,
// category and audience, in taxonomy order (purpose, others' before
// minors', category), each with every place that binds it.
func (b *sheetBuilder) uses(text string) {
	b.closeUse(1)
	b.closeUse(0)
	if len(b.bindings) == 0 {
		return
	}
	keys := map[int]string{}
	key := func(s span) string {
		k, ok := keys[s.start]
		if !ok {
			k = b.pf.key(truncate(text[s.start:s.end], maxStatementBytes))
			keys[s.start] = k
		}
		return k
	}
	type id struct {
		purpose, category int
		minors            bool
	}
	at := map[id]int{}
	for _, r := range b.bindings {
		k := id{r.purpose, r.category, r.minors}
		i, ok := at[k]
		qs, qe := b.narrow(text, r.quote, r.category)
		quote := truncate(text[qs:qe], maxStatementBytes)
		context := r.context
		if r.opener == r.quote {
			context = ""
		}
		if !ok {
			i = len(b.sheet.Uses)
			at[k] = i
			if b.sheet.useLabels == nil {
				b.sheet.useLabels = map[string]string{}
			}
			for _, e := range []int{r.purpose, r.category} {
				id := b.t.entries[e].ID
				b.sheet.useLabels[id] = b.t.Label(id, "en")
			}
			b.sheet.Uses = append(b.sheet.Uses, Use{Purpose: b.t.entries[r.purpose].ID, Category: b.t.entries[r.category].ID,
				Minors: r.minors, Quote: quote, Context: context, Section: r.section})
		}
		bd := useBinding{quote: quote, context: context, section: r.section, keys: []string{key(r.quote)}}
		if r.opener.start >= 0 && r.opener != r.quote {
			bd.keys = append(bd.keys, key(r.opener))
		}
		if r.minorsAt.start >= 0 && r.minorsAt != r.quote {
			bd.keys = append(bd.keys, key(r.minorsAt))
		}
		b.sheet.Uses[i].bindings = append(b.sheet.Uses[i].bindings, bd)
	}
	// In taxonomy order of purpose, everyone's before minors', then in
	// taxonomy order of category.
	slices.SortFunc(b.sheet.Uses, func(x, y Use) int {
		return cmp.Or(cmp.Compare(b.t.byID[x.Purpose], b.t.byID[y.Purpose]),
			cmpBool(x.Minors, y.Minors),
			cmp.Compare(b.t.byID[x.Category], b.t.byID[y.Category]))
	})
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// narrow returns, of a statement that glues list items with "*" (the
// archived Markdown's table cells: "Content you create, like posts…*
// Location-related information* …"), the item that names category, so
// that a use quotes what binds it; otherwise the statement.
func (b *sheetBuilder) narrow(text string, quote span, category int) (int, int) {
	s := text[quote.start:quote.end]
	if !strings.Contains(s, "* ") {
		return quote.start, quote.end
	}
	if b.pieces == nil {
		b.pieces = map[int][]piece{}
	}
	ps, ok := b.pieces[quote.start]
	if !ok {
		for off := 0; off < len(s); {
			end := strings.Index(s[off:], "* ")
			if end < 0 {
				end = len(s)
			} else {
				end += off
			}
			if ps0, pe := trimStatement(s, off, end); ps0 < pe {
				ps = append(ps, piece{span{quote.start + ps0, quote.start + pe}, b.entriesOf(s[ps0:pe])})
			}
			off = end + len("* ")
		}
		b.pieces[quote.start] = ps
	}
	for _, p := range ps {
		if slices.Contains(p.entries, category) {
			return p.start, p.end
		}
	}
	return quote.start, quote.end
}

// statedUses returns the purposes and categories a statement binds
// itself (see the rule above), as [purpose, category] entry pairs. words
// are its folded words, entries its ids; b.hits says where each stands.
func (b *sheetBuilder) statedUses(s string, words []string, entries []int) [][2]int {
	if len(words) > maxStatedWords {
		return nil
	}
	purpose, category := false, false
	for _, e := range entries {
		switch b.t.entries[e].Kind {
		case KindPurpose:
			purpose = true
		case KindCategory:
			category = true
		}
	}
	if !purpose || !category {
		return nil
	}
	verb := -1
	for i, w := range words {
		if isNegationCue(w) && (w != "t" || i > 0 && strings.HasSuffix(words[i-1], "n")) && !accounted(b.denied, i) &&
			!slices.ContainsFunc(b.rightDenials, func(d span) bool { return d.start <= i && i < d.end }) {
			return nil
		}
		if isExclusion(words, i) {
			return nil
		}
		if verb < 0 && isUseVerb(w) && (i == 0 || !readerWords[words[i-1]]) && !isDenied(b.denied, i, i+1) {
			verb = i
		}
	}
	// An elided predicate's auxiliary stands for its verb: "…, but public
	// posts are" uses them.
	for _, r := range b.recalls {
		if r.predicate && (verb < 0 || r.at < verb) && isUseVerb(words[b.denied[r.span].verb]) {
			verb = r.at
		}
	}
	if verb < 0 {
		return nil
	}
	var outside []int
	parens := strings.IndexByte(s, '(') >= 0
	if parens {
		outside = b.purposesOf(s, entries, false) // its own folder: words stay valid
	}
	var out [][2]int
	for _, p := range b.hits {
		if b.t.entries[p.entry].Kind != KindPurpose || p.at < verb || parens && !slices.Contains(outside, p.entry) {
			continue
		}
		for _, c := range b.hits {
			if b.t.entries[c.entry].Kind != KindCategory || !(c.at < p.at || p.at == verb && c.at > p.at) {
				continue
			}
			if pc := [2]int{p.entry, c.entry}; !slices.Contains(out, pc) {
				out = append(out, pc)
			}
		}
	}
	return out
}

// readerWords before a verb of use make the reader its subject.
var readerWords = map[string]bool{"you": true, "your": true, "they": true, "their": true, "people": true, "others": true, "vous": true}

// isUseVerb reports whether the folded word w is a verb of using data.
func isUseVerb(w string) bool {
	switch w {
	case "use", "uses", "used", "using", "process", "processes", "processed", "processing",
		"analyse", "analyses", "analysed", "analyze", "analyzes", "analyzed", "analysing", "analyzing",
		"utilise", "utilisons", "utiliser", "utilisees", "utilisee", "utilises", "utilisez", "utilisent",
		"traitons", "traiter", "traitees", "traitee", "traites", "exploitons", "exploiter",
		// The future and conditional of a notice of a use to come: "nous
		// utiliserons les informations publiques… pour développer l'IA".
		"utiliserons", "utilisera", "utiliseront", "utiliserions", "utiliserait", "utiliseraient",
		"traiterons", "traitera", "traiteront", "traiterions", "traiterait", "traiteraient", "exploiterons", "exploitera", "exploiteront":
		return true
	}
	return strings.HasPrefix(w, "train") || strings.HasPrefix(w, "entrain")
}

// kindsOf returns the purposes and the categories among entries.
func (b *sheetBuilder) kindsOf(entries []int) (purposes, cats []int) {
	for _, i := range entries {
		switch b.t.entries[i].Kind {
		case KindPurpose:
			purposes = append(purposes, i)
		case KindCategory:
			cats = append(cats, i)
		}
	}
	return purposes, cats
}

// purposesOf returns the purposes text names outside parentheses and
// before an exclusion ("other than ads"). entries are the ids of a text
// that holds it (exact: of text itself): text is read again only when they
// hold a purpose that a parenthesis, an exclusion or the rest of the
// text may account for.
func (b *sheetBuilder) purposesOf(text string, entries []int, exact bool) []int {
	ps, _ := b.kindsOf(entries)
	if len(ps) == 0 || exact && strings.IndexByte(text, '(') < 0 && !hasExclusion(text) {
		return ps
	}
	ps, _ = b.kindsOf(b.entriesOf(stripParens(text)))
	return ps
}

// entriesOf reads text's ids as a statement's, with b.pf: denials and
// what follows an exclusion left out.
func (b *sheetBuilder) entriesOf(text string) []int {
	words := b.pf.fold(text)
	b.pdenied = denied(text, words, b.pdenied)
	cut := len(words)
	for i := range words {
		if isExclusion(words, i) {
			cut = i
			break
		}
	}
	var out []int
	b.t.findTerms(words, b.lang, &b.ptm, func(m match) {
		if m.p.target == personalDataTarget || m.start >= cut || isDenied(b.pdenied, m.start, m.end) {
			return
		}
		if !slices.Contains(out, m.p.target) {
			out = append(out, m.p.target)
		}
	})
	return out
}

// hasExclusion reports whether s may hold an exclusion (see isExclusion).
func hasExclusion(s string) bool {
	for _, w := range []string{"other than", "xcept", "xcluding", "apart from", "autres que", "sauf", "hors "} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// isExclusion reports whether the folded words[i] begins an exclusion:
// "other than", "except", "excluding", "apart from", "autres que", "sauf",
// "hors".
func isExclusion(words []string, i int) bool {
	switch words[i] {
	case "except", "excluding", "sauf", "hors":
		return true
	case "other", "apart", "autres":
		if i+1 < len(words) {
			next := words[i+1]
			return next == "than" || next == "from" || next == "que"
		}
	}
	return false
}

// stripParens blanks what stands inside parentheses.
func stripParens(s string) string {
	if strings.IndexByte(s, '(') < 0 {
		return s
	}
	buf := []byte(s)
	depth := 0
	for i, c := range buf {
		switch {
		case c == '(':
			depth++
			buf[i] = ' '
		case c == ')' && depth > 0:
			depth--
			buf[i] = ' '
		case depth > 0:
			buf[i] = ' '
		}
	}
	return string(buf)
}

// isTitle reports whether a paragraph is shaped like a title: at most
// maxTitleWords words and no sentence's end (. ! ? : ; …).
func isTitle(line string) bool {
	if len(line) > maxTitleWords*20 || strings.HasSuffix(line, "…") || strings.ContainsAny(line[len(line)-1:], ".!?:;") {
		return false
	}
	return wordCount(line) <= maxTitleWords
}

// rowTitle cuts a row's first sentence to its title: up to a colon, or to
// a full stop the sentence splitter did not take for an end ("legal
// requests[60].See 'How do we…'", glued by a note call).
func rowTitle(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':':
			return s[:i]
		case '.':
			if i+1 < len(s) && !isDigit(s[i+1]) {
				return s[:i]
			}
		}
	}
	return s
}

func wordCount(s string) int {
	n := 0
	for range strings.FieldsSeq(s) {
		n++
	}
	return n
}

// namesInformation reports whether a text speaks of information or data
// ("Activity and information provided by a registered user:").
func namesInformation(s string) bool {
	return strings.Contains(s, "nformation") || strings.Contains(s, "data") || strings.Contains(s, "Data") ||
		strings.Contains(s, "donnée") || strings.Contains(s, "Donnée")
}

// UseGroup is the uses a change added (or removed) for one purpose that
// one place of the text says (the same quote, context and section): one
// quote for them all, as the views show them.
type UseGroup struct {
	Added bool
	Uses  []UseChange
}

// Categories names the group's data, as label names an id, a minors' one
// marked so: "Posts (minors'), Comments".
func (g UseGroup) Categories(label func(id string) string) []string {
	names := make([]string, len(g.Uses))
	for i, u := range g.Uses {
		names[i] = label(u.Category)
		if u.Minors {
			names[i] += " (minors')"
		}
	}
	return names
}

// GroupUses groups the uses added, then those removed, by purpose and by
// the place that says them, in their order.
func GroupUses(added, removed []UseChange) []UseGroup {
	var groups []UseGroup
	for _, side := range []struct {
		added bool
		uses  []UseChange
	}{{true, added}, {false, removed}} {
		first := len(groups)
		for _, u := range side.uses {
			i := slices.IndexFunc(groups[first:], func(g UseGroup) bool {
				h := g.Uses[0]
				return h.Purpose == u.Purpose && h.Quote == u.Quote && h.Context == u.Context && h.Section == u.Section
			})
			if i < 0 {
				groups = append(groups, UseGroup{Added: side.added, Uses: []UseChange{u}})
			} else {
				groups[first+i].Uses = append(groups[first+i].Uses, u)
			}
		}
	}
	return groups
}
