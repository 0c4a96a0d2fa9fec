package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/web"
)

// hostileHeader is sent with the hostile pages: scraped response headers
// are shown on version pages and put in evidence bundles.
var hostileHeader = http.Header{
	"Content-Type": {"text/html; charset=utf-8"},
	"X-Hostile":    {`<script>alert("header")</script>`},
	"Link":         {`<javascript:alert('link header')>; rel="preload"`},
}

// hostileHistory replays a hostile page through the monitor: a baseline,
// an anomaly, and a change that recovers from it. Every scraped value —
// title, headings, text, links, headers, the diff, the analysis' quotes —
// carries script in one form or another.
func hostileHistory(t *testing.T) (*rig, [][]byte) {
	t.Helper()
	v1 := fixture(t, "hostile-v1.html")
	v2 := fixture(t, "hostile-v2.html")
	r := newRig(t, monitor.Watch{Name: "hostile", Select: []string{"#policy"}})
	t0 := time.Date(2025, 5, 1, 6, 0, 0, 0, time.UTC)
	if res := r.step(t, t0, 200, v1, hostileHeader); res.Outcome != monitor.OutcomeBaseline {
		t.Fatalf("first step: %s, want a baseline", res.Outcome)
	}
	short := []byte(`<html><head><title>&lt;script&gt;alert("short")&lt;/script&gt;</title></head><body><div id="policy">Not found &lt;img src=x onerror=alert("404")&gt;</div></body></html>`)
	if res := r.step(t, t0.Add(24*time.Hour), 200, short, hostileHeader); res.Outcome != monitor.OutcomeAnomaly {
		t.Fatalf("second step: %s, want an anomaly", res.Outcome)
	}
	if res := r.step(t, t0.Add(48*time.Hour), 200, v2, hostileHeader); res.Outcome != monitor.OutcomeChanged {
		t.Fatalf("third step: %s, want a change", res.Outcome)
	}
	return r, [][]byte{v1, v2}
}

