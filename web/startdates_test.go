package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// startHistory replays a policy that announces the day AI training
// starts (and a deadline to object before it) and then moves both: the
// dates a journalist reads first.
func startHistory(t *testing.T) *rig {
	t.Helper()
	page := func(body string) []byte {
		return []byte(`<!doctype html><html lang="en"><head><title>Nimbus Privacy Policy</title></head><body><main><h1>Nimbus Privacy Policy</h1>` +
			`<p>Effective March 3, 2025.</p><h2>What information do we collect?</h2>` +
			`<p>We collect the content you create, such as posts, comments and audio, and information about your device, such as its operating system and IP address.</p>` +
			`<h2>How do we use your information?</h2><p>We use information to provide, personalise and improve our products, including to show you ads that may interest you.</p>` +
			`<p>We use information to promote safety, integrity and security on and off our products.</p>` + body +
			`<h2>Your rights</h2><p>You have the right to access, rectify, port and erase your information, and to object to our processing of your information.</p></main></body></html>`)
	}
	r := newRig(t, monitor.Watch{Name: "nimbus", Language: "en"})
	header := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	t0 := time.Date(2025, 4, 14, 9, 0, 0, 0, time.UTC)
	r.step(t, t0, 200, page(""), header)
	if res := r.step(t, t0.Add(24*time.Hour), 200, page(`<p>From 27 May 2025 we will use your public posts to train our AI models. You can object to this use of your information until 26 May 2025.</p>`), header); res.Outcome != monitor.OutcomeChanged {
		t.Fatalf("second step: %s, want a change", res.Outcome)
	}
	if res := r.step(t, t0.Add(48*time.Hour), 200, page(`<p>From 26 June 2025 we will use your public posts to train our AI models. You can object to this use of your information until 25 June 2025.</p>`), header); res.Outcome != monitor.OutcomeChanged {
		t.Fatalf("third step: %s, want a change", res.Outcome)
	}
	return r
}

// TestAPIVersionSaysWhatAStartDateStarts: /api/versions/ID's facts give a
// start date's use, as `facts --json` does, and none for another role.
func TestAPIVersionSaysWhatAStartDateStarts(t *testing.T) {
	r := startHistory(t)
	_, ts := r.server(t)
	var v struct {
		Facts struct {
			Dates []map[string]any `json:"dates"`
		} `json:"facts"`
	}
	body := mustGet(t, ts.URL+"/api/versions/3")
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	roles := map[string]bool{}
	for _, d := range v.Facts.Dates {
		role, _ := d["role"].(string)
		roles[role] = true
		use, has := d["use"]
		switch {
		case role == "start" && use != "ai_training":
			t.Errorf("start date %v: want \"use\": \"ai_training\"", d)
		case role != "start" && has:
			t.Errorf("%s date %v: want no \"use\"", role, d)
		}
	}
	if !roles["start"] || !roles["deadline"] || !roles["effective"] {
		t.Errorf("dates %v: want a start, a deadline and an effective date", v.Facts.Dates)
	}
}

// TestPagesNameTheDatesAsMessagesDo: where the web view lists dates — an
// event's analysis, the timeline, a version's facts — a start date says
// which use starts ("AI training starts"), and every role is named as
// alerts, digests and the feed name it (analyze.DateRoleName). The pages
// said the role's id: "start: 27 May 2025 → 26 Jun 2025" on the event,
// "start date" on the timeline, "start" beside the version's date; never
// what starts.
func TestPagesNameTheDatesAsMessagesDo(t *testing.T) {
	r := startHistory(t)
	_, ts := r.server(t)
	for _, c := range []struct {
		path  string
		wants []string
	}{
		{"/events/2", []string{
			`<li><span class="role">AI training starts</span>: none → <strong><time datetime="2025-05-27">27 May 2025</time></strong>`,
			`<li><span class="role">Deadline to object</span>: none → <strong><time datetime="2025-05-26">26 May 2025</time></strong>`,
		}},
		{"/events/3", []string{
			`<li><span class="role">AI training starts</span>: <time datetime="2025-05-27">27 May 2025</time> → <strong><time datetime="2025-06-26">26 Jun 2025</time></strong>`,
			`<li><span class="role">Deadline to object</span>: <time datetime="2025-05-26">26 May 2025</time> → <strong><time datetime="2025-06-25">25 Jun 2025</time></strong>`,
		}},
		{"/watches/nimbus", []string{
			`<li><span class="role">AI training starts</span>: 27 May 2025 → <strong>26 Jun 2025</strong></li>`,
			`<li><span class="role">Deadline to object</span>: 26 May 2025 → <strong>25 Jun 2025</strong></li>`,
			`<li><span class="role">AI training starts</span>: none → <strong>27 May 2025</strong></li>`,
		}},
		{"/versions/3", []string{
			`<li><strong>Effective date</strong>: 3 Mar 2025 `,
			`<li><strong>AI training starts</strong>: 26 Jun 2025 `,
			`<li><strong>Deadline to object</strong>: 25 Jun 2025 `,
		}},
	} {
		page := string(mustGet(t, ts.URL+c.path))
		for _, want := range c.wants {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %s", c.path, want)
			}
		}
		for _, raw := range []string{`class="role">start`, `<strong>start</strong>`, "start date", "Use starts"} {
			if strings.Contains(page, raw) {
				t.Errorf("%s names the start date %q, not what starts", c.path, raw)
			}
		}
		if t.Failed() {
			t.Logf("%s:\n%.4000s", c.path, page[strings.Index(page, "<main"):])
			break
		}
	}
}
