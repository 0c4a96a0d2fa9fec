package diff

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

func readPair(t *testing.T, name string) (old, new string) {
	t.Helper()
	o, err := os.ReadFile(filepath.Join("testdata", name+".old"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := os.ReadFile(filepath.Join("testdata", name+".new"))
	if err != nil {
		t.Fatal(err)
	}
	return string(o), string(n)
}

func TestWriteUnifiedGolden(t *testing.T) {
	old, new := readPair(t, "policy")
	r := Compute(old, new, 3)
	checkResult(t, old, new, r)
	tests := []struct {
		golden string
		opt    RenderOptions
	}{
		{"policy.plain.golden", RenderOptions{OldLabel: "policy.old", NewLabel: "policy.new"}},
		{"policy.color.golden", RenderOptions{Color: true}},
		{"policy.wrap.golden", RenderOptions{Color: true, Width: 72}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var b bytes.Buffer
			if err := r.WriteUnified(&b, tt.opt); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, b.Bytes())
		})
	}
	t.Run("policy.excerpt.golden", func(t *testing.T) {
		golden(t, "policy.excerpt.golden", []byte(plainExcerpt(r.ExcerptLines(6))))
	})
}

// TestFinalNewline checks that a line is the same whether or not a line
// break ends it: policy texts are stored without a final one, and a
// paragraph appended after the last line must not show that line as
// deleted and inserted again, in the unified diff, the excerpt or the
// counts. Each case is run again with a line break at the end of the old
// text, of the new one, and of both.
func TestFinalNewline(t *testing.T) {
	// unified is the diff after its "--- a" and "+++ b" lines.
	tests := []struct {
		name, old, new        string
		added, removed, words int // lines added and removed, words changed
		unified, excerpt      string
	}{
		{"append at the end", "# Rights\nYou can object.", "# Rights\nYou can object.\nYou can delete.", 1, 0, 3, "@@ -1,2 +1,3 @@\n # Rights\n You can object.\n+You can delete.\n", "+ You can delete.\n"},
		{"remove the last line", "# Rights\nYou can object.\nYou can delete.", "# Rights\nYou can object.", 0, 1, 3, "@@ -1,3 +1,2 @@\n # Rights\n You can object.\n-You can delete.\n", "- You can delete.\n"},
		{"change the last line", "# Rights\nYou can object.", "# Rights\nYou can complain.", 1, 1, 2, "@@ -1,2 +1,2 @@\n # Rights\n-You can object.\n+You can complain.\n", "- You can object.\n+ You can complain.\n"},
		{"insert before the last line", "# Rights\nYou can object.", "# Rights\nYou can delete.\nYou can object.", 1, 0, 3, "@@ -1,2 +1,3 @@\n # Rights\n+You can delete.\n You can object.\n", "+ You can delete.\n"},
		{"only the final line break", "# Rights\nYou can object.", "# Rights\nYou can object.\n", 0, 0, 0, "", ""},
		{"first version", "", "You can object.", 1, 0, 3, "@@ -0,0 +1 @@\n+You can object.\n", "+ You can object.\n"},
	}
	ends := []struct {
		name     string
		old, new func(string) string
	}{
		{"", same, same},
		{", old ending with a line break", withNewline, same},
		{", new ending with a line break", same, withNewline},
		{", both ending with a line break", withNewline, withNewline},
	}
	for _, tt := range tests {
		for _, end := range ends {
			t.Run(tt.name+end.name, func(t *testing.T) {
				testFinalNewline(t, end.old(tt.old), end.new(tt.new), tt.added, tt.removed, tt.words, tt.unified, tt.excerpt)
			})
		}
	}
}

func same(s string) string { return s }

