package notify

import (
	"strings"
	"testing"

	"github.com/policywatch/policywatch/monitor/analyze"
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
