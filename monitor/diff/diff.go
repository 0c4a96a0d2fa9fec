// Package diff compares two readable texts of a policy, one block per line,
// the way a person reads a change: which lines went, which came, and inside
// a reworded line, which words. It renders the result as a unified diff for
// terminals and for patch(1), and as a short excerpt for emails and feeds.
//
// diff is a leaf: it imports the standard library and
// github.com/sergi/go-diff, nothing of policywatch.
package diff

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Op says what happened to a line or a run of words.
type Op int

const (
	Equal  Op = iota // in both texts
	Insert           // only in the new text
	Delete           // only in the old text
)

func (op Op) String() string {
	switch op {
	case Equal:
		return "equal"
	case Insert:
		return "insert"
	case Delete:
		return "delete"
	}
	return "Op(" + strconv.Itoa(int(op)) + ")"
}

// Span is a run of words (with the spaces and punctuation between them)
// inside a line. The spans of a line, joined, are the line's text exactly.
type Span struct {
	Op   Op
	Text string
}

// Line is one line of a hunk.
type Line struct {
	Op   Op
	Text string // without the newline

	// OldNo and NewNo are the line's 1-based numbers in the old and new
	// text, 0 in the text the line is not part of.
	OldNo, NewNo int

	// Spans highlight words for a changed line paired with its similar
	// counterpart on the other side: Equal and Delete spans on a deleted
	// line, Equal and Insert spans on an inserted one; joined, they are
	// Text. Two Equal spans in a row mark where the counterpart has words
	// this line lacks. Nil for equal lines and for changed lines without a
	// counterpart. A line of more than maxWordTokens words, spaces and
	// punctuation marks is highlighted whole.
	Spans []Span
}

// Hunk is a run of changed lines with the unchanged lines around them, as
// in a unified diff. OldStart is the number of the hunk's first old line,
// or, when OldLines is 0, of the old line after which the hunk's lines go
// (0: before the first); NewStart likewise.
type Hunk struct {
	OldStart, OldLines int
	NewStart, NewLines int
	Lines              []Line
}

// Result is the difference between two texts.
type Result struct {
	Hunks []Hunk

	LinesAdded, LinesRemoved int

	// WordsAdded and WordsRemoved count the words of inserted and deleted
	// spans of paired lines and every word of unpaired inserted and deleted
	// lines.
	WordsAdded, WordsRemoved int

	// Degraded says Compute gave up searching, out of time (see Compute)
	// or facing over a million distinct lines or words: the result is
	// still exact, applying it to the old text gives the new one, but it
	// may show more lines as changed than a full search would, and fewer
	// lines paired with word highlights.
	Degraded bool
}

// Empty says the texts were the same.
func (r *Result) Empty() bool { return len(r.Hunks) == 0 }

// timeBudget bounds the time Compute spends searching for the smallest
// difference and for word highlights, so that pathological input (huge
// lines, texts of thousands of unrelated lines) cannot hang a check. The
// real policy diffs take a few milliseconds.
const timeBudget = time.Second

// maxWordTokens bounds the tokens of a line that gets a word diff: go-diff's
// semantic cleanup, which the time budget does not cover, can take time
// quadratic in a line's changes. Policy paragraphs stay far below.
const maxWordTokens = 1 << 13

// Compute diffs two texts line by line, lines compared whole, and keeps
// context unchanged lines around each change (a negative context counts as
// 0). Within each run of changes it pairs deleted lines with similar
// inserted ones and highlights the words that differ between them.
//
// A text's lines are separated by "\n"; a final "\n" ends the last line
// rather than starting an empty one, and a text without it is read as if
// it had one: whether a text ends with a line break is not compared, so
// that a paragraph appended to a text without one leaves its last line
// Equal (stored policy texts have none). The hunks are those of the texts
// each ending with a line break, as `policywatch show` prints them.
//
// The result is deterministic unless the search takes longer than a
// second: then go-diff returns the best it found so far, pairing and word
// highlighting stop, and Result.Degraded is set. The result is then coarser
// but still exact.
func Compute(oldText, newText string, context int) *Result {
	return compute(oldText, newText, context, time.Now().Add(timeBudget))
}

// change is a run of deleted and inserted lines between unchanged ones.
type change struct {
	oldStart, oldCount int // 0-based index and count of the deleted lines
	newStart, newCount int // 0-based index and count of the inserted lines
}

func compute(oldText, newText string, context int, deadline time.Time) *Result {
	context = max(context, 0)
	c := &computer{deadline: deadline, dmp: diffmatchpatch.New()}
	before, after := splitLines(oldText), splitLines(newText)
	r := &Result{}
	changes := c.lineChanges(before, after)
	for len(changes) > 0 {
		// A hunk takes changes while the unchanged lines between them are
		// no more than two contexts.
		n := 1
		for n < len(changes) && changes[n].oldStart-(changes[n-1].oldStart+changes[n-1].oldCount) <= 2*context {
			n++
		}
		r.Hunks = append(r.Hunks, c.hunk(r, before, after, changes[:n], context))
		changes = changes[n:]
	}
	r.Degraded = c.degraded
	return r
}

