package notify

import (
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestWeeklyDigestsAtAMondaysFirstTime: weekly digests are planned at
// the first time of a Monday in the schedule's own zone — once a Monday,
// however many times the schedule has that day, and on Tokyo's Monday
// for a schedule in Tokyo's time on a server in UTC.
func TestWeeklyDigestsAtAMondaysFirstTime(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	// 2026-11-30 is a Monday.
	for _, tc := range []struct {
		spec       string
		from, upTo string
		slot       string
		weekly     bool
	}{
		{"0 */6 * * *", "2026-11-29 18:00", "2026-11-30 00:00", "2026-11-30 00:00", true},
		{"0 */6 * * *", "2026-11-30 00:00", "2026-11-30 06:00", "2026-11-30 06:00", false}, // the same Monday again
		{"0 */6 * * *", "2026-11-30 18:00", "2026-12-01 00:00", "2026-12-01 00:00", false},
		{"0 8 * * 1-5", "2026-11-27 08:00", "2026-11-30 08:00", "2026-11-30 08:00", true},
		{"0 8 * * 1-5", "2026-11-30 08:00", "2026-12-01 08:00", "2026-12-01 08:00", false},
		// Monday 08:00 in Tokyo is Sunday 23:00 in UTC.
		{"CRON_TZ=Asia/Tokyo 0 8 * * 1", "2026-11-22 23:00", "2026-11-29 23:00", "2026-11-29 23:00", true},
		// A day missed (the daemon stopped) still counts its Monday.
		{"0 */6 * * *", "2026-11-29 18:00", "2026-11-30 12:00", "2026-11-30 12:00", true},
	} {
		sched, err := monitor.ScheduleParser.Parse(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		s := &Service{digest: sched}
		slot, freqs, held := s.digestsDue(utc(tc.from), utc(tc.upTo))
		weekly := false
		for _, f := range freqs {
			weekly = weekly || f == DigestWeekly
		}
		if !slot.Equal(utc(tc.slot)) || weekly != tc.weekly || weekly == (len(held) > 0) {
			t.Errorf("%q from %s to %s: slot %s, digests %v, held alerts of %v; want slot %s, weekly %v",
				tc.spec, tc.from, tc.upTo, slot.UTC().Format("2006-01-02 15:04"), freqs, held, tc.slot, tc.weekly)
		}
	}
}
