package monitor

import (
	"cmp"
	"slices"
	"time"
)

// Read models: what the CLI, the web view and notifications read back of a
// watch's history. The store fills them; they live here so that readers
// depend on the domain, not on the store.

// WatchSummary is one line of the watch listing.
// Its JSON (`watches --json`) uses the names of the web view's /api/watches.
type WatchSummary struct {
	Name      string    `json:"name"`
	URL       string    `json:"url"`
	LastCheck time.Time `json:"last_check,omitzero"` // zero: never checked
	// LastCheckImported: the last check read a snapshot from an archive
	// (policywatch import), dated at its own time; the live page has not
	// been checked since.
	LastCheckImported bool    `json:"last_check_imported,omitempty"`
	LastOutcome       Outcome `json:"last_outcome,omitempty"`    // "" : never checked
	CurrentVersion    int64   `json:"current_version,omitempty"` // 0: no baseline yet
	Versions          int     `json:"versions"`                  // distinct texts seen

	// The last baseline, change or revert; zero Time when none.
	LastChange         time.Time `json:"last_change,omitzero"`
	LastChangeSummary  string    `json:"last_change_summary,omitempty"`
	LastChangeSeverity Severity  `json:"last_change_severity,omitempty"`

	Episode *Episode `json:"episode,omitempty"` // nil when none is open
	Fetcher string   `json:"fetcher,omitempty"` // the fetcher that last gave a plausible capture ("http", "browser"); "" unknown
}

// Status is the watch's state as /api/watches and `watches --json` give
// it: its StatusKey, and the reason of the open episode and when it
// opened ("" and zero without one).
func (s WatchSummary) Status() (key, reason string, since time.Time) {
	if s.Episode != nil {
		reason, since = s.Episode.Reason, s.Episode.Since
	}
	return s.StatusKey(), reason, since
}

// StatusKey is the watch's state at a glance, as /api/watches and
// `watches --json` give it: anomaly or fetch_error while such an episode
// is open, never before the first check, else ok.
func (s WatchSummary) StatusKey() string {
	switch {
	case s.Episode != nil && s.Episode.Kind == KindAnomaly:
		return "anomaly"
	case s.Episode != nil:
		return "fetch_error"
	case s.LastCheck.IsZero():
		return "never"
	}
	return "ok"
}

// ListedWatch is a watch as the listings show it (the CLI's watches, the
// web view): a configured one, or one only the history knows.
type ListedWatch struct {
	WatchSummary
	// Retired: the configuration no longer lists the watch, so nobody
	// checks it any more; its history stays, as evidence. Its status and
	// last check are those of its last check, however long ago.
	Retired bool `json:"retired"`
}

// ListWatches lists the configured watches first, in their order and
// with their configured URL, then the ones only the history knows, by
// name: retired, unless configured is empty, which means the
// configuration is not known (a configuration lists at least one watch).
func ListWatches(configured []Watch, known []WatchSummary) []ListedWatch {
	byName := make(map[string]WatchSummary, len(known))
	for _, s := range known {
		byName[s.Name] = s
	}
	out := make([]ListedWatch, 0, max(len(known), len(configured)))
	seen := make(map[string]bool, len(configured))
	for _, w := range configured {
		if seen[w.Name] {
			continue
		}
		seen[w.Name] = true
		s, ok := byName[w.Name]
		if !ok {
			s = WatchSummary{Name: w.Name}
		}
		s.URL = w.URL
		out = append(out, ListedWatch{WatchSummary: s})
	}
	var rest []ListedWatch
	for _, s := range known {
		if !seen[s.Name] {
			rest = append(rest, ListedWatch{WatchSummary: s, Retired: len(configured) > 0})
		}
	}
	slices.SortFunc(rest, func(a, b ListedWatch) int { return cmp.Compare(a.Name, b.Name) })
	return append(out, rest...)
}

// EventFilter selects events. Zero fields select everything.
type EventFilter struct {
	Watch   string      // one watch's events
	Since   time.Time   // events at or after
	AfterID int64       // events with a greater id: resume a listing
	Kinds   []EventKind // events of these kinds
	Limit   int         // at most this many, the first ones in the listing's order; 0: all

	// Severities selects events of these severities.
	Severities []Severity
	// BeforeID selects events with a smaller id: resume a newest-first
	// listing.
	BeforeID int64
	// Descending lists newest first (the web view's timelines); the
	// default is oldest first.
	Descending bool
	// FoundOnly leaves out events backfilled from archives (Imported).
	FoundOnly bool
}

// Check is one recorded check, as the checks listing shows it.
type Check struct {
	ID        int64
	Watch     string
	Started   time.Time
	Finished  time.Time
	Fetcher   string
	Outcome   Outcome
	BodyID    int64 // the body fetched; 0 when none (error, 304)
	VersionID int64 // the version current after the check; 0 before the baseline
	// Attempts in order. A successful attempt's Header holds only the
	// fields attemptKeepsHeader lists; the full header of a response whose
	// body was new is kept with the body.
	Attempts []Attempt
}
