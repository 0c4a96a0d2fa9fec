package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestVersionPageQuotesInThePolicysLanguage: the sentences the version
// page quotes (where a purpose's use and a date are said) are marked in
// the policy's language, as the change view's are, so that a screen reader
// reads a French sentence in French, not with an English voice.
func TestVersionPageQuotesInThePolicysLanguage(t *testing.T) {
	page := []byte(`<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Politique de confidentialité</title></head><body><main id="policy">
<h1>Politique de confidentialité</h1>
<p>En vigueur à compter du 7 avril 2025.</p>
<h2>Comment nous utilisons les informations</h2>
<p>Nous collectons vos publications, vos commentaires et les informations sur votre appareil pour fournir et améliorer nos services.</p>
<p>Nous utilisons vos messages pour entraîner nos modèles d'IA.</p>
<p>Nous partageons des informations avec des prestataires qui nous aident à fournir nos services, et nous conservons vos informations aussi longtemps que nécessaire pour les finalités décrites dans la présente politique.</p>
<p>Vous pouvez accéder à vos informations, les rectifier, les supprimer et vous opposer à leur traitement à tout moment depuis les paramètres de votre compte.</p>
</main></body></html>`)
	r := newRig(t, monitor.Watch{Name: "exemple", Select: []string{"#policy"}})
	r.step(t, time.Date(2025, 4, 23, 12, 0, 0, 0, time.UTC), 200, page, http.Header{"Content-Type": {"text/html; charset=utf-8"}})
	_, ts := r.server(t)
	html := string(mustGet(t, ts.URL+"/versions/1"))
	says := between(html, `<h2 id="says-h">`, `</section>`)
	quotes := regexp.MustCompile(`<blockquote[^>]*>`).FindAllString(says, -1)
	if len(quotes) == 0 {
		t.Fatalf("the version page quotes nothing of what the version says:\n%s", says)
	}
	for _, q := range quotes {
		if !strings.Contains(q, `lang="fr"`) {
			t.Errorf("a quote of the French policy is %s, not marked lang=\"fr\"", q)
		}
	}
}