func testFinalNewline(t *testing.T, old, new string, added, removed, words int, unified, excerpt string) {
	r := Compute(old, new, 3)
	checkResult(t, old, new, r)
	if r.LinesAdded != added || r.LinesRemoved != removed || r.WordsAdded+r.WordsRemoved != words {
		t.Errorf("lines +%d -%d, words %d; want +%d -%d, %d",
			r.LinesAdded, r.LinesRemoved, r.WordsAdded+r.WordsRemoved, added, removed, words)
	}
	var b bytes.Buffer
	if err := r.WriteUnified(&b, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if unified != "" {
		unified = "--- a\n+++ b\n" + unified
	}
	if b.String() != unified {
		t.Errorf("unified diff\n%s\nwant\n%s", b.String(), unified)
	}
	if got := plainExcerpt(r.ExcerptLines(0)); got != excerpt {
		t.Errorf("excerpt\n%s\nwant\n%s", got, excerpt)
	}
}

// TestHostileControlCharacters checks that an escape sequence in a scraped
// text reaches neither a terminal nor an excerpt, yet stays in a patch.
func TestHostileControlCharacters(t *testing.T) {
	const osc = "\x1b]52;c;ZWNobyBwd25lZA==\x07" // OSC 52: write the clipboard
	old, new := "Effective April 7, 2025\n", "Effective May 27, 2025"+osc+"\x9b31m\n"
	r := Compute(old, new, 0)
	for _, opt := range []RenderOptions{{Color: true}, {Width: 80}, {Color: true, Width: 80, NewLabel: "new" + osc}} {
		var b bytes.Buffer
		if err := r.WriteUnified(&b, opt); err != nil {
			t.Fatal(err)
		}
		rest := ansi.ReplaceAllString(b.String(), "")
		if strings.ContainsAny(rest, "\x1b\x07\u009b") {
			t.Errorf("%+v: control characters written: %q", opt, b.String())
		}
		if !strings.Contains(rest, "27, 2025\ufffd]52;c;ZWNobyBwd25lZA==\ufffd\ufffd31m") {
			t.Errorf("%+v: the text around the escape is lost: %q", opt, rest)
		}
	}
	var b bytes.Buffer
	if err := r.WriteUnified(&b, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), osc) {
		t.Errorf("plain output, for patch, changed the text: %q", b.String())
	}
	if e := plainExcerpt(r.ExcerptLines(0)); strings.ContainsAny(e, "\x1b\x07\u009b") {
		t.Errorf("excerpt has control characters: %q", e)
	}
}

func TestWriteUnifiedEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := Compute("same\n", "same\n", 3).WriteUnified(&b, RenderOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 0 {
		t.Errorf("an empty diff wrote %q", b.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errBroken }

var errBroken = errors.New("broken pipe")

func TestWriteUnifiedError(t *testing.T) {
	err := Compute("a\n", "b\n", 3).WriteUnified(failingWriter{}, RenderOptions{})
	if !errors.Is(err, errBroken) {
		t.Errorf("error %v, want one wrapping %v", err, errBroken)
	}
}

// TestWriteUnifiedPatch feeds the plain output to patch(1) and checks that
// it turns the old text into the new one: the fixtures, edge cases and
// random edits.
func TestWriteUnifiedPatch(t *testing.T) {
	patch, err := exec.LookPath("patch")
	if err != nil {
		t.Skip("patch(1) not installed")
	}
	type pair struct{ name, old, new string }
	old, new := readPair(t, "policy")
	pairs := []pair{
		{"policy", old, new},
		{"baseline", "", new},
		{"everything deleted", old, ""},
		{"newline added at the end", "one\ntwo", "one\ntwo\n"},
		{"newline removed at the end", "one\ntwo\n", "one\ntwo"},
		{"no newline either side", "one\ntwo", "one\nthree"},
		{"no newline, last line kept", "one\ntwo", "zero\none\ntwo"},
	}
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(2, seed))
		o := randomText(rng)
		pairs = append(pairs, pair{"random", o, editText(rng, o)})
	}
	for _, p := range pairs {
		for _, context := range []int{0, 3} {
			var b bytes.Buffer
			if err := Compute(p.old, p.new, context).WriteUnified(&b, RenderOptions{OldLabel: "old.txt", NewLabel: "new.txt"}); err != nil {
				t.Fatal(err)
			}
			got, err := applyPatch(t, patch, withNewline(p.old), b.Bytes())
			if err != nil {
				t.Errorf("%s, context %d: %v\ndiff:\n%s", p.name, context, err, b.String())
				continue
			}
			if got != withNewline(p.new) {
				t.Errorf("%s, context %d: patch gives\n%q\nwant\n%q\ndiff:\n%s", p.name, context, got, p.new, b.String())
			}
		}
	}
}

