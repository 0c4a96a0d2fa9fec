package extract

import (
	"strings"
	"testing"
)

// Paragraphs written for these tests, in the style of a privacy policy.
const (
	englishProse = `We collect information about the content you create and share, the people you interact with, and the devices you use to reach our services. We use this information to provide, personalise and improve our products, to keep people safe and to measure how well our advertising works. You can ask us to delete your information at any time, and we will explain how long we keep what remains and why.`
	frenchProse  = `Nous recueillons des informations sur les contenus que vous créez et partagez, sur les personnes avec lesquelles vous interagissez et sur les appareils que vous utilisez pour accéder à nos services. Nous utilisons ces informations pour fournir, personnaliser et améliorer nos produits, pour assurer la sécurité des personnes et pour mesurer l'efficacité de nos publicités. Vous pouvez nous demander de supprimer vos informations à tout moment.`
	germanProse  = `Wir erheben Informationen über die Inhalte, die du erstellst und teilst, über die Personen, mit denen du interagierst, und über die Geräte, mit denen du unsere Dienste nutzt. Wir verwenden diese Informationen, um unsere Produkte bereitzustellen, zu personalisieren und zu verbessern, um die Sicherheit der Menschen zu gewährleisten und um die Wirksamkeit unserer Werbung zu messen.`
)

func TestDetectLanguage(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		want   string
		wantOK bool
	}{
		{"english", "# Privacy Policy\n" + englishProse, "en", true},
		{"french", "# Politique de confidentialité\n- " + frenchProse, "fr", true},
		{"german", germanProse, "de", true},
		{"long french text is sampled", strings.Repeat(frenchProse+"\n", 500), "fr", true},
		{"german set as short lines after a menu", strings.Repeat("- Home\n- Help Center\n- Settings\n- Log in\n", 12) + shortLines(germanProse+" "+germanProse), "de", true},
		{"too short", "Privacy Policy", "", false},
		{"no letters", strings.Repeat("12345 | 67890\n", 100), "", false},
		{"empty", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := DetectLanguage(tc.text)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("DetectLanguage = %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestProseSampleSkipsShortLines(t *testing.T) {
	text := "# Menu\n- Home\n" + englishProse + "\nShort\n" + frenchProse
	s := proseSample(text, 600)
	if strings.Contains(s, "Menu") || strings.Contains(s, "Home") || strings.Contains(s, "Short") {
		t.Errorf("sample kept short lines: %q", s)
	}
	if !strings.HasPrefix(s, "We collect") {
		t.Errorf("sample does not start with the first prose line: %.40q", s)
	}
}

// shortLines sets prose as a list of items shorter than langMinLine, as
// some policies are set, so that proseSample finds no prose line in it.
func shortLines(prose string) string {
	var b strings.Builder
	line := 0
	for _, word := range strings.Fields(prose) {
		if line+len(word) > langMinLine-10 {
			b.WriteString("\n")
			line = 0
		}
		if line == 0 {
			b.WriteString("- ")
		} else {
			b.WriteString(" ")
		}
		b.WriteString(word)
		line += len(word) + 1
	}
	return b.String()
}
