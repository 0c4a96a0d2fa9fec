package diff

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// long is a paragraph of the size policies have, around a change.
const longHead = "We collect the things you type, upload or share with us when you use our Products, such as messages, posts, comments, photos and the details of your profile, "
const longTail = " and we keep them for as long as we need them to provide our Products, unless you delete them sooner, as we explain in the section on retention."

func TestCompute(t *testing.T) {
	tests := []struct {
		name                     string
		old, new                 string
		context                  int
		linesAdded, linesRemoved int
		wordsAdded, wordsRemoved int
		headers                  []string // hunk headers, in order
		spans                    [][]Span // spans of the paired lines, in order
		unpaired                 int      // changed lines without spans
	}{
		{
			name: "identical",
			old:  "a\nb\n", new: "a\nb\n", context: 3,
		},
		{
			name: "both empty",
		},
		{
			name: "insert",
			old:  "one\ntwo\nthree\nfour\n", new: "one\ntwo\nnew line here\nthree\nfour\n", context: 1,
			linesAdded: 1, wordsAdded: 3, unpaired: 1,
			headers: []string{"@@ -2,2 +2,3 @@"},
		},
		{
			name: "delete",
			old:  "one\ntwo\nthree\nfour\n", new: "one\ntwo\nfour\n", context: 1,
			linesRemoved: 1, wordsRemoved: 1, unpaired: 1,
			headers: []string{"@@ -2,3 +2,2 @@"},
		},
		{
			name: "insert without context",
			old:  "one\ntwo\n", new: "one\nnew\ntwo\n", context: 0,
			linesAdded: 1, wordsAdded: 1, unpaired: 1,
			headers: []string{"@@ -1,0 +2 @@"},
		},
		{
			name:       "change in the middle of a long line",
			old:        "# Title\n" + longHead + "and the contacts you upload" + longTail + "\n## Next\n",
			new:        "# Title\n" + longHead + "your voice recordings and the contacts you choose to upload" + longTail + "\n## Next\n",
			context:    1,
			linesAdded: 1, linesRemoved: 1, wordsAdded: 5, wordsRemoved: 0,
			headers: []string{"@@ -1,3 +1,3 @@"},
			spans: [][]Span{
				{{Equal, longHead}, {Equal, "and the contacts you "}, {Equal, "upload" + longTail}},
				{{Equal, longHead}, {Insert, "your voice recordings "}, {Equal, "and the contacts you "}, {Insert, "choose to "}, {Equal, "upload" + longTail}},
			},
		},
		{
			name:       "effective date",
			old:        "# Privacy Policy\nEffective April 7, 2025\n## Highlights\n",
			new:        "# Privacy Policy\nEffective May 27, 2025\n## Highlights\n",
			context:    3,
			linesAdded: 1, linesRemoved: 1, wordsAdded: 2, wordsRemoved: 2,
			headers: []string{"@@ -1,3 +1,3 @@"},
			spans: [][]Span{
				{{Equal, "Effective "}, {Delete, "April 7"}, {Equal, ", 2025"}},
				{{Equal, "Effective "}, {Insert, "May 27"}, {Equal, ", 2025"}},
			},
		},
		{
			name:    "moved block",
			old:     "alpha\nbravo charlie\ndelta echo\nfoxtrot\ngolf\nhotel\nindia\n",
			new:     "alpha\nfoxtrot\ngolf\nhotel\nbravo charlie\ndelta echo\nindia\n",
			context: 1,
			// go-diff keeps the longer run in place and moves the other.
			linesAdded: 2, linesRemoved: 2, wordsAdded: 4, wordsRemoved: 4, unpaired: 4,
			headers: []string{"@@ -1,4 +1,2 @@", "@@ -6,2 +4,4 @@"},
		},
		{
			name:       "baseline",
			old:        "",
			new:        "# Privacy Policy\nWe collect what you share.\n",
			context:    3,
			linesAdded: 2, wordsAdded: 7, unpaired: 2,
			headers: []string{"@@ -0,0 +1,2 @@"},
		},
		{
			name:         "everything deleted",
			old:          "# Privacy Policy\nWe collect what you share.\n",
			new:          "",
			context:      3,
			linesRemoved: 2, wordsRemoved: 7, unpaired: 2,
			headers: []string{"@@ -1,2 +0,0 @@"},
		},
		{
			name:       "French accents",
			old:        "## Données\nNous collectons les données que vous créez et l’activité de votre appareil.\n",
			new:        "## Données\nNous collectons les données et les métadonnées que vous créez et l’activité de votre appareil.\n",
			context:    1,
			linesAdded: 1, linesRemoved: 1, wordsAdded: 3,
			headers: []string{"@@ -1,2 +1,2 @@"},
			spans: [][]Span{
				{{Equal, "Nous collectons les données "}, {Equal, "que vous créez et l’activité de votre appareil."}},
				{{Equal, "Nous collectons les données "}, {Insert, "et les métadonnées "}, {Equal, "que vous créez et l’activité de votre appareil."}},
			},
		},
		{
			name:       "curly quotes",
			old:        "We call this “Public content”, and Meta’s partners can see it.\n",
			new:        "We call this “Public information”, and Meta’s partners can see it.\n",
			context:    0,
			linesAdded: 1, linesRemoved: 1, wordsAdded: 1, wordsRemoved: 1,
			headers: []string{"@@ -1 +1 @@"},
			spans: [][]Span{
				{{Equal, "We call this “Public "}, {Delete, "content"}, {Equal, "”, and Meta’s partners can see it."}},
				{{Equal, "We call this “Public "}, {Insert, "information"}, {Equal, "”, and Meta’s partners can see it."}},
			},
		},
		{
			name:       "ideographs are words",
			old:        "我们收集您的数据。\n",
			new:        "我们使用您的数据。\n",
			context:    0,
			linesAdded: 1, linesRemoved: 1, wordsAdded: 2, wordsRemoved: 2,
			headers: []string{"@@ -1 +1 @@"},
			spans: [][]Span{
				{{Equal, "我们"}, {Delete, "收集"}, {Equal, "您的数据。"}},
				{{Equal, "我们"}, {Insert, "使用"}, {Equal, "您的数据。"}},
			},
		},
		{
			name:       "unrelated lines are not paired",
			old:        "## Sharing\nWe share information with partners.\n## Rights\n",
			new:        "## Sharing\nYou can download a copy at any time.\n## Rights\n",
			context:    1,
			linesAdded: 1, linesRemoved: 1, wordsAdded: 8, wordsRemoved: 5, unpaired: 2,
			headers: []string{"@@ -1,3 +1,3 @@"},
		},
		{
			name: "newline added at the end",
			old:  "one\ntwo", new: "one\ntwo\n", context: 1,
		},
		{
			name:       "two hunks",
			old:        "a1\na2\na3\na4\na5\na6\na7\na8\n",
			new:        "a1\nb2\na3\na4\na5\na6\nb7\na8\n",
			context:    1,
			linesAdded: 2, linesRemoved: 2, wordsAdded: 2, wordsRemoved: 2, unpaired: 4,
			headers: []string{"@@ -1,3 +1,3 @@", "@@ -6,3 +6,3 @@"},
		},
		{
			name:       "changes close enough share a hunk",
			old:        "a1\na2\na3\na4\na5\na6\na7\na8\n",
			new:        "a1\nb2\na3\na4\na5\na6\nb7\na8\n",
			context:    2,
			linesAdded: 2, linesRemoved: 2, wordsAdded: 2, wordsRemoved: 2, unpaired: 4,
			headers: []string{"@@ -1,8 +1,8 @@"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Compute(tt.old, tt.new, tt.context)
			checkResult(t, tt.old, tt.new, r)

			if same := withNewline(tt.old) == withNewline(tt.new); r.Empty() != same {
				t.Errorf("Empty() = %v for the same lines: %v", r.Empty(), same)
			}
			got := [4]int{r.LinesAdded, r.LinesRemoved, r.WordsAdded, r.WordsRemoved}
			want := [4]int{tt.linesAdded, tt.linesRemoved, tt.wordsAdded, tt.wordsRemoved}
			if got != want {
				t.Errorf("lines +%d -%d, words +%d -%d; want lines +%d -%d, words +%d -%d",
					got[0], got[1], got[2], got[3], want[0], want[1], want[2], want[3])
			}
			var headers []string
			var spans [][]Span
			unpaired := 0
			for _, h := range r.Hunks {
				headers = append(headers, hunkHeader(h))
				for _, l := range h.Lines {
					switch {
					case l.Spans != nil:
						spans = append(spans, l.Spans)
					case l.Op != Equal:
						unpaired++
					}
				}
			}
			if !reflect.DeepEqual(headers, tt.headers) {
				t.Errorf("hunk headers %q, want %q", headers, tt.headers)
			}
			if !reflect.DeepEqual(spans, tt.spans) {
				t.Errorf("spans\n got %q\nwant %q", spans, tt.spans)
			}
			if unpaired != tt.unpaired {
				t.Errorf("%d unpaired changed lines, want %d", unpaired, tt.unpaired)
			}
			if r.Degraded {
				t.Error("Degraded on a small input")
			}
		})
	}
}

