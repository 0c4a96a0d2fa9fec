package extract

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestAssessShells(t *testing.T) {
	tests := []struct {
		fixture    string
		wantReason string
		wantPhrase string // part of the evidence
	}{
		{"error-en.html", ReasonErrorPage, "this page isn't available"},
		{"error-fr.html", ReasonErrorPage, "cette page n'est pas disponible"},
		{"unexpected-en.html", ReasonErrorPage, "something went wrong"},
		{"unexpected-fr.html", ReasonErrorPage, "une erreur inattendue s'est produite"},
		{"consent-en.html", ReasonConsentWall, "allow the use of cookies"},
		{"consent-fr.html", ReasonConsentWall, "autoriser l'utilisation des cookies"},
		{"login-en.html", ReasonLoginWall, "you must log in"},
		{"login-fr.html", ReasonLoginWall, "connectez-vous pour continuer"},
		{"jsshell-en.html", ReasonJSShell, "enable JavaScript"},
		{"jsshell-fr.html", ReasonJSShell, "#app"},
		{"jsshell-visible-fr.html", ReasonJSShell, "veuillez activer javascript"},
		{"botblock-en.html", ReasonBotBlock, "checking your browser"},
		{"botblock-fr.html", ReasonBotBlock, "accès refusé"},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			page := readFixture(t, filepath.Join("assess", tc.fixture))
			doc, err := Extract(page, "https://www.facebook.com/privacy/policy/", Rules{})
			if err != nil {
				t.Fatal(err)
			}
			reason, evidence := Assess(doc, true)
			if reason != tc.wantReason {
				t.Errorf("Assess = %q (%q), want %q", reason, evidence, tc.wantReason)
			}
			if !strings.Contains(evidence, tc.wantPhrase) {
				t.Errorf("evidence %q does not show %q", evidence, tc.wantPhrase)
			}
		})
	}
}

// policyPage writes a policy-like page of about n characters that mentions
// cookies, logging in, errors and JavaScript in passing, as real ones do.
func policyPage(n int, opening string) string {
	var b strings.Builder
	b.WriteString(`<html lang="en"><head><title>Privacy Policy</title></head><body><main>`)
	if opening != "" {
		fmt.Fprintf(&b, "<h1>%s</h1>", opening)
	}
	b.WriteString("<h1>Privacy Policy</h1><p>Effective May 27, 2025</p>")
	passing := []string{
		"If you see a page saying something went wrong, try again later; we log the error to fix it.",
		"Some features need you to log in to continue using them, and you must log in to manage settings.",
		"On our cookie banner you can accept all cookies or allow the use of cookies that are essential only.",
		"Our websites use JavaScript; please enable JavaScript in your browser for the best experience.",
		"We protect our services against unusual traffic and may show a captcha when access denied errors repeat.",
	}
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "<h2>Section %d</h2><p>We collect information about how you use our Products, such as content you create and the people you interact with. %s</p>", i, passing[i%len(passing)])
	}
	b.WriteString("</main></body></html>")
	return b.String()
}

func TestAssessRealContent(t *testing.T) {
	tests := []struct {
		name       string
		page       string
		wantReason string
	}{
		{"long policy mentioning every phrase", policyPage(190_000, ""), ""},
		{"medium policy mentioning every phrase", policyPage(6_000, ""), ""},
		{"medium page opening with an error", policyPage(6_000, "Sorry, this content isn't available right now"), ReasonErrorPage},
		{"long page opening with an error is still content", policyPage(60_000, "Something went wrong"), ""},
		{"empty page is not assessed here", "<html><body></body></html>", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Extract([]byte(tc.page), "https://example.org/", Rules{})
			if err != nil {
				t.Fatal(err)
			}
			if reason, evidence := Assess(doc, true); reason != tc.wantReason {
				t.Errorf("Assess = %q (%q), want %q", reason, evidence, tc.wantReason)
			}
		})
	}
	if reason, _ := Assess(nil, true); reason != "" {
		t.Errorf("Assess(nil) = %q", reason)
	}
}

// Without phrases, only the traces of a JavaScript-only page decide.
func TestAssessWithoutPhrases(t *testing.T) {
	for _, tc := range []struct{ fixture, want string }{
		{"error-en.html", ""},
		{"consent-fr.html", ""},
		{"login-en.html", ""},
		{"jsshell-en.html", ReasonJSShell}, // its <noscript>
		{"jsshell-fr.html", ReasonJSShell}, // an empty #app and scripts
	} {
		doc, err := Extract(readFixture(t, filepath.Join("assess", tc.fixture)), "https://www.facebook.com/privacy/policy/", Rules{})
		if err != nil {
			t.Fatal(err)
		}
		if reason, evidence := Assess(doc, false); reason != tc.want {
			t.Errorf("%s: Assess without phrases = %q (%q), want %q", tc.fixture, reason, evidence, tc.want)
		}
	}
}
