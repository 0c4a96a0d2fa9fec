package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/monitor/extract"
)

// The JSON API. Events are the objects of `policywatch events --json`
// (monitor.Event's MarshalJSON); watches and versions have their own
// snake_case objects below. Fields are only ever added.

// Event listing limits.
const (
	apiEventsDefault = 100
	apiEventsMax     = 1000
)

// watchJSON is a watch of /api/watches: the configured watches first, in
// the configuration's order, then, by name, those only the history knows.
// Retired is true for the latter: the configuration no longer lists them,
// so nobody checks them any more, and their status and last check are
// those of their last check, however long ago; their history stays, as
// evidence. (Without the configuration, no watch is retired.)
type watchJSON struct {
	Name               string           `json:"name"`
	URL                string           `json:"url"`
	Retired            bool             `json:"retired"`
	Status             string           `json:"status"` // ok, anomaly, fetch_error, never
	StatusReason       string           `json:"status_reason,omitempty"`
	StatusSince        time.Time        `json:"status_since,omitzero"`
	LastCheck          time.Time        `json:"last_check,omitzero"`
	LastCheckImported  bool             `json:"last_check_imported,omitempty"` // an archive's snapshot, not the live page
	LastOutcome        monitor.Outcome  `json:"last_outcome,omitempty"`
	CurrentVersion     int64            `json:"current_version,omitempty"`
	Versions           int              `json:"versions"`
	LastChange         time.Time        `json:"last_change,omitzero"`
	LastChangeSummary  string           `json:"last_change_summary,omitempty"`
	LastChangeSeverity monitor.Severity `json:"last_change_severity,omitempty"`
}

func (s *Server) apiWatches(w http.ResponseWriter, r *http.Request) error {
	known, err := s.reader.Watches(r.Context())
	if err != nil {
		return err
	}
	out := []watchJSON{}
	for _, lw := range monitor.ListWatches(s.watches, known) {
		st := watchStatus(lw.WatchSummary)
		out = append(out, watchJSON{
			Name: lw.Name, URL: lw.URL, Retired: lw.Retired,
			Status: st.Key, StatusReason: st.Detail, StatusSince: st.Since.UTC(),
			LastCheck: lw.LastCheck.UTC(), LastCheckImported: lw.LastCheckImported, LastOutcome: lw.LastOutcome, CurrentVersion: lw.CurrentVersion,
			Versions: lw.Versions, LastChange: lw.LastChange.UTC(),
			LastChangeSummary: lw.LastChangeSummary, LastChangeSeverity: lw.LastChangeSeverity,
		})
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiEvents lists events, oldest first (order=desc: newest first). Query
// parameters: watch, kind and severity (comma-separated lists), since
// (RFC 3339, a date or a duration back: monitor.ParseSince), after and before (event ids), limit. When more
// events follow, the Link header names the next page (rel="next"). A
// watch that is neither configured nor in the history is a 404 (a typo,
// not an empty history); a known watch without events is [].
func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := monitor.EventFilter{Limit: apiEventsDefault}
	if name := q.Get("watch"); name != "" {
		if !watchNamePattern.MatchString(name) {
			return badRequestf("watch %q: not a watch name", name)
		}
		f.Watch = name
	}
	var err error
	if f.Kinds, err = monitor.ParseKinds(q.Get("kind")); err != nil {
		return badRequestf("%v", err)
	}
	if f.Severities, err = monitor.ParseSeverities(q.Get("severity")); err != nil {
		return badRequestf("%v", err)
	}
	if since := q.Get("since"); since != "" {
		if f.Since, err = monitor.ParseSince(since, s.now()); err != nil {
			return badRequestf("%v", err)
		}
	}
	if f.AfterID, err = queryInt(q, "after", 0, maxID); err != nil {
		return err
	}
	if f.BeforeID, err = queryInt(q, "before", 0, maxID); err != nil {
		return err
	}
	limit, err := queryInt(q, "limit", 1, apiEventsMax)
	if err != nil {
		return err
	}
	if limit > 0 {
		f.Limit = int(limit)
	}
	switch q.Get("order") {
	case "", "asc":
	case "desc":
		f.Descending = true
	default:
		return badRequestf("order %q: want asc or desc", q.Get("order"))
	}
	if f.Watch != "" {
		if err := s.checkWatch(r.Context(), f.Watch); err != nil {
			return err
		}
	}
	events, err := s.reader.Events(r.Context(), f)
	if err != nil {
		return err
	}
	if events == nil {
		events = []monitor.Event{}
	}
	if len(events) == f.Limit {
		next := r.URL.Query()
		last := strconv.FormatInt(events[len(events)-1].ID, 10)
		if f.Descending {
			next.Set("before", last)
		} else {
			next.Set("after", last)
		}
		w.Header().Set("Link", fmt.Sprintf(`</api/events?%s>; rel="next"`, next.Encode()))
	}
	return writeJSON(w, http.StatusOK, events)
}

// checkWatch returns a 404 statusError when name is neither a configured
// watch nor one the history knows (a watch since removed from the
// configuration keeps its history).
func (s *Server) checkWatch(ctx context.Context, name string) error {
	if slices.ContainsFunc(s.watches, func(w monitor.Watch) bool { return w.Name == name }) {
		return nil
	}
	if known, err := s.reader.HasWatch(ctx, name); err != nil || known {
		return err
	}
	return notFoundf("watch %q: no such watch, neither configured nor in the history", name)
}

type versionJSON struct {
	ID          int64              `json:"id"`
	Watch       string             `json:"watch"`
	Hash        string             `json:"hash"`
	Title       string             `json:"title"`
	Language    string             `json:"language"`
	FirstSeen   time.Time          `json:"first_seen"`
	LastSeen    time.Time          `json:"last_seen"`
	BodyID      int64              `json:"body_id,omitempty"`
	Text        string             `json:"text"`
	Links       []extract.Link     `json:"links"`
	Facts       *analyze.FactSheet `json:"facts,omitempty"`
	URL         string             `json:"url"`
	EvidenceURL string             `json:"evidence_url,omitempty"`
}

func (s *Server) apiVersion(w http.ResponseWriter, r *http.Request) error {
	v, err := s.pathVersion(r)
	if err != nil {
		return err
	}
	out := versionJSON{
		ID: v.ID, Watch: v.Watch, Hash: v.Hash, Title: v.Title, Language: v.Language,
		FirstSeen: v.FirstSeen.UTC(), LastSeen: v.LastSeen.UTC(), BodyID: v.BodyID,
		Text: v.Text, Links: v.Links, Facts: monitor.Facts(s.taxonomy, v), URL: fmt.Sprintf("/versions/%d", v.ID),
	}
	if out.Links == nil {
		out.Links = []extract.Link{}
	}
	if v.BodyID != 0 {
		out.EvidenceURL = fmt.Sprintf("/versions/%d/evidence.zip", v.ID)
	}
	return writeJSON(w, http.StatusOK, out)
}

// queryInt reads an optional integer parameter within [lo, hi]; 0 when
// absent.
func queryInt(q url.Values, name string, lo, hi int64) (int64, error) {
	raw := q.Get(name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, badRequestf("%s %q: want a whole number from %d to %d", name, raw, lo, hi)
	}
	return n, nil
}

// writeJSON writes v. encoding/json escapes <, > and & in strings, so
// that scraped text stays inert even where JSON is mistaken for HTML.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func writeJSONError(w http.ResponseWriter, status int, message string) {
	_ = writeJSON(w, status, map[string]string{"error": message})
}
