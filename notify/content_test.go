package notify

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/robfig/cron/v3"
)

func TestExcerptCacheEvictsLeastRecent(t *testing.T) {
	c := newExcerptCache(2)
	a, b, d := infoKey{newID: 1}, infoKey{newID: 2}, infoKey{newID: 3}
	c.put(a, cachedInfo{title: "a"})
	c.put(b, cachedInfo{title: "b"})
	c.get(a) // b is now the least recent
	c.put(d, cachedInfo{title: "d"})
	if _, ok := c.get(b); ok {
		t.Error("b was kept; it was the least recently used")
	}
	for k, want := range map[infoKey]string{a: "a", d: "d"} {
		if got, ok := c.get(k); !ok || got.title != want {
			t.Errorf("get(%v) = %q, %v; want %q", k, got.title, ok, want)
		}
	}
	c.put(a, cachedInfo{title: "a2"})
	if got, _ := c.get(a); got.title != "a2" || len(c.items) != 2 || c.order.Len() != 2 {
		t.Errorf("after replacing a: %q, %d items, %d in order", got.title, len(c.items), c.order.Len())
	}
}

// TestObjectionFormsCutAreNotLinks: an objection form's address too long
// to show whole is shown cut, never as a link to the cut text.
func TestObjectionFormsCutAreNotLinks(t *testing.T) {
	long := "https://example.com/object?token=" + strings.Repeat("x", maxFormHref)
	sheet := &analyze.FactSheet{Statements: []analyze.Statement{{
		IDs: []string{"object"},
		Links: []analyze.Link{
			{Text: "this form", Href: "https://example.com/object"},
			{Text: "that form", Href: long},
			{Text: "a script", Href: "javascript:alert(1)"},
		},
	}}}
	forms := objectionForms(sheet)
	if len(forms) != 3 {
		t.Fatalf("forms = %+v, want 3", forms)
	}
	if !forms[0].Clickable || forms[0].Href != "https://example.com/object" {
		t.Errorf("a short web address: %+v, want it clickable as it is", forms[0])
	}
	if forms[1].Clickable || !strings.HasSuffix(forms[1].Href, "…") || len([]rune(forms[1].Href)) > maxFormHref {
		t.Errorf("a cut address: clickable %v, %d runes, want shown cut and not clickable", forms[1].Clickable, len([]rune(forms[1].Href)))
	}
	if forms[2].Clickable {
		t.Errorf("a javascript: address made clickable")
	}
}

// renderChange renders one change as the alert's text and HTML parts do.
func renderChange(t *testing.T, v *changeView) (text, html string) {
	t.Helper()
	tpl, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	var tb, hb strings.Builder
	if err := tpl.text["alert"].ExecuteTemplate(&tb, "change", v); err != nil {
		t.Fatal(err)
	}
	if err := tpl.html["alert"].ExecuteTemplate(&hb, "change", v); err != nil {
		t.Fatal(err)
	}
	return tb.String(), hb.String()
}

