package diff

import (
	"bytes"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/policywatch/policywatch/internal/corpustest"
)

// readableText is a throwaway stand-in for monitor/extract, for these tests
// only: the text of each block element on its own line, white space folded,
// scripts, styles and the head left out.
func readableText(tb testing.TB, page []byte) string {
	tb.Helper()
	z := html.NewTokenizer(bytes.NewReader(page))
	var text, line strings.Builder
	endLine := func() {
		if l := strings.Join(strings.Fields(line.String()), " "); l != "" {
			text.WriteString(l)
			text.WriteByte('\n')
		}
		line.Reset()
	}
	skip := 0 // depth inside head, script, style
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				tb.Fatalf("tokenizing: %v", z.Err())
			}
			endLine()
			return text.String()
		case html.TextToken:
			if skip == 0 {
				line.Write(z.Text())
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "head", "script", "style":
				if z.Token().Type == html.StartTagToken {
					skip++
				} else {
					skip--
				}
			case "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "br", "section":
				endLine()
			case "td", "th":
				line.WriteString(" | ")
			}
		}
	}
}

// stepText returns the readable text of the step with this seq.
func stepText(tb testing.TB, h *corpustest.History, seq int) string {
	tb.Helper()
	for _, s := range h.Steps {
		if s.Seq == seq {
			page, err := s.Read()
			if err != nil {
				tb.Fatal(err)
			}
			return readableText(tb, page)
		}
	}
	tb.Fatalf("no step %d in %s", seq, h.Name)
	return ""
}

// TestCorpusConsecutiveVersions diffs every version of the Facebook policy
// with the one before: the diff applies, and one real change apart the
// counts are those of an edit, not a rewrite.
func TestCorpusConsecutiveVersions(t *testing.T) {
	h := corpustest.Open(t, corpustest.Facebook)
	var prev string
	prevSeq := -1
	for _, s := range h.Steps {
		if s.Label != "first" && s.Label != "new" && s.Label != "revert" {
			continue
		}
		page, err := s.Read()
		if err != nil {
			t.Fatal(err)
		}
		text := readableText(t, page)
		if prevSeq >= 0 {
			r := Compute(prev, text, 3)
			t.Run(filepath.Base(s.Path), func(t *testing.T) {
				checkResult(t, prev, text, r)
				if r.Empty() || r.Degraded {
					t.Errorf("%d → %d: Empty %v, Degraded %v", prevSeq, s.Seq, r.Empty(), r.Degraded)
				}
				t.Logf("%04d → %04d: lines +%d -%d, words +%d -%d, %d hunks", prevSeq, s.Seq,
					r.LinesAdded, r.LinesRemoved, r.WordsAdded, r.WordsRemoved, len(r.Hunks))
			})
		}
		prev, prevSeq = text, s.Seq
	}
}

// TestCorpusAIChange looks at the change of 2025-05-28 (step 472 → 473):
// the effective date moved and the AI paragraphs came in. The change is a
// few lines of a 1,500-line policy, and its excerpt shows the new date.
func TestCorpusAIChange(t *testing.T) {
	h := corpustest.Open(t, corpustest.Facebook)
	old, new := stepText(t, h, 472), stepText(t, h, 473)
	r := Compute(old, new, 3)
	checkResult(t, old, new, r)

	lines := strings.Count(new, "\n")
	if r.LinesAdded == 0 || r.LinesAdded > lines/10 || r.LinesRemoved > lines/10 {
		t.Errorf("lines +%d -%d of %d: not an edit", r.LinesAdded, r.LinesRemoved, lines)
	}
	words := len(strings.Fields(new))
	if r.WordsAdded == 0 || r.WordsAdded > words/10 || r.WordsRemoved > words/10 {
		t.Errorf("words +%d -%d of %d: not an edit", r.WordsAdded, r.WordsRemoved, words)
	}
	var dateRemoved, dateAdded bool
	for _, hk := range r.Hunks {
		for _, l := range hk.Lines {
			for _, s := range l.Spans {
				dateRemoved = dateRemoved || (s.Op == Delete && strings.Contains(s.Text, "April 7"))
				dateAdded = dateAdded || (s.Op == Insert && strings.Contains(s.Text, "May 27"))
			}
		}
	}
	if !dateRemoved || !dateAdded {
		t.Errorf("the effective date change is not a word change (removed %v, added %v)", dateRemoved, dateAdded)
	}
	excerpt := plainExcerpt(r.ExcerptLines(10))
	if !strings.Contains(excerpt, "- Effective April 7, 2025\n+ Effective May 27, 2025\n") {
		t.Errorf("excerpt lacks the date change:\n%s", excerpt)
	}
	t.Logf("lines +%d -%d, words +%d -%d\n%s", r.LinesAdded, r.LinesRemoved, r.WordsAdded, r.WordsRemoved, excerpt)

	if patch, err := exec.LookPath("patch"); err == nil {
		var b bytes.Buffer
		if err := r.WriteUnified(&b, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := applyPatch(t, patch, withNewline(old), b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if got != withNewline(new) {
			t.Error("patch does not reproduce step 473")
		}
	}
}

// BenchmarkCompute diffs two full versions of the Facebook policy one real
// change apart (the AI change of 2025-05-28).
func BenchmarkCompute(b *testing.B) {
	h := corpustest.Open(b, corpustest.Facebook)
	old, new := stepText(b, h, 472), stepText(b, h, 473)
	b.SetBytes(int64(len(old) + len(new)))
	b.ReportAllocs()
	for b.Loop() {
		Compute(old, new, 3)
	}
}

// BenchmarkWriteUnified renders that diff, coloured.
func BenchmarkWriteUnified(b *testing.B) {
	h := corpustest.Open(b, corpustest.Facebook)
	r := Compute(stepText(b, h, 472), stepText(b, h, 473), 3)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.WriteUnified(io.Discard, RenderOptions{Color: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComputeRestructure diffs the largest change of the history
// (2025-12-17, step 486 → 487: over a thousand lines in and out), where
// pairing and word diffs do most work.
func BenchmarkComputeRestructure(b *testing.B) {
	h := corpustest.Open(b, corpustest.Facebook)
	old, new := stepText(b, h, 486), stepText(b, h, 487)
	b.SetBytes(int64(len(old) + len(new)))
	b.ReportAllocs()
	for b.Loop() {
		Compute(old, new, 3)
	}
}
