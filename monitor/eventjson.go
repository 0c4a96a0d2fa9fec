package monitor

import (
	"encoding/json"
	"time"

	"github.com/policywatch/policywatch/monitor/analyze"
)

// eventJSON is the stable `events --json` object (see the README's "Events
// format"). Fields are only ever added, never renamed or removed.
type eventJSON struct {
	ID              int64     `json:"id"`
	Watch           string    `json:"watch"`
	Time            time.Time `json:"time"`
	Kind            EventKind `json:"kind"`
	Severity        Severity  `json:"severity"`
	Summary         string    `json:"summary"`
	Version         *int64    `json:"version,omitempty"`
	PreviousVersion *int64    `json:"previous_version,omitempty"`
	RevertedTo      *int64    `json:"reverted_to,omitempty"`
	Reason          string    `json:"reason,omitempty"`
	Detail          string    `json:"detail,omitempty"`
	WordsAdded      *int      `json:"words_added,omitempty"`
	WordsRemoved    *int      `json:"words_removed,omitempty"`
	Imported        bool      `json:"imported,omitempty"`

	// The analysis of a change or revert, flattened into the event.
	*analyze.Analysis
}

// MarshalJSON writes the stable events format: RFC 3339 UTC times, version
// fields only on the kinds that have them.
func (e Event) MarshalJSON() ([]byte, error) {
	j := eventJSON{
		ID: e.ID, Watch: e.Watch, Time: e.Time.UTC(), Kind: e.Kind, Severity: e.Severity,
		Summary: e.Summary, Reason: e.Reason, Detail: e.Detail, Analysis: e.Analysis, Imported: e.Imported,
	}
	switch e.Kind {
	case KindBaseline:
		j.Version = nonZero(e.Version)
	case KindChange, KindRevert:
		j.Version, j.PreviousVersion = nonZero(e.Version), nonZero(e.PreviousVersion)
		j.RevertedTo = nonZero(e.RevertedTo)
		j.WordsAdded, j.WordsRemoved = &e.WordsAdded, &e.WordsRemoved
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes, so that scripts' output and
// webhook payloads can be read back by policywatch itself.
func (e *Event) UnmarshalJSON(data []byte) error {
	var j eventJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*e = Event{
		ID: j.ID, Watch: j.Watch, Time: j.Time, Kind: j.Kind, Severity: j.Severity, Summary: j.Summary,
		Version: deref(j.Version), PreviousVersion: deref(j.PreviousVersion), RevertedTo: deref(j.RevertedTo),
		Reason: j.Reason, Detail: j.Detail, Analysis: j.Analysis, Imported: j.Imported,
	}
	if j.WordsAdded != nil {
		e.WordsAdded = *j.WordsAdded
	}
	if j.WordsRemoved != nil {
		e.WordsRemoved = *j.WordsRemoved
	}
	return nil
}

func nonZero(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
