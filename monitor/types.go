package monitor

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/monitor/extract"
	"github.com/policywatch/policywatch/monitor/fetch"
)

// Watch is one page that policywatch keeps a history of.
type Watch struct {
	Name     string            // unique, [a-z0-9-]+
	URL      string            // the page asked for
	Select   []string          // CSS selectors that delimit the content; empty: main-content heuristic
	Remove   []string          // CSS selectors removed from the content
	Fetcher  string            // FetcherHTTP, FetcherBrowser or FetcherAuto; "": auto
	Schedule string            // cron spec or "@every 6h"
	Language string            // Accept-Language and expected language, e.g. "fr-FR"; empty: learnt from history
	Headers  map[string]string // extra request headers

	// MinLengthRatio: a capture shorter than this fraction of the watch's
	// typical text length is an anomaly, not a new version. 0 means 0.4.
	MinLengthRatio float64

	// NoShellPhrases: the page's words never make a capture an error,
	// login or consent page (configuration: shell_phrases: false), for a
	// short policy that itself says "please log in" or "accept all
	// cookies". A selector that matches nothing, a JavaScript-only shell,
	// a text too short or in another language are still anomalies.
	NoShellPhrases bool `json:",omitempty"`
}

// EventKind says what a check found. The values are part of the
// `events --json` interface.
type EventKind string

const (
	KindBaseline   EventKind = "baseline"    // first plausible capture
	KindChange     EventKind = "change"      // text never seen before
	KindRevert     EventKind = "revert"      // text of an earlier version came back
	KindAnomaly    EventKind = "anomaly"     // an implausible page; starts an episode
	KindFetchError EventKind = "fetch_error" // fetch failed after retries; starts an episode
	KindRecovered  EventKind = "recovered"   // a plausible page after an episode
)

// EventKinds are the kinds of events, in the order the README lists them.
var EventKinds = []EventKind{KindBaseline, KindChange, KindRevert, KindAnomaly, KindFetchError, KindRecovered}

// EventKindNames returns EventKinds as strings, for messages that list
// what a filter accepts.
func EventKindNames() []string {
	names := make([]string, len(EventKinds))
	for i, k := range EventKinds {
		names[i] = string(k)
	}
	return names
}

// Severity ranks events for people. The values are part of the
// `events --json` interface and ordered: info < notable < critical.
type Severity string

const (
	SeverityInfo     Severity = "info"
	SeverityNotable  Severity = "notable"
	SeverityCritical Severity = "critical"
)

// Rank orders severities; unknown values rank lowest.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 2
	case SeverityNotable:
		return 1
	}
	return 0
}

// ParseKinds reads a comma-separated list of event kinds ("change,
// revert"), matched exactly, as the events listing and the web API filter
// by; an unknown one is an error (*UnknownKindError), since a filter
// that matches nothing would be believed.
func ParseKinds(list string) ([]EventKind, error) {
	var out []EventKind
	for _, v := range strings.Split(list, ",") {
		k := EventKind(strings.TrimSpace(v))
		switch {
		case k == "":
		case slices.Contains(EventKinds, k):
			out = append(out, k)
		default:
			return nil, &UnknownKindError{Kind: string(k)}
		}
	}
	return out, nil
}

// UnknownKindError is ParseKinds' error for a kind that is none.
type UnknownKindError struct{ Kind string }

func (e *UnknownKindError) Error() string {
	return fmt.Sprintf("kind %q: want one of %s", e.Kind, strings.Join(EventKindNames(), ", "))
}

// ParseSeverities reads a comma-separated list of severities ("notable,
// critical"), as the events listing and the web API filter by; an unknown
// one is an error, since a filter that matches nothing would be believed.
func ParseSeverities(list string) ([]Severity, error) {
	var out []Severity
	for _, v := range strings.Split(list, ",") {
		switch sev := Severity(strings.TrimSpace(v)); sev {
		case "":
		case SeverityInfo, SeverityNotable, SeverityCritical:
			out = append(out, sev)
		default:
			return nil, fmt.Errorf("severity %q: want info, notable or critical", sev)
		}
	}
	return out, nil
}

