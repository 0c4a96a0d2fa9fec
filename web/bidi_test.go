package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// rlo is U+202E RIGHT-TO-LEFT OVERRIDE: left unbalanced in a page's title
// or link text, it reverses everything after it up to the end of its
// paragraph or isolate — the web view's own words too, unless the scraped
// text is isolated from them.
const rlo = "\u202e"

// spoofedHistory records a page whose title and link text end with an
// unbalanced override, then a version whose title is a
// thousand characters long.
func spoofedHistory(t *testing.T) *rig {
	t.Helper()
	page := fixture(t, "policy-v1.html")
	spoofed := bytes.Replace(page, []byte("<title>Example Privacy Policy</title>"), []byte("<title>Example Privacy Policy"+rlo+"</title>"), 1)
	spoofed = bytes.Replace(spoofed, []byte(">cookie policy</a>"), []byte(">cookie policy"+rlo+"</a>"), 1)
	r := newRig(t, monitor.Watch{Name: "spoofed", Select: []string{"#policy"}})
	t0 := time.Date(2025, 5, 1, 6, 0, 0, 0, time.UTC)
	header := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	if res := r.step(t, t0, 200, spoofed, header); res.Outcome != monitor.OutcomeBaseline {
		t.Fatalf("first step: %s", res.Outcome)
	}
	long := strings.Repeat("Privacy ", 125) // 1000 characters
	page2 := bytes.Replace(page, []byte("<title>Example Privacy Policy</title>"), []byte("<title>"+long+"</title>"), 1)
	page2 = bytes.Replace(page2, []byte("Effective April 7, 2025"), []byte("Effective May 27, 2025"), 1)
	if res := r.step(t, t0.Add(24*time.Hour), 200, page2, header); res.Outcome != monitor.OutcomeChanged {
		t.Fatalf("second step: %s", res.Outcome)
	}
	return r
}

// inOrderJS says, for the element the selector names, whether its text
// is drawn left to right, character by character, as English is: each
// visible character starts to the right of the one before it. It returns
// the text as drawn, left to right, when it is not.
const inOrderJS = `((sel) => {
	const el = document.querySelector(sel);
	if (!el) return "no element " + sel;
	const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
	const boxes = [];
	for (let n = walker.nextNode(); n; n = walker.nextNode()) {
		for (let i = 0; i < n.data.length; i++) {
			if (n.data[i].trim() === "") continue;
			const r = document.createRange();
			r.setStart(n, i);
			r.setEnd(n, i + 1);
			const b = r.getBoundingClientRect();
			if (b.width > 0) boxes.push({c: n.data[i], x: b.left});
		}
	}
	for (let i = 1; i < boxes.length; i++) {
		if (boxes[i].x < boxes[i-1].x) {
			return boxes.slice().sort((a, b) => a.x - b.x).map(b => b.c).join("");
		}
	}
	return "";
})(%q)`

