package archive

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// EventReader lists events. *store.DB implements it.
type EventReader interface {
	Events(ctx context.Context, f monitor.EventFilter) ([]monitor.Event, error)
}

// eventPage is how many events are read at a time: an export of years of
// history never holds it all in memory.
const eventPage = 500

// eachEvent calls fn for every event f selects, oldest first whatever
// f.Descending says, reading them a page at a time. f.Limit caps the
// total; f.AfterID is where it starts.
func eachEvent(ctx context.Context, r EventReader, f monitor.EventFilter, pageSize int, fn func(monitor.Event) error) (int, error) {
	total := 0
	f.Descending = false // AfterID pages forward
	for {
		page := f
		page.Limit = pageSize
		if f.Limit > 0 {
			page.Limit = min(pageSize, f.Limit-total)
		}
		events, err := r.Events(ctx, page)
		if err != nil {
			return total, fmt.Errorf("read events: %w", err)
		}
		for _, e := range events {
			if err := fn(e); err != nil {
				return total, err
			}
			total++
		}
		if len(events) < page.Limit || (f.Limit > 0 && total >= f.Limit) {
			return total, nil
		}
		f.AfterID = events[len(events)-1].ID
	}
}

// WriteEventsJSONL writes the events f selects as JSON Lines, oldest
// first, in the stable format of `policywatch events --json`, and returns
// how many it wrote.
func WriteEventsJSONL(ctx context.Context, r EventReader, f monitor.EventFilter, w io.Writer) (int, error) {
	enc := json.NewEncoder(w)
	return eachEvent(ctx, r, f, eventPage, func(e monitor.Event) error {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("write event %d: %w", e.ID, err)
		}
		return nil
	})
}

// CSVHeader is the header row of WriteEventsCSV. Columns are only ever
// added at the end. Lists (scope_added…) are joined with spaces; dates
// changed are written role:old→new, and dates_changed_uses has one word
// for each of them, in their order, role:use, the use being the id of the
// purpose whose use a start date starts (the JSON's "use"), else "-"
// ("start:-→2025-05-27 deadline:-→2025-05-26", "start:ai_training
// deadline:-").
var CSVHeader = []string{
	"id", "watch", "time", "kind", "severity", "summary",
	"version", "previous_version", "reverted_to", "words_added", "words_removed",
	"reason", "detail", "imported",
	"scope_added", "scope_removed", "purposes_added", "purposes_removed",
	"rights_added", "rights_removed", "dates_changed", "dates_changed_uses",
}

// WriteEventsCSV writes the events f selects as CSV (RFC 4180, with the
// CSVHeader row), oldest first, and returns how many it wrote. Text cells
// that a spreadsheet would run as a formula are defused.
func WriteEventsCSV(ctx context.Context, r EventReader, f monitor.EventFilter, w io.Writer) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return 0, fmt.Errorf("write CSV: %w", err)
	}
	n, err := eachEvent(ctx, r, f, eventPage, func(e monitor.Event) error {
		if err := cw.Write(csvRow(e)); err != nil {
			return fmt.Errorf("write event %d: %w", e.ID, err)
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, fmt.Errorf("write CSV: %w", err)
	}
	return n, nil
}

func csvRow(e monitor.Event) []string {
	id := func(v int64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatInt(v, 10)
	}
	words := func(n int) string {
		if e.Kind != monitor.KindChange && e.Kind != monitor.KindRevert {
			return ""
		}
		return strconv.Itoa(n)
	}
	row := []string{
		strconv.FormatInt(e.ID, 10), cell(e.Watch), e.Time.UTC().Format(time.RFC3339Nano),
		string(e.Kind), string(e.Severity), cell(e.Summary),
		id(e.Version), id(e.PreviousVersion), id(e.RevertedTo), words(e.WordsAdded), words(e.WordsRemoved),
		cell(e.Reason), cell(e.Detail), strconv.FormatBool(e.Imported),
	}
	var lists [6][]string
	var dates, uses []string
	if a := e.Analysis; a != nil {
		lists = [6][]string{a.ScopeAdded, a.ScopeRemoved, a.PurposesAdded, a.PurposesRemoved, a.RightsAdded, a.RightsRemoved}
		for _, d := range a.Dates {
			dates = append(dates, fmt.Sprintf("%s:%s→%s", d.Role, orDash(d.Old), orDash(d.New)))
			uses = append(uses, fmt.Sprintf("%s:%s", d.Role, orDash(d.Use)))
		}
	}
	for _, l := range lists {
		row = append(row, cell(strings.Join(l, " ")))
	}
	return append(row, cell(strings.Join(dates, " ")), cell(strings.Join(uses, " ")))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cell defuses a text cell a spreadsheet would take for a formula (it
// begins with = + - @, a tab or a carriage return): summaries and details
// quote scraped pages, which are hostile. A leading apostrophe is what
// spreadsheets themselves use to say "text".
func cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