func hunkHeader(h Hunk) string {
	return "@@ -" + hunkRange(h.OldStart, h.OldLines) + " +" + hunkRange(h.NewStart, h.NewLines) + " @@"
}

// withNewline returns s ending with a line break, as Compute reads it.
func withNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// checkResult checks what must hold of any result: applying its hunks to
// old gives new (each ending with a line break), spans re-join to their
// lines, numbers and counts agree.
func checkResult(t *testing.T, old, new string, r *Result) {
	t.Helper()
	if got, err := apply(old, r); err != nil {
		t.Fatalf("applying the hunks: %v", err)
	} else if got != withNewline(new) {
		t.Fatalf("applying the hunks gives\n%q\nwant\n%q", got, new)
	}
	added, removed := 0, 0
	for _, h := range r.Hunks {
		for _, l := range h.Lines {
			switch l.Op {
			case Insert:
				added++
			case Delete:
				removed++
			}
			if l.Spans == nil {
				continue
			}
			if l.Op == Equal {
				t.Errorf("equal line %d has spans", l.OldNo)
			}
			var joined strings.Builder
			for _, s := range l.Spans {
				if s.Op != Equal && s.Op != l.Op {
					t.Errorf("%v line has a %v span", l.Op, s.Op)
				}
				if s.Text == "" {
					t.Errorf("empty span in %q", l.Text)
				}
				joined.WriteString(s.Text)
			}
			if joined.String() != l.Text {
				t.Errorf("spans join to\n%q\nnot the line\n%q", joined.String(), l.Text)
			}
		}
	}
	if added != r.LinesAdded || removed != r.LinesRemoved {
		t.Errorf("LinesAdded %d, LinesRemoved %d; the hunks have %d and %d", r.LinesAdded, r.LinesRemoved, added, removed)
	}
	if r.Empty() && withNewline(old) != withNewline(new) {
		t.Error("Empty result for different texts")
	}
}

