package analyze

import (
	"slices"
	"strings"
	"testing"
)

func TestFoldIgnoresCaseAccentsAndPunctuation(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"Meta’s opt-out FORM.", "meta s opt out form"},
		{"Dernière mise à jour : le 22 décembre 2025", "derniere mise a jour le 22 decembre 2025"},
		{"l’IA   générative", "l ia generative"},
		{"Cœur, ÉTÉ", "coeur ete"},
		{"e\u0301te\u0301 (decomposed)", "ete decomposed"},
		{"— « » …", ""},
	}
	var f folder
	for _, tt := range tests {
		if got := strings.Join(f.fold(tt.in), " "); got != tt.want {
			t.Errorf("fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := f.key(tt.in); got != tt.want {
			t.Errorf("key(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKeyIgnoresFootnoteCalls(t *testing.T) {
	var f folder
	a, b := f.key("Metadata[7] about content"), f.key("Metadata about content.")
	if a != b {
		t.Errorf("keys differ: %q vs %q", a, b)
	}
}

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		name  string
		block string
		want  []string
	}{
		{"two sentences", "We collect posts. We use them.", []string{"We collect posts.", "We use them."}},
		{"abbreviation", "We collect content, e.g. Photos and posts. Then more.", []string{"We collect content, e.g. Photos and posts.", "Then more."}},
		{"initials", "Meta Platforms in the U.S. Has offices.", []string{"Meta Platforms in the U.S. Has offices."}},
		{"month abbreviation", "Effective Sept. 7, 2023 for all.", []string{"Effective Sept. 7, 2023 for all."}},
		{"digit date", "Modifié le 15. 07. 2019 par nous.", []string{"Modifié le 15. 07. 2019 par nous."}},
		{"glued bullets", "Your information:* Posts you create.* Comments", []string{"Your information:", "Posts you create.", "Comments"}},
		{"comma bullets", "to:* Create your account,* Provide features", []string{"to:", "Create your account,", "Provide features"}},
		{"glued blocks", "related metadata.Information from partners", []string{"related metadata.", "Information from partners"}},
		{"quote closes", `They said "stop." Then left.`, []string{`They said "stop."`, "Then left."}},
		{"lower case after stop", "See fig. 3 and item no. 4 here.", []string{"See fig. 3 and item no. 4 here."}},
		{"bullet marker only", "* ", nil},
		{"french", "Vous pouvez vous opposer. Remplissez le formulaire !", []string{"Vous pouvez vous opposer.", "Remplissez le formulaire !"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, sp := range splitSentences(tt.block, nil) {
				got = append(got, tt.block[sp.start:sp.end])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("splitSentences(%q)\n got %q\nwant %q", tt.block, got, tt.want)
			}
		})
	}
}

func TestTruncateKeepsRunesWhole(t *testing.T) {
	if got := truncate("déjà vu", 2); got != "d…" {
		t.Errorf("truncate = %q, want %q", got, "d…")
	}
	if got := truncate("short", 10); got != "short" {
		t.Errorf("truncate = %q", got)
	}
}
