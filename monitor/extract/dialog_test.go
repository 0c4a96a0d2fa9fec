package extract

import (
	"strings"
	"testing"
)

// TestCookieDialogIsChrome: a page without a main element whose cookie
// banner (a dialog, shown on some fetches and not others: by region, by
// A/B test, by whether the fetch carried a cookie) sits in the body reads
// the same with and without it; a page that is mostly such a dialog (a
// consent wall) keeps its words, for Assess to recognise.
func TestCookieDialogIsChrome(t *testing.T) {
	policy := `<h1>Privacy Policy</h1>` + strings.Repeat("<p>We collect information about what you do on our products and use it to show you ads.</p>", 20)
	banners := map[string]string{
		"role dialog":       `<div role="dialog" aria-label="Cookies"><p>We use cookies to improve your experience.</p><button>Accept all cookies</button><p>Manage preferences</p></div>`,
		"role alertdialog":  `<div role="alertdialog"><p>This site uses cookies. By continuing you agree to our use of cookies.</p></div>`,
		"open dialog":       `<dialog open><p>We use cookies to improve your experience. Accept all cookies?</p></dialog>`,
		"dialog role caps ": `<section role=" Dialog "><p>We use cookies to improve your experience.</p></section>`,
	}
	plain := hashOf(t, `<html><body><div class="wrap">`+policy+`</div></body></html>`)
	for name, banner := range banners {
		t.Run(name, func(t *testing.T) {
			for _, page := range []string{
				`<html><body>` + banner + `<div class="wrap">` + policy + `</div></body></html>`,
				`<html><body><div class="wrap">` + policy + `</div>` + banner + `</body></html>`,
			} {
				if hashOf(t, page) != plain {
					t.Errorf("the banner changes the text of the page")
				}
			}
		})
	}
	wall := `<html><body><div role="dialog"><h1>Allow the use of cookies by Nimbus on this browser?</h1><p>We use cookies to help provide and improve content.</p><button>Allow all cookies</button></div><p>Nimbus</p></body></html>`
	doc, err := Extract([]byte(wall), "https://example.org/", Rules{})
	if err != nil {
		t.Fatal(err)
	}
	if reason, _ := Assess(doc, true); reason != ReasonConsentWall {
		t.Errorf("a consent wall made of a dialog: Assess = %q, text %q", reason, doc.Text)
	}
}
