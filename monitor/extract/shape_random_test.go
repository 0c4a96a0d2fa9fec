package extract

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The random pairs below are built to differ only where Shape means to
// look away (values of attributes it leaves out, comments, script and
// style text, CDATA, link targets) around structures that made earlier
// versions of Shape wrong: foreign content and its integration points,
// frameset documents, tables, templates, deep nesting inside <a> tags,
// selectors with pseudo-classes. A pair with one shape must read the same
// (Text, Title, Lang, SelectorMatched, shell hints, Assess, Extract's
// error). The generator comes from the second review of Shape, which ran
// it for 5.5 million pairs; here a fixed seed keeps the test short and
// repeatable, and POLICYWATCH_SHAPE_PAIRS=N runs N pairs of each kind
// (with POLICYWATCH_SHAPE_SEED for another sequence).

// A piece of a generated page: fixed text, or a hole whose filling may
// differ between the two pages (in a part Shape means to leave out).
type piece struct {
	fixed string
	pre   string // around a hole
	post  string
	a, b  string
}

func renderPair(ps []piece) (string, string) {
	var a, b strings.Builder
	for _, p := range ps {
		if p.fixed != "" {
			a.WriteString(p.fixed)
			b.WriteString(p.fixed)
			continue
		}
		a.WriteString(p.pre + p.a + p.post)
		b.WriteString(p.pre + p.b + p.post)
	}
	return a.String(), b.String()
}

