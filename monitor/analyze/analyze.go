// Package analyze reads a policy's readable text for what people need to
// know: which data categories it says it collects or uses, for which
// purposes, which purpose uses which data (uses.go), which rights it
// offers, and which dates bind them — and, between two versions, which of
// those changed, with the sentences as evidence.
//
// The ids it reports come from a taxonomy kept as data (taxonomy.yaml,
// embedded; extendable with Taxonomy.Extend). Dates are found by span
// patterns near role words and read with the month names of monday's
// locale tables.
//
// It is a leaf: it imports the standard library and third-party modules,
// nothing of policywatch. Its input is the readable text monitor/extract
// produces (one block per line, "#" headings, "- " list items, table cells
// joined by " | "), and its Link mirrors extract.Link so that callers can
// convert one to the other.
package analyze

import (
	"encoding/json"
	"slices"
)

// Link is a link beside the readable text: its visible text and target.
// It has extract.Link's fields, so the caller converts with Link(l).
type Link struct {
	Text string `json:"text"`
	Href string `json:"href"`
}

// FactSheet is what one version of a policy says: every statement that
// mentions a taxonomy id, the ids found, which purposes use which data,
// and every date with its role. It round-trips through encoding/json, but
// for what only Compare reads (Unbound, the places that bind each use);
// the store keeps it that way.
type FactSheet struct {
	// Language is the language the text was read in ("en", "fr"), as given
	// or, when not given, the one whose patterns matched most.
	Language string `json:"language"`
	// Topics are the ids the policy mentions, in taxonomy order. A purpose
	// counts only where it is tied to data (see taxonomy.yaml).
	Topics []Topic `json:"topics"`
	// Dates are the dates found, in document order.
	Dates []DateFact `json:"dates"`
	// AgeLimits are the ages (in years) that statements about minors set,
	// ascending.
	AgeLimits []int `json:"age_limits,omitempty"`
	// Statements are the sentences and list items that mention an id, in
	// document order.
	Statements []Statement `json:"statements"`
	// Uses are the purposes bound to the categories of data they use
	// (see Use), each purpose, category and audience once, in taxonomy
	// order.
	Uses []Use `json:"uses"`
	// useLabels are the English labels of the ids of Uses, which a
	// purpose named only in a title or heading may not have among Topics,
	// and of the purposes whose use a date starts: for Compare's summary.
	useLabels map[string]string
	// Unbound are the sentences and list items that name a purpose and no
	// other id but do not count: their context names no data (see Topics).
	// Their IDs are the purposes they name. They are no facts of the
	// policy; Compare reads them to know that their text was there, since
	// the same sentence counts once a sentence added beside it names data
	// ("We use your messages to train AI models." put before "We share
	// information with service providers…"), and is then no new statement.
	// They are not stored: the checker reads the previous version again
	// when it compares (monitor.Checker), so a stored sheet never serves
	// Compare.
	Unbound []Statement `json:"-"`
	// Truncated says the text was longer or held more dates than the
	// analysis reads (hostile input): its end, or dates past the limit, were
	// left out.
	Truncated bool `json:"truncated,omitempty"`
	// NotAnalysed says the text is in a language the taxonomy has no
	// patterns for (Language: "de", "es"…): no category, purpose, right or
	// use is read from it, only its dates. Read with the English and French
	// patterns, a German policy said nothing and an Italian one collected
	// "post"s; either way every change was "Wording only.".
	NotAnalysed bool `json:"not_analysed,omitempty"`
	// sentences are the keys (folder.key) of every sentence and heading of
	// a text not analysed, for Compare to count what changed; aiSentences
	// those that name AI, by key, with their text (see mentionsAI). Not
	// stored, as Unbound.
	sentences   []string
	aiSentences map[string]string
}

// Topic is one id a policy mentions.
type Topic struct {
	ID    string `json:"id"`
	Kind  Kind   `json:"kind"`
	Label string `json:"label"` // English label, so a stored sheet explains itself
	Count int    `json:"count"` // statements that mention it
}

// Statement is one sentence or list item and the ids it mentions.
type Statement struct {
	Section string   `json:"section,omitempty"` // nearest heading above it
	Text    string   `json:"text"`
	IDs     []string `json:"ids"`
	// Links are the links whose text appears in the statement, kept for
	// statements about the right to object: they are the objection forms.
	Links []Link `json:"links,omitempty"`
	// Cut says Text is the statement's start, cut to maxStatementBytes: a
	// change beyond it is not quoted, so what the statement names is
	// borne out by its being there (see borneOut).
	Cut bool `json:"-"`
}

// DateRole says what a date means to the people a policy binds.
type DateRole string

const (
	RoleEffective DateRole = "effective" // the version applies from then
	RoleUpdated   DateRole = "updated"   // last revision
	RoleDeadline  DateRole = "deadline"  // by when to object or opt out
	RoleUpcoming  DateRole = "upcoming"  // an announced update
	RoleStart     DateRole = "start"     // the day a new use of data begins
	RoleOther     DateRole = "other"
)

// DateFact is one date of a policy.
type DateFact struct {
	Role    DateRole `json:"role"`
	Date    string   `json:"date"` // ISO 8601: 2025-05-27, or 2026-07 without a day
	Text    string   `json:"text"` // as written: "27 mai 2025"
	Quote   string   `json:"quote"`
	Section string   `json:"section,omitempty"`
	// YearInferred says the text gave a day and month only ("until 27
	// May") and the year is the nearest full date's in its paragraph, else
	// the version's effective or last-updated date's. With no year to
	// infer, Date is --MM-DD (ISO 8601 without a year).
	YearInferred bool `json:"year_inferred,omitempty"`
	// subject is what its statement names besides rights (see
	// DateChange.Subject), for Compare only: a sheet read back from JSON
	// compares its dates as sets of each role.
	subject string
	// use is, for a start date, the id of the purpose whose use it
	// starts (see DateChange.Use), for Compare only.
	use string
}

