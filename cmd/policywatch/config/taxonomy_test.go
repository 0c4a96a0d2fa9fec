package config

import (
	"maps"
	"os"
	"reflect"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestTaxonomyProblems: every problem of the taxonomy section is reported,
// each at its own node, unknown keys and languages included.
func TestTaxonomyProblems(t *testing.T) {
	const watches = "watches:\n  - name: a\n    url: https://example.org/\n"
	// Line 4 is "taxonomy:".
	for _, c := range []struct {
		name, section string
		want          []Problem // File left out
	}{
		{"second entry lacks labels", `taxonomy:
  - id: voiceprints
    kind: category
    labels: {en: Voiceprints}
    patterns: {en: [voiceprint*]}
  - id: faceprints
    kind: category
    patterns: {en: [faceprint*]}
`, []Problem{{"", 9, 5, "taxonomy[1]", `id "faceprints" is new, so the entry needs kind, labels and patterns; missing labels`}}},
		{"unknown key", `taxonomy:
  - id: voiceprints
    kind: category
    lables: {en: Voiceprints}
    patterns: {en: [voiceprint*]}
`, []Problem{
			// Only: that the labels are missing follows from it.
			{"", 7, 5, "taxonomy[0].lables", `unknown key; did you mean "labels"?`},
		}},
		{"unknown language", `taxonomy:
  - id: photos
    patterns: {en: [snapshot*], xx: [foo], de: [Foto*]}
`, []Problem{
			{"", 6, 33, "taxonomy[0].patterns.xx", `unknown language "xx"; the analysis reads en, fr`},
			{"", 6, 44, "taxonomy[0].patterns.de", `unknown language "de"; the analysis reads en, fr`},
		}},
		{"unless in an unknown language, and a bad phrase", `taxonomy:
  - id: audio
    unless: {de: [Hörbuch], en: ["a ~"]}
`, []Problem{
			{"", 6, 14, "taxonomy[0].unless.de", `unknown language "de"; the analysis reads en, fr`},
			{"", 6, 34, "taxonomy[0].unless.en[0]", `unless "a ~" (en): gap "~": want ~1 to ~20`},
		}},
		{"every field", `taxonomy:
  - id: Bad-Id
    kind: categroy
    labels: {english: Voiceprints, en: [x]}
    patterns: {en: [ok, "a ~"]}
  - kind: right
  - 3
  - id: photos
    kind: purpose
  - {id: x, labels: [en], patterns: {en: [x], en: [y]}}
`, []Problem{
			{"", 5, 9, "taxonomy[0].id", `"Bad-Id": id must be lower-case letters, digits and _, starting with a letter`},
			{"", 6, 11, "taxonomy[0].kind", `unknown kind "categroy"; did you mean "category"?`},
			{"", 7, 14, "taxonomy[0].labels.english", `label language "english": want a code like en or fr`},
			{"", 7, 40, "taxonomy[0].labels.en", `expected a string, found a list`},
			{"", 8, 25, "taxonomy[0].patterns.en[1]", `pattern "a ~" (en): gap "~": want ~1 to ~20`},
			{"", 9, 5, "taxonomy[1]", `missing id; every entry needs the id it adds or extends, such as voiceprints`},
			{"", 10, 5, "taxonomy[2]", `expected a taxonomy entry (a mapping with id, kind, labels and patterns), found "3"`},
			{"", 12, 11, "taxonomy[3].kind", `kind "purpose" differs from the existing entry's "category"; leave kind out to add to the existing entry`},
			{"", 13, 21, "taxonomy[4].labels", `expected a mapping of languages to labels, such as {en: Voiceprints}, found a list`},
			{"", 13, 47, "taxonomy[4].patterns.en", `repeated language; it was first set at line 13`},
		}},
		{"not a list", "taxonomy: {id: x}\n", []Problem{
			{"", 4, 11, "taxonomy", `expected a list of entries (id, kind, labels, patterns), found a mapping`},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadFile(t, watches+c.section)
			if got := problems(t, err); !reflect.DeepEqual(got, c.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestAnalysisLanguages keeps analysisLanguages in step with the languages
// of the built-in taxonomy's patterns.
func TestAnalysisLanguages(t *testing.T) {
	data, err := os.ReadFile("../../../monitor/analyze/taxonomy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Entries []struct {
			Patterns map[string][]string `yaml:"patterns"`
		} `yaml:"entries"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	langs := map[string]bool{}
	for _, e := range file.Entries {
		for l := range e.Patterns {
			langs[l] = true
		}
	}
	if got := slices.Sorted(maps.Keys(langs)); !slices.Equal(got, analysisLanguages) {
		t.Errorf("taxonomy.yaml has patterns in %v; analysisLanguages is %v", got, analysisLanguages)
	}
}
