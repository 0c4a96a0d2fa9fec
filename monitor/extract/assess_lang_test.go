package extract

import "testing"

// TestAssessShellsInMoreLanguages: the error, consent and login pages a
// reader is served in Spanish, Italian and Dutch are recognised by their
// words, as English, French and German ones are.
func TestAssessShellsInMoreLanguages(t *testing.T) {
	tests := []struct {
		name, lang, body, reason string
	}{
		{"es error", "es", "<h1>Esta página no está disponible</h1><p>Es posible que el enlace que has seguido no funcione o que se haya eliminado la página.</p>", ReasonErrorPage},
		{"es error 2", "es", "<h1>Se ha producido un error</h1><p>Estamos trabajando para solucionarlo lo antes posible.</p>", ReasonErrorPage},
		{"es consent", "es", "<h1>¿Permitir el uso de cookies de Nimbus en este navegador?</h1><p>Usamos cookies para mejorar el contenido.</p><p>Permitir todas las cookies</p><p>Rechazar cookies opcionales</p>", ReasonConsentWall},
		{"es login", "es", "<h1>Inicia sesión para continuar</h1><p>Debes iniciar sesión para ver esta página.</p>", ReasonLoginWall},
		{"it error", "it", "<h1>Questa pagina non è disponibile</h1><p>Il link che hai seguito potrebbe non funzionare.</p>", ReasonErrorPage},
		{"it error 2", "it", "<h1>Si è verificato un errore</h1><p>Stiamo lavorando per risolvere il problema.</p>", ReasonErrorPage},
		{"it consent", "it", "<h1>Vuoi consentire l'uso dei cookie di Nimbus su questo browser?</h1><p>Usiamo i cookie per migliorare i contenuti.</p><p>Consenti tutti i cookie</p><p>Rifiuta cookie facoltativi</p>", ReasonConsentWall},
		{"it login", "it", "<h1>Accedi per continuare</h1><p>Devi effettuare l'accesso per vedere questa pagina.</p>", ReasonLoginWall},
		{"nl error", "nl", "<h1>Deze pagina is niet beschikbaar</h1><p>De link die je hebt gevolgd, werkt mogelijk niet.</p>", ReasonErrorPage},
		{"nl error 2", "nl", "<h1>Er is iets misgegaan</h1><p>We werken eraan om dit zo snel mogelijk op te lossen.</p>", ReasonErrorPage},
		{"nl consent", "nl", "<h1>Het gebruik van cookies door Nimbus in deze browser toestaan?</h1><p>We gebruiken cookies om content te verbeteren.</p><p>Alle cookies toestaan</p><p>Optionele cookies weigeren</p>", ReasonConsentWall},
		{"nl login", "nl", "<h1>Log in om door te gaan</h1><p>Je moet inloggen om deze pagina te bekijken.</p>", ReasonLoginWall},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page := `<!DOCTYPE html><html lang="` + tc.lang + `"><head><title>Nimbus</title></head><body><main>` + tc.body + `</main></body></html>`
			doc, err := Extract([]byte(page), "https://example.org/", Rules{})
			if err != nil {
				t.Fatal(err)
			}
			if reason, evidence := Assess(doc, true); reason != tc.reason {
				t.Errorf("Assess = %q (%q), want %q", reason, evidence, tc.reason)
			}
		})
	}
}