// Severity ranks an analysis; the values match monitor.Severity.
type Severity string

const (
	SeverityInfo     Severity = "info"
	SeverityNotable  Severity = "notable"
	SeverityCritical Severity = "critical"
)

// Analysis is what changed between two fact sheets. Its JSON field names
// are part of the `events --json` interface.
type Analysis struct {
	ScopeAdded      []string          `json:"scope_added"` // category ids
	ScopeRemoved    []string          `json:"scope_removed"`
	PurposesAdded   []string          `json:"purposes_added"`
	PurposesRemoved []string          `json:"purposes_removed"`
	RightsAdded     []string          `json:"rights_added"`
	RightsRemoved   []string          `json:"rights_removed"`
	Dates           []DateChange      `json:"dates"`
	Statements      []StatementChange `json:"statements"`
	// FormsMoved are the objection forms whose link text is kept but
	// whose target moved. Absent from the JSON when none did, as in the
	// analyses stored before it was read.
	FormsMoved []FormMove `json:"forms_moved,omitempty"`
	// UsesAdded are the uses of data by a purpose that the version after
	// binds and the one before did not ("AI training now also uses
	// minors' data: Posts"), UsesRemoved the reverse; each quoted. Absent
	// from the JSON when none, as in the analyses stored before they were
	// read.
	UsesAdded   []UseChange `json:"uses_added,omitempty"`
	UsesRemoved []UseChange `json:"uses_removed,omitempty"`
	// NotAnalysed is the language of a text the taxonomy has no patterns
	// for ("de"), whose change is told only by its dates, by how many
	// sentences came and went (SentencesAdded, SentencesRemoved) and by
	// those added that name AI (AIMentions); absent from the JSON
	// otherwise.
	NotAnalysed      string   `json:"not_analysed,omitempty"`
	SentencesAdded   int      `json:"sentences_added,omitempty"`
	SentencesRemoved int      `json:"sentences_removed,omitempty"`
	Severity         Severity `json:"severity"`
	Summary          string   `json:"summary"`
	// AIMentions are the sentences added to a text not analysed that name
	// AI ("Usamos suas publicações públicas para treinar nossos modelos de
	// IA."), in document order: they make the change critical, since what
	// they say of AI is not read. Absent from the JSON when none.
	AIMentions []string `json:"ai_mentions,omitempty"`
}

// FormMove is an objection form whose link text is kept but whose target
// (host and path; query and fragment, whose tokens churn, are not
// compared) changed: Meta's "right to object to" went from a contact form
// to a generic help page. Old and New are the links' hrefs as the page had
// them.
type FormMove struct {
	Text string `json:"text"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

// DateChange is one date fact that changed. Old or New is "" (null in
// JSON) when the date appeared or disappeared.
type DateChange struct {
	Role  DateRole `json:"role"`
	Old   string   `json:"-"`
	New   string   `json:"-"`
	Quote string   `json:"quote"`
	// Subject is what the date's statement is about, the English labels of
	// the purposes and data it names ("AI training"), when the date was
	// paired by it: two deadlines swapped between two purposes are two
	// changes, not none.
	Subject string `json:"-"`
	// Use is, for a start date (RoleStart), the id of the purpose whose
	// use it starts: the first its statement names, in taxonomy order,
	// else the first the statement before it named under its heading
	// ("We use your public posts to develop and improve AI at Meta. …
	// We'll start using your public information on 26 May 2025."); "" when
	// none is named, and in a change stored before it was kept. The
	// summary and the severity read it: the start of AI training is the
	// day to object before (see StartsAITraining). Its JSON is "use",
	// absent when "".
	Use string `json:"-"`
}

type dateChangeJSON struct {
	Role    DateRole `json:"role"`
	Old     *string  `json:"old"`
	New     *string  `json:"new"`
	Quote   string   `json:"quote"`
	Subject string   `json:"subject,omitempty"`
	Use     string   `json:"use,omitempty"`
}

// MarshalJSON writes old and new as ISO strings or null.
func (d DateChange) MarshalJSON() ([]byte, error) {
	return json.Marshal(dateChangeJSON{Role: d.Role, Old: nullable(d.Old), New: nullable(d.New), Quote: d.Quote, Subject: d.Subject, Use: d.Use})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (d *DateChange) UnmarshalJSON(data []byte) error {
	var j dateChangeJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*d = DateChange{Role: j.Role, Quote: j.Quote, Subject: j.Subject, Use: j.Use}
	if j.Old != nil {
		d.Old = *j.Old
	}
	if j.New != nil {
		d.New = *j.New
	}
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Change says whether a statement came or went.
type Change string

const (
	Added   Change = "added"
	Removed Change = "removed"
)

// StatementChange is a statement that mentions an id and was added or
// removed.
type StatementChange struct {
	Change  Change   `json:"change"`
	IDs     []string `json:"ids"`
	Quote   string   `json:"quote"`
	Section string   `json:"section"`
}

// ObjectionForms returns the links held by the sheet's statements about the
// right to object, each target once, in the order they come: where a
// reader acts before a deadline. A nil sheet has none.
func (f *FactSheet) ObjectionForms() []Link {
	if f == nil {
		return nil
	}
	var out []Link
	seen := map[string]bool{}
	for _, st := range f.Statements {
		if !slices.Contains(st.IDs, "object") {
			continue
		}
		for _, l := range st.Links {
			if !seen[l.Href] {
				seen[l.Href] = true
				out = append(out, l)
			}
		}
	}
	return out
}
