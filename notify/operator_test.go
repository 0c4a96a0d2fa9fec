package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
)

const errorPage = `<!DOCTYPE html><html><head><title>Error</title></head><body><p>Sorry, something went wrong.</p></body></html>`

// TestOperatorEpisodes: anomalies and recoveries reach the operator once
// per episode and never a subscriber; a watch that keeps alternating is
// reported once as flapping, then stays quiet until it has been steady.
func TestOperatorEpisodes(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	ada := r.subscribe("ada@example.org", func(s *notify.Subscriber) { s.MinSeverity = "info" })
	svc := r.service(notify.Config{Operator: "ops@example.org"}, ms, notify.WithFlapping(3, 24*time.Hour))
	subjects := func() []string {
		var out []string
		for _, m := range ms.messages() {
			if m.To[0] != "ops@example.org" {
				t.Errorf("episode mail to %v", m.To)
			}
			out = append(out, parseMail(t, m.Data).subject(t))
		}
		return out
	}
	at := t0
	step := func(page string, gap time.Duration) {
		at = at.Add(gap)
		r.check(page, at)
		tick(t, svc)
	}

	step("policy-v1.html", 0)
	step(errorPage, time.Hour) // episode 1 opens
	step(errorPage, time.Hour) // goes on: nothing new
	step(errorPage, time.Hour)
	step("policy-v1.html", time.Hour) // and closes
	got := subjects()
	if len(got) != 2 || !strings.Contains(got[0], "nimbus: the page served is not the policy") || !strings.Contains(got[1], "nimbus: the policy is served again") {
		t.Fatalf("subjects after one episode: %q", got)
	}

	// Flapping: episodes 2 and 3 within a day of the one before.
	step(errorPage, 2*time.Hour)      // episode 2: told
	step("policy-v1.html", time.Hour) // told
	step(errorPage, 2*time.Hour)      // episode 3: flapping, told once
	step("policy-v1.html", time.Hour) // not told
	for i := 0; i < 5; i++ {          // episodes 4-8: silence
		step(errorPage, 3*time.Hour)
		step("policy-v1.html", time.Hour)
	}
	got = subjects()
	if len(got) != 5 || !strings.Contains(got[4], "flapping") {
		t.Fatalf("subjects while flapping: %q, want 2 + 2 + one flapping notice", got)
	}
	flap := parseMail(t, ms.messages()[4].Data)
	if !strings.Contains(flap.Text, "not reported until it has been steady for 24h") {
		t.Errorf("flapping notice:\n%s", flap.Text)
	}

	// Two quiet days end the run: the next episode is told again.
	step(errorPage, 50*time.Hour)
	if got = subjects(); len(got) != 6 || !strings.Contains(got[5], "not the policy") {
		t.Errorf("subjects after a quiet spell: %q", got)
	}

	// Subscribers heard nothing of it, not even in their digest.
	held, err := r.db.DigestEventIDs(context.Background(), ada.ID, 0)
	if err != nil || len(held) != 0 {
		t.Errorf("held for the subscriber: %v %v", held, err)
	}
}
