package notify_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/corpustest"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/notify"
)

// TestReplayFacebookDigests replays every archived version of Facebook's
// privacy policy (492 snapshots over four years, 39 changes of the text a
// reader sees, the rest link churn), with three degraded pages slipped in,
// through the daemon's path — fetch, Checker, SQLite, dispatcher, digests,
// SMTP — on a simulated clock that passes every digest time of those four
// years. A daily-digest subscriber gets an alert for each critical change
// and one digest for each day that had other changes; nothing for churn or
// degraded pages, which only the operator hears of.
func TestReplayFacebookDigests(t *testing.T) {
	if testing.Short() {
		t.Skip("long replay; run without -short")
	}
	h := corpustest.Open(t, corpustest.Facebook)
	r := newRig(t)
	r.watch = monitor.Watch{Name: "facebook-privacy-policy", URL: r.pages.URL + "/policy", Select: []string{"#policy"}, Fetcher: "http"}
	ms := newMailServer(t)
	ada := r.subscribe("ada@example.org", nil) // daily digest, alerts for critical changes
	svc := r.service(notify.Config{BaseURL: "https://pw.example", Operator: "ops@example.org", DigestSchedule: "0 8 * * *"}, ms)

	// Degraded pages after these steps, for two checks each.
	degradedAfter := map[int]bool{40: true, 200: true, 400: true}
	var slots []time.Time // the digest times passed
	last := h.Steps[0].Date.Add(-time.Hour)
	r.clock.Set(last)
	tick(t, svc) // starts the digest schedule
	advance := func(to time.Time) {
		next := time.Date(last.Year(), last.Month(), last.Day(), 8, 0, 0, 0, time.UTC)
		for ; !next.After(to); next = next.AddDate(0, 0, 1) {
			if next.After(last) {
				r.clock.Set(next)
				tick(t, svc)
				slots = append(slots, next)
			}
		}
		last = to
	}
	var events []monitor.Event
	for i, s := range h.Steps {
		body, err := s.Read()
		if err != nil {
			t.Fatal(err)
		}
		advance(s.Date)
		events = append(events, r.check(string(body), s.Date)...)
		tick(t, svc)
		if degradedAfter[i] && i+1 < len(h.Steps) {
			gap := h.Steps[i+1].Date.Sub(s.Date) / 3
			for k := 1; k <= 2; k++ {
				at := s.Date.Add(time.Duration(k) * gap)
				advance(at)
				events = append(events, r.check(errorPage, at)...)
				tick(t, svc)
			}
		}
	}
	advance(h.Steps[len(h.Steps)-1].Date.AddDate(0, 0, 2))

	// What the events call for, by the rules.
	counts := map[monitor.EventKind]int{}
	var wantAlerts []int64
	wantDigests := map[time.Time][]int64{} // by digest time: the events it carries
	for _, e := range events {
		counts[e.Kind]++
		if e.Kind != monitor.KindChange && e.Kind != monitor.KindRevert {
			continue
		}
		if e.Severity == monitor.SeverityCritical {
			wantAlerts = append(wantAlerts, e.ID) // checks are days apart: the hourly limit never bites
			continue
		}
		i, _ := slices.BinarySearchFunc(slots, e.Time, func(s, t time.Time) int { return s.Compare(t) })
		for i < len(slots) && !slots[i].After(e.Time) {
			i++
		}
		wantDigests[slots[i]] = append(wantDigests[slots[i]], e.ID)
	}
	if counts[monitor.KindBaseline] != 1 || counts[monitor.KindChange] != 35 || counts[monitor.KindRevert] != 4 ||
		counts[monitor.KindAnomaly] != 3 || counts[monitor.KindRecovered] != 3 {
		t.Fatalf("events %v, want 1 baseline, 35 changes, 4 reverts, 3 anomalies, 3 recoveries", counts)
	}

	// What was sent.
	eventLink := regexp.MustCompile(`https://pw\.example/events/(\d+)`)
	var gotAlerts []int64
	var alertSubjects []string
	gotDigests := map[string][]int64{}
	operator := 0
	for _, m := range ms.messages() {
		p := parseMail(t, m.Data)
		subject := p.subject(t)
		var ids []int64
		for _, match := range eventLink.FindAllStringSubmatch(p.Text, -1) {
			var id int64
			fmt.Sscan(match[1], &id)
			ids = append(ids, id)
		}
		switch {
		case m.To[0] == "ops@example.org":
			operator++
		case m.To[0] != ada.Email:
			t.Errorf("mail to %v", m.To)
		case strings.HasPrefix(subject, "[policywatch] Daily digest:"):
			date := p.Header.Get("Date")
			gotDigests[date] = append(gotDigests[date], ids...)
		default:
			if len(ids) != 1 || !strings.Contains(subject, "(critical)") {
				t.Errorf("alert %q links events %v", subject, ids)
			}
			gotAlerts = append(gotAlerts, ids...)
			date, _ := p.Header.Date()
			alertSubjects = append(alertSubjects, date.UTC().Format(time.DateOnly)+" "+subject)
		}
	}
	// May 2025: the change that set Meta's objection deadline reached the
	// subscriber the day it was seen, not in a digest.
	if !slices.ContainsFunc(alertSubjects, func(s string) bool {
		return strings.HasPrefix(s, "2025-05-28 ") && strings.Contains(s, "Purpose added: AI training")
	}) {
		t.Errorf("no alert on 2025-05-28 for the AI training purpose: %q", alertSubjects)
	}
	if fmt.Sprint(gotAlerts) != fmt.Sprint(wantAlerts) {
		t.Errorf("alerts for events %v, want %v", gotAlerts, wantAlerts)
	}
	if len(gotDigests) != len(wantDigests) {
		t.Errorf("%d digests, want %d (one per day with non-critical changes)", len(gotDigests), len(wantDigests))
	}
	var gotDigestEvents, wantDigestEvents []int64
	for _, ids := range gotDigests {
		gotDigestEvents = append(gotDigestEvents, ids...)
	}
	for _, ids := range wantDigests {
		wantDigestEvents = append(wantDigestEvents, ids...)
	}
	slices.Sort(gotDigestEvents)
	slices.Sort(wantDigestEvents)
	if fmt.Sprint(gotDigestEvents) != fmt.Sprint(wantDigestEvents) {
		t.Errorf("digests carry events %v, want %v", gotDigestEvents, wantDigestEvents)
	}
	if operator != 6 {
		t.Errorf("%d operator notices, want 6: each degraded episode opened and closed", operator)
	}
	// The figures of this history, pinned: a change here means the rules
	// or the analysis changed.
	if len(wantAlerts) != pinnedAlerts || len(wantDigests) != pinnedDigests {
		t.Errorf("%d alerts and %d digests, pinned at %d and %d", len(wantAlerts), len(wantDigests), pinnedAlerts, pinnedDigests)
	}
	t.Logf("alerts:\n%s", strings.Join(alertSubjects, "\n"))
	t.Logf("%d digest times passed; %d emails: %d alerts, %d digests, %d operator notices",
		len(slots), len(ms.messages()), len(gotAlerts), len(gotDigests), operator)
}

// 8 alerts since the analysis reads which data each purpose uses (4
// before): 2023-06-15 (minors' location for ads), 2025-06-16 (AI training
// on AI interactions and messages), 2025-12-17 (AI training on minors'
// public posts), 2026-07-24 (minors' contacts shared at their request)
// were digests.
const pinnedAlerts, pinnedDigests = 8, 30
