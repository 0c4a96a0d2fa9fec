package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// startPage is a policy that says the day a use starts, and a date of
// another role beside it.
const startPage = `Effective March 3, 2025. From 27 May 2025 we will use your public posts to train our AI models.`

// TestFactsJSONSaysWhatAStartDateStarts: `facts --json` gives a start
// date's use ("use": the purpose's id), as `events --json` gives it of a
// change of it; a date of another role has none. The fact sheet's dates
// had role and date only: "start" on "2025-05-27", but the start of what
// was not said.
func TestFactsJSONSaysWhatAStartDateStarts(t *testing.T) {
	srv := newPolicyServer(t)
	srv.set(startPage)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	c.mustRun("check")
	out := c.mustRun("facts", "nimbus", "--json")
	var sheet struct {
		Dates []map[string]any `json:"dates"`
	}
	if err := json.Unmarshal([]byte(out), &sheet); err != nil {
		t.Fatalf("facts --json: %v\n%s", err, out)
	}
	var start, effective map[string]any
	for _, d := range sheet.Dates {
		switch d["role"] {
		case "start":
			start = d
		case "effective":
			effective = d
		}
	}
	if start == nil || effective == nil {
		t.Fatalf("want a start and an effective date:\n%s", out)
	}
	if start["date"] != "2025-05-27" || start["use"] != "ai_training" {
		t.Errorf("start date %v: want 2025-05-27 and \"use\": \"ai_training\"", start)
	}
	if _, ok := effective["use"]; ok {
		t.Errorf("effective date %v: want no \"use\"", effective)
	}
}

// TestFactsAndExplainSayWhatAStartDateStarts: the text of facts and
// explain names the use a start date starts beside its role's id, as the
// JSON's "use" does: "start 2025-05-27" said the day, not what begins.
func TestFactsAndExplainSayWhatAStartDateStarts(t *testing.T) {
	srv := newPolicyServer(t)
	srv.set(`Effective March 3, 2025. We use your public posts to show you ads.`)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = checkedConfig(t, srv.URL)
	c.mustRun("check")
	srv.set(startPage)
	c.mustRun("check")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"facts", "nimbus"}, "\n  start     2025-05-27 (AI training) \"From 27 May 2025 we will use your public posts to train our AI models.\"\n"},
		{[]string{"facts", "nimbus"}, "\n  effective 2025-03-03 \"Effective March 3, 2025.\"\n"},
		{[]string{"explain", "nimbus"}, "\n  start     — → 2025-05-27 (AI training)\n"},
	} {
		if out := c.mustRun(tt.args...); !strings.Contains(out, tt.want) {
			t.Errorf("%s lacks %q:\n%s", strings.Join(tt.args, " "), tt.want, out)
		}
	}
}
