package web

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/diff"
)

func TestSideBySidePairsChangedLines(t *testing.T) {
	oldText := "intro\nEffective April 7, 2025\nkept\nremoved paragraph\nend\n"
	newText := "intro\nEffective May 27, 2025\nkept\nadded one\nadded two\nend\n"
	d := diff.Compute(oldText, newText, 1)
	v := newDiffView(d, true, maxDiffLines)
	var rows []string
	for _, h := range v.Hunks {
		for _, r := range h.Rows {
			rows = append(rows, side(r.Left, false)+" | "+side(r.Right, true))
		}
	}
	want := []string{
		"1 intro | 1 intro",
		"2 del:Effective [del:April 7], 2025 | 2 ins:Effective [ins:May 27], 2025",
		"3 kept | 3 kept",
		"4 del:removed paragraph | 4 ins:added one",
		"- | 5 ins:added two",
		"5 end | 6 end",
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// side writes one side of a row: its line number, mark and spans.
func side(l *lineView, right bool) string {
	if l == nil {
		return "-"
	}
	no := l.OldNo
	if right {
		no = l.NewNo
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d ", no)
	if l.Mark != "" {
		b.WriteString(l.Mark + ":")
	}
	for _, s := range l.Spans {
		if s.Mark != "" {
			fmt.Fprintf(&b, "[%s:%s]", s.Mark, s.Text)
		} else {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func TestDiffViewCountsSkippedLines(t *testing.T) {
	var oldLines, newLines []string
	for i := 1; i <= 30; i++ {
		oldLines = append(oldLines, fmt.Sprintf("line %d", i))
		newLines = append(newLines, fmt.Sprintf("line %d", i))
	}
	newLines[9], newLines[24] = "line ten", "line twenty-five"
	d := diff.Compute(strings.Join(oldLines, "\n")+"\n", strings.Join(newLines, "\n")+"\n", 2)
	v := newDiffView(d, false, maxDiffLines)
	if len(v.Hunks) != 2 {
		t.Fatalf("%d hunks, want 2", len(v.Hunks))
	}
	// Hunk 1 shows lines 8–12, hunk 2 lines 23–27.
	if v.Hunks[0].Skipped != 7 || v.Hunks[1].Skipped != 10 {
		t.Errorf("skipped %d and %d lines, want 7 and 10", v.Hunks[0].Skipped, v.Hunks[1].Skipped)
	}
	if h := v.Hunks[0].Header; h != "Old lines 8–12 · new lines 8–12" {
		t.Errorf("header %q", h)
	}
}

func TestReadableBlocks(t *testing.T) {
	text := "# Title\nIntro.\n- one\n- two\n## Sub\n#hashtag, not a heading\nA | B\n- three\n####### deep\n"
	got := readableBlocks(text)
	want := []block{
		{Heading: 2, Text: "Title"},
		{Text: "Intro."},
		{Items: []string{"one", "two"}},
		{Heading: 3, Text: "Sub"},
		{Text: "#hashtag, not a heading"},
		{Text: "A | B"},
		{Items: []string{"three"}},
		{Heading: 6, Text: "deep"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("readableBlocks:\n%+v\nwant\n%+v", got, want)
	}
}

func TestSpark(t *testing.T) {
	now := time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)
	start := sparkStart(now)
	if want := time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC); !start.Equal(want) {
		t.Fatalf("sparkStart = %s, want %s", start, want)
	}
	times := []time.Time{
		time.Date(2023, 6, 30, 23, 0, 0, 0, time.UTC), // before the window
		time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 5, 2, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 5, 28, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 6, 14, 0, 0, 0, 0, time.UTC),
	}
	counts := monthlyCounts(times, start)
	if counts[0] != 1 || counts[22] != 2 || counts[23] != 1 {
		t.Errorf("counts %v", counts)
	}
	// Scaled for an overview whose busiest month has 10 changes: May's
	// bar is 2/10 of the height, July 2023's the minimum.
	sp := newSpark(counts, start, 10)
	if sp.Total != 4 {
		t.Errorf("total %d, want 4", sp.Total)
	}
	step := sparkBarWidth + sparkBarGap
	wantPath := fmt.Sprintf("M0 %dh4v%dh-4zM%d %dh4v%dh-4zM%d %dh4v%dh-4z",
		sparkHeight-sparkMinHeight, sparkMinHeight,
		22*step, sparkHeight-sparkHeight*2/10, sparkHeight*2/10,
		23*step, sparkHeight-sparkMinHeight, sparkMinHeight)
	if sp.Path != wantPath {
		t.Errorf("path %q, want %q", sp.Path, wantPath)
	}
	if want := "4 changes since July 2023 (Jul 2023: 1, May 2025: 2, Jun 2025: 1)"; sp.Label != want {
		t.Errorf("label %q, want %q", sp.Label, want)
	}
}

func TestListenIsLoopback(t *testing.T) {
	for listen, want := range map[string]bool{
		"127.0.0.1:8080": true, "127.1.2.3:80": true, "[::1]:8080": true, "localhost:0": true, "LOCALHOST:1": true,
		"0.0.0.0:8080": false, ":8080": false, "[::]:80": false, "10.0.0.1:80": false, "example.org:80": false,
		"[::ffff:127.0.0.1]:80": true,
	} {
		got, err := ListenIsLoopback(listen)
		if err != nil || got != want {
			t.Errorf("ListenIsLoopback(%q) = %v, %v; want %v", listen, got, err, want)
		}
	}
	for _, bad := range []string{"", "8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:-1"} {
		if _, err := ListenIsLoopback(bad); err == nil {
			t.Errorf("ListenIsLoopback(%q) accepted", bad)
		}
	}
}

// TestShortTitle: a title is cut to maxTitle characters, ellipsis
// included, at a space when one leaves most of it, never inside a
// character, and without the punctuation the cut leaves dangling.
func TestShortTitle(t *testing.T) {
	words := strings.Repeat("Datenschutzrichtlinie, ", 10) // 230 characters
	for _, tt := range []struct{ in, want string }{
		{"Privacy Policy", "Privacy Policy"},
		{strings.Repeat("é", maxTitle), strings.Repeat("é", maxTitle)},
		{strings.Repeat("é", maxTitle+1), strings.Repeat("é", maxTitle-1) + "…"},
		{words, strings.TrimSuffix(strings.Repeat("Datenschutzrichtlinie, ", 5), ", ") + "…"},
		// A space in the first half only: a cut there would lose most.
		{"Datenschutz " + strings.Repeat("x", 200), "Datenschutz " + strings.Repeat("x", maxTitle-13) + "…"},
	} {
		got := shortTitle(tt.in)
		if got != tt.want {
			t.Errorf("shortTitle(%.40q…) = %q, want %q", tt.in, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n > maxTitle || !utf8.ValidString(got) {
			t.Errorf("shortTitle(%.40q…): %d characters, valid UTF-8 %v", tt.in, n, utf8.ValidString(got))
		}
	}
}

// TestEventKindMenuHasEveryKind: the timeline's menu lists every kind of
// event there is, once, in its own order.
func TestEventKindMenuHasEveryKind(t *testing.T) {
	got := slices.Clone(eventKinds)
	want := slices.Clone(monitor.EventKinds)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("menu kinds %v, want those of monitor.EventKinds %v", eventKinds, monitor.EventKinds)
	}
}

// TestDiffViewIsCut: past maxLines the view stops, in a hunk if need be,
// and says how many changed lines it leaves out.
func TestDiffViewIsCut(t *testing.T) {
	var oldLines, newLines []string
	for i := 1; i <= 30; i++ {
		oldLines = append(oldLines, fmt.Sprintf("line %d", i))
		newLines = append(newLines, fmt.Sprintf("line %d", i))
	}
	newLines[9], newLines[24], newLines[27] = "line ten", "line twenty-five", "line twenty-eight"
	// Hunk 1: lines 8, 9, −10, +10, 11, 12; hunk 2: 23, 24, −25, +25, 26,
	// 27, −28, +28, 29, 30.
	d := diff.Compute(strings.Join(oldLines, "\n")+"\n", strings.Join(newLines, "\n")+"\n", 2)
	if len(d.Hunks) != 2 || len(d.Hunks[0].Lines) != 6 || len(d.Hunks[1].Lines) != 10 {
		t.Fatalf("hunks %+v, want 2 of 6 and 10 lines", d.Hunks)
	}
	for _, tc := range []struct {
		maxLines, hunks, shown, notShown int
		cut                              bool
		header                           string // of the last hunk shown: the lines it shows
	}{
		{maxLines: 100, hunks: 2, shown: 16, header: "Old lines 23–30 · new lines 23–30"},
		{maxLines: 16, hunks: 2, shown: 16, header: "Old lines 23–30 · new lines 23–30"},
		{maxLines: 14, hunks: 2, shown: 14, cut: true, header: "Old lines 23–28 · new lines 23–28"},            // 29 and 30 left out: unchanged
		{maxLines: 8, hunks: 2, shown: 8, notShown: 4, cut: true, header: "Old lines 23–24 · new lines 23–24"}, // hunk 2's first two lines
		{maxLines: 6, hunks: 1, shown: 6, notShown: 4, cut: true, header: "Old lines 8–12 · new lines 8–12"},   // hunk 1 whole
		{maxLines: 3, hunks: 1, shown: 3, notShown: 5, cut: true, header: "Old lines 8–10 · new lines 8–9"},    // 8, 9, −10: +10 left out, and hunk 2
	} {
		for _, side := range []bool{false, true} {
			v := newDiffView(d, side, tc.maxLines)
			shown := 0
			for _, h := range v.Hunks {
				if side {
					for _, r := range h.Rows {
						if r.Left != nil && r.Right != nil && r.Left != r.Right {
							shown += 2
						} else {
							shown++
						}
					}
				} else {
					shown += len(h.Lines)
				}
			}
			if h := v.Hunks[len(v.Hunks)-1].Header; h != tc.header {
				t.Errorf("at most %d lines (side %v): the last hunk's caption says %q, want %q: the lines it shows", tc.maxLines, side, h, tc.header)
			}
			if len(v.Hunks) != tc.hunks || v.Shown != tc.shown || shown != tc.shown || v.NotShown != tc.notShown || v.Cut != tc.cut {
				t.Errorf("at most %d lines (side %v): %d hunks, %d lines shown (Shown %d), %d not shown, cut %v; want %d, %d, %d, %v",
					tc.maxLines, side, len(v.Hunks), shown, v.Shown, v.NotShown, v.Cut, tc.hunks, tc.shown, tc.notShown, tc.cut)
			}
		}
	}
}
