package monitor_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/policywatch/policywatch/monitor"
)

// germanShells are pages a German reader is served instead of the policy,
// with status 200: each long enough (over 200 characters) not to be
// merely too short, as the real ones are with their explanations and links.
var germanShells = map[string]struct {
	page   string
	reason string
}{
	"consent": {`<!DOCTYPE html><html lang="de"><head><title>Cookies</title></head><body><main id="policy"><h1>Die Verwendung von Cookies durch Nimbus in diesem Browser erlauben?</h1>` +
		`<p>Wir verwenden Cookies und ähnliche Technologien, um Inhalte bereitzustellen und zu verbessern, Werbung zu personalisieren und für mehr Sicherheit zu sorgen.</p>` +
		`<p>Du kannst selbst entscheiden, welche optionalen Cookies wir verwenden dürfen.</p><p>Optionale Cookies ablehnen</p><p>Alle Cookies erlauben</p></main></body></html>`, monitor.ReasonConsentWall},
	"error": {`<!DOCTYPE html><html lang="de"><head><title>Fehler</title></head><body><main id="policy"><h1>Dieser Inhalt ist derzeit nicht verfügbar</h1>` +
		`<p>Das passiert normalerweise, wenn der Eigentümer den Inhalt nur mit einer kleinen Gruppe von Personen geteilt hat, die Zielgruppe geändert hat oder der Inhalt gelöscht wurde.</p>` +
		`<p>Zurück zur Startseite</p><p>Zurück zur vorherigen Seite</p><p>Hilfebereich besuchen</p></main></body></html>`, monitor.ReasonErrorPage},
	"login": {`<!DOCTYPE html><html lang="de"><head><title>Anmelden</title></head><body><main id="policy"><h1>Melde dich an, um fortzufahren</h1>` +
		`<p>Du musst angemeldet sein, um diese Seite aufzurufen. Gib deine E-Mail-Adresse oder Handynummer und dein Passwort ein.</p>` +
		`<p>Passwort vergessen?</p><p>Neues Konto erstellen</p><p>Erstelle eine Seite für eine Berühmtheit, eine Marke oder ein Unternehmen.</p></main></body></html>`, monitor.ReasonLoginWall},
}

// TestGermanShellIsNoBaseline: a German watch whose first capture is a
// consent, error or login page in German must not take it for the
// policy (a baseline of a cookie banner, then the real policy as its
// "change"): it is an anomaly, as it is in English or French.
func TestGermanShellIsNoBaseline(t *testing.T) {
	for name, shell := range germanShells {
		t.Run(name, func(t *testing.T) {
			pages := map[string][]byte{
				"shell": []byte(shell.page),
				"policy": policyPage("de", "Datenschutzrichtlinie", "Gültig ab 3. März 2026",
					strings.Repeat("Wir erfassen die Inhalte, die du erstellst und teilst, etwa Beiträge, Fotos und Kommentare, sowie Informationen über dein Gerät und deinen ungefähren Standort. ", 6)),
			}
			srv := newSequenceServer(t, pages)
			rig := &checkerRig{srv: srv, faults: newFaultRig(t, srv.URL)}
			rig.faults.watch = monitor.Watch{Name: "nimbus-de", URL: srv.URL + "/policy", Select: []string{"#policy"}, Fetcher: "http", Language: "de"}
			outcome, kinds, events := rig.see(t, "shell")
			if outcome != monitor.OutcomeAnomaly || len(events) != 1 || events[0].Reason != shell.reason {
				t.Fatalf("first capture a German %s page: outcome %s, events %s %+v; want one anomaly %s", name, outcome, kinds, events, shell.reason)
			}
			if outcome, kinds, _ := rig.see(t, "policy"); outcome != monitor.OutcomeBaseline || kinds != "[recovered baseline]" {
				t.Errorf("then the policy: outcome %s, events %s; want the baseline", outcome, kinds)
			}
		})
	}
}

// TestRedirectToLoginIsNoBaseline: a policy URL that redirects to the
// site's login page serves, with status 200, a page whose words may be
// none of the phrases known (each site words its login form its own way,
// and in any language), long enough with its footer not to be merely too
// short. Where it was sent says what it is.
func TestRedirectToLoginIsNoBaseline(t *testing.T) {
	loginPage := `<!DOCTYPE html><html lang="en"><head><title>Nimbus</title></head><body><main><h2>Log into Nimbus</h2>` +
		`<form><input name="user" placeholder="Phone number, username or email"><input type="password"><button>Log in</button></form>` +
		`<p>Forgotten your password?</p><p>Don't have an account? Sign up</p><p>Get the app for your phone or tablet.</p></main>` +
		`<footer><p>About Blog Jobs Help API Privacy Terms Locations Nimbus Lite Contact uploading and non-users Nimbus Verified English © 2026 Nimbus from Cumulus</p></footer></body></html>`
	policy := policyPage("en", "Privacy Policy", "Effective March 3, 2026", strings.Repeat(longParagraph, 6))
	rig, redirect := movingPolicy(t, policy, "/accounts/login/", []byte(loginPage), func(r *http.Request) string {
		return "/accounts/login/?next=" + url.QueryEscape(r.URL.Path)
	})
	redirect(true)

	res := rig.check(t)
	if res.Outcome != monitor.OutcomeAnomaly || len(res.Events) != 1 || res.Events[0].Reason != monitor.ReasonLoginWall {
		t.Fatalf("first capture redirected to a login page: outcome %s, events %v; want one anomaly login_wall", res.Outcome, kindsOf(res.Events))
	}
	if !strings.Contains(res.Events[0].Detail, "/accounts/login/") {
		t.Errorf("detail %q does not say where the page was sent", res.Events[0].Detail)
	}
	redirect(false)
	if res := rig.check(t); res.Outcome != monitor.OutcomeBaseline || fmt.Sprint(kindsOf(res.Events)) != "[recovered baseline]" {
		t.Errorf("then the policy: outcome %s, events %v; want the baseline", res.Outcome, kindsOf(res.Events))
	}
	// Later, the same redirect is an anomaly too (not only "too short").
	redirect(true)
	if res := rig.check(t); res.Outcome != monitor.OutcomeAnomaly || len(res.Events) != 1 || res.Events[0].Reason != monitor.ReasonLoginWall {
		t.Errorf("redirected again: outcome %s, events %v; want one anomaly login_wall", res.Outcome, kindsOf(res.Events))
	}
}

