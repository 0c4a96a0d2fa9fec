package diff

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// linePrefix is what opens an excerpt line written as plain text: the
// sign of a changed line, nothing for the count of lines left out.
func linePrefix(op Op) string {
	switch op {
	case Delete:
		return "- "
	case Insert:
		return "+ "
	}
	return ""
}

// plainExcerpt writes lines as plain text, one a line after its sign: the
// form the golden file and the expected excerpts are written in.
func plainExcerpt(lines []ExcerptLine) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(linePrefix(l.Op) + l.Text() + "\n")
	}
	return b.String()
}

// showPieces writes an excerpt line as plainExcerpt does, its changed
// pieces between ⟦ and ⟧.
func showPieces(l ExcerptLine) string {
	var b strings.Builder
	b.WriteString(linePrefix(l.Op))
	for _, p := range l.Pieces {
		if p.Changed {
			b.WriteString("⟦" + p.Text + "⟧")
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// longLineHead and longLineTail surround a change in a line too long for
// an excerpt, which keeps only the words around the change.
var (
	longLineHead = strings.Repeat("We explain how we use information to provide our Products. ", 6)
	longLineTail = strings.Repeat(" You can learn more in the Privacy Center at any time.", 6)
)

func TestExcerptLinesPieces(t *testing.T) {
	head, tail := longLineHead, longLineTail
	tests := []struct {
		name     string
		old, new string
		maxLines int
		want     []string
	}{
		{
			name: "only the changed word",
			old:  "# Policy\nEffective 14 July 2026\n",
			new:  "# Policy\nEffective 1 July 2026\n",
			want: []string{"- Effective ⟦14⟧ July 2026", "+ Effective ⟦1⟧ July 2026"},
		},
		{
			name: "long line around the change",
			old:  head + "We share it with partners." + tail + "\n",
			new:  head + "We sell it to partners." + tail + "\n",
			want: []string{
				"- …to provide our Products. We ⟦share⟧ it ⟦with⟧ partners. You can learn more in the…",
				"+ …to provide our Products. We ⟦sell⟧ it ⟦to⟧ partners. You can learn more in the…",
			},
		},
		{
			name: "inserted words: nothing marked on the old side",
			old:  head + "We keep it safe." + tail + "\n",
			new:  head + "We keep it safe and train AI with it." + tail + "\n",
			want: []string{
				"- …provide our Products. We keep it safe. You can learn more in the Privacy…",
				"+ …provide our Products. We keep it safe⟦ and train AI with it⟧. You can learn more in the Privacy…",
			},
		},
		{
			name:     "unpaired line: nothing marked",
			old:      "# Policy\n",
			new:      "# Policy\nA new paragraph.\n",
			maxLines: 1,
			want:     []string{"+ A new paragraph."},
		},
		{
			name:     "the count of lines left out",
			old:      "a\nb\nc\nd\n",
			new:      "w\nx\ny\nz\n",
			maxLines: 3,
			want:     []string{"- a", "- b", "- c", "… 5 more changed lines"},
		},
		{
			name: "control characters of a changed word replaced",
			old:  "Effective 14 July 2026\n",
			new:  "Effective 1\x1b[31m July 2026\n",
			want: []string{"- Effective ⟦14⟧ July 2026", "+ Effective ⟦1\uFFFD[31m⟧ July 2026"},
		},
		{
			name: "nothing changed",
			old:  "same\n",
			new:  "same\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Compute(tt.old, tt.new, 3)
			lines := r.ExcerptLines(tt.maxLines)
			var got []string
			for _, l := range lines {
				got = append(got, showPieces(l))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("ExcerptLines(%d) =\n%s\nwant\n%s", tt.maxLines, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			checkExcerptLines(t, r, tt.maxLines)
		})
	}
}

// TestExcerptLinesHold: on the policy pair of the golden files and on
// generated edits (long lines, control characters, invalid UTF-8), the
// lines in pieces are as documented, whatever maxLines.
func TestExcerptLinesHold(t *testing.T) {
	old, new := readPair(t, "policy")
	results := []*Result{Compute(old, new, 3)}
	words := []string{"we", "collect", "your", "data", "14", "July", "AI", "\x01", "\u009b", "\xff", "é", "漢字", "\u202e", "\t", ",", "…"}
	for seed := range 200 {
		var o, n []string
		for k := range 4 {
			var a, b []string
			for w := range (seed*7+k*13)%90 + 1 {
				word := words[(seed+w*w+k)%len(words)]
				a = append(a, word)
				if (seed+w+k)%6 == 0 {
					word = words[(seed*3+w)%len(words)]
				}
				b = append(b, word)
			}
			o, n = append(o, strings.Join(a, " ")), append(n, strings.Join(b, " "))
		}
		results = append(results, Compute(strings.Join(o, "\n"), strings.Join(n, "\n"), 0))
	}
	changed := 0
	for _, r := range results {
		for _, maxLines := range []int{0, 1, 3} {
			checkExcerptLines(t, r, maxLines)
			for _, l := range r.ExcerptLines(maxLines) {
				for _, p := range l.Pieces {
					if p.Changed {
						changed++
					}
				}
			}
		}
	}
	if changed == 0 {
		t.Error("no changed piece in any excerpt: the edits were not paired")
	}
}

// checkExcerptLines checks that the lines of r in pieces are as
// documented, and that with maxLines they are the first lines of all of
// them, followed by the count of those left out.
func checkExcerptLines(t *testing.T, r *Result, maxLines int) {
	t.Helper()
	lines := r.ExcerptLines(maxLines)
	for i, l := range lines {
		if l.Op == Equal && i != len(lines)-1 {
			t.Errorf("line %d of %d is not a changed line", i, len(lines))
		}
		if len(l.Pieces) == 0 {
			t.Errorf("line %d has no pieces", i)
		}
		for k, p := range l.Pieces {
			switch {
			case p.Text == "":
				t.Errorf("line %d: empty piece %d", i, k)
			case k > 0 && l.Pieces[k-1].Changed == p.Changed:
				t.Errorf("line %d: pieces %d and %d both changed=%v", i, k-1, k, p.Changed)
			case p.Changed && l.Op == Equal:
				t.Errorf("line %d: changed piece %q on the count of lines left out", i, p.Text)
			case hasControl(p.Text):
				t.Errorf("line %d: piece %q keeps control characters", i, p.Text)
			}
		}
	}
	all := r.ExcerptLines(0)
	if maxLines <= 0 || len(all) <= maxLines {
		if !slices.EqualFunc(lines, all, equalLines) {
			t.Errorf("ExcerptLines(%d) =\n%s\nExcerptLines(0) =\n%s", maxLines, plainExcerpt(lines), plainExcerpt(all))
		}
		return
	}
	if len(lines) != maxLines+1 || !slices.EqualFunc(lines[:maxLines], all[:maxLines], equalLines) {
		t.Errorf("ExcerptLines(%d) =\n%s\nwant the first %d of\n%s", maxLines, plainExcerpt(lines), maxLines, plainExcerpt(all))
		return
	}
	if got, want := lines[maxLines].Text(), "… "+strconv.Itoa(len(all)-maxLines)+" more changed line"; !strings.HasPrefix(got, want) {
		t.Errorf("ExcerptLines(%d) ends with %q, want %q", maxLines, got, want)
	}
}

func equalLines(a, b ExcerptLine) bool { return a.Op == b.Op && slices.Equal(a.Pieces, b.Pieces) }
