package monitor_test

import (
	"strings"
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