// applyPatch runs patch(1), found at path patch, to apply diff to old, and
// returns what it writes.
func applyPatch(t *testing.T, patch, old string, diff []byte) (string, error) {
	t.Helper()
	dir := t.TempDir()
	oldPath, diffPath, outPath := filepath.Join(dir, "old.txt"), filepath.Join(dir, "diff.patch"), filepath.Join(dir, "out.txt")
	if err := os.WriteFile(oldPath, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(diffPath, diff, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(patch, "--batch", "--silent", "--fuzz=0", "--no-backup-if-mismatch", "--output="+outPath, "--input="+diffPath, oldPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("patch: %v\n%s", err, out)
	}
	got, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(got), nil
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestWriteUnifiedWrap checks that wrapped rows fit the width, carry their
// line's marker, and together hold the line's words.
func TestWriteUnifiedWrap(t *testing.T) {
	long := strings.Repeat("données personnelles ", 12) + strings.Repeat("x", 50) + " 我们收集您的数据我们收集您的数据我们收集您的数据"
	old := "short line\n" + long + "\n"
	new := "short line\n" + strings.Replace(long, "personnelles", "sensibles", 3) + "\n"
	r := Compute(old, new, 1)
	for _, width := range []int{20, 33, 80} {
		for _, color := range []bool{false, true} {
			var b bytes.Buffer
			if err := r.WriteUnified(&b, RenderOptions{Width: width, Color: color}); err != nil {
				t.Fatal(err)
			}
			rows := strings.Split(strings.TrimSuffix(ansi.ReplaceAllString(b.String(), ""), "\n"), "\n")
			joined := map[byte]string{}
			for _, row := range rows[3:] { // after the headers
				if w := textWidth(row); w > width {
					t.Errorf("width %d: row %q is %d columns", width, row, w)
				}
				joined[row[0]] += row[1:]
			}
			strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if got, want := strip(joined['-']), strip(long); got != want {
				t.Errorf("width %d: deleted rows hold %q, want %q", width, got, want)
			}
			if got, want := strip(joined['+']), strip(strings.Replace(long, "personnelles", "sensibles", 3)); got != want {
				t.Errorf("width %d: inserted rows hold %q, want %q", width, got, want)
			}
			if got := strip(joined[' ']); got != "shortline" {
				t.Errorf("width %d: context rows hold %q", width, got)
			}
			if color && !strings.Contains(b.String(), ansiHighlight+"sensibles"+ansiNoHigh) {
				t.Errorf("width %d: no highlighted change in\n%s", width, b.String())
			}
		}
	}
}

func TestExcerptLinesText(t *testing.T) {
	head, tail := longLineHead, longLineTail
	tests := []struct {
		name     string
		old, new string
		maxLines int
		want     string
	}{
		{
			name: "short lines whole",
			old:  "# Policy\nEffective April 7, 2025\n",
			new:  "# Policy\nEffective May 27, 2025\n",
			want: "- Effective April 7, 2025\n+ Effective May 27, 2025\n",
		},
		{
			name: "long line around the change",
			old:  head + "We share it with partners." + tail + "\n",
			new:  head + "We sell it to partners." + tail + "\n",
			want: "- …to provide our Products. We share it with partners. You can learn more in the…\n" +
				"+ …to provide our Products. We sell it to partners. You can learn more in the…\n",
		},
		{
			name: "inserted words located on the old side",
			old:  head + "We keep it safe." + tail + "\n",
			new:  head + "We keep it safe and train AI with it." + tail + "\n",
			want: "- …provide our Products. We keep it safe. You can learn more in the Privacy…\n" +
				"+ …provide our Products. We keep it safe and train AI with it. You can learn more in the Privacy…\n",
		},
		{
			name:     "unpaired long line cut at a word",
			old:      "# Policy\n",
			new:      "# Policy\n" + strings.TrimSpace(tail) + "\n",
			maxLines: 1,
			want:     "+ You can learn more in the Privacy Center at any time. You can learn more in the Privacy Center at any time. You can learn more in the Privacy Center at any…\n",
		},
		{
			name:     "more lines than asked",
			old:      "a\nb\nc\nd\n",
			new:      "w\nx\ny\nz\n",
			maxLines: 3,
			want:     "- a\n- b\n- c\n… 5 more changed lines\n",
		},
		{
			name: "nothing changed",
			old:  "same\n",
			new:  "same\n",
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := plainExcerpt(Compute(tt.old, tt.new, 3).ExcerptLines(tt.maxLines))
			if got != tt.want {
				t.Errorf("ExcerptLines(%d) =\n%s\nwant\n%s", tt.maxLines, got, tt.want)
			}
			for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
				if n := utf8.RuneCountInString(line); n > excerptWidth+2+3*utf8.RuneLen('…') {
					t.Errorf("excerpt line of %d runes: %q", n, line)
				}
			}
		})
	}
}
