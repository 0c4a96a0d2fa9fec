package notify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/policywatch/policywatch/monitor/diff"
	"github.com/policywatch/policywatch/notify"
)

// excerptRow is a line of the diff excerpt of an HTML part as a reader
// sees it: its whole text, and its <del> and <ins> marks.
type excerptRow struct {
	text  string
	marks []wordMark
}

type wordMark struct{ tag, text, style string }

// htmlExcerpt returns the lines of the diff excerpt (the <pre>) of doc.
func htmlExcerpt(t *testing.T, doc string) []excerptRow {
	t.Helper()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var pre *html.Node
	for n := range root.Descendants() {
		if n.Type == html.ElementNode && n.Data == "pre" {
			pre = n
			break
		}
	}
	if pre == nil {
		t.Fatalf("no diff excerpt in\n%s", doc)
	}
	var rows []excerptRow
	for span := range pre.ChildNodes() {
		if span.Type != html.ElementNode {
			continue
		}
		var row excerptRow
		for n := range span.Descendants() {
			switch {
			case n.Type == html.TextNode:
				row.text += n.Data
			case n.Type == html.ElementNode && (n.Data == "del" || n.Data == "ins"):
				m := wordMark{tag: n.Data}
				for c := range n.Descendants() {
					if c.Type == html.TextNode {
						m.text += c.Data
					}
				}
				for _, a := range n.Attr {
					if a.Key == "style" {
						m.style = a.Val
					}
				}
				row.marks = append(row.marks, m)
			case n.Type == html.ElementNode:
				t.Errorf("unexpected <%s> in excerpt line", n.Data)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// textExcerpt returns the lines of the diff excerpt of a text part.
func textExcerpt(t *testing.T, text string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(strings.ReplaceAll(text, "\r\n", "\n"), "\nDiff excerpt:\n")
	if !ok {
		t.Fatalf("no diff excerpt in\n%s", text)
	}
	var lines []string
	for _, l := range strings.Split(rest, "\n") {
		if l == "" {
			break
		}
		lines = append(lines, strings.TrimPrefix(l, "  "))
	}
	return lines
}

// rowStarting returns the row of the excerpt whose text starts with prefix.
func rowStarting(t *testing.T, rows []excerptRow, prefix string) excerptRow {
	t.Helper()
	for _, r := range rows {
		if strings.HasPrefix(r.text, prefix) {
			return r
		}
	}
	t.Fatalf("no excerpt line starts with %q in %+v", prefix, rows)
	return excerptRow{}
}

// changeMail serves the policy with its effective date line replaced by
// before, then by after (each may add paragraphs), and returns the one
// email the change sends to a subscriber of every severity.
func changeMail(t *testing.T, before, after string) *parsedMail {
	t.Helper()
	page, err := os.ReadFile(filepath.Join("testdata", "policy-v3-date.html"))
	if err != nil {
		t.Fatal(err)
	}
	const line = "<p>Effective July 1, 2026</p>"
	if !strings.Contains(string(page), line) {
		t.Fatalf("policy-v3-date.html lacks %q", line)
	}
	r := newRig(t)
	ms := newMailServer(t)
	r.subscribe("ada@example.org", func(s *notify.Subscriber) { s.MinSeverity = "info" })
	svc := r.service(notify.Config{BaseURL: "https://pw.example"}, ms)
	r.check(strings.Replace(string(page), line, before, 1), t0)
	if events := r.check(strings.Replace(string(page), line, after, 1), t0.Add(time.Hour)); len(events) != 1 {
		t.Fatalf("events %+v, want one change", events)
	}
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := parseMail(t, msgs[0].Data)
	assertInertHTML(t, "HTML part", m.HTML)
	// The HTML shows the excerpt's lines as the text part does, marks aside.
	rows, lines := htmlExcerpt(t, m.HTML), textExcerpt(t, m.Text)
	if len(rows) != len(lines) {
		t.Fatalf("%d excerpt lines in the HTML part, %d in the text part", len(rows), len(lines))
	}
	for i := range rows {
		if rows[i].text != lines[i] {
			t.Errorf("excerpt line %d:\nHTML %q\ntext %q", i, rows[i].text, lines[i])
		}
	}
	return m
}

// TestExcerptMarksChangedWords: in the HTML part, the words that changed
// inside a changed line are marked, <del> on the removed line and <ins> on
// the added one, and the words around them are not; the text part shows
// the lines as before.
func TestExcerptMarksChangedWords(t *testing.T) {
	m := changeMail(t, "<p>Effective 14 July 2026</p>", "<p>Effective 1 July 2026</p>")
	rows := htmlExcerpt(t, m.HTML)
	for _, tt := range []struct {
		line string
		want wordMark
	}{
		{"− Effective 14 July 2026", wordMark{tag: "del", text: "14", style: "text-decoration:line-through"}},
		{"+ Effective 1 July 2026", wordMark{tag: "ins", text: "1", style: "text-decoration:underline"}},
	} {
		row := rowStarting(t, rows, tt.line)
		if row.text != tt.line {
			t.Errorf("excerpt line %q, want %q", row.text, tt.line)
		}
		if len(row.marks) != 1 || row.marks[0].tag != tt.want.tag || row.marks[0].text != tt.want.text {
			t.Errorf("%q marks %+v, want only <%s>%s</%s>", tt.line, row.marks, tt.want.tag, tt.want.text, tt.want.tag)
			continue
		}
		// Readable without colours: struck or underlined, and bold.
		if s := row.marks[0].style; !strings.Contains(s, tt.want.style) || !strings.Contains(s, "font-weight:bold") {
			t.Errorf("%q: mark style %q lacks %q or bold", tt.line, s, tt.want.style)
		}
	}
	if !strings.Contains(m.HTML, `&#43; Effective <ins style="background:#acf2bd;font-weight:bold;text-decoration:underline">1</ins> July 2026</span>`) {
		t.Errorf("the added line is not marked as expected:\n%s", m.HTML)
	}
	if got, want := strings.Join(textExcerpt(t, m.Text), "\n"), "− Effective 14 July 2026\n+ Effective 1 July 2026"; got != want {
		t.Errorf("text part excerpt\n%s\nwant\n%s", got, want)
	}
	if strings.ContainsAny(m.Text, "<>") {
		t.Errorf("markup in the text part:\n%s", m.Text)
	}
}

// TestExcerptMarksHostileWords: scraped markup, quotes and bidi controls
// inside a changed word reach the HTML part escaped, inside the mark, and
// the controls not at all.
func TestExcerptMarksHostileWords(t *testing.T) {
	const hostile = `&lt;script&gt;alert('pw')&lt;/script&gt;&quot;Acme` + "\u202e" + `gpj.exe&quot;` + "\u2066\u200f"
	m := changeMail(t,
		"<p>Effective July 1, 2026</p><p>We share your data with partners for research.</p>",
		"<p>Effective July 1, 2026</p><p>We share your data with "+hostile+" for research.</p>")
	rows := htmlExcerpt(t, m.HTML)
	removed := rowStarting(t, rows, "− We share")
	if len(removed.marks) != 1 || removed.marks[0].tag != "del" || removed.marks[0].text != "partners" {
		t.Errorf("removed line %q marks %+v, want <del>partners</del>", removed.text, removed.marks)
	}
	added := rowStarting(t, rows, "+ We share")
	const word = `<script>alert('pw')</script>"Acme gpj.exe"` // the controls folded into a space
	if added.text != "+ We share your data with "+word+" for research." {
		t.Errorf("added line %q", added.text)
	}
	if len(added.marks) != 1 || added.marks[0].tag != "ins" || added.marks[0].text != word {
		t.Errorf("added line %q marks %+v, want <ins>%s</ins>", added.text, added.marks, word)
	}
	const escaped = `">&lt;script&gt;alert(&#39;pw&#39;)&lt;/script&gt;&#34;Acme gpj.exe&#34;</ins> for research.</span>`
	if !strings.Contains(m.HTML, escaped) {
		t.Errorf("HTML part lacks the escaped mark %q:\n%s", escaped, m.HTML)
	}
	for _, part := range []struct{ name, body string }{{"HTML", m.HTML}, {"text", m.Text}} {
		if strings.ContainsAny(part.body, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f") {
			t.Errorf("%s part keeps a bidi control:\n%q", part.name, part.body)
		}
	}
	if strings.Contains(m.HTML, "<script") {
		t.Errorf("HTML part has a <script> tag:\n%s", m.HTML)
	}
}

// TestExcerptMarksCapped: a line reworded in more places than an email
// marks is shown whole, as before, so that marks cannot multiply the size
// of a message; the other lines keep theirs.
func TestExcerptMarksCapped(t *testing.T) {
	const (
		oldPara = "We keep alpha one beta two gamma three delta four epsilon five zeta six eta seven theta eight iota nine kappa ten lambda."
		newPara = "We keep alpha 1 beta 2 gamma 3 delta 4 epsilon 5 zeta 6 eta 7 theta 8 iota 9 kappa 10 lambda."
	)
	// The diff does pair the two and finds ten changes in each.
	for _, l := range diff.Compute(oldPara+"\n", newPara+"\n", 0).ExcerptLines(0) {
		changed := 0
		for _, p := range l.Pieces {
			if p.Changed {
				changed++
			}
		}
		if changed != 10 {
			t.Fatalf("%s line with %d changed runs, want 10: %+v", l.Op, changed, l.Pieces)
		}
	}
	m := changeMail(t,
		"<p>Effective 14 July 2026</p><p>"+oldPara+"</p>",
		"<p>Effective 1 July 2026</p><p>"+newPara+"</p>")
	rows := htmlExcerpt(t, m.HTML)
	for _, prefix := range []string{"− We keep", "+ We keep"} {
		if row := rowStarting(t, rows, prefix); len(row.marks) != 0 {
			t.Errorf("%q has %d marks, want the line whole", row.text, len(row.marks))
		}
	}
	for _, prefix := range []string{"− Effective", "+ Effective"} {
		if row := rowStarting(t, rows, prefix); len(row.marks) != 1 {
			t.Errorf("%q has %d marks, want 1", row.text, len(row.marks))
		}
	}
}