// apply applies r's hunks to old, ended with a line break, checking every
// line number, context line and deleted line against old as patch would.
func apply(old string, r *Result) (string, error) {
	oldLines := strings.SplitAfter(withNewline(old), "\n")
	if oldLines[len(oldLines)-1] == "" {
		oldLines = oldLines[:len(oldLines)-1]
	}
	var out strings.Builder
	pos, newNo := 0, 0 // old lines used, new lines written
	for k, h := range r.Hunks {
		start := h.OldStart - 1
		if h.OldLines == 0 {
			start = h.OldStart
		}
		if start < pos || start > len(oldLines) {
			return "", fmt.Errorf("hunk %d starts at old line %d, after %d lines used of %d", k, h.OldStart, pos, len(oldLines))
		}
		for ; pos < start; pos++ {
			out.WriteString(oldLines[pos])
			newNo++
		}
		var oldCount, newCount int
		for _, l := range h.Lines {
			if l.Op != Insert {
				if pos >= len(oldLines) || strings.TrimSuffix(oldLines[pos], "\n") != l.Text || l.OldNo != pos+1 {
					return "", fmt.Errorf("hunk %d: line %+v does not match old line %d", k, l, pos+1)
				}
				if l.Op == Equal {
					out.WriteString(oldLines[pos])
				}
				pos++
				oldCount++
			} else if l.OldNo != 0 {
				return "", fmt.Errorf("inserted line with OldNo %d", l.OldNo)
			}
			if l.Op != Delete {
				newNo++
				newCount++
				if l.NewNo != newNo {
					return "", fmt.Errorf("hunk %d: line %q has NewNo %d, want %d", k, l.Text, l.NewNo, newNo)
				}
				if l.Op == Insert {
					out.WriteString(l.Text + "\n")
				}
			} else if l.NewNo != 0 {
				return "", fmt.Errorf("deleted line with NewNo %d", l.NewNo)
			}
		}
		if oldCount != h.OldLines || newCount != h.NewLines {
			return "", fmt.Errorf("hunk %d counts -%d +%d, lines -%d +%d", k, h.OldLines, h.NewLines, oldCount, newCount)
		}
	}
	for ; pos < len(oldLines); pos++ {
		out.WriteString(oldLines[pos])
	}
	return out.String(), nil
}

