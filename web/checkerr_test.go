package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestTimelineShortensCheckErrors: the timeline's recent checks show each
// one's error, which can quote what the server sent — a redirect's
// Location of hundreds of kilobytes — shortened, as events' details are,
// not whole ten times over.
func TestTimelineShortensCheckErrors(t *testing.T) {
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	// Every address redirects, each time to a long one.
	long := "/policy?" + strings.Repeat("x", 200_000)
	at := time.Date(2025, 4, 23, 12, 0, 0, 0, time.UTC)
	for range 10 {
		res := r.step(t, at, http.StatusFound, nil, http.Header{"Location": {long}})
		if res.Outcome != monitor.OutcomeFetchError {
			t.Fatalf("outcome %s, want a fetch error", res.Outcome)
		}
		at = at.Add(time.Hour)
	}
	checks, err := r.DB.Checks(t.Context(), "example", 10)
	if err != nil || len(checks) != 10 || len(checks[0].Attempts) == 0 || len(checks[0].Attempts[0].Err) < 100_000 {
		t.Fatalf("the checks' errors do not quote the long Location (%d checks, %v); the test needs them to", len(checks), err)
	}
	_, ts := r.server(t)
	html := string(mustGet(t, ts.URL+"/watches/example"))
	if len(html) > 100_000 {
		t.Errorf("the timeline of ten failed checks is %d bytes: their errors are not shortened", len(html))
	}
	if !strings.Contains(between(html, `<table class="checks"`, `</table>`), "redirects") {
		t.Errorf("the checks table no longer says what failed")
	}
}
