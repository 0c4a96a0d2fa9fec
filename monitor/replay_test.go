package monitor_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/corpustest"
	"github.com/policywatch/policywatch/internal/replaytest"
	"github.com/policywatch/policywatch/monitor"
)

// expectedKinds maps a corpus label to the event kinds a check must give.
func expectedKinds(label string) []monitor.EventKind {
	switch label {
	case "first":
		return []monitor.EventKind{monitor.KindBaseline}
	case "new":
		return []monitor.EventKind{monitor.KindChange}
	case "revert":
		return []monitor.EventKind{monitor.KindRevert}
	case "degraded":
		return nil // checked separately: an anomaly episode
	}
	return []monitor.EventKind{}
}

func kindsOf(events []monitor.Event) []monitor.EventKind {
	out := []monitor.EventKind{}
	for _, e := range events {
		out = append(out, e.Kind)
	}
	return out
}

// replayHistory replays a history step by step, checking each step's
// events against the corpus's label, and returns the rig, the events by
// kind and how many pages were parsed.
func replayHistory(t *testing.T, name string, watch monitor.Watch) (rig *replaytest.Rig, counts map[string]int, parsed int) {
	h := corpustest.Open(t, name)
	rig = replaytest.NewRig(t, watch)
	counts = map[string]int{}
	inDegraded := false
	for _, s := range h.Steps {
		body, err := s.Read()
		if err != nil {
			t.Fatal(err)
		}
		res := rig.Step(t, s.Date, http.StatusOK, body, nil)
		if res.Parsed {
			parsed++
		}
		got := kindsOf(res.Events)
		for _, k := range got {
			counts[string(k)]++
		}
		switch s.Label {
		case "skip", "foreign", "resync":
			continue // judgement calls, left out of scoring by the corpus
		case "degraded":
			if !inDegraded && fmt.Sprint(got) != fmt.Sprint([]monitor.EventKind{monitor.KindAnomaly}) {
				t.Errorf("step %04d (%s, degraded): events %v, want one anomaly opening the episode", s.Seq, s.Date.Format(time.DateOnly), got)
			}
			if inDegraded && len(got) != 0 {
				t.Errorf("step %04d (degraded, episode open): events %v, want none", s.Seq, got)
			}
			inDegraded = true
			continue
		}
		want := expectedKinds(s.Label)
		if inDegraded {
			want = append([]monitor.EventKind{monitor.KindRecovered}, want...)
			inDegraded = false
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("step %04d (%s, %s): events %v, want %v", s.Seq, s.Date.Format(time.DateOnly), s.Label, got, want)
		}
		for _, e := range res.Events {
			if !e.Time.Equal(s.Date) {
				t.Errorf("step %04d: event dated %s, want the step's date %s", s.Seq, e.Time, s.Date)
			}
		}
	}
	return rig, counts, parsed
}

// TestReplayFacebookHistory replays every archived version of Facebook's
// privacy policy (492 steps, 39 changes of the text a reader sees) through
// the daemon's code path: change and revert events exactly where the text
// changed, nothing where only markup and link tokens did.
func TestReplayFacebookHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("long replay; run without -short")
	}
	rig, counts, parsed := replayHistory(t, corpustest.Facebook, monitor.Watch{
		Name: "facebook-privacy-policy", Select: []string{"#policy"}, Fetcher: "http",
	})
	// Parsed: the first page, each new text and return, the few pages
	// whose markup changed more than class names and link tokens, and one
	// a day at most otherwise (the archive's fetches are days apart, so
	// most are parsed for that reason: extract's TestShapeCorpus measures
	// the shapes themselves).
	t.Logf("%d of 492 pages parsed", parsed)
	if counts["baseline"] != 1 || counts["change"] != 35 || counts["revert"] != 4 {
		t.Errorf("events: %v, want 1 baseline, 35 changes, 4 reverts", counts)
	}
	versions, err := rig.DB.Versions(context.Background(), rig.Watch.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 36 {
		t.Errorf("%d versions stored, want 36 (the first text and 35 new ones)", len(versions))
	}
}

// TestReplayPrintableHistory replays 300 raw fetches of Meta's printable
// policy, whose bytes change on nearly every fetch: one baseline and the
// four real changes, nothing else.
func TestReplayPrintableHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("long replay; run without -short")
	}
	_, counts, parsed := replayHistory(t, corpustest.Printable, monitor.Watch{
		Name: "meta-privacy-policy", Select: []string{"#root"}, Remove: []string{"img"}, Fetcher: "http", Language: "en-US",
	})
	// Parsed: the first page, the four new texts, and one page a day at
	// most otherwise (the shape is trusted for a day at a time); every
	// other fetch, twice a day, has the shape of the one before.
	h := corpustest.Open(t, corpustest.Printable)
	days := int(h.Steps[len(h.Steps)-1].Date.Sub(h.Steps[0].Date).Hours()/24) + 1
	t.Logf("%d of 300 pages parsed over %d days", parsed, days)
	if parsed > 5+days {
		t.Errorf("%d of 300 pages parsed over %d days: the markup churn defeats extract.Shape", parsed, days)
	}
	want := map[string]int{"baseline": 1, "change": 4}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("events %v, want exactly %v", counts, want)
	}
}