// TestComputeRandomEdits is a property test: for texts edited at random,
// the diff applies, re-joins and is the same when computed twice.
func TestComputeRandomEdits(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(1, seed))
		old := randomText(rng)
		new := editText(rng, old)
		context := rng.IntN(4)
		r := Compute(old, new, context)
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			checkResult(t, old, new, r)
			if again := Compute(old, new, context); !reflect.DeepEqual(r, again) {
				t.Error("two Computes of the same texts differ")
			}
		})
	}
}

var vocabulary = strings.Fields(`we collect use share information data your you the and of to
	from partners Products Meta’s “Public content” données créez l’utilisateur third-party
	2025-05-27 1.5, 10,000 (for example) e.g. 数据 使用 🙂 — «cookies» naïve`)

func randomLine(rng *rand.Rand) string {
	words := make([]string, 1+rng.IntN(25))
	for i := range words {
		words[i] = vocabulary[rng.IntN(len(vocabulary))]
	}
	return strings.Join(words, " ")
}

func randomText(rng *rand.Rand) string {
	lines := make([]string, rng.IntN(30))
	for i := range lines {
		lines[i] = randomLine(rng)
	}
	return joinLines(rng, lines)
}

// joinLines joins lines, mostly with a newline at the end.
func joinLines(rng *rand.Rand, lines []string) string {
	text := strings.Join(lines, "\n")
	if len(lines) > 0 && rng.IntN(5) > 0 {
		text += "\n"
	}
	return text
}

func editText(rng *rand.Rand, text string) string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if text == "" {
		lines = nil
	}
	for range 1 + rng.IntN(6) {
		i := 0
		if len(lines) > 0 {
			i = rng.IntN(len(lines))
		}
		switch op := rng.IntN(5); {
		case op == 0 || len(lines) == 0: // insert a line
			lines = append(lines[:i], append([]string{randomLine(rng)}, lines[i:]...)...)
		case op == 1: // delete a line
			lines = append(lines[:i], lines[i+1:]...)
		case op == 2: // move a line
			l := lines[i]
			lines = append(lines[:i], lines[i+1:]...)
			j := rng.IntN(len(lines) + 1)
			lines = append(lines[:j], append([]string{l}, lines[j:]...)...)
		default: // edit words in a line
			words := strings.Fields(lines[i])
			w := rng.IntN(len(words))
			switch rng.IntN(3) {
			case 0:
				words[w] = vocabulary[rng.IntN(len(vocabulary))]
			case 1:
				words = append(words[:w], append([]string{vocabulary[rng.IntN(len(vocabulary))]}, words[w:]...)...)
			default:
				if len(words) > 1 {
					words = append(words[:w], words[w+1:]...)
				}
			}
			lines[i] = strings.Join(words, " ")
		}
	}
	return joinLines(rng, lines)
}

// TestComputeOutOfTime checks the degraded result: with no time left, the
// diff is still exact, only coarse.
func TestComputeOutOfTime(t *testing.T) {
	old := "# Policy\nEffective April 7, 2025\nWe collect data.\nWe share data.\n"
	new := "# Policy\nEffective May 27, 2025\nWe collect data.\nWe sell data.\n"
	r := compute(old, new, 1, time.Now().Add(-time.Second))
	checkResult(t, old, new, r)
	if !r.Degraded {
		t.Error("Degraded is false")
	}
	if r.LinesRemoved != 3 || r.LinesAdded != 3 {
		t.Errorf("lines -%d +%d, want the changed middle as one block, -3 +3", r.LinesRemoved, r.LinesAdded)
	}
	for _, h := range r.Hunks {
		for _, l := range h.Lines {
			if l.Spans != nil {
				t.Errorf("line %q paired out of time", l.Text)
			}
		}
	}
}

