package notify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
)

// TestStartOfAITrainingNamedAsInTheSummary: the day AI training starts is
// "AI training starts" in alerts, digests and the feed, as the summary
// above it says, once the change is stored and read back; it was "Use
// starts" beside "AI training starts none → 27 May 2026." The start of
// another use, and a start stored before the analysis kept what starts,
// read "Use starts" as before.
func TestStartOfAITrainingNamedAsInTheSummary(t *testing.T) {
	asOf := time.Date(2026, 5, 20, 8, 0, 0, 0, time.UTC)
	s := &Service{taxonomy: analyze.DefaultTaxonomy()}
	// The change as a check finds it, stored as JSON and read back.
	tx := analyze.DefaultTaxonomy()
	const base = "# Privacy Policy\nWe use your public posts to train our AI models.\nYou have the right to object to this use of your information.\n"
	found := analyze.Compare(tx.FactSheet(base, "en", nil),
		tx.FactSheet(base+"Starting 27 May 2026, we will use your public posts and photos to train our AI models.\n", "en", nil))
	if !strings.HasPrefix(found.Summary, "AI training starts none → 27 May 2026.") {
		t.Fatalf("summary %q", found.Summary)
	}
	stored, err := json.Marshal(found)
	if err != nil {
		t.Fatal(err)
	}
	var checked analyze.Analysis
	if err := json.Unmarshal(stored, &checked); err != nil {
		t.Fatal(err)
	}
	start := func(use string) *analyze.Analysis {
		return &analyze.Analysis{Dates: []analyze.DateChange{{Role: analyze.RoleStart, New: "2026-05-27", Quote: "from then", Use: use}}}
	}
	var older analyze.Analysis // stored before what starts was kept
	if err := json.Unmarshal([]byte(`{"dates":[{"role":"start","old":null,"new":"2026-05-27","quote":"from then"}]}`), &older); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		analysis *analyze.Analysis
		want     string // the role of the date's row
	}{
		{"checked", &checked, "AI training starts"},
		{"AI training", start("ai_training"), "AI training starts"},
		{"advertising", start("advertising"), "Use starts"},
		{"none named", start(""), "Use starts"},
		{"stored before", &older, "Use starts"},
	}
	for _, tt := range tests {
		for _, msg := range []struct {
			kind   string
			detail detail
			asOf   time.Time
			note   string
		}{
			{"alert", alertDetail, asOf, " (in 7 days)"},
			{"digest", digestDetail, asOf, " (in 7 days)"},
			{"feed", feedDetail, time.Time{}, ""},
		} {
			e := &monitor.Event{Kind: monitor.KindChange, Severity: monitor.SeverityCritical, Time: asOf.Add(-time.Hour), Analysis: tt.analysis}
			v, err := s.changeView(context.Background(), e, msg.detail, msg.asOf)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Dates) != 1 || v.Dates[0].Role != tt.want {
				t.Errorf("%s, %s: dates %+v, want the role %q", tt.name, msg.kind, v.Dates, tt.want)
				continue
			}
			text, html := renderChange(t, v)
			if line := "\n  * " + tt.want + ": none → 27 May 2026" + msg.note + "\n"; !strings.Contains(text, line) {
				t.Errorf("%s, %s: text part:\n%s\nwant the line %q", tt.name, msg.kind, text, line)
			}
			if item := "<li>" + tt.want + ": none &rarr; <strong>27 May 2026</strong>" + msg.note; !strings.Contains(html, item) {
				t.Errorf("%s, %s: HTML part:\n%s\nwant %s", tt.name, msg.kind, html, item)
			}
		}
	}
}
