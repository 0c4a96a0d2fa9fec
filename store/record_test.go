package store

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/monitor/extract"
)

// TestRecordCheckHistory records a history with every outcome, step by
// step, and reads each step back through State; then reads the whole
// history back through the listings.
func TestRecordCheckHistory(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	at := func(step int) time.Time { return t0.Add(time.Duration(step) * 6 * time.Hour) }
	links := []extract.Link{{Text: "Contact us", Href: "https://example.com/contact"}}

	var v1, v2 int64 // version ids, known once recorded
	type step struct {
		name string
		rec  func() *monitor.CheckRecord
		// after checks what State says once the step is recorded.
		after func(t *testing.T, st *monitor.State, events []monitor.Event)
	}
	steps := []step{{
		name: "baseline",
		rec: func() *monitor.CheckRecord {
			return &monitor.CheckRecord{
				Outcome:  monitor.OutcomeBaseline,
				Attempts: []monitor.Attempt{okAttempt(t, 0, at(0), 613)},
				Body:     body(t, "policy-v1.html", 0, at(0)),
				NewVersion: &monitor.Version{
					Hash: "h1", Text: "Example Privacy Policy\nWe collect your name.",
					Title: "Example Privacy Policy", Language: "en",
					Links: links,
				},
				Events: []monitor.Event{{Kind: monitor.KindBaseline, Severity: monitor.SeverityInfo, Summary: "first capture"}},
				ETag:   `"e1"`, LastModified: "Thu, 01 Jan 2026 00:00:00 GMT",
				CaptureLength: 100, Language: "en",
			}
		},
		after: func(t *testing.T, st *monitor.State, events []monitor.Event) {
			if st.Current == nil || st.Current.Hash != "h1" {
				t.Fatalf("Current = %+v, want h1", st.Current)
			}
			v1 = st.Current.ID
			if events[0].Version != v1 || events[0].ID == 0 || events[0].Watch != testWatch.Name {
				t.Errorf("baseline event = %+v, want Version %d, an ID and the watch", events[0], v1)
			}
			cur, err := db.Version(ctx, st.Current.ID)
			if err != nil {
				t.Fatal(err)
			}
			if cur.Text != "Example Privacy Policy\nWe collect your name." || !reflect.DeepEqual(cur.Links, links) || cur.Language != "en" {
				t.Errorf("current version not stored whole: %+v", cur)
			}
			if cur.BodyID == 0 || !cur.FirstSeen.Equal(at(0).Add(time.Second)) {
				t.Errorf("current version BodyID %d FirstSeen %v", cur.BodyID, cur.FirstSeen)
			}
			if st.TypicalLength != 100 || st.Language != "en" || st.ETag != `"e1"` || st.LastModified == "" || st.Episode != nil {
				t.Errorf("state = %+v", st)
			}
		},
	}, {
		name: "unchanged, new bytes",
		rec: func() *monitor.CheckRecord {
			return &monitor.CheckRecord{
				Outcome:     monitor.OutcomeUnchanged,
				Attempts:    []monitor.Attempt{okAttempt(t, 1, at(1), 613)},
				Body:        body(t, "policy-v1.html", 1, at(1)),
				SeenVersion: v1,
				ETag:        `"e2"`, CaptureLength: 120,
			}
		},
		after: func(t *testing.T, st *monitor.State, events []monitor.Event) {
			if len(events) != 0 || st.Current.ID != v1 || st.TypicalLength != 120 || st.ETag != `"e2"` {
				t.Errorf("state = %+v, events %v", st, events)
			}
			if cur, err := db.Version(ctx, st.Current.ID); err != nil || !cur.LastSeen.Equal(at(1).Add(time.Second)) {
				t.Errorf("LastSeen = %v (%v), want the check's end", cur.LastSeen, err)
			}
			if st.Language != "en" {
				t.Errorf("Language = %q: an empty record language must keep it", st.Language)
			}
		},
	}, {
		name: "not modified",
		rec: func() *monitor.CheckRecord {
			a := okAttempt(t, 2, at(2), 0)
			a.Status = http.StatusNotModified
			return &monitor.CheckRecord{
				Outcome: monitor.OutcomeNotModified, Attempts: []monitor.Attempt{a},
				SeenVersion: v1, ETag: `"e2"`,
			}
		},
		after: func(t *testing.T, st *monitor.State, events []monitor.Event) {
			if st.Current.ID != v1 || st.TypicalLength != 120 {
				t.Errorf("state = %+v", st)
			}
		},
	}, {
		name: "change",
		rec: func() *monitor.CheckRecord {
			return &monitor.CheckRecord{
				Outcome:  monitor.OutcomeChanged,
				Attempts: []monitor.Attempt{okAttempt(t, 3, at(3), 680)},
				Body:     body(t, "policy-v2.html", 3, at(3)),
				NewVersion: &monitor.Version{
					Hash: "h2", Text: "Example Privacy Policy\nWe collect your name and chats.",
					Language: "en",
				},
				Events: []monitor.Event{{
					Kind: monitor.KindChange, Severity: monitor.SeverityCritical, Summary: "new category: chats",
					PreviousVersion: v1, WordsAdded: 3, WordsRemoved: 1, Analysis: &analyze.Analysis{},
				}},
				CaptureLength: 130, Language: "en",
			}
		},
		after: func(t *testing.T, st *monitor.State, events []monitor.Event) {
			v2 = st.Current.ID
			if st.Current.Hash != "h2" || v2 == v1 {
				t.Fatalf("Current = %+v", st.Current)
			}
			e := events[0]
			if e.Version != v2 || e.PreviousVersion != v1 || e.Analysis == nil || e.WordsAdded != 3 || e.WordsRemoved != 1 {
				t.Errorf("change event = %+v", e)
			}
			if cur, err := db.Version(ctx, st.Current.ID); err != nil || cur.Links != nil {
				t.Errorf("Links = %v (%v), want none", cur.Links, err)
			}
		},
	}, {
		name: "anomaly opens an episode",
		rec: func() *monitor.CheckRecord {
			return &monitor.CheckRecord{
				Outcome:  monitor.OutcomeAnomaly,
				Attempts: []monitor.Attempt{okAttempt(t, 4, at(4), 185)},
				Body:     body(t, "error.html", 4, at(4)),
				Episode:  &monitor.Episode{Kind: monitor.KindAnomaly, Reason: monitor.ReasonErrorPage, Since: at(4), Checks: 1},
				Events: []monitor.Event{{
					Kind: monitor.KindAnomaly, Severity: monitor.SeverityNotable, Summary: "error page",
					Reason: monitor.ReasonErrorPage, Detail: "Sorry, something went wrong.",
				}},
			}
		},
		after: func(t *testing.T, st *monitor.State, events []monitor.Event) {
			want := &monitor.Episode{Kind: monitor.KindAnomaly, Reason: monitor.ReasonErrorPage, Since: at(4), Checks: 1}
			if !reflect.DeepEqual(st.Episode, want) {
				t.Errorf("Episode = %+v, want %+v", st.Episode, want)
			}
			if st.Current.ID != v2 || st.TypicalLength != 120 {
				t.Errorf("an anomaly moved the state: %+v", st)
			}
			if events[0].Version != 0 {
				t.Errorf("anomaly event got a version: %+v", events[0])
			}
		},
	}, {
		name: "anomaly continues the episode",
		rec: func() *monitor.CheckRecord {
			return &monitor.CheckRecord{
				Outcome:  monitor.OutcomeAnomaly,
				Attempts: []monitor.Attempt{okAttempt(t, 5, at(5), 185)},
				Body:     body(t, "error.html", 5, at(5)),
				Episode:  &monitor.Episode{Kind: monitor.KindAnomaly, Reason: monitor.ReasonErrorPage, Since: at(4), Checks: 2},
			}
		},
		after: func(t *testing.T, st *monitor.State, events []monitor.Event) {
			if st.Episode == nil || st.Episode.Checks != 2 || !st.Episode.Since.Equal(at(4)) || len(events) != 0 {
				t.Errorf("Episode = %+v, events %v", st.Episode, events)
			}
		},
	}, {
		name: "revert closes the episode",
		rec: func() *monitor.CheckRecord {
			return &monitor.CheckRecord{
				Outcome:     monitor.OutcomeReverted,
				Attempts:    []monitor.Attempt{okAttempt(t, 6, at(6), 613)},
				Body:        body(t, "policy-v1.html", 6, at(6)),
				SeenVersion: v1,
				Events: []monitor.Event{
					{Kind: monitor.KindRecovered, Severity: monitor.SeverityInfo, Summary: "page back after 2 checks"},
					{Kind: monitor.KindRevert, Severity: monitor.SeverityNotable, Summary: "back to the text of Jan 1",
						PreviousVersion: v2, RevertedTo: v1, Analysis: &analyze.Analysis{}},
				},
				CaptureLength: 110, Language: "en",
			}
		},
		after: func(t *testing.T, st *monitor.State, events []monitor.Event) {
			if st.Episode != nil || st.Current.ID != v1 {
				t.Errorf("state = %+v", st)
			}
			if len(events) != 2 || events[0].Kind != monitor.KindRecovered || events[1].Version != v1 || events[1].RevertedTo != v1 || events[0].ID >= events[1].ID {
				t.Errorf("events = %+v", events)
			}
		},
	}, {
		name: "fetch error",
		rec: func() *monitor.CheckRecord {
			return &monitor.CheckRecord{
				Outcome: monitor.OutcomeFetchError,
				Attempts: []monitor.Attempt{
					{Start: at(7), URL: testWatch.URL, Status: http.StatusTooManyRequests,
						Header: http.Header{"Retry-After": {"120"}, "X-Debug": {"abc"}}, Duration: time.Second},
					{Start: at(7).Add(time.Minute), URL: testWatch.URL, Err: "dial tcp: i/o timeout", Duration: 30 * time.Second},
				},
				Episode:      &monitor.Episode{Kind: monitor.KindFetchError, Reason: "timeout", Since: at(7), Checks: 1},
				Events:       []monitor.Event{{Kind: monitor.KindFetchError, Severity: monitor.SeverityNotable, Reason: "timeout", Detail: "dial tcp: i/o timeout"}},
				ETag:         `"e2"`,
				LastModified: "Thu, 01 Jan 2026 00:00:00 GMT",
			}
		},
		after: func(t *testing.T, st *monitor.State, events []monitor.Event) {
			if st.Episode == nil || st.Episode.Kind != monitor.KindFetchError || st.Current.ID != v1 || st.ETag != `"e2"` {
				t.Errorf("state = %+v", st)
			}
		},
	}}

	var stored []monitor.Event
	for i, s := range steps {
		rec := s.rec()
		rec.Watch, rec.Fetcher = testWatch, "http"
		rec.Started, rec.Finished = at(i), at(i).Add(time.Second)
		events := record(t, db, rec)
		if len(events) != len(rec.Events) {
			t.Fatalf("%s: %d events stored, %d given", s.name, len(events), len(rec.Events))
		}
		st, err := db.State(ctx, testWatch)
		if err != nil {
			t.Fatal(err)
		}
		if st.Seq != int64(i+1) || !st.LastCheck.Equal(rec.Started) {
			t.Errorf("%s: Seq %d LastCheck %v, want %d %v", s.name, st.Seq, st.LastCheck, i+1, rec.Started)
		}
		t.Run(s.name, func(t *testing.T) { s.after(t, st, events) })
		stored = append(stored, events...)
	}

	t.Run("events", func(t *testing.T) {
		all, err := db.Events(ctx, monitor.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(all, stored) {
			t.Fatalf("Events() =\n%+v\nwant what RecordCheck returned\n%+v", all, stored)
		}
		for _, e := range stored {
			got, err := db.Event(ctx, e.ID)
			if err != nil {
				t.Fatalf("Event(%d): %v", e.ID, err)
			}
			// One event also carries the body of the check that found it:
			// every check here kept one but the fetch error's.
			if hasBody := e.Kind != monitor.KindFetchError; (got.BodyID != 0) != hasBody {
				t.Errorf("Event(%d) (%s): body %d, want one: %v", e.ID, e.Kind, got.BodyID, hasBody)
			}
			got.BodyID = 0
			if !reflect.DeepEqual(*got, e) {
				t.Errorf("Event(%d) = %+v; want %+v", e.ID, got, e)
			}
		}
		if _, err := db.Event(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("Event(9999): err = %v, want ErrNotFound", err)
		}
		kinds := func(es []monitor.Event) (ks []monitor.EventKind) {
			for _, e := range es {
				ks = append(ks, e.Kind)
			}
			return ks
		}
		filters := []struct {
			name   string
			filter monitor.EventFilter
			want   []monitor.EventKind
		}{
			{"changes", monitor.EventFilter{Kinds: []monitor.EventKind{monitor.KindChange, monitor.KindRevert}}, []monitor.EventKind{"change", "revert"}},
			{"other watch", monitor.EventFilter{Watch: "other"}, nil},
			{"this watch, limited", monitor.EventFilter{Watch: testWatch.Name, Limit: 2}, []monitor.EventKind{"baseline", "change"}},
			{"after an id", monitor.EventFilter{AfterID: stored[3].ID}, []monitor.EventKind{"revert", "fetch_error"}},
			{"since", monitor.EventFilter{Since: at(6)}, []monitor.EventKind{"recovered", "revert", "fetch_error"}},
		}
		for _, f := range filters {
			got, err := db.Events(ctx, f.filter)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(kinds(got), f.want) {
				t.Errorf("%s: kinds %v, want %v", f.name, kinds(got), f.want)
			}
		}
	})

	t.Run("versions", func(t *testing.T) {
		vs, err := db.Versions(ctx, testWatch.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 || vs[0].ID != v1 || vs[1].ID != v2 || vs[0].Text != "" || vs[0].Hash != "h1" {
			t.Fatalf("Versions = %+v", vs)
		}
		if !vs[0].FirstSeen.Equal(at(0).Add(time.Second)) || !vs[0].LastSeen.Equal(at(6).Add(time.Second)) {
			t.Errorf("v1 seen %v .. %v", vs[0].FirstSeen, vs[0].LastSeen)
		}
		v, err := db.Version(ctx, v2)
		if err != nil || v.Text != "Example Privacy Policy\nWe collect your name and chats." || v.Watch != testWatch.Name {
			t.Errorf("Version(%d) = %+v, %v", v2, v, err)
		}
		latest, err := db.LatestVersion(ctx, testWatch.Name)
		if err != nil || latest.ID != v1 {
			t.Errorf("LatestVersion = %+v, %v; want the reverted-to v1", latest, err)
		}
		if _, err := db.LatestVersion(ctx, "nothing"); !errors.Is(err, ErrNotFound) {
			t.Errorf("LatestVersion(nothing): %v, want ErrNotFound", err)
		}
		if id, ok, err := db.FindVersionByHash(ctx, testWatch.Name, "h2"); err != nil || !ok || id != v2 {
			t.Errorf("FindVersionByHash(h2) = %d %v %v", id, ok, err)
		}
		if _, ok, err := db.FindVersionByHash(ctx, testWatch.Name, "h3"); err != nil || ok {
			t.Errorf("FindVersionByHash(h3) found = %v, %v", ok, err)
		}
	})

	t.Run("checks", func(t *testing.T) {
		checks, err := db.Checks(ctx, testWatch.Name, 3)
		if err != nil {
			t.Fatal(err)
		}
		var outcomes []monitor.Outcome
		for _, c := range checks {
			outcomes = append(outcomes, c.Outcome)
		}
		want := []monitor.Outcome{monitor.OutcomeFetchError, monitor.OutcomeReverted, monitor.OutcomeAnomaly}
		if !reflect.DeepEqual(outcomes, want) {
			t.Fatalf("outcomes %v, want %v", outcomes, want)
		}
		failed := checks[0]
		if failed.BodyID != 0 || failed.VersionID != v1 || len(failed.Attempts) != 2 {
			t.Fatalf("fetch error check = %+v", failed)
		}
		if got := failed.Attempts[0].Header; got.Get("X-Debug") != "abc" || got.Get("Retry-After") != "120" {
			t.Errorf("failed attempt lost its header: %v", got)
		}
		if a := failed.Attempts[1]; a.Err != "dial tcp: i/o timeout" || a.Duration != 30*time.Second || !a.Start.Equal(at(7).Add(time.Minute)) {
			t.Errorf("attempt = %+v", a)
		}
		ok := checks[1].Attempts[0]
		if ok.Header.Get("Content-Type") == "" || ok.Header.Get("Date") == "" || ok.Header.Get("Content-Security-Policy") != "" {
			t.Errorf("successful attempt header = %v, want the kept fields only", ok.Header)
		}
		if ok.FinalURL != testWatch.URL || ok.Bytes != 613 || ok.Status != 200 {
			t.Errorf("attempt = %+v", ok)
		}
		if checks[1].BodyID == 0 || checks[1].VersionID != v1 {
			t.Errorf("revert check = %+v", checks[1])
		}
		all, err := db.Checks(ctx, testWatch.Name, 0)
		if err != nil || len(all) != len(steps) {
			t.Errorf("Checks(0) = %d checks, %v; want %d", len(all), err, len(steps))
		}
	})

	t.Run("body", func(t *testing.T) {
		checks, err := db.Checks(ctx, testWatch.Name, 0)
		if err != nil {
			t.Fatal(err)
		}
		base := checks[len(checks)-1]
		got, err := db.Body(ctx, base.BodyID)
		if err != nil {
			t.Fatal(err)
		}
		want := body(t, "policy-v1.html", 0, at(0))
		want.ID, want.SHA256 = base.BodyID, sha256Hex(want.Data)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Body = %+v\nwant %+v", got, want)
		}
		if _, err := db.Body(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("Body(9999): %v, want ErrNotFound", err)
		}
	})

	t.Run("watches", func(t *testing.T) {
		ws, err := db.Watches(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) != 1 {
			t.Fatalf("Watches = %+v", ws)
		}
		w := ws[0]
		if w.Name != testWatch.Name || w.URL != testWatch.URL || w.LastOutcome != monitor.OutcomeFetchError ||
			!w.LastCheck.Equal(at(7)) || w.CurrentVersion != v1 || w.Versions != 2 {
			t.Errorf("summary = %+v", w)
		}
		if !w.LastChange.Equal(at(6).Add(time.Second)) || w.LastChangeSummary != "back to the text of Jan 1" || w.LastChangeSeverity != monitor.SeverityNotable {
			t.Errorf("last change = %v %q %q", w.LastChange, w.LastChangeSummary, w.LastChangeSeverity)
		}
		if w.Episode == nil || w.Episode.Kind != monitor.KindFetchError {
			t.Errorf("episode = %+v", w.Episode)
		}
	})
}

func TestRecordCheckConflictWritesNothing(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	baseline := &monitor.CheckRecord{
		Watch: testWatch, Started: t0, Finished: t0, Outcome: monitor.OutcomeBaseline,
		Attempts:   []monitor.Attempt{okAttempt(t, 0, t0, 613)},
		Body:       body(t, "policy-v1.html", 0, t0),
		NewVersion: &monitor.Version{Hash: "h1", Text: "one"},
		Events:     []monitor.Event{{Kind: monitor.KindBaseline, Summary: "first"}},
	}
	record(t, db, baseline)
	before := count(t, db)

	// The same record again, as a writer that lost the race would retry it.
	for try := range 3 {
		events, err := db.RecordCheck(ctx, baseline)
		if !errors.Is(err, monitor.ErrConflict) || events != nil {
			t.Fatalf("retry %d: events %v err %v, want ErrConflict", try, events, err)
		}
	}
	// A record built from a state that has moved on.
	stale := &monitor.CheckRecord{
		Watch: testWatch, BaseSeq: 0, Started: t0, Finished: t0, Outcome: monitor.OutcomeChanged,
		Attempts:   []monitor.Attempt{okAttempt(t, 1, t0, 680)},
		Body:       body(t, "policy-v2.html", 1, t0),
		NewVersion: &monitor.Version{Hash: "h2", Text: "two"},
		Events:     []monitor.Event{{Kind: monitor.KindChange, Summary: "changed"}},
	}
	if _, err := db.RecordCheck(ctx, stale); !errors.Is(err, monitor.ErrConflict) {
		t.Fatalf("stale record: err = %v, want ErrConflict", err)
	}
	if after := count(t, db); !reflect.DeepEqual(after, before) {
		t.Errorf("rows after conflicts = %v, before %v", after, before)
	}
	st, err := db.State(ctx, testWatch)
	if err != nil || st.Seq != 1 || st.Current.Hash != "h1" {
		t.Errorf("state after conflicts = %+v, %v", st, err)
	}
	if events, _ := db.Events(ctx, monitor.EventFilter{}); len(events) != 1 {
		t.Errorf("%d events, want the baseline only", len(events))
	}
	if baseline.NewVersion.ID != 0 || baseline.Events[0].ID != 0 || baseline.Events[0].Version != 0 {
		t.Errorf("RecordCheck modified its record: %+v", baseline)
	}
}

// TestRecordCheckFailureWritesNothing: a record that fails midway (here, a
// sighting of a version that does not exist, after the body was stored)
// leaves no trace.
func TestRecordCheckFailureWritesNothing(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	record(t, db, &monitor.CheckRecord{
		Watch: testWatch, Started: t0, Finished: t0, Outcome: monitor.OutcomeBaseline,
		Body:       body(t, "policy-v1.html", 0, t0),
		NewVersion: &monitor.Version{Hash: "h1", Text: "one"},
	})
	before := count(t, db)
	bad := []*monitor.CheckRecord{
		{Outcome: monitor.OutcomeUnchanged, Body: body(t, "policy-v1.html", 1, t0), SeenVersion: 42},
		{Outcome: monitor.OutcomeChanged, Body: body(t, "policy-v2.html", 1, t0), NewVersion: &monitor.Version{Hash: "h1"}}, // hash taken
		{Outcome: monitor.OutcomeChanged, Events: []monitor.Event{{Kind: monitor.KindChange, PreviousVersion: 42}}},         // no such version
	}
	for i, rec := range bad {
		rec.Watch, rec.BaseSeq = testWatch, 1
		if _, err := db.RecordCheck(ctx, rec); err == nil || errors.Is(err, monitor.ErrConflict) {
			t.Errorf("bad record %d: err = %v, want a failure", i, err)
		}
	}
	if after := count(t, db); !reflect.DeepEqual(after, before) {
		t.Errorf("rows after failures = %v, before %v", after, before)
	}
	unknown := &monitor.CheckRecord{Watch: monitor.Watch{Name: "unknown"}}
	if _, err := db.RecordCheck(ctx, unknown); !errors.Is(err, ErrNotFound) {
		t.Errorf("record for an unknown watch: %v, want ErrNotFound", err)
	}
}

func TestStateKeepsWatchConfigCurrent(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	st, err := db.State(ctx, testWatch)
	if err != nil || st.Seq != 0 || st.Current != nil || st.Episode != nil || st.TypicalLength != 0 {
		t.Fatalf("new watch state = %+v, %v", st, err)
	}
	// What the first page taught: its length, language and validators.
	record(t, db, &monitor.CheckRecord{Watch: testWatch, Started: t0, Finished: t0, Outcome: monitor.OutcomeBaseline,
		NewVersion: &monitor.Version{Hash: "h"}, CaptureLength: 50000, Language: "en", ETag: `"v1"`,
		AcceptedBody: "abc", AcceptedShape: "shape-1", ParsedAt: t0})
	if st, err := db.State(ctx, testWatch); err != nil || st.TypicalLength != 50000 || st.Language != "en" || st.ETag == "" ||
		st.AcceptedBody != "abc" || st.AcceptedShape != "shape-1" || st.AcceptedLength != 50000 || !st.AcceptedParsedAt.Equal(t0) {
		t.Fatalf("state after a capture = %+v, %v", st, err)
	}
	// The same bytes again (no shape computed) and an anomaly (nothing
	// accepted): the accepted capture's shape and length stay.
	record(t, db, &monitor.CheckRecord{Watch: testWatch, BaseSeq: 1, Started: t0, Finished: t0, Outcome: monitor.OutcomeUnchanged,
		SeenVersion: 1, CaptureLength: 50000, AcceptedBody: "abc", ETag: `"v1"`})
	record(t, db, &monitor.CheckRecord{Watch: testWatch, BaseSeq: 2, Started: t0, Finished: t0, Outcome: monitor.OutcomeAnomaly,
		Episode: &monitor.Episode{Kind: monitor.KindAnomaly, Reason: "too_short", Since: t0, Checks: 1}, ETag: `"v1"`})
	if st, err := db.State(ctx, testWatch); err != nil || st.AcceptedShape != "shape-1" || st.AcceptedLength != 50000 || !st.AcceptedParsedAt.Equal(t0) {
		t.Fatalf("state after the same bytes and an anomaly = %+v, %v", st, err)
	}
	// Another schedule reads the same page: what was learned stays (without
	// a typical length any error page long enough would pass for a version).
	slower := testWatch
	slower.Schedule = "@every 12h"
	st, err = db.State(ctx, slower)
	if err != nil || st.TypicalLength != 50000 || st.Language != "en" || st.ETag == "" || st.AcceptedBody == "" ||
		st.AcceptedShape == "" || st.AcceptedLength == 0 {
		t.Fatalf("state after a schedule change = %+v, %v; want what was learned kept", st, err)
	}
	moved := testWatch
	moved.URL = "https://example.com/legal/privacy"
	moved.Select = []string{"#policy"}
	st, err = db.State(ctx, moved)
	if err != nil {
		t.Fatal(err)
	}
	// Another page or another part of it: nothing learned of the old one
	// holds (a narrower selector was "too short" for ever); the history does.
	if st.TypicalLength != 0 || st.Language != "" || st.ETag != "" || st.AcceptedBody != "" || st.AcceptedShape != "" ||
		st.AcceptedLength != 0 || !st.AcceptedParsedAt.IsZero() || st.Current == nil || st.Seq != 3 {
		t.Errorf("state after the watch changed = %+v, want the learned fields reset and the history kept", st)
	}
	ws, err := db.Watches(ctx)
	if err != nil || len(ws) != 1 || ws[0].URL != moved.URL {
		t.Fatalf("Watches = %+v, %v", ws, err)
	}
	var config string
	if err := db.sql.QueryRow(`SELECT config FROM watches`).Scan(&config); err != nil || config == "" {
		t.Fatal(err)
	}
	if want := `"Select":["#policy"]`; !strings.Contains(config, want) {
		t.Errorf("config %s lacks %s", config, want)
	}
}

func TestTypicalLengthIsTheMedianOfRecentCaptures(t *testing.T) {
	db, _ := openDB(t)
	// Fifteen captures; the last ten are 10..100, with one outlier.
	lengths := []int{5, 5, 5, 5, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100000}
	for i, n := range lengths {
		rec := &monitor.CheckRecord{Watch: testWatch, Started: t0, Finished: t0, Outcome: monitor.OutcomeUnchanged, CaptureLength: n}
		if i == 0 {
			rec.Outcome, rec.NewVersion = monitor.OutcomeBaseline, &monitor.Version{Hash: "h"}
		}
		record(t, db, rec)
	}
	st, err := db.State(context.Background(), testWatch)
	if err != nil {
		t.Fatal(err)
	}
	if st.TypicalLength != 60 {
		t.Errorf("TypicalLength = %d, want 60 (median of the last ten)", st.TypicalLength)
	}
}
