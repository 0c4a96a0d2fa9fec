package archive_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"
	"time"

	"github.com/policywatch/policywatch/archive"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
)

type eventList []monitor.Event

func (l eventList) Events(_ context.Context, f monitor.EventFilter) ([]monitor.Event, error) {
	var out []monitor.Event
	for _, e := range l {
		if e.ID > f.AfterID && (f.Limit == 0 || len(out) < f.Limit) {
			out = append(out, e)
		}
	}
	return out, nil
}

// TestEventsCSVSaysWhatAStartDateStarts: the CSV export gives, beside
// each date changed, the use a start date starts (dates_changed_uses), as
// the JSON Lines export's "use": dates_changed alone said
// "start:-→2025-05-27", not the start of what.
func TestEventsCSVSaysWhatAStartDateStarts(t *testing.T) {
	events := eventList{{
		ID: 1, Watch: "nimbus", Time: time.Date(2025, 4, 17, 9, 0, 0, 0, time.UTC), Kind: monitor.KindChange, Severity: monitor.SeverityCritical,
		Version: 2, PreviousVersion: 1,
		Analysis: &analyze.Analysis{Dates: []analyze.DateChange{
			{Role: analyze.RoleStart, New: "2025-05-27", Use: "ai_training"},
			{Role: analyze.RoleDeadline, Old: "2025-05-20", New: "2025-05-26"},
			{Role: analyze.RoleStart, Old: "2025-06-01"}, // none named
		}},
	}}
	var out bytes.Buffer
	if _, err := archive.WriteEventsCSV(context.Background(), events, monitor.EventFilter{}, &out); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	i, ok := col["dates_changed_uses"]
	if !ok || i != len(rows[0])-1 || col["dates_changed"] != i-1 {
		t.Fatalf("header %v: want dates_changed_uses last, after dates_changed", rows[0])
	}
	if got, want := rows[1][col["dates_changed"]], "start:-→2025-05-27 deadline:2025-05-20→2025-05-26 start:2025-06-01→-"; got != want {
		t.Errorf("dates_changed %q, want %q", got, want)
	}
	if got, want := rows[1][i], "start:ai_training deadline:- start:-"; got != want {
		t.Errorf("dates_changed_uses %q, want %q", got, want)
	}
}
