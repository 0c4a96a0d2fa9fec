package notify

import (
	"testing"

	"github.com/policywatch/policywatch/store"
)

// TestNamesAgreeWithTheStore: notify and store may not import each other,
// and the store writes some of notify's names itself (the rows of held
// alerts it releases, their catch-up digests): a name changed on one side
// only would leave rows that no sender makes a message of.
func TestNamesAgreeWithTheStore(t *testing.T) {
	for _, tc := range []struct{ notify, store string }{
		{catchUpDigest, store.CatchUpDigest},
		{StatusPending, store.OutboxPending},
		{StatusSent, store.OutboxSent},
		{StatusFailed, store.OutboxFailed},
		{StatusCancelled, store.OutboxCancelled},
	} {
		if tc.notify != tc.store {
			t.Errorf("notify says %q where the store says %q", tc.notify, tc.store)
		}
	}
}
