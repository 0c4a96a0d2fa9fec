package notify_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/policywatch/policywatch/notify"
)

// TestHostileContent: a watch name and a page title carrying CR LF and a
// header cannot add a header; scraped <script> and onerror= reach the HTML
// part and the feed escaped; a javascript: link is never made clickable.
func TestHostileContent(t *testing.T) {
	r := newRig(t)
	r.watch.Name = "nimbus\r\nBcc: victim@evil.example"
	ms := newMailServer(t)
	r.subscribe("ada@example.org", func(s *notify.Subscriber) { s.Watches = nil; s.MinSeverity = "info" })
	svc := r.service(notify.Config{BaseURL: "https://pw.example"}, ms)

	r.check("policy-v3-date.html", t0)
	events := r.check("policy-hostile.html", t0.Add(time.Hour))
	if len(events) != 1 || events[0].Severity != "critical" {
		t.Fatalf("events %+v", events)
	}
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	if got := msgs[0].To; len(got) != 1 || got[0] != "ada@example.org" {
		t.Fatalf("envelope recipients %v: the Bcc was obeyed", got)
	}
	raw := msgs[0].Data
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if strings.HasPrefix(strings.ToLower(line), "bcc:") {
			t.Errorf("injected header line %q", line)
		}
	}
	m := parseMail(t, raw)
	if len(m.Header["Bcc"]) != 0 {
		t.Errorf("Bcc header %v", m.Header["Bcc"])
	}
	subject := m.subject(t)
	if strings.ContainsAny(subject, "\r\n") || !strings.Contains(subject, "nimbus Bcc: victim@evil.example") {
		t.Errorf("subject %q: want the name on one line, as text", subject)
	}

	assertInertHTML(t, "HTML part", m.HTML)
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;",
		// A use's quote, in its list.
		"<li>&#43; AI training uses Comments<br><q style=\"color:#444\">We use public posts, comments &lt;script&gt;alert(4)&lt;/script&gt; and photos"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML part lacks the escaped %q:\n%s", want, m.HTML)
		}
	}
	if want := "\n  + AI training uses Comments\n    \"We use public posts, comments <script>alert(4)</script> and photos"; !strings.Contains(strings.ReplaceAll(m.Text, "\r\n", "\n"), want) {
		t.Errorf("text part lacks the use's quote %q:\n%s", want, m.Text)
	}

	// The feed, through the daemon's handler.
	web := httptest.NewServer(svc.Handler())
	t.Cleanup(web.Close)
	resp, err := http.Get(web.URL + "/feeds/all.atom")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("feed: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var feed struct {
		Entries []struct {
			Title   string `xml:"title"`
			Content string `xml:"content"`
			Summary string `xml:"summary"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &feed); err != nil {
		t.Fatalf("feed is not XML: %v\n%s", err, body)
	}
	if len(feed.Entries) != 2 {
		t.Fatalf("%d entries, want 2 (baseline and change)", len(feed.Entries))
	}
	html := feed.Entries[0].Content // the HTML a reader renders
	assertInertHTML(t, "feed entry", html)
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(html, "onerror=alert(2)&gt;") {
		t.Errorf("feed entry lacks the escaped scraped text:\n%s", html)
	}
	if strings.Contains(feed.Entries[0].Title, "\n") {
		t.Errorf("feed title on several lines: %q", feed.Entries[0].Title)
	}
}

// assertInertHTML parses doc as a browser would and fails on any script
// or img element, event handler attribute, or link that is not http(s).
func assertInertHTML(t *testing.T, what, doc string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if tok.Data == "script" || tok.Data == "img" || tok.Data == "iframe" {
				t.Errorf("%s has a <%s> element", what, tok.Data)
			}
			for _, a := range tok.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("%s: <%s %s=%q>", what, tok.Data, a.Key, a.Val)
				}
				if (a.Key == "href" || a.Key == "src") && !strings.HasPrefix(a.Val, "https://") && !strings.HasPrefix(a.Val, "http://") {
					t.Errorf("%s: <%s %s=%q>", what, tok.Data, a.Key, a.Val)
				}
			}
		}
	}
}
