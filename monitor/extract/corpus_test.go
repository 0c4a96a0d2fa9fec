package extract

import (
	"bytes"
	"regexp"
	"slices"
	"testing"

	"github.com/policywatch/policywatch/internal/corpustest"
)

// printableURL is the address the printable history was fetched from.
const printableURL = "https://mbasic.facebook.com/privacy/policy/printable/"

// TestCorpusReplay replays the real histories and checks that TextHash
// changes exactly when the archive says the text a reader sees changed,
// with the site's selector and with the main-content heuristic.
func TestCorpusReplay(t *testing.T) {
	histories := []struct {
		name    string
		pageURL string
		modes   map[string]Rules
	}{
		{corpustest.Printable, printableURL, map[string]Rules{
			"select #root": {Select: []string{"#root"}},
			"heuristic":    {},
		}},
		{corpustest.Facebook, "https://www.facebook.com/privacy/policy/", map[string]Rules{
			"select #policy": {Select: []string{"#policy"}},
			"heuristic":      {},
		}},
	}
	for _, hist := range histories {
		t.Run(hist.name, func(t *testing.T) {
			h := corpustest.Open(t, hist.name)
			for mode, rules := range hist.modes {
				t.Run(mode, func(t *testing.T) {
					replay(t, h, hist.pageURL, rules)
				})
			}
		})
	}
}

// hrefAttr finds raw link targets, to show that they churn.
var hrefAttr = regexp.MustCompile(`href="[^"]*"`)

func replay(t *testing.T, h *corpustest.History, pageURL string, rules Rules) {
	seen := map[string]int{} // TextHash → index of the first step with it
	var prevHash string
	var prevHrefs, prevLinks []byte
	var mismatches, rawChurn, linkChurn, sameSteps int
	minRatio := 10.0
	for i, step := range h.Steps {
		page, err := step.Read()
		if err != nil {
			t.Fatal(err)
		}
		doc, err := Extract(page, pageURL, rules)
		if err != nil {
			t.Fatalf("step %04d: %v", step.Seq, err)
		}
		if !doc.SelectorMatched {
			t.Errorf("step %04d: selector matched nothing", step.Seq)
		}
		if ratio := float64(len(doc.Text)) / float64(step.TextLen); ratio < 0.5 {
			t.Errorf("step %04d: text %d bytes, the archive's reader saw %d", step.Seq, len(doc.Text), step.TextLen)
		} else {
			minRatio = min(minRatio, ratio)
		}
		if doc.Lang != "en" || len(doc.Links()) == 0 {
			t.Errorf("step %04d: Lang %q, %d links", step.Seq, doc.Lang, len(doc.Links()))
		}
		if reason, ev := Assess(doc, true); reason != "" {
			t.Errorf("step %04d: assessed %s (%q), want real content", step.Seq, reason, ev)
		}

		hash := TextHash(doc.Text)
		hrefs := bytes.Join(hrefAttr.FindAll(page, -1), nil)
		var links []byte
		for _, l := range doc.Links() {
			links = append(append(links, l.Href...), '\n')
		}
		first, wasSeen := seen[hash]
		switch step.Label {
		case "first":
		case "same":
			sameSteps++
			if hash != prevHash {
				mismatches++
				t.Errorf("step %04d labelled same: text hash changed", step.Seq)
			}
			if !bytes.Equal(hrefs, prevHrefs) {
				rawChurn++
				if !bytes.Equal(links, prevLinks) {
					linkChurn++
				}
			}
		case "new":
			if wasSeen {
				mismatches++
				t.Errorf("step %04d labelled new: text of step %04d", step.Seq, h.Steps[first].Seq)
			}
		case "revert":
			if !wasSeen || hash == prevHash {
				mismatches++
				t.Errorf("step %04d labelled revert: text seen before %v, same as previous step %v", step.Seq, wasSeen, hash == prevHash)
			}
		default:
			t.Logf("step %04d labelled %s: not scored", step.Seq, step.Label)
		}
		if !wasSeen {
			seen[hash] = i
			if lang, ok := DetectLanguage(doc.Text); lang != "en" || !ok {
				t.Errorf("step %04d: DetectLanguage = %q, %v", step.Seq, lang, ok)
			}
		}
		prevHash, prevHrefs, prevLinks = hash, hrefs, links
	}
	t.Logf("%d steps, %d distinct texts, %d mismatches; text ≥ %.2f× the archive's; raw hrefs churned in %d of %d same steps, normalised links in %d",
		len(h.Steps), len(seen), mismatches, minRatio, rawChurn, sameSteps, linkChurn)
	if rawChurn == 0 {
		t.Error("no link churn between same steps: the history no longer tests it")
	}
	// NormalizeURL hides the churn of tokens; what remains are real changes
	// of a link's target with its text unchanged, which are rare.
	if linkChurn*20 > rawChurn {
		t.Errorf("normalised links changed in %d of the %d same steps whose raw hrefs churned", linkChurn, rawChurn)
	}
}

// TestCorpusModesAgree checks that the main-content heuristic keeps all of
// the text the site's selector keeps, on every distinct page of both
// histories.
func TestCorpusModesAgree(t *testing.T) {
	for _, c := range []struct{ history, pageURL, selector string }{
		{corpustest.Printable, printableURL, "#root"},
		{corpustest.Facebook, "https://www.facebook.com/privacy/policy/", "#policy"},
	} {
		h := corpustest.Open(t, c.history)
		for _, step := range h.Steps {
			if !slices.Contains([]string{"first", "new", "revert"}, step.Label) {
				continue
			}
			page, err := step.Read()
			if err != nil {
				t.Fatal(err)
			}
			sel, err := Extract(page, c.pageURL, Rules{Select: []string{c.selector}})
			if err != nil {
				t.Fatal(err)
			}
			heur, err := Extract(page, c.pageURL, Rules{})
			if err != nil {
				t.Fatal(err)
			}
			if sel.Text != heur.Text {
				t.Errorf("%s step %04d: heuristic text (%d bytes) differs from %s (%d bytes)", c.history, step.Seq, len(heur.Text), c.selector, len(sel.Text))
			}
		}
	}
}