// ParseSince reads when a listing starts, as people write it: an RFC 3339
// time (2025-05-01T00:00:00Z), a date (2025-05-01, UTC), a date and time
// without zone (2025-05-01T18:30 or "2025-05-01 18:30", UTC), a time as the
// commands and the web view print it ("2025-05-01 18:30 UTC", copied from
// their output), a time or a day as mails and alerts print them ("1 May
// 2025 18:30 UTC", "1 May 2025", UTC; the month's name also in full, "1
// June 2025") or a duration back from now (72h, 30d).
func ParseSince(s string, now time.Time) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, time.DateOnly, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02 15:04 UTC", "2006-01-02T15:04:05", "2006-01-02 15:04:05",
		analyze.DayLayout + " 15:04 UTC", analyze.DayLayout, "2 January 2006 15:04 UTC", "2 January 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("since %q: want an RFC 3339 time, a date (2006-01-02), a time as listed (\"2006-01-02 15:04 UTC\") or as mailed (\"2 Jan 2006 15:04 UTC\"), or a duration back from now (72h, 30d)", s)
}

// Anomaly reasons: why a capture was not taken as a policy version.
const (
	ReasonSelectorMissing = "selector_missing"
	ReasonTooShort        = "too_short"
	ReasonErrorPage       = "error_page"
	ReasonLoginWall       = "login_wall"
	ReasonConsentWall     = "consent_wall"
	ReasonBotBlock        = "bot_block"
	ReasonJSShell         = "js_shell"
	ReasonWrongLanguage   = "wrong_language"
	ReasonNotHTML         = "not_html"
)

// Event is something a check found that a person may want to know.
type Event struct {
	ID              int64
	Watch           string
	Time            time.Time
	Kind            EventKind
	Severity        Severity
	Summary         string
	Version         int64  // baseline, change, revert: the version now current
	PreviousVersion int64  // change, revert: the version current before
	RevertedTo      int64  // revert: the earlier version whose text came back
	Reason          string // anomaly, fetch_error: machine-readable reason
	Detail          string // anomaly, fetch_error: what was seen, for people

	WordsAdded   int
	WordsRemoved int

	// BodyID is the raw body of the check that found the event, kept as
	// evidence (for an anomaly: the page served instead of the policy); 0
	// when the check had none (a fetch error, a 304). Read with one event
	// (Store.Event), not in listings, which have no use for it.
	BodyID int64

	// Imported events were backfilled from an archive (policywatch
	// import): part of the history, never notified.
	Imported bool

	// Analysis is the scope-and-deadline analysis of a change or revert; nil
	// for other kinds.
	Analysis *analyze.Analysis
}

// Version is one distinct readable text of a watch.
type Version struct {
	ID        int64
	Watch     string
	Hash      string // TextHash of Text
	Text      string // readable text, one block per line
	Title     string
	Language  string // the language its text was found in, with the watch's region then (see versionLanguage)
	Links     []extract.Link
	BodyID    int64 // the raw body it was first read from
	FirstSeen time.Time
	LastSeen  time.Time
	// WatchLanguage is its watch's language as configured at the watch's
	// last check ("" when it names none): the language Facts reads every
	// version of the watch in, whatever the watch said when it was stored.
	WatchLanguage string
}

// VersionRef names a version and its text hash: what comparing a capture
// with it needs.
type VersionRef struct {
	ID   int64
	Hash string
}

// Body is one raw response body, kept byte for byte as evidence.
type Body struct {
	ID          int64
	SHA256      string // hex of Data's SHA-256, computed by the fetcher and trusted by the store (empty: the store computes it); verify checks it
	Data        []byte // as served, after Content-Encoding is undone, before charset decoding
	ContentType string
	Charset     string // the charset Data was decoded from
	URL         string // the URL asked for
	FinalURL    string // after redirects
	Status      int
	Header      http.Header
	FetchedAt   time.Time
	Agent       string // what fetched it: "http", or the browser and its version ("Chromium 156.0.8078.73")
}

// Attempt is one request of a check (an HTTP request, or a page the
// browser rendered), kept whether it worked or not: the fetcher's own
// record, stored as is.
type Attempt = fetch.Attempt

// Outcome is how a check ended, as recorded in the checks table.
type Outcome string

const (
	OutcomeBaseline    Outcome = "baseline"
	OutcomeChanged     Outcome = "changed"
	OutcomeReverted    Outcome = "reverted"
	OutcomeUnchanged   Outcome = "unchanged"
	OutcomeNotModified Outcome = "not_modified"
	OutcomeAnomaly     Outcome = "anomaly"
	OutcomeFetchError  Outcome = "fetch_error"
)

