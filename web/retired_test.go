package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/web"
)

// TestRetiredWatchesAreMarked: a watch removed from the configuration
// stays in the web view, its history being evidence, but marked as no
// longer watched, so that its old last check and the episode it left open
// do not read as a failure now.
func TestRetiredWatchesAreMarked(t *testing.T) {
	r, _ := examplePolicy(t)
	// The last check fails: an episode stays open when the watch is then
	// removed.
	r.step(t, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), 503, []byte("down"), nil)

	// Configured: watched, and its failure is a problem now.
	_, ts := r.server(t)
	watches := apiWatches(t, ts.URL)
	if len(watches) != 1 || watches[0]["name"] != "example" || watches[0]["retired"] != false {
		t.Errorf("/api/watches with example configured: %v, want it with \"retired\": false", watches)
	}
	overview := string(mustGet(t, ts.URL+"/"))
	if strings.Contains(overview, "No longer watched") || strings.Contains(overview, "status-retired") {
		t.Errorf("the overview marks a configured watch as no longer watched:\n%s", overview)
	}
	if !strings.Contains(overview, "<strong>1 with a problem now</strong>") {
		t.Errorf("the overview does not count the configured watch's failure:\n%s", overview)
	}
	if page := string(mustGet(t, ts.URL+"/watches/example")); strings.Contains(page, "No longer watched") {
		t.Errorf("the timeline of a configured watch says it is no longer watched:\n%s", page)
	}

	// Removed from the configuration, which now lists another watch.
	_, ts = r.server(t, web.WithWatches([]monitor.Watch{{Name: "another", URL: "https://example.org/"}}))
	watches = apiWatches(t, ts.URL)
	if len(watches) != 2 ||
		watches[0]["name"] != "another" || watches[0]["retired"] != false ||
		watches[1]["name"] != "example" || watches[1]["retired"] != true {
		t.Errorf("/api/watches: %v, want another (\"retired\": false), then example (\"retired\": true)", watches)
	}
	// The rest of a retired watch's object is its history's, unchanged.
	if w := watches[len(watches)-1]; w["status"] != "fetch_error" || w["versions"] != 2.0 || w["last_check"] == nil {
		t.Errorf("/api/watches: the retired watch lost its history: %v", w)
	}

	overview = string(mustGet(t, ts.URL+"/"))
	active, retired, ok := strings.Cut(overview, `<h2 id="retired-h">No longer watched</h2>`)
	if !ok {
		t.Fatalf("the overview has no group of watches no longer watched:\n%s", overview)
	}
	if !strings.Contains(active, `href="/watches/another"`) || strings.Contains(active, `href="/watches/example"`) {
		t.Errorf("the configured watches' table lists the retired one, or misses the configured one:\n%s", active)
	}
	if !strings.Contains(retired, `href="/watches/example"`) || strings.Contains(retired, `href="/watches/another"`) {
		t.Errorf("the group of watches no longer watched is not the retired one:\n%s", retired)
	}
	if !strings.Contains(retired, `<span class="status status-retired">no longer watched</span>`) {
		t.Errorf("the retired watch's status does not say it is no longer watched:\n%s", retired)
	}
	lead := between(overview, `<p class="lead">`, `</p>`)
	if strings.Contains(lead, "problem") || !strings.Contains(lead, "1 watch,") || !strings.Contains(lead, "1 no longer watched") {
		t.Errorf("the overview's lead: %q, want 1 watch, no problem now (the retired watch's episode is not one) and 1 no longer watched", lead)
	}

	page := string(mustGet(t, ts.URL+"/watches/example"))
	if !strings.Contains(page, "No longer watched: the configuration no longer lists this watch") ||
		!strings.Contains(page, `<span class="status status-retired">no longer watched</span>`) {
		t.Errorf("the retired watch's timeline does not say it is no longer watched:\n%s", page)
	}
	if page := string(mustGet(t, ts.URL+"/watches/another")); strings.Contains(page, "No longer watched") || strings.Contains(page, "status-retired") {
		t.Errorf("the timeline of a configured watch says it is no longer watched:\n%s", page)
	}
}

func apiWatches(t *testing.T, base string) []map[string]any {
	t.Helper()
	body := mustGet(t, base+"/api/watches")
	var watches []map[string]any
	if err := json.Unmarshal(body, &watches); err != nil {
		t.Fatalf("/api/watches: %v\n%s", err, body)
	}
	return watches
}

// TestAPIEventsUnknownWatch: a watch filter that names no watch at all is
// a typo, answered 404, not an empty history; a known watch without events
// is [].
func TestAPIEventsUnknownWatch(t *testing.T) {
	r, _ := examplePolicy(t)
	// example is retired: the history still knows it.
	_, ts := r.server(t, web.WithWatches([]monitor.Watch{{Name: "another", URL: "https://example.org/"}}))

	resp, body := get(t, ts.URL+"/api/events?watch=nope")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/api/events?watch=nope: %s, want 404 Not Found\n%s", resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("/api/events?watch=nope: Content-Type %q, want JSON", ct)
	}
	var apiErr map[string]string
	if err := json.Unmarshal(body, &apiErr); err != nil || len(apiErr) != 1 || !strings.Contains(apiErr["error"], `"nope"`) {
		t.Errorf("/api/events?watch=nope: %v\n%s\nwant {\"error\": …} naming the watch, as the API's other errors", err, body)
	}
	// The same shape as the API's other errors.
	resp, body = get(t, ts.URL+"/api/events?kind=bogus")
	var other map[string]string
	if err := json.Unmarshal(body, &other); err != nil || resp.StatusCode != http.StatusBadRequest || len(other) != 1 || other["error"] == "" {
		t.Fatalf("/api/events?kind=bogus: %s\n%s", resp.Status, body)
	}

	for _, c := range []struct {
		watch string
		n     int
	}{
		{"another", 0}, // configured, never checked
		{"example", 2}, // retired: only the history knows it
	} {
		resp, body := get(t, ts.URL+"/api/events?watch="+c.watch)
		var events []monitor.Event
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &events) != nil || events == nil || len(events) != c.n {
			t.Errorf("/api/events?watch=%s: %s, want 200 and %d events\n%s", c.watch, resp.Status, c.n, body)
		}
	}
}
