package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestEventPageSaysWhereToObject: the event page of a baseline or a
// change lists the objection forms of its version, as the alert email
// does ("Where to object"): a journalist reading the web view had the
// deadline but not the form. A form that is not a web address (mailto:)
// is shown as text, and a javascript: one not at all (extraction drops it).
func TestEventPageSaysWhereToObject(t *testing.T) {
	page := func(extra string) []byte {
		return []byte(`<!DOCTYPE html><html lang="en"><head><title>Example Privacy Policy</title></head><body><main id="policy">
<h1>Example Privacy Policy</h1>
<p>We collect the posts, photos and comments you share and information about your device, and we use it to provide and improve our services.</p>
<p>You can object to our use of your information for AI training using <a href="https://example.org/object?x=1">this form</a>, or <a href="javascript:alert(1)">the form to object</a>, or <a href="mailto:privacy@example.org">write to object</a>, or <a href="https://example.org/objection-form">https://example.org/objection-form</a>.</p>
<p>You can object until 26 June 2026.</p>
` + extra + `</main></body></html>`)
	}
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	t0 := time.Date(2025, 4, 23, 12, 0, 0, 0, time.UTC)
	header := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	r.step(t, t0, 200, page(""), header)
	r.step(t, t0.Add(24*time.Hour), 200, page("<p>We also use your public posts to train our AI models.</p>"), header)
	_, ts := r.server(t)
	events, err := r.DB.Events(context.Background(), monitor.EventFilter{})
	if err != nil || len(events) != 2 {
		t.Fatalf("events %v, %v; want a baseline and a change", events, err)
	}
	for _, e := range events {
		_, body := get(t, fmt.Sprintf("%s/events/%d", ts.URL, e.ID))
		html := string(body)
		if !strings.Contains(html, "Where to object") ||
			!strings.Contains(html, `<a href="https://example.org/object?x=1" rel="noopener noreferrer nofollow">`) {
			t.Errorf("%s event page lacks the objection form:\n%.2000s", e.Kind, html)
		}
		// A form whose text is its address: the address once, as the link.
		if !strings.Contains(html, `<li><a href="https://example.org/objection-form" rel="noopener noreferrer nofollow"><bdi>https://example.org/objection-form</bdi></a></li>`) {
			t.Errorf("%s event page: a form whose text is its address must be shown once, as a link:\n%.3000s", e.Kind, html)
		}
		if strings.Contains(html, `href="javascript:`) || strings.Contains(html, `href="mailto:`) ||
			!strings.Contains(html, "<code><bdi>mailto:privacy@example.org</bdi></code>") {
			t.Errorf("%s event page: a form that is not a web address must be text only", e.Kind)
		}
	}
}

// TestVersionPageSaysWhatTheVersionSays: the version page shows the
// version's fact sheet — what it collects, why, which rights, its dates
// with their roles and sentences, where to object — which only the CLI's
// 'facts' and the JSON API showed.
func TestVersionPageSaysWhatTheVersionSays(t *testing.T) {
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	t0 := time.Date(2025, 4, 23, 12, 0, 0, 0, time.UTC)
	r.step(t, t0, 200, []byte(`<!DOCTYPE html><html lang="en"><head><title>Example Privacy Policy</title></head><body><main id="policy">
<h1>Example Privacy Policy</h1>
<p>We collect the posts, photos and comments you share and information about your device, and we use it to provide and improve our services, to show you advertising and to keep people safe on our products.</p>
<p>We use your public posts and photos to train our AI models.</p>
<p>You can object to this using <a href="https://example.org/object">this form</a> until 26 June 2026.</p>
</main></body></html>`), http.Header{"Content-Type": {"text/html; charset=utf-8"}})
	_, ts := r.server(t)
	st, err := r.DB.State(context.Background(), monitor.Watch{Name: "example", Select: []string{"#policy"}})
	if err != nil || st.Current == nil {
		t.Fatalf("state %+v, %v", st, err)
	}
	_, body := get(t, fmt.Sprintf("%s/versions/%d", ts.URL, st.Current.ID))
	html := string(body)
	for _, want := range []string{
		"What this version says", "Posts", "Photos", "AI training", "Right to object",
		"<strong>Deadline to object</strong>: 26 Jun 2026", "until 26 June 2026",
		`<a href="https://example.org/object" rel="noopener noreferrer nofollow">`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the version page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("%.3000s", html[strings.Index(html, "<main"):])
	}
}

// TestAnomalyEventLinksThePageServed: the event page of an anomaly links
// the raw bytes of the page served instead of the policy (an error page,
// a consent wall), kept as evidence but reachable from nowhere before; the
// link downloads them byte for byte.
func TestAnomalyEventLinksThePageServed(t *testing.T) {
	r, _ := examplePolicy(t)
	errorPage := []byte("<!DOCTYPE html><html><head><title>Error</title></head><body><p>Sorry, something went wrong.</p></body></html>")
	r.step(t, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), 200, errorPage, http.Header{"Content-Type": {"text/html; charset=utf-8"}})
	_, ts := r.server(t)
	events, err := r.DB.Events(context.Background(), monitor.EventFilter{Kinds: []monitor.EventKind{monitor.KindAnomaly}})
	if err != nil || len(events) != 1 {
		t.Fatalf("anomaly events %v, %v; want one", events, err)
	}
	e := events[0]
	_, page := get(t, fmt.Sprintf("%s/events/%d", ts.URL, e.ID))
	link := fmt.Sprintf(`href="/events/%d/raw"`, e.ID)
	if !strings.Contains(string(page), link) {
		t.Fatalf("the anomaly's page lacks %s", link)
	}
	resp, raw := get(t, fmt.Sprintf("%s/events/%d/raw", ts.URL, e.ID))
	if resp.StatusCode != http.StatusOK || string(raw) != string(errorPage) ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("raw body: %d, %q (disposition %q); want the error page byte for byte, as a download",
			resp.StatusCode, raw, resp.Header.Get("Content-Disposition"))
	}
	// The baseline's page does not offer it (its version has its evidence).
	all, _ := r.DB.Events(context.Background(), monitor.EventFilter{Kinds: []monitor.EventKind{monitor.KindBaseline}})
	if _, base := get(t, fmt.Sprintf("%s/events/%d", ts.URL, all[0].ID)); strings.Contains(string(base), "/raw\"") && strings.Contains(string(base), "instead of the policy") {
		t.Errorf("the baseline's page offers the page served instead of the policy")
	}
}

