package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/internal/corpustest"
	"github.com/policywatch/policywatch/monitor"
)

// TestBrowserFacebookAITrainingChange replays three steps of the real
// Facebook history through the monitor — 0471 (baseline), 0472 (a
// change) and 0473 (2025-05-28, the AI-training change, "Effective April
// 7, 2025" → "Effective May 27, 2025") — and reads the overview, the
// timeline and the change view in a real headless Chromium.
func TestBrowserFacebookAITrainingChange(t *testing.T) {
	hist := corpustest.Open(t, corpustest.Facebook)
	r := newRig(t, monitor.Watch{Name: "facebook-privacy-policy", Select: []string{"#policy"}})
	var last *monitor.Result
	for _, seq := range []int{471, 472, 473} {
		step := stepBySeq(t, hist, seq)
		body, err := step.Read()
		if err != nil {
			t.Fatal(err)
		}
		last = r.step(t, step.Date, 200, body, nil)
	}
	change := eventOf(t, last, monitor.KindChange)
	_, ts := r.server(t)
	ctx, scripts := newTab(t)

	// The overview: the watch, its status and its last change.
	open(t, ctx, scripts, ts.URL+"/")
	text := visibleText(t, ctx)
	for _, want := range []string{"facebook-privacy-policy", "critical", firstSentence(change.Summary)} {
		if !containsFolded(text, want) {
			t.Errorf("overview: visible text lacks %q:\n%s", want, text)
		}
	}
	if status := eval[string](t, ctx, `document.querySelector("tbody .status").textContent`); status != "ok" {
		t.Errorf("overview: status %q, want ok", status)
	}
	if label := eval[string](t, ctx, `document.querySelector("svg.spark").getAttribute("aria-label")`); !strings.HasSuffix(label, "(Apr 2025: 1, May 2025: 1)") {
		t.Errorf("overview: the bars of changes say %q, want one change in April 2025 and one in May", label)
	}
	// Times are shown in the reader's zone (the browser runs in New York),
	// with UTC on hover.
	shown := eval[[]string](t, ctx, `(() => { const el = document.querySelector("time[data-local]"); return [el.textContent, el.title]; })()`)
	if strings.Contains(shown[0], "UTC") || !strings.HasSuffix(shown[1], "UTC") {
		t.Errorf("a time reads %q with title %q; want the local time, and UTC in the title", shown[0], shown[1])
	}
	// And the footer says so only now that the script has run: the page
	// itself says UTC.
	if note := eval[string](t, ctx, `document.getElementById("time-note").textContent`); note != "Times are in your time zone; hover over one for UTC." {
		t.Errorf("with script, the footer says %q", note)
	}

	// The timeline: newest first, the change with its summary and dates.
	open(t, ctx, scripts, ts.URL+"/watches/facebook-privacy-policy")
	text = visibleText(t, ctx)
	if !containsFolded(text, change.Summary) {
		t.Errorf("timeline: visible text lacks the change's summary %q", change.Summary)
	}
	kinds := eval[[]string](t, ctx, `[...document.querySelectorAll("ol.events .kind")].map(e => e.textContent)`)
	if fmt.Sprint(kinds) != "[change change baseline]" {
		t.Errorf("timeline lists %v, want the two changes then the baseline, newest first", kinds)
	}
	if !containsFolded(text, "Effective date: 7 Apr 2025 → 27 May 2025") {
		t.Errorf("timeline: the effective-date change is not shown:\n%s", text)
	}
	// Filtering by kind keeps the baseline only.
	open(t, ctx, scripts, ts.URL+"/watches/facebook-privacy-policy?kind=baseline")
	if kinds := eval[[]string](t, ctx, `[...document.querySelectorAll("ol.events .kind")].map(e => e.textContent)`); fmt.Sprint(kinds) != "[baseline]" {
		t.Errorf("timeline filtered by kind=baseline lists %v", kinds)
	}

	// The change view, side by side.
	eventURL := fmt.Sprintf("%s/events/%d", ts.URL, change.ID)
	open(t, ctx, scripts, eventURL)
	if got := eval[string](t, ctx, `document.querySelector("#summary").innerText`); !containsFolded(got, change.Summary) {
		t.Errorf("change view: summary %q, want %q", got, change.Summary)
	}
	dates := eval[string](t, ctx, `document.querySelector("ul.dates").innerText`)
	if !containsFolded(dates, "Effective date: 7 Apr 2025 → 27 May 2025") {
		t.Errorf("change view: dates read %q, want the effective date 7 Apr 2025 → 27 May 2025", dates)
	}
	assertHighlighted(t, ctx, "table.diff.side", "May 27", "April 7")
	if n := eval[int](t, ctx, `document.querySelectorAll("a[rel=prev]").length`); n != 1 {
		t.Errorf("change view: %d links to the previous change, want 1", n)
	}
	if text := visibleText(t, ctx); !containsFolded(text, "AI") {
		t.Errorf("change view: nothing about AI in the analysis:\n%s", text)
	}

	// Inline.
	open(t, ctx, scripts, eventURL+"?view=inline")
	assertHighlighted(t, ctx, "table.diff.inline", "May 27", "April 7")

	// The version now current, with its permalink.
	open(t, ctx, scripts, fmt.Sprintf("%s/versions/%d", ts.URL, change.Version))
	if text := visibleText(t, ctx); !strings.Contains(text, "Effective May 27, 2025") {
		t.Errorf("version view lacks the new effective date")
	}
}

// assertHighlighted checks that the diff table shows added as an inserted
// word, highlighted (a background colour of its own), and removed as a
// deleted one.
func assertHighlighted(t *testing.T, ctx context.Context, table, added, removed string) {
	t.Helper()
	js := fmt.Sprintf(`(() => {
		const find = (sel, text) => [...document.querySelectorAll(%q + " " + sel)].find(e => e.textContent.includes(text));
		const ins = find("ins", %q), del = find("del", %q);
		const bg = e => e ? getComputedStyle(e).backgroundColor : "";
		return [ins ? ins.textContent : "", bg(ins), bg(ins.closest("td")), del ? del.textContent : ""];
	})()`, table, added, removed)
	got := eval[[]string](t, ctx, js)
	if got[0] == "" {
		t.Errorf("%s: no inserted word %q", table, added)
		return
	}
	if got[1] == got[2] || got[1] == "rgba(0, 0, 0, 0)" {
		t.Errorf("%s: inserted %q has background %s, the same as its line (%s): not highlighted", table, got[0], got[1], got[2])
	}
	if got[3] == "" {
		t.Errorf("%s: no deleted word %q", table, removed)
	}
}

func stepBySeq(t *testing.T, h *corpustest.History, seq int) corpustest.Step {
	t.Helper()
	for _, s := range h.Steps {
		if s.Seq == seq {
			return s
		}
	}
	t.Fatalf("corpus %s has no step %04d", h.Name, seq)
	return corpustest.Step{}
}

// containsFolded reports whether s contains sub, white space folded.
func containsFolded(s, sub string) bool {
	return strings.Contains(strings.Join(strings.Fields(s), " "), strings.Join(strings.Fields(sub), " "))
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
