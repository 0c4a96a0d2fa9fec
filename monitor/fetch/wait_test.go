package fetch

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestBackoffCeiling(t *testing.T) {
	const base, max = 2 * time.Second, 2 * time.Minute
	tests := []struct {
		retry int
		want  time.Duration
	}{
		{1, 2 * time.Second},
		{2, 4 * time.Second},
		{3, 8 * time.Second},
		{6, 64 * time.Second},
		{7, max},
		{1000, max}, // no overflow
	}
	for _, tc := range tests {
		if got := backoffCeiling(base, max, tc.retry); got != tc.want {
			t.Errorf("retry %d: %s, want %s", tc.retry, got, tc.want)
		}
	}
}

func TestFullJitterStaysInRange(t *testing.T) {
	const ceiling = 10 * time.Millisecond
	var below, above bool
	for range 1000 {
		d := fullJitter(ceiling)
		if d < 0 || d > ceiling {
			t.Fatalf("fullJitter(%s) = %s", ceiling, d)
		}
		below = below || d < ceiling/2
		above = above || d >= ceiling/2
	}
	if !below || !above {
		t.Error("1000 draws all fell in one half: not spread")
	}
	if fullJitter(0) != 0 {
		t.Error("fullJitter(0) != 0")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"Fri, 02 Jan 2026 15:05:05 GMT", time.Minute, true},
		{"Friday, 02-Jan-26 15:04:35 GMT", 30 * time.Second, true}, // RFC 850
		{"Fri, 02 Jan 2026 15:00:00 GMT", 0, true},                 // in the past
		{"99999999999999", maxRetryAfterSeconds * time.Second, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseRetryAfter(tc.value, now)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", tc.value, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestHostGatePrunesPastHosts(t *testing.T) {
	g := newHostGate(time.Nanosecond, time.Minute)
	for i := range pruneAt + 10 {
		if _, err := g.wait(t.Context(), string(rune('a'+i%26))+string(rune(i))); err != nil {
			t.Fatal(err)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.next) > pruneAt {
		t.Errorf("%d hosts remembered, want ≤ %d", len(g.next), pruneAt)
	}
}

// TestRetryAfterHeader: the header as a response carries it, the HTTP
// date counted from the response's Date when there is one.
func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 5, 26, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name, value, date string
		want              time.Duration
	}{
		{"absent", "", "", 0},
		{"seconds", "120", "", 2 * time.Minute},
		{"seconds with spaces", " 30 ", "", 30 * time.Second},
		{"negative seconds", "-5", "", 0},
		{"HTTP-date, from now", "Tue, 26 May 2026 12:10:00 GMT", "", 10 * time.Minute},
		{"HTTP-date, from the server's Date", "Tue, 26 May 2026 12:10:00 GMT", "Tue, 26 May 2026 12:08:00 GMT", 2 * time.Minute},
		{"RFC 850 date", "Tuesday, 26-May-26 12:01:00 GMT", "", time.Minute},
		{"past date", "Tue, 26 May 2026 11:00:00 GMT", "", 0},
		{"unreadable", "soon", "", 0},
	} {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		if tt.date != "" {
			h.Set("Date", tt.date)
		}
		if got := RetryAfter(h, now); got != tt.want {
			t.Errorf("%s: RetryAfter(%q, Date %q) = %v, want %v", tt.name, tt.value, tt.date, got, tt.want)
		}
	}
}

// TestHostGateGivenUpClaimsNothing: a wait whose context has ended
// returns its error, with or without an interval, and, with one, leaves
// the host's next slot to the next request (without, there is no slot to
// claim).
func TestHostGateGivenUpClaimsNothing(t *testing.T) {
	for _, interval := range []time.Duration{0, time.Hour} {
		g := newHostGate(interval, time.Minute)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := g.wait(ctx, "example.com"); !errors.Is(err, context.Canceled) {
			t.Errorf("interval %v: wait with an ended context: %v, want context.Canceled", interval, err)
		}
		if interval == 0 {
			continue
		}
		// Claimed, the slot would hold the next request for the hour.
		next, stop := context.WithTimeout(t.Context(), 5*time.Second)
		_, err := g.wait(next, "example.com")
		stop()
		if err != nil {
			t.Errorf("the request after a given-up one: %v, want none (the given-up one claimed a slot)", err)
		}
	}
}
