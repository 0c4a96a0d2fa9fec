package store

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// statsHistory records, for two watches: a baseline, an unchanged check,
// a fetch error, a change and a revert, with attempts of known durations.
func statsHistory(t *testing.T, db *DB) {
	t.Helper()
	for wi, name := range []string{"alpha", "beta"} {
		w := testWatch
		w.Name = name
		at := func(i int) time.Time { return t0.Add(time.Duration(i) * 24 * time.Hour) }
		attempt := func(i int, d time.Duration) []monitor.Attempt {
			return []monitor.Attempt{{Start: at(i), URL: w.URL, FinalURL: w.URL, Status: http.StatusOK, Duration: d}}
		}
		v1 := &monitor.Version{Hash: name + "1", Text: "one"}
		record(t, db, &monitor.CheckRecord{
			Watch: w, Started: at(0), Finished: at(0), Outcome: monitor.OutcomeBaseline,
			Body: body(t, "policy-v1.html", 0, at(0)), NewVersion: v1, Attempts: attempt(0, 100*time.Millisecond),
			Events: []monitor.Event{{Watch: name, Time: at(0), Kind: monitor.KindBaseline, Severity: monitor.SeverityInfo, Summary: "first"}},
		})
		st, err := db.State(context.Background(), w)
		if err != nil {
			t.Fatal(err)
		}
		first := st.Current.ID
		record(t, db, &monitor.CheckRecord{
			Watch: w, Started: at(1), Finished: at(1), Outcome: monitor.OutcomeUnchanged, SeenVersion: first,
			Attempts: attempt(1, 700*time.Millisecond),
		})
		record(t, db, &monitor.CheckRecord{
			Watch: w, Started: at(2), Finished: at(2), Outcome: monitor.OutcomeFetchError,
			Attempts: []monitor.Attempt{{Start: at(2), URL: w.URL, Err: "timeout", Duration: 30 * time.Second}},
			Episode:  &monitor.Episode{Kind: monitor.KindFetchError, Reason: "timeout", Since: at(2), Checks: 1},
			Events:   []monitor.Event{{Watch: name, Time: at(2), Kind: monitor.KindFetchError, Severity: monitor.SeverityNotable, Summary: "timeout", Reason: "timeout"}},
		})
		record(t, db, &monitor.CheckRecord{
			Watch: w, Started: at(3), Finished: at(3), Outcome: monitor.OutcomeChanged,
			Body: body(t, "policy-v2.html", 1, at(3)), NewVersion: &monitor.Version{Hash: name + "2", Text: "two"},
			Attempts: attempt(3, 2*time.Second),
			Events: []monitor.Event{
				{Watch: name, Time: at(3), Kind: monitor.KindRecovered, Severity: monitor.SeverityInfo, Summary: "back"},
				{Watch: name, Time: at(3), Kind: monitor.KindChange, Severity: monitor.SeverityCritical, Summary: fmt.Sprintf("change %d", wi), PreviousVersion: first},
			},
		})
		record(t, db, &monitor.CheckRecord{
			Watch: w, Started: at(4), Finished: at(4), Outcome: monitor.OutcomeReverted, SeenVersion: first,
			Attempts: attempt(4, 300*time.Millisecond),
			Events: []monitor.Event{{Watch: name, Time: at(4), Kind: monitor.KindRevert, Severity: monitor.SeverityNotable,
				Summary: "revert", Version: first, RevertedTo: first, PreviousVersion: first + 1}},
		})
	}
}