// Episode is an open run of anomalies or fetch errors: one event opens it,
// one `recovered` event closes it — or a failure of the other kind, or an
// anomaly of another reason, which ends it without a `recovered` and opens
// the next episode with its own event. A fetch_error episode lasts
// whatever the kind of its fetch errors (timeouts, resets, 502s and 503s
// are one outage).
type Episode struct {
	Kind EventKind `json:"kind"` // KindAnomaly or KindFetchError
	// Reason is the anomaly's reason; for a fetch_error episode, the kind
	// of its last fetch error (what fails now: its event keeps the first).
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
	Checks int       `json:"checks"` // captures seen in this episode
	// The run of captures too short against the watch's typical length,
	// one after the other, that ends the episode: when it started and how
	// many (0: the last capture was not one). See the Checker's
	// shrinkSettled.
	ShortSince  time.Time `json:"-"`
	ShortChecks int       `json:"-"`
}

// State is what the Checker needs to know of a watch's past to classify its
// next capture. Seq guards against two writers: RecordCheck refuses a record
// built from a stale State.
type State struct {
	Seq           int64
	Current       *VersionRef // nil before the baseline
	TypicalLength int         // typical readable-text length of accepted captures; 0: unknown
	Language      string      // language of the watch's accepted captures; "" unknown
	Episode       *Episode    // nil when none is open
	LastCheck     time.Time
	ETag          string
	LastModified  string
	// WorkingFetcher is the fetcher ("http" or "browser") that last gave a
	// plausible capture; an auto watch starts with it.
	WorkingFetcher string
	// AcceptedBody is the SHA-256 of the last plausible capture's raw
	// body: the same bytes again need no parsing. AcceptedShape is that
	// capture's extract.Shape: a page of the same shape reads the same,
	// whatever its class names and link tokens, and needs no parsing
	// either. AcceptedLength is its readable-text length (0: unknown).
	// AcceptedParsedAt is when an accepted capture was last parsed (zero:
	// never): the shape is trusted for a day at a time.
	AcceptedBody     string
	AcceptedShape    string
	AcceptedLength   int
	AcceptedParsedAt time.Time
	// Reconfigured: the watch's URL or selectors changed since its
	// current version was read; the next plausible capture is a first
	// capture again, not a change of the policy.
	Reconfigured bool
}

// CheckRecord is everything one check writes, in one transaction.
type CheckRecord struct {
	Watch    Watch
	BaseSeq  int64 // State.Seq the record was built from
	Started  time.Time
	Finished time.Time
	Fetcher  string
	Outcome  Outcome
	Attempts []Attempt
	Body     *Body // nil when the fetch failed or answered 304

	// NewVersion is set for baseline and change; its ID is assigned by the
	// store. SeenVersion is the existing version the capture matched
	// (unchanged or revert); the store moves its LastSeen and makes it
	// current.
	NewVersion  *Version
	SeenVersion int64

	// Episode is the episode after this check (nil: none open).
	Episode *Episode

	// Events to insert, in order. For baseline and change events the store
	// fills Version with NewVersion's ID.
	Events []Event

	// ETag and LastModified to send with the next request.
	ETag         string
	LastModified string
	// CaptureLength is the readable-text length of an accepted capture (0
	// otherwise), for the watch's typical length.
	CaptureLength int
	Language      string
	// WorkingFetcher, AcceptedBody and AcceptedShape are set when the
	// capture was plausible: the fetcher that produced it, its body's
	// SHA-256 and its extract.Shape ("" when it was not computed: the
	// store keeps the one it has).
	WorkingFetcher string
	AcceptedBody   string
	AcceptedShape  string
	// ParsedAt is Started when the capture was parsed and accepted (zero
	// otherwise): the store keeps the last one.
	ParsedAt time.Time

	// reason is why this capture was an anomaly or a fetch error, whether
	// or not it opened an episode; fetchErr is the fetch's error. Both are
	// the Checker's, not stored.
	reason   string
	fetchErr error
	// shape is the capture's extract.Shape, once computed; parsed says
	// whether the page was parsed (not when its bytes or shape were those
	// of the last capture accepted).
	shape  string
	parsed bool
}