// TestBrowserBidiOverrideIsIsolated shows, in a real Chromium, the pages of
// a page whose scraped strings end with an unbalanced right-to-left
// override: the web view's own text after them is drawn in order, and the
// scraped text is in <bdi>, isolated. It also checks that a title of a
// thousand characters is shortened in headings and tables, whole in the
// tooltip.
func TestBrowserBidiOverrideIsIsolated(t *testing.T) {
	r := spoofedHistory(t)
	_, ts := r.server(t)
	ctx, scripts := newTab(t)
	for _, c := range []struct {
		path string
		// selector of the web view's own text that follows scraped text,
		// and what that text says
		own, says string
		// selector of an element holding a scraped string that must be
		// isolated
		scraped string
	}{
		{"/versions/1", "h1 > .muted", "· version 1", "h1 > bdi"},
		{"/versions/1", ".links li", "cookie policy", ".links li > bdi"},
	} {
		t.Run(strings.TrimPrefix(c.path, "/")+" "+c.own, func(t *testing.T) {
			open(t, ctx, scripts, ts.URL+c.path)
			if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent`, c.own)); !strings.Contains(got, c.says) {
				t.Fatalf("%s says %q, want %q", c.own, got, c.says)
			}
			if drawn := eval[string](t, ctx, fmt.Sprintf(inOrderJS, c.own)); drawn != "" {
				t.Errorf("%s: %s is drawn out of order: %q", c.path, c.own, drawn)
			}
			isolated := eval[bool](t, ctx, fmt.Sprintf(`(() => {
				const el = document.querySelector(%q);
				return !!el && el.textContent.includes("\u202e") && getComputedStyle(el).unicodeBidi === "isolate";
			})()`, c.scraped))
			if !isolated {
				t.Errorf("%s: %s is not an isolate holding the override", c.path, c.scraped)
			}
		})
	}

	// The h1 of the spoofed version: the title, then " · version 1", the
	// latter after the former, left to right.
	open(t, ctx, scripts, ts.URL+"/versions/1")
	if after := eval[bool](t, ctx, `(() => {
		const title = document.querySelector("h1 > bdi").getBoundingClientRect();
		const own = document.querySelector("h1 > .muted").getBoundingClientRect();
		return own.left >= title.right - 1 || own.top >= title.bottom - 1;
	})()`); !after {
		t.Error("the version number is drawn before the title")
	}

	// A title of a thousand characters, shortened where it is a heading or
	// a cell, whole in the tooltip.
	long := strings.TrimSpace(strings.Repeat("Privacy ", 125))
	for _, c := range []struct{ path, sel string }{
		{"/versions/2", "h1 > bdi"},
		{"/watches/spoofed", "table.versions tbody tr:first-child td:last-child bdi"},
	} {
		open(t, ctx, scripts, ts.URL+c.path)
		text := eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent`, c.sel))
		title := eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).title`, c.sel))
		if n := len([]rune(text)); n > 120 || !strings.HasSuffix(text, "…") || strings.TrimSpace(title) != long {
			t.Errorf("%s %s: %d characters %q, tooltip of %d characters", c.path, c.sel, n, text, len(title))
		}
	}
}

// TestEventHeadingsAndTimeNote: an event's heading is a sentence about
// its watch ("hostile is back to normal", not "recovered of hostile");
// and the footer's note on times is true without script, when times are
// UTC.
func TestEventHeadingsAndTimeNote(t *testing.T) {
	r, _ := hostileHistory(t)
	_, ts := r.server(t)
	events, err := r.DB.Events(context.Background(), monitor.EventFilter{Watch: "hostile"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[monitor.EventKind]string{
		monitor.KindBaseline:  "<h1>First capture of hostile</h1>",
		monitor.KindAnomaly:   "<h1>hostile served a page that is not the policy</h1>",
		monitor.KindChange:    "<h1>hostile changed</h1>",
		monitor.KindRecovered: "<h1>hostile is back to normal</h1>",
	}
	seen := map[monitor.EventKind]bool{}
	for _, e := range events {
		body := string(mustGet(t, fmt.Sprintf("%s/events/%d", ts.URL, e.ID)))
		if !strings.Contains(body, want[e.Kind]) {
			t.Errorf("event %d (%s): heading %q, want %q", e.ID, e.Kind, between(body, "<h1>", "</h1>"), want[e.Kind])
		}
		seen[e.Kind] = true
		if !strings.Contains(body, `<span id="time-note">Times are in UTC.</span>`) || strings.Contains(body, "your time zone") {
			t.Errorf("event %d: the page says its times are not UTC before any script ran", e.ID)
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("the history has no %s event to show", k)
		}
	}
}

// between returns what s holds between the first start and the end
// after it.
func between(s, start, end string) string {
	_, s, _ = strings.Cut(s, start)
	s, _, _ = strings.Cut(s, end)
	return s
}