func TestStats(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	statsHistory(t, db)

	checks, err := db.CheckCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantChecks := map[monitor.Outcome]int64{
		monitor.OutcomeBaseline: 1, monitor.OutcomeUnchanged: 1, monitor.OutcomeFetchError: 1,
		monitor.OutcomeChanged: 1, monitor.OutcomeReverted: 1,
	}
	for _, name := range []string{"alpha", "beta"} {
		if !reflect.DeepEqual(checks[name], wantChecks) {
			t.Errorf("CheckCounts[%s] = %v, want %v", name, checks[name], wantChecks)
		}
	}

	events, err := db.EventCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantEvents := map[monitor.EventKind]int64{
		monitor.KindBaseline: 1, monitor.KindFetchError: 1, monitor.KindRecovered: 1,
		monitor.KindChange: 1, monitor.KindRevert: 1,
	}
	if !reflect.DeepEqual(events["beta"], wantEvents) {
		t.Errorf("EventCounts[beta] = %v, want %v", events["beta"], wantEvents)
	}

	bounds, counts, sums, err := db.FetchLatency(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantBounds := []time.Duration{100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
		time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute}
	if !reflect.DeepEqual(bounds, wantBounds) {
		t.Errorf("FetchLatency bounds = %v, want %v", bounds, wantBounds)
	}
	// 100 ms (on a bound: in its bucket); 300 ms; 700 ms; 2 s; 30 s.
	if want := []uint64{1, 0, 1, 1, 1, 0, 0, 1, 0, 0}; !reflect.DeepEqual(counts["alpha"], want) {
		t.Errorf("FetchLatency counts[alpha] = %v, want %v", counts["alpha"], want)
	}
	if want := 100*time.Millisecond + 700*time.Millisecond + 30*time.Second + 2*time.Second + 300*time.Millisecond; sums["alpha"] != want {
		t.Errorf("FetchLatency sums[alpha] = %v, want %v", sums["alpha"], want)
	}

	times, err := db.ChangeTimes(ctx, t0.Add(3*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{t0.Add(3 * 24 * time.Hour), t0.Add(4 * 24 * time.Hour)}
	if !reflect.DeepEqual(times["alpha"], want) {
		t.Errorf("ChangeTimes[alpha] = %v, want %v (the change and the revert)", times["alpha"], want)
	}
	if times, err := db.ChangeTimes(ctx, t0.Add(5*24*time.Hour)); err != nil || len(times) != 0 {
		t.Errorf("ChangeTimes after the last change = %v, %v; want none", times, err)
	}
}

// TestEventsNewestFirst covers the EventFilter fields the web view's
// timelines use: Descending, BeforeID and Severities.
func TestEventsNewestFirst(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	statsHistory(t, db)

	all, err := db.Events(ctx, monitor.EventFilter{Watch: "beta"})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(es []monitor.Event) []int64 {
		out := []int64{}
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	asc := ids(all)
	if len(asc) != 5 {
		t.Fatalf("beta has %d events, want 5", len(asc))
	}

	newest, err := db.Events(ctx, monitor.EventFilter{Watch: "beta", Descending: true, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(newest), []int64{asc[4], asc[3]}; !reflect.DeepEqual(got, want) {
		t.Errorf("newest two = %v, want %v", got, want)
	}
	next, err := db.Events(ctx, monitor.EventFilter{Watch: "beta", Descending: true, BeforeID: asc[3], Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(next), []int64{asc[2], asc[1]}; !reflect.DeepEqual(got, want) {
		t.Errorf("next page = %v, want %v", got, want)
	}

	serious, err := db.Events(ctx, monitor.EventFilter{
		Severities: []monitor.Severity{monitor.SeverityNotable, monitor.SeverityCritical}, Descending: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range serious {
		kinds = append(kinds, e.Watch+":"+string(e.Kind))
	}
	want := []string{"beta:revert", "beta:change", "beta:fetch_error", "alpha:revert", "alpha:change", "alpha:fetch_error"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("notable and critical events, newest first = %v, want %v", kinds, want)
	}
}

// TestImportedVersions: a version is imported when the baseline or change
// that first recorded it was; a revert to it, a fetch meeting it again, a
// version fetched first and later met in an archive, and another watch's
// imports do not count.
func TestImportedVersions(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 24 * time.Hour) }
	check := func(w monitor.Watch, i int, outcome monitor.Outcome, newText string, seen int64, e monitor.Event) int64 {
		t.Helper()
		rec := &monitor.CheckRecord{Watch: w, Started: at(i), Finished: at(i), Outcome: outcome, SeenVersion: seen}
		if newText != "" {
			rec.NewVersion = &monitor.Version{Hash: w.Name + newText, Text: newText}
		}
		e.Watch, e.Time, e.Severity, e.Summary = w.Name, at(i), monitor.SeverityInfo, string(e.Kind)
		rec.Events = []monitor.Event{e}
		return record(t, db, rec)[0].Version
	}
	alpha, beta := testWatch, testWatch
	alpha.Name, beta.Name = "alpha", "beta"
	v1 := check(alpha, 0, monitor.OutcomeBaseline, "one", 0, monitor.Event{Kind: monitor.KindBaseline, Imported: true})
	v2 := check(alpha, 1, monitor.OutcomeChanged, "two", 0, monitor.Event{Kind: monitor.KindChange, Imported: true, PreviousVersion: v1})
	v3 := check(alpha, 2, monitor.OutcomeChanged, "three", 0, monitor.Event{Kind: monitor.KindChange, PreviousVersion: v2})
	check(alpha, 3, monitor.OutcomeReverted, "", v1, monitor.Event{Kind: monitor.KindRevert, Imported: true, RevertedTo: v1, PreviousVersion: v3})
	check(alpha, 4, monitor.OutcomeBaseline, "", v2, monitor.Event{Kind: monitor.KindBaseline, Version: v2})
	check(alpha, 5, monitor.OutcomeBaseline, "", v3, monitor.Event{Kind: monitor.KindBaseline, Version: v3, Imported: true})
	b1 := check(beta, 0, monitor.OutcomeBaseline, "one", 0, monitor.Event{Kind: monitor.KindBaseline, Imported: true})

	got, err := db.ImportedVersions(ctx, "alpha")
	if want := map[int64]bool{v1: true, v2: true}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ImportedVersions(alpha) = %v, %v; want %v (v3 = %d)", got, err, want, v3)
	}
	if got, err := db.ImportedVersions(ctx, "beta"); err != nil || !reflect.DeepEqual(got, map[int64]bool{b1: true}) {
		t.Errorf("ImportedVersions(beta) = %v, %v; want {%d: true}", got, err, b1)
	}
	if got, err := db.ImportedVersions(ctx, "nobody"); err != nil || len(got) != 0 {
		t.Errorf("ImportedVersions(nobody) = %v, %v; want none", got, err)
	}
}
