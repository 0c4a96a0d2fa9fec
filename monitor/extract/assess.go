package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Reasons Assess gives for a page that is not content. They equal the
// monitor's anomaly reasons of the same names.
const (
	ReasonErrorPage   = "error_page"
	ReasonLoginWall   = "login_wall"
	ReasonConsentWall = "consent_wall"
	ReasonBotBlock    = "bot_block"
	ReasonJSShell     = "js_shell"
)

// Thresholds of Assess. A real policy is tens of thousands of characters
// and mentions cookies, logging in, errors and JavaScript in passing, so
// phrases only decide for short pages, or when they open a page of modest
// length (title or first lines).
const (
	shortPage     = 3000  // characters: below, a phrase anywhere decides
	openingLines  = 3     // lines of text read as the page's opening
	openingPage   = 20000 // characters: above, not even the opening decides
	shellMaxChars = 200   // characters: below, a page with JS traces is a shell
)

// phraseSet is a reason and the lowercase phrases that reveal it.
type phraseSet struct {
	reason  string
	phrases []string
}

// phraseSets are checked in order: a bot block or a JavaScript shell may
// also show an error, and a consent or login wall usually sits over one.
// In English, French, German, Spanish, Italian and Dutch: a reader is
// served the shells of the language the watch asks for.
var phraseSets = [...]phraseSet{
	{ReasonBotBlock, []string{
		"checking your browser", "checking if the site connection is secure",
		"verify you are human", "verify that you are human", "are you a robot",
		"captcha", "unusual traffic", "access denied", "request blocked",
		"you're temporarily blocked", "you are temporarily blocked",
		"too many requests", "rate limit exceeded", "403 forbidden",
		"vérification de votre navigateur", "vérifiez que vous êtes humain",
		"trafic inhabituel", "accès refusé", "vous êtes temporairement bloqué",
		"requête bloquée",
		"überprüfung ihres browsers", "ungewöhnlichen datenverkehr", "zugriff verweigert",
		"du bist vorübergehend blockiert", "sie sind vorübergehend blockiert",
		"bestätige, dass du ein mensch bist", "bestätigen sie, dass sie ein mensch sind",
		"zu viele anfragen",
	}},
	{ReasonJSShell, []string{
		"please enable javascript", "you need to enable javascript",
		"enable javascript to", "javascript is disabled", "javascript is required",
		"requires javascript", "turn on javascript", "your browser does not support javascript",
		"veuillez activer javascript", "vous devez activer javascript",
		"activez javascript", "javascript est désactivé", "nécessite javascript",
		"bitte aktiviere javascript", "bitte aktivieren sie javascript",
		"javascript ist deaktiviert", "erfordert javascript",
	}},
	{ReasonErrorPage, []string{
		"this page isn't available", "this page is not available",
		"this content isn't available", "this content is not available",
		"an unexpected error has occurred", "an unexpected error occurred",
		"something went wrong", "page not found", "404 not found",
		"the link you followed may be broken", "internal server error",
		"service unavailable", "bad gateway", "temporarily unavailable",
		"cette page n'est pas disponible", "ce contenu n'est pas disponible",
		"une erreur inattendue s'est produite", "une erreur s'est produite",
		"un problème est survenu", "page introuvable", "page non trouvée",
		"le lien que vous avez suivi est peut-être rompu", "erreur interne du serveur",
		"service indisponible", "temporairement indisponible",
		"diese seite ist leider nicht verfügbar", "diese seite ist nicht verfügbar",
		"dieser inhalt ist derzeit nicht verfügbar", "dieser inhalt ist nicht verfügbar",
		"etwas ist schiefgelaufen", "ein unerwarteter fehler ist aufgetreten",
		"es ist ein fehler aufgetreten", "seite nicht gefunden",
		"der link, dem du gefolgt bist, ist möglicherweise fehlerhaft",
		"interner serverfehler", "dienst nicht verfügbar", "vorübergehend nicht verfügbar",
		"esta página no está disponible", "este contenido no está disponible",
		"se ha producido un error", "algo salió mal", "ha ocurrido un error inesperado",
		"página no encontrada", "es posible que el enlace que has seguido no funcione",
		"error interno del servidor", "servicio no disponible",
		"questa pagina non è disponibile", "questo contenuto non è disponibile",
		"si è verificato un errore", "qualcosa è andato storto", "pagina non trovata",
		"il link che hai seguito potrebbe non funzionare", "errore interno del server",
		"servizio non disponibile", "temporaneamente non disponibile",
		"deze pagina is niet beschikbaar", "deze content is niet beschikbaar",
		"deze inhoud is niet beschikbaar", "er is iets misgegaan",
		"er is een onverwachte fout opgetreden", "er is een fout opgetreden",
		"pagina niet gevonden", "de link die je hebt gevolgd, werkt mogelijk niet",
		"interne serverfout", "tijdelijk niet beschikbaar",
	}},
	{ReasonConsentWall, []string{
		"allow the use of cookies", "accept all cookies", "allow all cookies",
		"accept cookies", "allow essential and optional cookies",
		"decline optional cookies", "only allow essential cookies",
		"autoriser l'utilisation des cookies", "accepter tous les cookies",
		"autoriser tous les cookies", "accepter les cookies",
		"refuser les cookies optionnels", "autoriser uniquement les cookies essentiels",
		"alle cookies erlauben", "alle cookies akzeptieren", "alle cookies zulassen",
		"optionale cookies ablehnen", "nur erforderliche cookies erlauben", "cookies akzeptieren",
		"permitir el uso de cookies", "permitir todas las cookies", "aceptar todas las cookies",
		"rechazar cookies opcionales", "aceptar cookies",
		"consentire l'uso dei cookie", "consenti tutti i cookie", "accetta tutti i cookie",
		"rifiuta cookie facoltativi", "accetta i cookie",
		"alle cookies toestaan", "alle cookies accepteren", "optionele cookies weigeren",
		"cookies accepteren",
	}},
	{ReasonLoginWall, []string{
		"log in to continue", "log into facebook to continue", "you must log in",
		"you must be logged in", "please log in", "login required", "sign in to continue",
		"log in to see", "log in or sign up to view",
		"connectez-vous pour continuer", "vous devez vous connecter",
		"vous devez être connecté", "veuillez vous connecter", "connexion requise",
		"connectez-vous pour voir", "connectez-vous ou inscrivez-vous pour voir",
		"melde dich an, um fortzufahren", "melde dich bei facebook an, um fortzufahren",
		"melden sie sich an, um fortzufahren", "du musst dich anmelden", "du musst angemeldet sein",
		"sie müssen sich anmelden", "sie müssen angemeldet sein",
		"bitte melde dich an", "bitte melden sie sich an", "anmeldung erforderlich",
		"inicia sesión para continuar", "debes iniciar sesión", "inicia sesión para ver",
		"accedi per continuare", "devi effettuare l'accesso", "accedi per vedere",
		"log in om door te gaan", "je moet inloggen", "u moet inloggen",
	}},
}

