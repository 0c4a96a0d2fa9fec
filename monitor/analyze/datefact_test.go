package analyze

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDateFactSaysWhatItStarts: a fact sheet's start date gives its use,
// by DateFact.Use and in its JSON ("use", absent for the other roles), and
// keeps it when read back; the sheet had it for Compare only.
func TestDateFactSaysWhatItStarts(t *testing.T) {
	sh := DefaultTaxonomy().FactSheet("Effective March 3, 2025. From 27 May 2025 we will use your public posts to train our AI models.", "en", nil)
	data, err := json.Marshal(sh)
	if err != nil {
		t.Fatal(err)
	}
	var back FactSheet
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for _, f := range []*FactSheet{sh, &back} {
		var roles []string
		for _, d := range f.Dates {
			roles = append(roles, string(d.Role))
			if want := map[DateRole]string{RoleStart: "ai_training"}[d.Role]; d.Use() != want {
				t.Errorf("%s date %s: use %q, want %q", d.Role, d.Date, d.Use(), want)
			}
		}
		if got := strings.Join(roles, " "); got != "effective start" {
			t.Errorf("roles %q, want effective and start", got)
		}
	}
	if !strings.Contains(string(data), `"role":"start","date":"2025-05-27","text":"27 May 2025","quote":"From 27 May 2025 we will use your public posts to train our AI models.","use":"ai_training"}`) ||
		strings.Count(string(data), `"use":`) != 1 {
		t.Errorf("JSON %s: want \"use\" on the start date only", data)
	}
}