// TestBrowserHostilePageRunsNoScript shows every view of a hostile page,
// and downloads its evidence, in a real Chromium: no dialog opens, nothing
// is logged to the console, no Content-Security-Policy violation is
// reported, and the page holds no script, event handler or javascript:
// link — while the hostile text is there to read, as text.
func TestBrowserHostilePageRunsNoScript(t *testing.T) {
	r, bodies := hostileHistory(t)
	_, ts := r.server(t)
	ctx, scripts := newTab(t)

	events, err := r.DB.Events(context.Background(), monitor.EventFilter{Watch: "hostile"})
	if err != nil {
		t.Fatal(err)
	}
	var change, recovered monitor.Event
	pages := []string{"/", "/watches/hostile", "/watches/hostile?kind=change&severity=notable",
		"/versions/1", "/versions/2", "/versions/1/text", "/versions/2/text",
		"/api/watches", "/api/events", "/api/versions/2",
		"/watches/%3Cscript%3Ealert(1)%3C%2Fscript%3E", `/events/1%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E`}
	for _, e := range events {
		pages = append(pages, fmt.Sprintf("/events/%d", e.ID))
		if e.Kind == monitor.KindRecovered {
			recovered = e
		}
		if e.Kind == monitor.KindChange {
			change = e
			pages = append(pages, fmt.Sprintf("/events/%d?view=inline", e.ID), fmt.Sprintf("/events/%d?context=all", e.ID))
		}
	}
	if change.ID == 0 {
		t.Fatalf("no change among %v", events)
	}
	for _, p := range pages {
		open(t, ctx, scripts, ts.URL+p)
		assertInert(t, ctx, p)
	}

	// The hostile text is shown, as text, where it belongs.
	visible := map[string][]string{
		"/versions/1": {`Privacy <script>alert("h1")</script> Policy`, `posts <img src=x onerror=alert("img")> and comments`,
			`</textarea><script>alert("textarea")</script>`, `Object to processing or opt out.`},
		fmt.Sprintf("/events/%d", change.ID):             {`<script>alert("diff")</script>`, `<img src=x onerror=alert("added")>`},
		fmt.Sprintf("/events/%d?view=inline", change.ID): {`<script>alert("diff")</script>`},
		"/watches/%3Cscript%3Ealert(1)%3C%2Fscript%3E":   {`<script>alert(1)</script>`},
		"/versions/2/text":                               {`Effective May 27, 2025 <script>alert("diff")</script>`},
		"/api/versions/2":                                {`\u003cscript\u003ealert(\"diff\")\u003c/script\u003e`},
		fmt.Sprintf("/events/%d?context=all", change.ID): {`${alert("template literal")} and {{.Title}}`},
		"/watches/hostile?kind=change&severity=notable":  {"change"},
		"/versions/2":                           {`Privacy <script>alert("h1")</script> Policy`},
		fmt.Sprintf("/events/%d", recovered.ID): {"recovered"},
	}
	for p, wants := range visible {
		open(t, ctx, scripts, ts.URL+p)
		text := visibleText(t, ctx)
		for _, want := range wants {
			if !containsFolded(text, want) {
				t.Errorf("%s: the visible text lacks %q", p, want)
			}
		}
	}

	// The uses the change added, and the version's, quote the hostile
	// sentence as text (the version page's in a collapsed <details>).
	for p, sel := range map[string]string{fmt.Sprintf("/events/%d", change.ID): "ul.uses", "/versions/2": "ul.uses details"} {
		open(t, ctx, scripts, ts.URL+p)
		if got := eval[string](t, ctx, `(document.querySelector(`+"`"+sel+"`"+`) || {textContent: ""}).textContent`); !strings.Contains(got, `public content you create <img src=x onerror=alert("added")> to develop`) {
			t.Errorf("%s: the uses (%s) lack the hostile quote: %q", p, sel, got)
		}
	}

	// The response header is in a collapsed <details>: read its text.
	open(t, ctx, scripts, ts.URL+"/versions/1")
	if got := eval[string](t, ctx, `document.querySelector("table.headers").textContent`); !strings.Contains(got, `<script>alert("header")</script>`) {
		t.Errorf("/versions/1: the response header table lacks the hostile header: %q", got)
	}

	// Downloads: the evidence bundle and the raw body are saved, not
	// shown, and the page that offered them stays as it was.
	dir := downloadDir(t)
	allowDownloads(t, ctx, dir)
	open(t, ctx, scripts, ts.URL+"/versions/2")
	bundle := clickDownload(t, ctx, dir, `a[href$="/evidence.zip"]`)
	raw := clickDownload(t, ctx, dir, `a[href$="/raw"]`)
	if got := eval[string](t, ctx, `location.pathname`); got != "/versions/2" {
		t.Errorf("after the downloads the tab shows %s, want /versions/2", got)
	}
	if got := scripts.take(); len(got) > 0 {
		t.Errorf("downloads: scripts ran or were blocked:\n  %s", strings.Join(got, "\n  "))
	}
	assertInert(t, ctx, "/versions/2 after downloads")
	if !bytes.Equal(raw, bodies[1]) {
		t.Errorf("raw download: %d bytes differ from the %d the page server sent", len(raw), len(bodies[1]))
	}
	if data, ok := unzip(t, bundle)["response-body.bin"]; !ok {
		t.Error("the bundle downloaded by the browser has no response body")
	} else if !bytes.Equal(data, bodies[1]) {
		t.Errorf("bundle's response body: %d bytes differ from the %d sent", len(data), len(bodies[1]))
	}
}

// TestDateRoleNamesAreEscaped: a start date is named by its use's label
// ("AI training starts"), which the configuration's taxonomy can set: the
// pages that name dates escape it, as any text, wherever they show it.
func TestDateRoleNamesAreEscaped(t *testing.T) {
	r := startHistory(t)
	tax := analyze.DefaultTaxonomy()
	const label = `<script>alert("label")</script><img src=x onerror=alert(1)>`
	if err := tax.Extend([]analyze.Entry{{ID: "ai_training", Labels: map[string]string{"en": label}}}); err != nil {
		t.Fatal(err)
	}
	_, ts := r.server(t, web.WithTaxonomy(tax))
	escaped := template.HTMLEscapeString(label) + " starts"
	for _, p := range []string{"/events/2", "/events/3", "/watches/nimbus", "/versions/3"} {
		page := string(mustGet(t, ts.URL+p))
		if strings.Contains(page, `alert("label")</script>`) || strings.Contains(page, "<img") {
			t.Errorf("%s holds the label as markup", p)
		}
		if !strings.Contains(page, escaped) {
			t.Errorf("%s lacks the label, escaped, before \"starts\": %s", p, escaped)
		}
	}
}