// TestLoginInTheWatchURLIsNoWall: a watch whose own URL is under a login
// path (a sign-in service's privacy notice) is not a login wall for that.
func TestLoginInTheWatchURLIsNoWall(t *testing.T) {
	wantBaselineBehindRedirect(t, "signin", "/login/privacy", func(r *http.Request) string {
		if r.URL.Path == "/login/privacy" {
			return "/login/privacy/"
		}
		return ""
	})
}

// TestRedirectToHomePageIsNoVersion: a policy page removed, its URL
// redirected to the site's home page (a soft 404), serves a page that is
// not the policy. Shorter than the policy, it was "too short" and, once
// that had lasted a day and three captures, recorded as the policy much
// shortened: the home page as a version of the policy.
func TestRedirectToHomePageIsNoVersion(t *testing.T) {
	home := `<!DOCTYPE html><html lang="en"><head><title>Nimbus</title></head><body><main><h1>Welcome to Nimbus</h1>` +
		strings.Repeat("<p>Share photos and videos with your friends, follow creators you love and discover what is happening around the world.</p>", 3) +
		`</main></body></html>`
	policy := policyPage("en", "Privacy Policy", "Effective March 3, 2026", strings.Repeat(longParagraph, 12))
	rig, gone := movingPolicy(t, policy, "/", []byte(home), func(*http.Request) string { return "/" })
	if res := rig.check(t); res.Outcome != monitor.OutcomeBaseline {
		t.Fatalf("the policy: outcome %s", res.Outcome)
	}
	gone(true)
	for i := 0; i < 6; i++ { // 36 hours, 6 captures
		res := rig.check(t)
		if res.Outcome != monitor.OutcomeAnomaly {
			t.Fatalf("capture %d of the home page: outcome %s, events %v; want an anomaly", i+1, res.Outcome, kindsOf(res.Events))
		}
		if i == 0 && (len(res.Events) != 1 || res.Events[0].Reason != monitor.ReasonErrorPage) {
			t.Errorf("first capture of the home page: events %+v; want one error_page anomaly", res.Events)
		}
	}
}

// TestRedirectToAPolicyHostIsNoError: a policy whose URL sends the reader
// to the root of a host of its own is the policy, not a home page.
func TestRedirectToAPolicyHostIsNoError(t *testing.T) {
	wantBaselineBehindRedirect(t, "nimbus", "/privacy", func(r *http.Request) string {
		// Another host of the same server: 127.0.0.1 sends to localhost.
		if host, port, _ := strings.Cut(r.Host, ":"); host != "localhost" {
			return "http://localhost:" + port + "/"
		}
		return ""
	})
}

// TestIndexRedirectedToRootIsNoError: a policy site whose index page
// (the policy) is asked by its file name and sent to "/" is the policy.
func TestIndexRedirectedToRootIsNoError(t *testing.T) {
	wantBaselineBehindRedirect(t, "nimbus", "/index.html", func(r *http.Request) string {
		if r.URL.Path != "/" {
			return "/"
		}
		return ""
	})
}

// wantBaselineBehindRedirect: a watch name of path on a server that
// sends the reader where redirect says ("" serves the policy) takes its
// first capture as the policy's baseline.
func wantBaselineBehindRedirect(t *testing.T, name, path string, redirect func(*http.Request) string) {
	t.Helper()
	policy := policyPage("en", "Privacy Policy", "Effective March 3, 2026", strings.Repeat(longParagraph, 6))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if to := redirect(r); to != "" {
			http.Redirect(w, r, to, http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(policy)
	}))
	t.Cleanup(srv.Close)
	rig := newFaultRig(t, srv.URL)
	rig.watch = monitor.Watch{Name: name, URL: srv.URL + path, Fetcher: "http", Language: "en"}
	if res := rig.check(t); res.Outcome != monitor.OutcomeBaseline {
		t.Errorf("outcome %s, events %+v; want the baseline", res.Outcome, res.Events)
	}
}

// movingPolicy is a fault rig of a watch of /legal/privacy on a server
// that serves policy there, and page at the path at; once move(true), the
// policy's address redirects to to(r) instead, until move(false).
func movingPolicy(t *testing.T, policy []byte, at string, page []byte, to func(*http.Request) string) (rig *faultRig, move func(bool)) {
	var mu sync.Mutex
	moved := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		m := moved
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch {
		case r.URL.Path == at:
			w.Write(page)
		case m:
			http.Redirect(w, r, to(r), http.StatusFound)
		default:
			w.Write(policy)
		}
	}))
	t.Cleanup(srv.Close)
	rig = newFaultRig(t, srv.URL)
	rig.watch = monitor.Watch{Name: "nimbus", URL: srv.URL + "/legal/privacy", Fetcher: "http", Language: "en"}
	return rig, func(m bool) {
		mu.Lock()
		moved = m
		mu.Unlock()
	}
}