var (
	tags = strings.Fields(`html head body title meta base frameset frame noframes svg math mi mtext annotation-xml foreignObject desc
		style script textarea noscript iframe xmp template col colgroup table tbody tr td th caption
		b i a a a nobr font p div div div span main article nav header footer aside section dialog details h1 h2 li ul pre br hr
		input select option button form image img object marquee listing center code em s u big menu blockquote
		svg math frameset`)
	endTags    = strings.Fields(`html body head div p a b i table tr td svg math frameset noframes select template br span li nobr font title foreignObject desc mi`)
	readNames  = strings.Fields(`id role lang hidden aria-hidden style open type color face size encoding http-equiv content href xml:lang xlink:role xlink:href`)
	holeNames  = strings.Fields(`class data-x title href src nonce name xmlns data-y content`)
	readValues = []string{"", "1", "main", "root", "app", "content", "hidden", "true", "display:none", "en", "fr", "text/html", "content-language", "navigation", "presentation", "until-found", "x y", "k", "j"}
	holeValues = []string{"", "1", "2", "k", "j", "x y", "/p?t=1", "/p?t=2", "en", "fr", "main", "root", "content-language", "text/html", "hidden", "&amp;", "a\x00"}
	scriptText = []string{"", " ", "x", "a b", "\x00", "&#32;", "\n", "\r\n", "&amp;", "&#0;", "&nbsp;", "<", "< x", "a<3", "var x = 1;", "{\"a\":1}",
		"<![CDATA[ ]]>", "<![CDATA[\x00]]>", "<![CDATA[&#32;]]>", "<![CDATA[x]]>", "<![CDATA[]]>", " <![CDATA[ ]]> ", "<!-- x -->", "<!--", "-->", "</p>", "<p>x", "&#x0C;", "&Tab;", "\f", "]]>", "&", "&lt;p&gt;"}
	commentText = []string{"", "x", " ", "-", "a b", "<p>", "]]>", "[CDATA[", "\x00", "secret", "--!", "<![CDATA["}
	texts       = []string{"We sell your data.", "x", " ", "\n", "a b", "&amp;", "\x00", "Please enable JavaScript", "captcha", "\r", "&#32;", "Intro.", "<![CDATA[x]]>", "]]>", "<"}
	ruleSets    = []Rules{
		{}, {Select: []string{"#root"}}, {Select: []string{"main"}}, {Select: []string{"div"}}, {Select: []string{".k"}},
		{Select: []string{"[data-x]"}}, {Select: []string{"a a a a"}}, {Remove: []string{"b"}}, {Remove: []string{".j"}},
		{Remove: []string{`[data-x="1"]`}}, {Select: []string{"p:nth-child(2)"}}, {Remove: []string{"div:empty"}},
		{Select: []string{":root"}}, {Select: []string{"div:has(b)"}}, {Remove: []string{`p:contains("x")`}},
		{Select: []string{"[lang|=en]"}}, {Select: []string{"body > *"}}, {Remove: []string{"a + a"}}, {Select: []string{"b ~ p"}},
		{Select: []string{"td"}}, {Remove: []string{"svg"}}, {Select: []string{"noframes"}}, {Select: []string{":lang(en)"}},
		{Remove: []string{":matches(x)"}}, {Select: []string{"[title]"}}, {Remove: []string{"a"}}, {Select: []string{"b b b b"}},
		{Select: []string{"html > *"}}, {Remove: []string{"[content]"}}, {Select: []string{"[href^=\"/p\"]"}}, {Select: []string{"a > a"}},
		{Select: []string{"*:not(b)"}}, {Remove: []string{"div > div > div"}}, {Select: []string{"[class~=k]"}}, {Select: []string{"[xlink]"}},
	}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// hole returns a hole whose two fillings are drawn from pool.
func hole(r *rand.Rand, pre, post string, pool []string) piece {
	a := pick(r, pool)
	b := a
	if r.IntN(2) == 0 {
		b = pick(r, pool)
	}
	return piece{pre: pre, post: post, a: a, b: b}
}

// genPage builds a page of random tags, text, comments, scripts, styles,
// foreign content, framesets and tables, with holes where Shape looks
// away.
func genPage(r *rand.Rand) []piece {
	var ps []piece
	fixed := func(s string) { ps = append(ps, piece{fixed: s}) }
	if r.IntN(4) == 0 {
		fixed("<!DOCTYPE html>")
	}
	n := 4 + r.IntN(30)
	for range n {
		switch k := r.IntN(100); {
		case k < 30: // start tag
			name := pick(r, tags)
			if r.IntN(10) == 0 {
				name = strings.ToUpper(name)
			}
			fixed("<" + name)
			for range r.IntN(4) {
				if r.IntN(2) == 0 {
					fixed(" " + pick(r, readNames) + `="` + pick(r, readValues) + `"`)
				} else {
					nameHole := hole(r, " ", "", holeNames)
					ps = append(ps, nameHole)
					ps = append(ps, hole(r, `="`, `"`, holeValues))
				}
			}
			if r.IntN(8) == 0 {
				fixed("/>")
			} else {
				fixed(">")
			}
		case k < 45:
			fixed("</" + pick(r, endTags) + ">")
		case k < 60:
			fixed(pick(r, texts))
		case k < 67:
			ps = append(ps, hole(r, "<!--", "-->", commentText))
		case k < 80:
			el := pick(r, []string{"script", "style", "SCRIPT", "style"})
			fixed("<" + el)
			if r.IntN(3) == 0 {
				ps = append(ps, hole(r, " class=", "", holeValues[1:6]))
			}
			if r.IntN(10) == 0 {
				fixed("/>")
			} else {
				fixed(">")
			}
			ps = append(ps, hole(r, "", "", scriptText))
			if r.IntN(8) != 0 {
				fixed("</" + el + ">")
			}
		case k < 82:
			fixed(strings.Repeat("<div>", 9))
		case k < 84:
			ps = append(ps, hole(r, "<a href=", ">", []string{"1", "1", "2"}))
			fixed(strings.Repeat(pick(r, []string{"<div>", "<p>", "<li>", "<table>"}), 8+r.IntN(2)))
		case k < 88:
			fixed(pick(r, []string{"<svg>", "<math>", "<svg><desc>", "<math><mi>", "<math><annotation-xml encoding=text/html>", "<svg><foreignObject>"}))
		case k < 91:
			fixed(pick(r, []string{"<frameset>", "</frameset>", "</html>", "<noframes>We sell your data.</noframes>", "<noframes>x</noframes>"}))
		case k < 94:
			fixed(pick(r, []string{"<table>", "<template>", "<template><col>", "<select>", "<table><colgroup>"}))
		default:
			ps = append(ps, hole(r, "<![CDATA[", "]]>", scriptText))
		}
	}
	return ps
}

type reading struct {
	Text, Title, Lang string
	SelectorMatched   bool
	Shell             shellHints
	Reason, Evidence  string
	Err               string
}

// readPage is everything Shape promises to keep of a page's reading.
func readPage(page string, rules Rules) reading {
	doc, err := Extract([]byte(page), "https://example.com/policy", rules)
	if err != nil {
		return reading{Err: err.Error()}
	}
	r, e := Assess(doc, true)
	return reading{doc.Text, doc.Title, doc.Lang, doc.SelectorMatched, doc.shell, r, e, ""}
}

// oneShapeTwoReadings reports whether a pair is a counterexample to Shape.
func oneShapeTwoReadings(ps []piece, rules Rules) bool {
	a, b := renderPair(ps)
	if Shape([]byte(a), rules) != Shape([]byte(b), rules) {
		return false
	}
	return readPage(a, rules) != readPage(b, rules)
}

// minimize drops pieces, and makes holes fixed, while the pair stays a
// counterexample: what the failure message shows is small.
func minimize(ps []piece, rules Rules) []piece {
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(ps); i++ {
			try := append(append([]piece(nil), ps[:i]...), ps[i+1:]...)
			if oneShapeTwoReadings(try, rules) {
				ps, changed = try, true
				i--
				continue
			}
			if ps[i].fixed == "" && ps[i].a != ps[i].b {
				for _, v := range []string{ps[i].a, ps[i].b} {
					try := append([]piece(nil), ps...)
					try[i] = piece{fixed: ps[i].pre + v + ps[i].post}
					if try[i].fixed != "" && oneShapeTwoReadings(try, rules) {
						ps, changed = try, true
						break
					}
				}
			}
		}
	}
	return ps
}

