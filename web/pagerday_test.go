package web_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// changeThenNightRevert records a change at noon UTC on 27 May 2025, then
// a revert at 02:00 UTC on 29 May: 22:00 on 28 May in New York, where the
// browser of newTab runs.
func changeThenNightRevert(t *testing.T) (r *rig, change, revert monitor.Event) {
	t.Helper()
	v1 := fixture(t, "policy-v1.html")
	v2 := fixture(t, "policy-v2.html")
	r = newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	header := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	r.step(t, time.Date(2025, 4, 23, 12, 0, 0, 0, time.UTC), 200, v1, header)
	change = eventOf(t, r.step(t, time.Date(2025, 5, 27, 12, 0, 0, 0, time.UTC), 200, v2, header), monitor.KindChange)
	revert = eventOf(t, r.step(t, time.Date(2025, 5, 29, 2, 0, 0, 0, time.UTC), 200, v1, header), monitor.KindRevert)
	return r, change, revert
}

// TestBrowserDaysInTheReadersZone: an event page's title, and the change
// view's links to the previous and next change, give their day in the
// reader's time zone, as every other time of the page once its script has
// run ("Times are in your time zone"), not the UTC day: a revert at 02:00
// UTC is the evening before in New York, and its own page says so. The
// title gave 29 May for a revert its page dated 28 May, and so did the
// link to it.
func TestBrowserDaysInTheReadersZone(t *testing.T) {
	r, change, revert := changeThenNightRevert(t)
	_, ts := r.server(t)
	ctx, scripts := newTab(t)

	open(t, ctx, scripts, fmt.Sprintf("%s/events/%d", ts.URL, revert.ID))
	when := eval[string](t, ctx, `document.querySelector("p.meta time").textContent`)
	if !strings.Contains(when, "May 28, 2025") {
		t.Fatalf("the revert's page dates it %q; the test wants 28 May, New York time", when)
	}
	if title := eval[string](t, ctx, `document.title`); !strings.HasSuffix(title, ", May 28, 2025 · policywatch") {
		t.Errorf("the revert's title is %q, its page dates it %q; want both 28 May, New York time", title, when)
	}
	open(t, ctx, scripts, fmt.Sprintf("%s/events/%d", ts.URL, change.ID))
	next := eval[string](t, ctx, `document.querySelector("a[rel=next]").textContent`)
	if !strings.Contains(next, "May 28, 2025") {
		t.Errorf("the link to the next change reads %q; its page dates it %q", next, when)
	}
}

// TestEventTitleDayAsThePageDates: an event page's title ends with the
// day of the time its page gives: in UTC as the server writes the page
// (its time says "UTC", the page "Times are in UTC"), with the time
// itself for the page's script to put the day in the reader's zone, as it
// puts the page's times (see TestBrowserDaysInTheReadersZone). The
// title's day was the UTC day whatever the script did.
func TestEventTitleDayAsThePageDates(t *testing.T) {
	r, change, revert := changeThenNightRevert(t)
	_, ts := r.server(t)
	titleTag := regexp.MustCompile(`<title data-day="([^"]+)" data-before="([^"]*)" data-after="([^"]*)">([^<]*)</title>`)
	pageTime := regexp.MustCompile(`<p class="meta"><time datetime="([^"]+)"[^>]*>([^<]*)</time>`)
	for _, e := range []monitor.Event{change, revert} {
		page := string(mustGet(t, fmt.Sprintf("%s/events/%d", ts.URL, e.ID)))
		tm, pm := titleTag.FindStringSubmatch(page), pageTime.FindStringSubmatch(page)
		if tm == nil || pm == nil {
			t.Errorf("event %d: the title %q or the page's time %q lacks the time it gives:\n%s", e.ID, tm, pm, page[:min(len(page), 800)])
			continue
		}
		utcDay := e.Time.UTC().Format("2 Jan 2006")
		if tm[1] != pm[1] || !strings.HasPrefix(pm[2], e.Time.UTC().Format("2006-01-02 ")) || !strings.HasSuffix(pm[2], " UTC") {
			t.Errorf("event %d: the title is for %s, the page's time %s (%q)", e.ID, tm[1], pm[1], pm[2])
		}
		before, after, text := html.UnescapeString(tm[2]), html.UnescapeString(tm[3]), html.UnescapeString(tm[4])
		if text != before+utcDay+after || !strings.HasSuffix(before, ", ") || after != " · policywatch" {
			t.Errorf("event %d: title %q, from %q + day + %q; want it to end with the UTC day, %s", e.ID, text, before, after, utcDay)
		}
	}
}