// side is one text, as lines.
type side struct {
	lines []string
}

// splitLines splits a text into its lines. A final "\n" ends the last line
// rather than starting an empty one; without it, the last line is the same.
func splitLines(s string) side {
	if s == "" {
		return side{}
	}
	return side{lines: strings.Split(strings.TrimSuffix(s, "\n"), "\n")}
}

// key is what line i is compared by: its text, without the line break.
func (t side) key(i int) string { return t.lines[i] }

// ids returns lines [from, to) as runes of in, by their keys; false when
// in is full.
func (t side) ids(in *interner, from, to int) ([]rune, bool) {
	ids := make([]rune, 0, to-from)
	for i := from; i < to; i++ {
		id, ok := in.id(t.key(i))
		if !ok {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

// computer holds what one Compute reuses from line to line.
type computer struct {
	deadline time.Time
	degraded bool
	dmp      *diffmatchpatch.DiffMatchPatch
	lineIDs  interner
	wordIDs  interner
	oldToks  tokens
	newToks  tokens
}

// timeLeft returns the time left before the deadline, marking the result
// degraded when there is none.
func (c *computer) timeLeft() (time.Duration, bool) {
	left := time.Until(c.deadline)
	if left <= 0 {
		c.degraded = true
		return 0, false
	}
	return left, true
}

// diffRunes runs go-diff on two rune strings with the time left. It
// reports false, and returns nothing, when there is no time left.
func (c *computer) diffRunes(a, b []rune) ([]diffmatchpatch.Diff, bool) {
	left, ok := c.timeLeft()
	if !ok {
		return nil, false
	}
	c.dmp.DiffTimeout = left
	diffs := c.dmp.DiffMainRunes(a, b, false)
	if time.Now().After(c.deadline) {
		c.degraded = true // go-diff may have stopped short of the best diff
	}
	return diffs, true
}

// lineChanges returns the runs of changed lines, in order.
func (c *computer) lineChanges(before, after side) []change {
	// Unchanged lines at both ends are most of a policy's text: skip them
	// before hashing anything.
	prefix := 0
	for prefix < len(before.lines) && prefix < len(after.lines) && before.key(prefix) == after.key(prefix) {
		prefix++
	}
	suffix := 0
	for suffix < len(before.lines)-prefix && suffix < len(after.lines)-prefix &&
		before.key(len(before.lines)-1-suffix) == after.key(len(after.lines)-1-suffix) {
		suffix++
	}
	oldEnd, newEnd := len(before.lines)-suffix, len(after.lines)-suffix
	if prefix == oldEnd && prefix == newEnd {
		return nil
	}
	whole := []change{{prefix, oldEnd - prefix, prefix, newEnd - prefix}}
	if prefix == oldEnd || prefix == newEnd {
		return whole // only insertions, or only deletions
	}

	// Each distinct line becomes one rune, so that go-diff's character diff
	// is a line diff (what its DiffLinesToRunes does, here without the
	// newlines in the keys and without the common ends).
	c.lineIDs.reset()
	oldIDs, ok := before.ids(&c.lineIDs, prefix, oldEnd)
	var newIDs []rune
	if ok {
		newIDs, ok = after.ids(&c.lineIDs, prefix, newEnd)
	}
	if !ok {
		c.degraded = true
		return whole
	}
	// No semantic cleanup at this level: it would turn a short unchanged
	// line between two changes (a heading, a list item) into a deleted and
	// re-inserted copy of itself. go-diff merges adjacent edits already.
	diffs, ok := c.diffRunes(oldIDs, newIDs)
	if !ok {
		return whole
	}

	var changes []change
	i, j := prefix, prefix
	pending := change{oldStart: -1}
	flush := func() {
		if pending.oldStart >= 0 {
			changes = append(changes, pending)
			pending = change{oldStart: -1}
		}
	}
	for _, d := range diffs {
		n := utf8.RuneCountInString(d.Text)
		if d.Type == diffmatchpatch.DiffEqual {
			flush()
			i += n
			j += n
			continue
		}
		if pending.oldStart < 0 {
			pending = change{oldStart: i, newStart: j}
		}
		if d.Type == diffmatchpatch.DiffDelete {
			pending.oldCount += n
			i += n
		} else {
			pending.newCount += n
			j += n
		}
	}
	flush()
	return changes
}

// hunk builds the hunk of changes, which the caller grouped, with context
// lines around them, and adds its counts to r.
func (c *computer) hunk(r *Result, before, after side, changes []change, context int) Hunk {
	first, last := changes[0], changes[len(changes)-1]
	lead := min(context, first.oldStart)
	trail := min(context, len(before.lines)-(last.oldStart+last.oldCount))
	h := Hunk{}
	oldStart, newStart := first.oldStart-lead, first.newStart-lead

	equal := func(i, j, n int) {
		for k := range n {
			h.Lines = append(h.Lines, Line{
				Op: Equal, Text: before.lines[i+k], OldNo: i + k + 1, NewNo: j + k + 1,
			})
		}
	}
	equal(oldStart, newStart, lead)
	for k, ch := range changes {
		if k > 0 {
			prev := changes[k-1]
			gapStart := prev.oldStart + prev.oldCount
			equal(gapStart, prev.newStart+prev.newCount, ch.oldStart-gapStart)
		}
		h.Lines = c.appendChange(r, h.Lines, before, after, ch)
	}
	equal(last.oldStart+last.oldCount, last.newStart+last.newCount, trail)

	for _, l := range h.Lines {
		if l.Op != Insert {
			h.OldLines++
		}
		if l.Op != Delete {
			h.NewLines++
		}
	}
	h.OldStart, h.NewStart = oldStart, newStart
	if h.OldLines > 0 {
		h.OldStart++
	}
	if h.NewLines > 0 {
		h.NewStart++
	}
	return h
}

// appendChange appends the lines of one change to lines: each pair of
// similar lines next to each other with word highlights, the unpaired
// lines in order around them.
func (c *computer) appendChange(r *Result, lines []Line, before, after side, ch change) []Line {
	dels := before.lines[ch.oldStart : ch.oldStart+ch.oldCount]
	ins := after.lines[ch.newStart : ch.newStart+ch.newCount]
	r.LinesRemoved += len(dels)
	r.LinesAdded += len(ins)

	deleted := func(i int) Line {
		n := ch.oldStart + i
		return Line{Op: Delete, Text: dels[i], OldNo: n + 1}
	}
	inserted := func(j int) Line {
		n := ch.newStart + j
		return Line{Op: Insert, Text: ins[j], NewNo: n + 1}
	}
	unpaired := func(i, iEnd, j, jEnd int) {
		for ; i < iEnd; i++ {
			r.WordsRemoved += countWords(dels[i])
			lines = append(lines, deleted(i))
		}
		for ; j < jEnd; j++ {
			r.WordsAdded += countWords(ins[j])
			lines = append(lines, inserted(j))
		}
	}

	i, j := 0, 0
	for _, p := range c.pairLines(dels, ins) {
		unpaired(i, p.del, j, p.ins)
		d, n := deleted(p.del), inserted(p.ins)
		var removed, added int
		d.Spans, n.Spans, removed, added = c.wordDiff(d.Text, n.Text)
		r.WordsRemoved += removed
		r.WordsAdded += added
		lines = append(lines, d, n)
		i, j = p.del+1, p.ins+1
	}
	unpaired(i, len(dels), j, len(ins))
	return lines
}

// wordDiff returns the spans of a deleted line and of the inserted line it
// is paired with, and the number of words removed and added. Out of time,
// or for lines too long, it returns each line as one changed span.
func (c *computer) wordDiff(oldLine, newLine string) (oldSpans, newSpans []Span, removed, added int) {
	whole := func() ([]Span, []Span, int, int) {
		return []Span{{Delete, oldLine}}, []Span{{Insert, newLine}}, countWords(oldLine), countWords(newLine)
	}
	c.oldToks.split(oldLine)
	c.newToks.split(newLine)
	if len(c.oldToks.isWord) > maxWordTokens || len(c.newToks.isWord) > maxWordTokens {
		return whole()
	}
	c.wordIDs.reset()
	oldIDs, ok1 := c.oldToks.ids(&c.wordIDs)
	newIDs, ok2 := c.newToks.ids(&c.wordIDs)
	if !ok1 || !ok2 {
		c.degraded = true
		return whole()
	}
	diffs, ok := c.diffRunes(oldIDs, newIDs)
	if !ok {
		return whole()
	}
	// Semantic cleanup folds a lone unchanged word between two changes into
	// them: "collect your data" → "use the data" reads as one rewording of
	// "collect your", not two one-word swaps around a space.
	diffs = c.dmp.DiffCleanupSemantic(diffs)

	i, j := 0, 0 // token cursors
	for _, d := range diffs {
		n := utf8.RuneCountInString(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			oldSpans = appendSpan(oldSpans, Equal, c.oldToks.text(i, i+n))
			newSpans = appendSpan(newSpans, Equal, c.newToks.text(j, j+n))
			i += n
			j += n
		case diffmatchpatch.DiffDelete:
			oldSpans = appendSpan(oldSpans, Delete, c.oldToks.text(i, i+n))
			removed += c.oldToks.words(i, i+n)
			i += n
		case diffmatchpatch.DiffInsert:
			newSpans = appendSpan(newSpans, Insert, c.newToks.text(j, j+n))
			added += c.newToks.words(j, j+n)
			j += n
		}
	}
	return oldSpans, newSpans, removed, added
}

// appendSpan appends a span unless it is empty. Spans are not merged: two
// Equal spans in a row keep the place of the counterpart's extra words.
func appendSpan(spans []Span, op Op, text string) []Span {
	if text == "" {
		return spans
	}
	return append(spans, Span{Op: op, Text: text})
}
