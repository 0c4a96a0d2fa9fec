package monitor_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// status is the watch's status as `watches` and /api/watches show it:
// "ok", or the open episode's kind and reason ("anomaly consent_wall").
func (r *checkerRig) status(t *testing.T) (string, *monitor.Episode) {
	t.Helper()
	summaries, err := r.faults.db.Watches(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range summaries {
		if s.Name != r.faults.watch.Name {
			continue
		}
		if s.Episode == nil {
			return s.StatusKey(), nil
		}
		return s.StatusKey() + " " + s.Episode.Reason, s.Episode
	}
	t.Fatalf("watch %s not listed", r.faults.watch.Name)
	return "", nil
}

// episodeStep is one check of an episode test: the page shown, the events
// it must record ("kind reason", space-separated, in order) and the
// watch's status after it.
type episodeStep struct {
	page   string
	events string
	status string
}

func eventsWithReasons(events []monitor.Event) string {
	var parts []string
	for _, e := range events {
		if e.Reason != "" {
			parts = append(parts, string(e.Kind)+" "+e.Reason)
		} else {
			parts = append(parts, string(e.Kind))
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// TestAnEpisodeOfAnotherKindOrReasonIsItsOwn: while a watch fails, a
// failure of another kind (a fetch error, then a consent page served with
// status 200, or the other way round) or an anomaly of another reason (a
// consent page, then a page whose selector matches nothing) ends the open
// episode and opens a new one, with its own event and no `recovered` in
// between; the watch's status says what is wrong now, and the `recovered`
// at the end names the episode that ended: its reason, its checks, its
// start. They used to count as checks of the first episode: no event, the
// status kept the first reason ("fetch_error (http_status …)" over a
// consent wall) and the recovery carried it.
func TestAnEpisodeOfAnotherKindOrReasonIsItsOwn(t *testing.T) {
	watch := monitor.Watch{Name: "nimbus", Select: []string{"#policy"}, Fetcher: "http", Language: "en-US"}
	for _, tc := range []struct {
		name  string
		steps []episodeStep
		// the recovery's summary: after how many failed checks, since
		// which step's check (1-based)
		checks, since int
	}{
		{"a fetch error, then a consent page", []episodeStep{
			{"a", "[baseline]", "ok"},
			{"http-500", "[fetch_error http_status]", "fetch_error http_status"},
			{"http-500", "[]", "fetch_error http_status"},
			{"consent", "[anomaly consent_wall]", "anomaly consent_wall"},
			{"consent", "[]", "anomaly consent_wall"},
			{"a", "[recovered consent_wall]", "ok"},
		}, 2, 4},
		{"a consent page, then a fetch error", []episodeStep{
			{"a", "[baseline]", "ok"},
			{"consent", "[anomaly consent_wall]", "anomaly consent_wall"},
			{"http-500", "[fetch_error http_status]", "fetch_error http_status"},
			{"a", "[recovered http_status]", "ok"},
		}, 1, 3},
		{"a consent page, then the selector matches nothing", []episodeStep{
			{"a", "[baseline]", "ok"},
			{"consent", "[anomaly consent_wall]", "anomaly consent_wall"},
			{"no-policy-div", "[anomaly selector_missing]", "anomaly selector_missing"},
			{"no-policy-div", "[]", "anomaly selector_missing"},
			{"a", "[recovered selector_missing]", "ok"},
		}, 2, 3},
		{"an outage, a consent page and a redesign, ending on a new text", []episodeStep{
			{"a", "[baseline]", "ok"},
			{"http-503", "[fetch_error http_status]", "fetch_error http_status"},
			{"consent", "[anomaly consent_wall]", "anomaly consent_wall"},
			{"no-policy-div", "[anomaly selector_missing]", "anomaly selector_missing"},
			{"b", "[recovered selector_missing, change]", "ok"},
		}, 1, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig := newCheckerRig(t, watch)
			var times []time.Time
			var last []monitor.Event
			for i, st := range tc.steps {
				_, _, events := rig.see(t, st.page)
				times = append(times, rig.faults.clock.Now().UTC())
				last = events
				if got := eventsWithReasons(events); got != st.events {
					t.Errorf("check %d (%s): events %s, want %s", i+1, st.page, got, st.events)
				}
				if got, _ := rig.status(t); got != st.status {
					t.Errorf("check %d (%s): status %q, want %q", i+1, st.page, got, st.status)
				}
			}
			if len(last) == 0 || last[0].Kind != monitor.KindRecovered {
				t.Fatalf("last check: events %v, want a recovery first", kindsOf(last))
			}
			want := fmt.Sprintf("after %d failed %s since %s", tc.checks, map[bool]string{true: "check", false: "checks"}[tc.checks == 1],
				times[tc.since-1].UTC().Format("2006-01-02 15:04 UTC"))
			if !strings.Contains(last[0].Summary, want) {
				t.Errorf("recovery: %q, want it to say %q (the episode that ended)", last[0].Summary, want)
			}
		})
	}
}

// TestFetchErrorsOfAnyKindAreOneEpisode: an outage whose fetch errors
// change kind (502, 503, a timeout, a reset, 500) is one episode: one
// fetch_error event, one `recovered` naming it (its start, all its
// checks). The watch's status shows the kind of the last fetch error, so
// that the operator sees what fails now, without an event.
func TestFetchErrorsOfAnyKindAreOneEpisode(t *testing.T) {
	watch := monitor.Watch{Name: "nimbus", Select: []string{"#policy"}, Fetcher: "http", Language: "en-US"}
	rig := newCheckerRig(t, watch)
	rig.see(t, "a")
	var during []monitor.Event
	var since time.Time
	for i, st := range []struct{ page, status string }{
		{"http-502", "fetch_error http_status"},
		{"http-503", "fetch_error http_status"},
		{"timeout", "fetch_error timeout"},
		{"reset", "fetch_error connection_reset"},
		{"http-500", "fetch_error http_status"},
	} {
		_, _, events := rig.see(t, st.page)
		if i == 0 {
			since = rig.faults.clock.Now().UTC()
		}
		during = append(during, events...)
		got, ep := rig.status(t)
		if got != st.status {
			t.Errorf("check %d (%s): status %q, want %q", i+1, st.page, got, st.status)
		}
		if ep != nil && (!ep.Since.Equal(since) || ep.Checks != i+1) {
			t.Errorf("check %d (%s): episode since %s, %d checks; want since %s, %d checks", i+1, st.page, ep.Since, ep.Checks, since, i+1)
		}
	}
	if got := eventsWithReasons(during); got != "[fetch_error http_status]" {
		t.Errorf("during the outage: events %s, want one fetch_error for the episode", got)
	}
	_, kinds, events := rig.see(t, "a")
	if kinds != "[recovered]" {
		t.Fatalf("good page again: events %s, want [recovered]", kinds)
	}
	if want := "after 5 failed checks since " + since.UTC().Format("2006-01-02 15:04 UTC"); !strings.Contains(events[0].Summary, want) {
		t.Errorf("recovery: %q, want it to say %q", events[0].Summary, want)
	}
	if st, _ := rig.status(t); st != "ok" {
		t.Errorf("status after the recovery: %q, want ok", st)
	}
}
