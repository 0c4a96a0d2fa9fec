package monitor_test

import (
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