// genNoah builds runs of <a> tags, equal or not, around deep nesting: the
// adoption agency stops after eight rounds and leaves clones for the
// "Noah's Ark" rule to compare.
func genNoah(r *rand.Rand) []piece {
	var ps []piece
	fixed := func(s string) { ps = append(ps, piece{fixed: s}) }
	fixed("<body>")
	inner := []string{"<div>", "<div>", "<div>", "<div>", "<div>", "<div>", "<section>", "<p>", "<li>", "<table>", "<td>", "<b>", "</div>", "</a>", "</p>", "x", "<section>", "<address>", "</b>", "<ul>"}
	for range 3 + r.IntN(6) {
		if r.IntN(3) == 0 {
			ps = append(ps, hole(r, "<a href=", " class=k>", []string{"1", "1", "2"}))
		} else {
			ps = append(ps, hole(r, "<a href=", ">", []string{"1", "1", "2"}))
		}
		n := 6 + r.IntN(8)
		for range n {
			fixed(pick(r, inner))
		}
	}
	for range r.IntN(30) {
		fixed(pick(r, []string{"</div>", "</p>", "</li>", "</table>", "</a>"}))
	}
	fixed("We sell your data.")
	return ps
}

func TestShapeRandomPairs(t *testing.T) {
	pairs, seed := 20000, uint64(1)
	if n, err := strconv.Atoi(os.Getenv("POLICYWATCH_SHAPE_PAIRS")); err == nil && n > 0 {
		pairs = n
	}
	if n, err := strconv.ParseUint(os.Getenv("POLICYWATCH_SHAPE_SEED"), 10, 64); err == nil {
		seed = n
	}
	noahRules := []Rules{{Select: []string{"a a a a"}}, {Remove: []string{"a a a a"}}, {Select: []string{"a > a > a"}},
		{Select: []string{"body > a"}}, {Remove: []string{"a a a"}}, {}}
	for _, kind := range []struct {
		name     string
		generate func(*rand.Rand) ([]piece, Rules)
	}{
		{"pages", func(r *rand.Rand) ([]piece, Rules) { return genPage(r), pick(r, ruleSets) }},
		{"links around deep nesting", func(r *rand.Rand) ([]piece, Rules) { return genNoah(r), pick(r, noahRules) }},
	} {
		t.Run(kind.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 99))
			differing, sameShape := 0, 0
			for range pairs {
				ps, rules := kind.generate(r)
				a, b := renderPair(ps)
				if a == b {
					continue
				}
				differing++
				if Shape([]byte(a), rules) != Shape([]byte(b), rules) {
					continue
				}
				sameShape++
				if readPage(a, rules) != readPage(b, rules) {
					ps = minimize(ps, rules)
					a, b = renderPair(ps)
					t.Fatalf("one shape, two readings under %+v:\nA %q\nB %q\nA reads %+v\nB reads %+v",
						rules, a, b, readPage(a, rules), readPage(b, rules))
				}
			}
			t.Logf("%d pairs of different pages, %d of them with one shape, all read the same", differing, sameShape)
			if sameShape < differing/5 {
				t.Errorf("only %d of %d pairs had one shape: the generator no longer tests what Shape leaves out", sameShape, differing)
			}
		})
	}
}