// TestComputeLargeRewrite checks that a change of more lines than one
// pairing matrix holds still pairs lines edited in place.
func TestComputeLargeRewrite(t *testing.T) {
	var oldLines, newLines []string
	for i := range 600 {
		line := fmt.Sprintf("Paragraph %d: Facebook collects the information you share on Facebook and keeps it for %d days.", i, i+30)
		oldLines = append(oldLines, line)
		newLines = append(newLines, strings.ReplaceAll(line, "Facebook", "Meta"))
	}
	old, new := strings.Join(oldLines, "\n")+"\n", strings.Join(newLines, "\n")+"\n"
	r := Compute(old, new, 3)
	checkResult(t, old, new, r)
	paired := 0
	for _, h := range r.Hunks {
		for _, l := range h.Lines {
			if l.Spans != nil {
				paired++
			}
		}
	}
	if paired != 1200 {
		t.Errorf("%d of 1200 changed lines paired", paired)
	}
	if r.WordsAdded != 1200 || r.WordsRemoved != 1200 {
		t.Errorf("words +%d -%d, want +1200 -1200 (two names a line)", r.WordsAdded, r.WordsRemoved)
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		line  string
		want  []string
		words int
	}{
		{"", nil, 0},
		{"Effective May 27, 2025", []string{"Effective", " ", "May", " ", "27", ",", " ", "2025"}, 4},
		{"that’s third-party data", []string{"that’s", " ", "third-party", " ", "data"}, 3},
		{"1.5 GB, 10,000 users.", []string{"1.5", " ", "GB", ",", " ", "10,000", " ", "users", "."}, 4},
		{"l’utilisateur a créé", []string{"l’utilisateur", " ", "a", " ", "créé"}, 3},
		{"“Public”  (e.g.)", []string{"“", "Public", "”", "  ", "(", "e", ".", "g", ".", ")"}, 3},
		{"trailing- 'quote'", []string{"trailing", "-", " ", "'", "quote", "'"}, 2},
		{"我们收集data", []string{"我", "们", "收", "集", "data"}, 5},
		{"naïve café", []string{"naïve", " ", "café"}, 2},
		{"invalid \xff byte", []string{"invalid", " ", "\xff", " ", "byte"}, 2},
	}
	for _, tt := range tests {
		var tk tokens
		tk.split(tt.line)
		var got []string
		for k := range tk.isWord {
			got = append(got, tk.text(k, k+1))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("tokens of %q = %q, want %q", tt.line, got, tt.want)
		}
		if n := countWords(tt.line); n != tt.words {
			t.Errorf("countWords(%q) = %d, want %d", tt.line, n, tt.words)
		}
		if n := tk.words(0, len(tk.isWord)); n != tt.words {
			t.Errorf("tokens.words of %q = %d, want %d", tt.line, n, tt.words)
		}
	}
}

// TestComputeHugeLine checks that a line too long for a word diff is
// highlighted whole, its words still counted.
func TestComputeHugeLine(t *testing.T) {
	huge := strings.Repeat("data ", maxWordTokens)
	old, new := huge+"kept\n", huge+"sold\n"
	r := Compute(old, new, 0)
	checkResult(t, old, new, r)
	want := [][]Span{{{Delete, old[:len(old)-1]}}, {{Insert, new[:len(new)-1]}}}
	if got := [][]Span{r.Hunks[0].Lines[0].Spans, r.Hunks[0].Lines[1].Spans}; !reflect.DeepEqual(got, want) {
		t.Errorf("spans of a huge line: %.80q…", got)
	}
	if r.WordsAdded != maxWordTokens+1 || r.WordsRemoved != maxWordTokens+1 {
		t.Errorf("words +%d -%d, want every word of both lines", r.WordsAdded, r.WordsRemoved)
	}
}
