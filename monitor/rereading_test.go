package monitor_test

import (
	"database/sql"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/monitor/fetch"
)

// The previous version is read again the way the new capture is: a
// taxonomy extended between the two (the daemon restarted with a new
// entry) finds its entry in a sentence both versions have, which is no
// category added by the policy.
func TestChangeComparesVersionsReadAlike(t *testing.T) {
	dna := "We collect your DNA test results when you share them with us."
	pages := map[string][]byte{
		"v1": policyPage("en", "Privacy Policy", dna, strings.Repeat(longParagraph, 6)),
		"v2": policyPage("en", "Privacy Policy", dna, strings.Repeat(longParagraph, 6), "We keep your posts for as long as your account exists."),
	}
	srv := newSequenceServer(t, pages)
	rig := newFaultRig(t, srv.URL)
	rig.watch.Select = []string{"#policy"}
	srv.show("v1")
	if res := rig.check(t); res.Outcome != monitor.OutcomeBaseline {
		t.Fatalf("first check: %s", res.Outcome)
	}

	extended := analyze.DefaultTaxonomy()
	if err := extended.Extend([]analyze.Entry{{ID: "genetic", Kind: analyze.KindCategory,
		Labels: map[string]string{"en": "Genetic data"}, Patterns: map[string][]string{"en": {"dna"}}}}); err != nil {
		t.Fatal(err)
	}
	rig.checker = monitor.NewChecker(fetch.New(fetch.Options{UserAgent: "policywatch-test", Retries: -1}), rig.db,
		monitor.WithClock(rig.clock.Now), monitor.WithTaxonomy(extended),
		monitor.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	srv.show("v2")
	res := rig.check(t)
	if res.Outcome != monitor.OutcomeChanged || len(res.Events) != 1 {
		t.Fatalf("second check: %s %v", res.Outcome, res.Events)
	}
	a := res.Events[0].Analysis
	if a == nil {
		t.Fatal("no analysis")
	}
	if slices.Contains(a.ScopeAdded, "genetic") {
		t.Errorf("genetic data reported added from a sentence both versions have: %s", res.Events[0].Summary)
	}
}

// TestAPageReadOtherwiseAfterAnUpgradeIsNoChange: an upgrade of
// policywatch that reads pages otherwise (invisible characters dropped, a
// table's empty cells kept in place) gives a page that did not change
// another text hash than its stored version's. That was a change of the
// policy, told to subscribers, at the first parse after the upgrade. The
// current version's own raw page, read again today, now tells the two
// apart: the same text is a first capture again, of which subscribers are
// not told; a real change after it is still one.
func TestAPageReadOtherwiseAfterAnUpgradeIsNoChange(t *testing.T) {
	pages := map[string][]byte{
		"v1": policyPage("en", "Privacy Policy", strings.Repeat(longParagraph, 6)),
		"v2": policyPage("en", "Privacy Policy", strings.Repeat(longParagraph, 6), "We now use your public posts to train our artificial intelligence models."),
	}
	srv := newSequenceServer(t, pages)
	rig := newFaultRig(t, srv.URL)
	srv.show("v1")
	if res := rig.check(t); res.Outcome != monitor.OutcomeBaseline {
		t.Fatalf("first check: %s", res.Outcome)
	}
	// What an older policywatch stored: another hash for the same page,
	// and no shape to spare the next check its parse.
	raw, err := sql.Open("sqlite", rig.db.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE versions SET hash = 'read-the-old-way'`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE watches SET accepted_body = '', accepted_shape = ''`); err != nil {
		t.Fatal(err)
	}

	res := rig.check(t)
	if res.Outcome != monitor.OutcomeBaseline || len(res.Events) != 1 || res.Events[0].Kind != monitor.KindBaseline ||
		res.Events[0].Severity != monitor.SeverityInfo || !strings.Contains(res.Events[0].Summary, "reads otherwise since policywatch was upgraded") {
		t.Fatalf("the same page read otherwise: %s %+v; want a first capture again, info", res.Outcome, res.Events)
	}
	if res := rig.check(t); res.Outcome != monitor.OutcomeUnchanged || len(res.Events) != 0 {
		t.Errorf("the next check of the same page: %s %+v; want unchanged", res.Outcome, res.Events)
	}
	srv.show("v2")
	res = rig.check(t)
	if res.Outcome != monitor.OutcomeChanged || len(res.Events) != 1 || res.Events[0].Kind != monitor.KindChange {
		t.Fatalf("a real change after it: %s %+v; want a change", res.Outcome, res.Events)
	}
}