// Assess says whether doc looks like real content. It returns "" when it
// does, otherwise a reason (ReasonErrorPage, ReasonLoginWall,
// ReasonConsentWall, ReasonBotBlock, ReasonJSShell) and the evidence that
// decided it: the phrase found, or the traces of a JavaScript-only page.
// Without phrases, only those traces decide: the caller knows when the
// page's words cannot be trusted to (a short policy that says "please log
// in" or "accept all cookies" itself).
func Assess(doc *Document, phrases bool) (reason, evidence string) {
	if doc == nil {
		return "", ""
	}
	if len(doc.Text) >= 4*openingPage {
		return "", "" // at least openingPage characters, whatever they are
	}
	length := utf8.RuneCountInString(doc.Text)
	if length < shellMaxChars {
		if ev := doc.shell.evidence(); ev != "" {
			return ReasonJSShell, ev
		}
	}
	if length >= openingPage || !phrases {
		return "", ""
	}
	var where string
	if length < shortPage {
		where = doc.Title + "\n" + doc.Text
	} else {
		where = doc.Title + "\n" + firstLines(doc.Text, openingLines)
	}
	where = normalizePhrases(where)
	for _, set := range phraseSets {
		// The evidence is the phrase that comes first on the page.
		first, at := "", len(where)
		for _, p := range set.phrases {
			if i := strings.Index(where, p); i >= 0 && i < at {
				first, at = p, i
			}
		}
		if first != "" {
			return set.reason, first
		}
	}
	return "", ""
}

// evidence describes the JavaScript-shell traces of a page, or "".
func (s shellHints) evidence() string {
	ns := normalizePhrases(s.noscript)
	if strings.Contains(ns, "javascript") {
		return "noscript: " + truncate(s.noscript, 200)
	}
	if s.emptyRoot != "" && s.scripts > 0 {
		return "empty " + s.emptyRoot + " with scripts"
	}
	return ""
}

func firstLines(text string, n int) string {
	end := 0
	for i := 0; i < n; i++ {
		j := strings.IndexByte(text[end:], '\n')
		if j < 0 {
			return text
		}
		end += j + 1
	}
	return text[:end]
}

// normalizePhrases lowercases s, folds white space and writes typographic
// apostrophes as ASCII ones, so that phrases match however a page sets them.
func normalizePhrases(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case r == '\u2019' || r == '\u02BC' || r == '\u2018':
			r = '\''
		default:
			r = unicode.ToLower(r)
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