// TestAnalysisSaysWhatEachPurposeUses: the event page of a change lists
// the data each purpose now uses or no longer uses, a line a purpose and
// place, with its quote, the title that names the purpose and its
// section, and the objection forms whose address moved, both addresses
// (a link only when it is a web address); the version page lists its
// uses, the minors' apart, with the sentences.
func TestAnalysisSaysWhatEachPurposeUses(t *testing.T) {
	page := func(body string) []byte {
		return []byte(`<!DOCTYPE html><html lang="en"><head><title>Example Privacy Policy</title></head><body><main id="policy">
<h1>Example Privacy Policy</h1>
<p>This policy describes the information we process to support Example and the other products and features offered by Example Inc. You can find more tools in your settings to control the information we process.</p>
` + body + `</main></body></html>`)
	}
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	t0 := time.Date(2025, 4, 23, 12, 0, 0, 0, time.UTC)
	header := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	res1 := r.step(t, t0, 200, page(`<p>We use public posts and photos you share to train our AI models.</p>
<p>You can object to this using <a href="https://example.org/object">this form</a> or <a href="https://example.org/help">the help form to object</a>.</p>`), header)
	res2 := r.step(t, t0.Add(24*time.Hour), 200, page(`<p>We use public posts you share to train our AI models.</p>
<h2>Teens</h2>
<p>We use the following information of teens to train our AI models:</p>
<ul><li>Public posts and comments</li></ul>
<p>You can object to this using <a href="https://example.org/privacy/object">this form</a> or <a href="mailto:help@example.org">the help form to object</a>.</p>`), header)
	_, ts := r.server(t)
	events, err := r.DB.Events(context.Background(), monitor.EventFilter{Kinds: []monitor.EventKind{monitor.KindChange}})
	if err != nil || len(events) != 1 {
		t.Fatalf("events %v, %v; want a change (%s, %s)", events, err, res1.Outcome, res2.Outcome)
	}
	_, body := get(t, fmt.Sprintf("%s/events/%d", ts.URL, events[0].ID))
	html := string(body)
	for _, want := range []string{
		`<h3>What each purpose uses</h3>`,
		`<li class="added"><span class="sign" aria-hidden="true">+</span><span class="sr">Added: </span><strong>AI training</strong> now uses Posts (minors&#39;), Comments (minors&#39;), Public content (minors&#39;)
<blockquote lang="en"><bdi>Public posts and comments</bdi></blockquote><p class="section">Under “<bdi>We use the following information of teens to train our AI models:</bdi>”, in “<bdi>Teens</bdi>”</p></li>`,
		`<li class="removed"><span class="sign" aria-hidden="true">−</span><span class="sr">Removed: </span><strong>AI training</strong> no longer uses Photos
<blockquote lang="en"><bdi>We use public posts and photos you share to train our AI models.</bdi></blockquote>`,
		`<h3>Objection forms moved</h3>`,
		`<li><bdi>this form</bdi>: <a href="https://example.org/object" rel="noopener noreferrer nofollow"><bdi>https://example.org/object</bdi></a> → <strong><a href="https://example.org/privacy/object" rel="noopener noreferrer nofollow"><bdi>https://example.org/privacy/object</bdi></a></strong></li>`,
		`<li><bdi>the help form to object</bdi>: <a href="https://example.org/help" rel="noopener noreferrer nofollow"><bdi>https://example.org/help</bdi></a> → <strong><code><bdi>mailto:help@example.org</bdi></code> <span class="muted">(not a web address; shown as text)</span></strong></li>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the event page lacks\n%s", want)
		}
	}
	if strings.Contains(html, `href="mailto:`) {
		t.Error("a moved form that is not a web address is a link")
	}
	if t.Failed() {
		t.Logf("%.5000s", html[strings.Index(html, `<section class="analysis"`):])
	}

	_, body = get(t, fmt.Sprintf("%s/versions/%d", ts.URL, events[0].Version))
	html = string(body)
	for _, want := range []string{
		"<li><strong>AI training</strong>: Posts, Public content; minors': Posts, Comments, Public content, Minors\n<details>",
		"<blockquote lang=\"en\"><bdi>Public posts and comments</bdi></blockquote><p class=\"section\">Under “<bdi>We use the following information of teens to train our AI models:</bdi>”, in “<bdi>Teens</bdi>”</p>",
		"<blockquote lang=\"en\"><bdi>We use public posts you share to train our AI models.</bdi></blockquote>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the version page lacks\n%s", want)
		}
	}
	if t.Failed() {
		t.Logf("%.3000s", html[strings.Index(html, "<main"):])
	}
}
