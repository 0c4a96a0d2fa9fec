package web_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestBrowserPagerDaysInTheReadersZone: the change view's links to the
// previous and next change give their day in the reader's time zone, as
// every other time of the page once its script has run ("Times are in
// your time zone"), not the UTC day: a change at 02:00 UTC is the evening
// before in New York, and its own page says so.
func TestBrowserPagerDaysInTheReadersZone(t *testing.T) {
	v1, err := os.ReadFile("testdata/policy-v1.html")
	if err != nil {
		t.Fatal(err)
	}
	v2, err := os.ReadFile("testdata/policy-v2.html")
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	header := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	r.step(t, time.Date(2025, 4, 23, 12, 0, 0, 0, time.UTC), 200, v1, header)
	change := eventOf(t, r.step(t, time.Date(2025, 5, 27, 12, 0, 0, 0, time.UTC), 200, v2, header), monitor.KindChange)
	// Back to the first text at 02:00 UTC on 29 May: 22:00 on 28 May in
	// New York, where the browser runs.
	revert := eventOf(t, r.step(t, time.Date(2025, 5, 29, 2, 0, 0, 0, time.UTC), 200, v1, header), monitor.KindRevert)
	_, ts := r.server(t)
	ctx, scripts := newTab(t)

	open(t, ctx, scripts, fmt.Sprintf("%s/events/%d", ts.URL, revert.ID))
	when := eval[string](t, ctx, `document.querySelector("p.meta time").textContent`)
	if !strings.Contains(when, "May 28, 2025") {
		t.Fatalf("the revert's page dates it %q; the test wants 28 May, New York time", when)
	}
	open(t, ctx, scripts, fmt.Sprintf("%s/events/%d", ts.URL, change.ID))
	next := eval[string](t, ctx, `document.querySelector("a[rel=next]").textContent`)
	if !strings.Contains(next, "May 28, 2025") {
		t.Errorf("the link to the next change reads %q; its page dates it %q", next, when)
	}
}