// TestObjectionFormAddressShownOnce: a link whose text is its address, or
// that has no text, shows the address once; a link with words shows both,
// the words as text and the address as the link, so that no link of a
// page's is dressed as another address.
func TestObjectionFormAddressShownOnce(t *testing.T) {
	const url = "https://acme.example/privacy/object"
	tests := []struct {
		name     string
		link     analyze.Link
		text     string // the line under "Where to object:"
		html     string // the list item
		notInTxt string
	}{
		{
			name: "text is the address", link: analyze.Link{Text: url, Href: url},
			text: "\n  " + url + "\n", html: `<li><a href="` + url + `">` + url + `</a></li>`,
			notInTxt: url + ": ",
		},
		{
			name: "text is the address, spaced", link: analyze.Link{Text: " " + url + "\n", Href: url},
			text: "\n  " + url + "\n", html: `<li><a href="` + url + `">` + url + `</a></li>`,
			notInTxt: url + ": ",
		},
		{
			name: "no text", link: analyze.Link{Href: url},
			text: "\n  " + url + "\n", html: `<li><a href="` + url + `">` + url + `</a></li>`,
			notInTxt: ": " + url,
		},
		{
			name: "words", link: analyze.Link{Text: "this objection form", Href: url},
			text: "\n  this objection form: " + url + "\n", html: `<li>this objection form: <a href="` + url + `">` + url + `</a></li>`,
		},
		{
			// The page's words are never a link's face: a link dressed as
			// another address shows where it really goes.
			name: "text that is another address", link: analyze.Link{Text: "https://www.facebook.com/help/contact/object", Href: url},
			text: "\n  https://www.facebook.com/help/contact/object: " + url + "\n",
			html: `<li>https://www.facebook.com/help/contact/object: <a href="` + url + `">` + url + `</a></li>`,
		},
		{
			name: "not a web address", link: analyze.Link{Text: "this form", Href: "javascript:alert(1)"},
			text: "\n  this form: (not a web address)\n",
			html: `<li>this form: <span style="color:#666">(not a web address: javascript:alert(1))</span></li>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sheet := &analyze.FactSheet{Statements: []analyze.Statement{{IDs: []string{"object"}, Links: []analyze.Link{tt.link}}}}
			text, html := renderChange(t, &changeView{Watch: "acme", Verb: "changed", Forms: objectionForms(sheet), Excerpt: []excerptLine{{Text: "end"}}})
			if !strings.Contains(text, "Where to object:"+tt.text) {
				t.Errorf("text part:\n%s\nwant the line %q", text, tt.text)
			}
			if tt.notInTxt != "" && strings.Contains(text, tt.notInTxt) {
				t.Errorf("text part:\n%s\nshows the address twice", text)
			}
			if !strings.Contains(html, tt.html) {
				t.Errorf("HTML part:\n%s\nwant %s", html, tt.html)
			}
		})
	}
}

// TestRightsHaveTheirHeading: a right gained or lost is listed under a
// heading of its own, not under what is collected, and why.
func TestRightsHaveTheirHeading(t *testing.T) {
	s := &Service{taxonomy: analyze.DefaultTaxonomy()}
	e := &monitor.Event{Kind: monitor.KindChange, Severity: monitor.SeverityCritical, Analysis: &analyze.Analysis{
		ScopeAdded: []string{"messages"}, RightsRemoved: []string{"object"}, RightsAdded: []string{"delete"},
	}}
	v, err := s.changeView(context.Background(), e, alertDetail, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	text, html := renderChange(t, v)
	wantText := "What is collected, and why:\n  + collected: " + s.taxonomy.Label("messages", "en") +
		"\n\nYour rights:\n  − Right to object\n  + Deletion"
	if !strings.Contains(text, wantText) {
		t.Errorf("text part:\n%s\nwant\n%s", text, wantText)
	}
	wantHTML := "<strong>Your rights</strong></p>\n<ul style=\"margin:0\">\n<li>− Right to object</li>\n<li>&#43; Deletion</li>\n</ul>"
	if !strings.Contains(html, wantHTML) {
		t.Errorf("HTML part:\n%s\nwant\n%s", html, wantHTML)
	}
	for _, part := range []string{text, html} {
		if strings.Contains(part, "right:") {
			t.Errorf("a right listed as what is collected:\n%s", part)
		}
	}
}

// TestDeadlinesReadAgainstTheMessageDate: a deadline, an upcoming
// update or the start of a use, before the message's date is marked as passed; one close ahead
// says how close; one further on, an effective date, a date removed, or a
// change read with no date (a feed) says nothing more. Dates are written
// as the summaries write them.
func TestDeadlinesReadAgainstTheMessageDate(t *testing.T) {
	asOf := time.Date(2026, 11, 27, 21, 6, 0, 0, time.UTC)
	s := &Service{taxonomy: analyze.DefaultTaxonomy()}
	deadline, upcoming := analyze.RoleDeadline, analyze.RoleUpcoming
	tests := []struct {
		role     analyze.DateRole
		old, new string
		asOf     time.Time
		want     string // the line, after the role: "old → new (note)"
	}{
		{deadline, "", "2026-07-01", asOf, "none → 1 Jul 2026 (passed)"}, // the walkthrough's
		{deadline, "2026-07-01", "2026-11-26", asOf, "1 Jul 2026 → 26 Nov 2026 (passed)"},
		{deadline, "", "2026-11-27", asOf, "none → 27 Nov 2026 (today)"},
		{deadline, "", "2026-11-28", asOf, "none → 28 Nov 2026 (tomorrow)"},
		{deadline, "", "2026-12-11", asOf, "none → 11 Dec 2026 (in 14 days)"},
		{deadline, "", "2026-12-12", asOf, "none → 12 Dec 2026"}, // further on
		{upcoming, "", "2026-11-01", asOf, "none → 1 Nov 2026 (passed)"},
		{upcoming, "", "2026-10", asOf, "none → Oct 2026 (passed)"},                                   // the whole month is over
		{upcoming, "", "2026-11", asOf, "none → Nov 2026"},                                            // not yet
		{analyze.RoleStart, "2026-11-20", "2026-11-28", asOf, "20 Nov 2026 → 28 Nov 2026 (tomorrow)"}, // the day a use starts
		{analyze.RoleEffective, "2026-03-03", "2026-07-01", asOf, "3 Mar 2026 → 1 Jul 2026"},
		{deadline, "2026-07-01", "", asOf, "1 Jul 2026 → none"},        // removed
		{deadline, "", "2026-07-01", time.Time{}, "none → 1 Jul 2026"}, // no message date: a feed
	}
	for _, tt := range tests {
		role := analyze.DateRoleName(tt.role, "", nil)
		t.Run(role+" "+tt.want, func(t *testing.T) {
			e := &monitor.Event{Kind: monitor.KindChange, Severity: monitor.SeverityCritical, Time: asOf.Add(-time.Hour),
				Analysis: &analyze.Analysis{Dates: []analyze.DateChange{{Role: tt.role, Old: tt.old, New: tt.new, Quote: "by then"}}}}
			v, err := s.changeView(context.Background(), e, alertDetail, tt.asOf)
			if err != nil {
				t.Fatal(err)
			}
			text, html := renderChange(t, v)
			if line := "\n  * " + role + ": " + tt.want + "\n"; !strings.Contains(text, line) {
				t.Errorf("text part:\n%s\nwant the line %q", text, line)
			}
			old, shown, _ := strings.Cut(tt.want, " → ")
			shown, note, marked := strings.Cut(shown, " (")
			item := "<li>" + role + ": " + old + " &rarr; <strong>" + shown + "</strong><br>"
			if marked {
				item = strings.Replace(item, "</strong>", "</strong> ("+note, 1)
			}
			if !strings.Contains(html, item) {
				t.Errorf("HTML part:\n%s\nwant %s", html, item)
			}
			if when := "27 Nov 2026 20:06 UTC"; !strings.Contains(text, when) || !strings.Contains(html, when) {
				t.Errorf("the change's time is not written %q:\n%s\n%s", when, text, html)
			}
		})
	}
}

// TestDeadlineNotesInTheDigestZone: "today", "tomorrow" and "passed" are
// read on the calendar of the zone digests go out in (the schedule's
// CRON_TZ, else the clock's), not UTC's.
func TestDeadlineNotesInTheDigestZone(t *testing.T) {
	tests := []struct {
		schedule string
		asOf     time.Time // UTC, as a clock gives it
		deadline string
		want     string
	}{
		// 08:00 on 14 July in Tokyo: UTC says 13 July.
		{"CRON_TZ=Asia/Tokyo 0 8 * * *", time.Date(2026, 7, 13, 23, 0, 0, 0, time.UTC), "2026-07-14", "(today)"},
		{"CRON_TZ=Asia/Tokyo 0 8 * * *", time.Date(2026, 7, 13, 23, 0, 0, 0, time.UTC), "2026-07-13", "(passed)"},
		// 18:00 on 13 July in Los Angeles: UTC says 14 July.
		{"CRON_TZ=America/Los_Angeles 0 8 * * *", time.Date(2026, 7, 14, 1, 0, 0, 0, time.UTC), "2026-07-13", "(today)"},
		{"CRON_TZ=America/Los_Angeles 0 8 * * *", time.Date(2026, 7, 14, 1, 0, 0, 0, time.UTC), "2026-07-14", "(tomorrow)"},
		// No CRON_TZ: the clock's zone, UTC here.
		{"0 8 * * *", time.Date(2026, 7, 14, 1, 0, 0, 0, time.UTC), "2026-07-14", "(today)"},
	}
	for _, tt := range tests {
		t.Run(tt.schedule+" "+tt.deadline, func(t *testing.T) {
			sched, err := cron.ParseStandard(tt.schedule)
			if err != nil {
				t.Fatal(err)
			}
			s := &Service{taxonomy: analyze.DefaultTaxonomy(), digest: sched}
			e := &monitor.Event{Kind: monitor.KindChange, Severity: monitor.SeverityCritical, Time: tt.asOf.Add(-time.Hour),
				Analysis: &analyze.Analysis{Dates: []analyze.DateChange{{Role: analyze.RoleDeadline, New: tt.deadline, Quote: "by then"}}}}
			v, err := s.changeView(context.Background(), e, alertDetail, tt.asOf)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Dates) != 1 || "("+v.Dates[0].Note+")" != tt.want {
				t.Errorf("dates %+v, want the note %s", v.Dates, tt.want)
			}
		})
	}
}

// TestUsesAndMovedFormsShown: the uses a change added or removed are
// listed by purpose and place, a minors' category marked, with their
// quote (cut as quotes are), the title that names the purpose and the
// section; past the detail's quotes the groups are counted. An objection
// form that moved shows both addresses, a link only when it is a web
// address shown whole.
func TestUsesAndMovedFormsShown(t *testing.T) {
	s := &Service{taxonomy: analyze.DefaultTaxonomy()}
	teens := analyze.UseChange{Purpose: "ai_training", Minors: true, Quote: "Public posts and comments",
		Context: "We use the following information of teens to train our AI models:", Section: "Teens"}
	posts, comments := teens, teens
	posts.Category, comments.Category = "posts", "comments"
	long := strings.Repeat("word ", maxQuote)
	a := &analyze.Analysis{
		UsesAdded: []analyze.UseChange{posts, comments},
		UsesRemoved: []analyze.UseChange{
			{Purpose: "ai_training", Category: "photos", Quote: long, Section: "AI"},
			{Purpose: "advertising", Category: "posts", Quote: "ads"},
			{Purpose: "research", Category: "posts", Quote: "research"},
		},
		FormsMoved: []analyze.FormMove{
			{Text: "this form", Old: "https://nimbus.example/object", New: "https://nimbus.example/help/object"},
			{Text: "that form", Old: "https://nimbus.example/that", New: "javascript:alert(1)"},
			{Text: "long form", Old: "https://nimbus.example/long", New: "https://nimbus.example/x?t=" + strings.Repeat("x", maxFormHref)},
		},
	}
	e := &monitor.Event{Kind: monitor.KindChange, Severity: monitor.SeverityNotable, Analysis: a}
	v, err := s.changeView(context.Background(), e, digestDetail, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Uses) != digestDetail.quotes || v.MoreUses != 4-digestDetail.quotes {
		t.Fatalf("%d uses shown and %d counted, want %d and %d", len(v.Uses), v.MoreUses, digestDetail.quotes, 4-digestDetail.quotes)
	}
	if q := []rune(v.Uses[1].Quote); len(q) > maxQuote || q[len(q)-1] != '…' {
		t.Errorf("a long quote: %d runes, want cut to %d", len(q), maxQuote)
	}
	text, html := renderChange(t, v)
	for _, want := range []string{
		"\n\nWhat each purpose uses:\n  + AI training uses Posts (minors'), Comments (minors')\n    \"Public posts and comments\" (Teens)\n" +
			"    under \"We use the following information of teens to train our AI models:\"\n  − AI training uses Photos\n    \"word word",
		"\n  − Advertising uses Posts\n    \"ads\"\n  ... and 1 more\n",
		"\n\nObjection forms moved:\n  this form: https://nimbus.example/object → https://nimbus.example/help/object\n" +
			"  that form: https://nimbus.example/that → (not a web address: javascript:alert(1))\n" +
			"  long form: https://nimbus.example/long → (not a web address: https://nimbus.example/x?t=xxx",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text part:\n%s\nwant\n%s", text, want)
		}
	}
	for _, want := range []string{
		"<li>&#43; AI training uses Posts (minors&#39;), Comments (minors&#39;)<br><q style=\"color:#444\">Public posts and comments</q> <span style=\"color:#666\">(Teens)</span>" +
			"<br><span style=\"color:#666\">under <q>We use the following information of teens to train our AI models:</q></span></li>",
		"<li>− Advertising uses Posts<br><q style=\"color:#444\">ads</q></li>\n<li>… and 1 more</li>",
		"<li>this form: <a href=\"https://nimbus.example/object\">https://nimbus.example/object</a> &rarr; <strong><a href=\"https://nimbus.example/help/object\">https://nimbus.example/help/object</a></strong></li>",
		"<li>that form: <a href=\"https://nimbus.example/that\">https://nimbus.example/that</a> &rarr; <strong><span style=\"color:#666\">(not a web address: javascript:alert(1))</span></strong></li>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML part:\n%s\nwant\n%s", html, want)
		}
	}
	if strings.Contains(html, `href="javascript:`) || strings.Contains(html, `href="https://nimbus.example/x?t=`) {
		t.Errorf("a moved form not a web address, or cut, is a link:\n%s", html)
	}
}
