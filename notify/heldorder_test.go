package notify_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestHeldAlertGoesBeforeALaterChange: a change the hourly limit held
// back goes, once the hour is up, before a change found after it, which
// starts to wait in its turn — the oldest first. When the turn after the
// hour was also the first to see a new change (the daemon was stopped
// over the end of the hour, or busy with a pass), the new change took the
// alert and the one held back, older and as urgent, fell to the digest,
// hours later.
func TestHeldAlertGoesBeforeALaterChange(t *testing.T) {
	h := holdOneBack(t)
	r, ms, svc, cy, second := h.r, h.ms, h.svc, h.cy, h.second
	// No turn at the end of the hour; the next one finds a new change.
	third := r.check("policy-v3-date.html", t0.Add(2*time.Hour+20*time.Minute))
	if len(third) != 1 || third[0].Severity.Rank() < monitor.SeverityNotable.Rank() {
		t.Fatalf("events %+v, want a change to alert", third)
	}
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want a second alert", len(msgs))
	}
	if text := parseMail(t, msgs[1].Data).Text; !strings.Contains(text, fmt.Sprintf("/events/%d", second[0].ID)) {
		t.Errorf("the alert after the hour is not the change held back (%d), the oldest:\n%s", second[0].ID, text)
	}
	held, err := r.db.DigestEventIDs(context.Background(), cy.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 1 || held[0] != third[0].ID {
		t.Errorf("held %v, want the newest change (%d) waiting for its hour", held, third[0].ID)
	}
	// Its hour up, it goes too.
	r.clock.Set(t0.Add(3*time.Hour + 21*time.Minute))
	tick(t, svc)
	if msgs := ms.messages(); len(msgs) != 3 || !strings.Contains(parseMail(t, msgs[2].Data).Text, fmt.Sprintf("/events/%d", third[0].ID)) {
		t.Errorf("%d messages, want a third: the newest change's alert", len(msgs))
	}
}
