package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/corpustest"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/web"
)

// The web view's budget: each page renders server-side, database reads
// included, in under 50 ms.
//
//	go test -run '^$' -bench . -benchmem ./web/

// BenchmarkOverview200Watches renders the overview of 200 watches, each
// with two years of history: a baseline, a change a quarter, and for one
// watch in ten an open fetch error episode.
func BenchmarkOverview200Watches(b *testing.B) {
	db := openStore(b)
	var watches []monitor.Watch
	end := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range 200 {
		w := monitor.Watch{Name: fmt.Sprintf("watch-%03d", i), URL: fmt.Sprintf("https://example%d.com/privacy", i), Fetcher: "http", Schedule: "@every 6h"}
		watches = append(watches, w)
		recordHistory(b, db, w, end, i%10 == 0)
	}
	s, err := web.New(web.Config{}, db, web.WithLogger(quiet()), web.WithWatches(watches), web.WithClock(func() time.Time { return end }))
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "http://localhost/", nil)
	rec := serve(b, s, req)
	if n := strings.Count(rec.Body.String(), `<tr class="row-`); n != 200 {
		b.Fatalf("the overview shows %d watches, want 200", n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serve(b, s, req)
	}
	b.ReportMetric(float64(rec.Body.Len()), "page-bytes")
}

// BenchmarkChangeViewFacebook renders the change view of the full
// Facebook policy's AI-training change (corpus steps 0472 → 0473, 161 kB
// → 163 kB of text): two versions read and decompressed, the diff
// computed with word highlights, the analysis and the page rendered.
func BenchmarkChangeViewFacebook(b *testing.B) {
	hist := corpustest.Open(b, corpustest.Facebook)
	r := newRig(b, monitor.Watch{Name: "facebook-privacy-policy", Select: []string{"#policy"}})
	var last *monitor.Result
	for _, seq := range []int{472, 473} {
		for _, st := range hist.Steps {
			if st.Seq == seq {
				body, err := st.Read()
				if err != nil {
					b.Fatal(err)
				}
				last = r.step(b, st.Date, 200, body, nil)
			}
		}
	}
	change := eventOf(b, last, monitor.KindChange)
	s, err := web.New(web.Config{}, r.DB, web.WithLogger(quiet()), web.WithNotFound(store.ErrNotFound))
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct{ name, query string }{
		{"side-by-side", ""},
		{"inline", "?view=inline"},
		{"whole-text", "?context=all"},
	} {
		b.Run(v.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("http://localhost/events/%d%s", change.ID, v.query), nil)
			rec := serve(b, s, req)
			if !strings.Contains(rec.Body.String(), "<ins>May 27</ins>") {
				b.Fatal("the change view lacks the highlighted new effective date")
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				serve(b, s, req)
			}
			b.ReportMetric(float64(rec.Body.Len()), "page-bytes")
		})
	}
}

func serve(b *testing.B, s *web.Server, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d\n%s", req.URL, rec.Code, rec.Body)
	}
	return rec
}

// recordHistory records two years of checks of w ending at end, as the
// Checker would: a baseline, then a change every quarter, and optionally
// a fetch error that is still going on.
func recordHistory(tb testing.TB, db *store.DB, w monitor.Watch, end time.Time, failing bool) {
	tb.Helper()
	ctx := context.Background()
	start := end.AddDate(-2, 0, 0)
	summary := fmt.Sprintf("%s changed (+312/−41 words). Purpose added: AI training. Collected: + AI interactions, + Public content. Effective date 7 Apr 2025 → 27 May 2025.", w.Name)
	for q := 0; q <= 8; q++ {
		at := start.AddDate(0, 3*q, 0)
		st, err := db.State(ctx, w)
		if err != nil {
			tb.Fatal(err)
		}
		text := fmt.Sprintf("# Privacy policy of %s\nEffective %s\n%s\n", w.Name, at.Format("January 2, 2006"), strings.Repeat("We collect data. ", 50))
		rec := &monitor.CheckRecord{
			Watch: w, BaseSeq: st.Seq, Started: at, Finished: at.Add(time.Second), Fetcher: "http",
			Body: &monitor.Body{
				Data: []byte("<html><body>" + text + "</body></html>"), ContentType: "text/html", Charset: "utf-8",
				URL: w.URL, FinalURL: w.URL, Status: 200, FetchedAt: at,
			},
			Attempts:      []monitor.Attempt{{Start: at, URL: w.URL, FinalURL: w.URL, Status: 200, Duration: 400 * time.Millisecond}},
			NewVersion:    &monitor.Version{Hash: fmt.Sprintf("%s-%d", w.Name, q), Text: text, Title: "Privacy policy"},
			CaptureLength: len(text),
		}
		if q == 0 {
			rec.Outcome = monitor.OutcomeBaseline
			rec.Events = []monitor.Event{{Watch: w.Name, Time: at, Kind: monitor.KindBaseline, Severity: monitor.SeverityInfo, Summary: w.Name + ": first capture of the policy (70 words)"}}
		} else {
			rec.Outcome = monitor.OutcomeChanged
			rec.Events = []monitor.Event{{Watch: w.Name, Time: at, Kind: monitor.KindChange, Severity: monitor.SeverityCritical,
				Summary: summary, PreviousVersion: st.Current.ID, WordsAdded: 312, WordsRemoved: 41}}
		}
		if _, err := db.RecordCheck(ctx, rec); err != nil {
			tb.Fatal(err)
		}
	}
	if failing {
		at := end.Add(-time.Hour)
		st, err := db.State(ctx, w)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := db.RecordCheck(ctx, &monitor.CheckRecord{
			Watch: w, BaseSeq: st.Seq, Started: at, Finished: at, Fetcher: "http", Outcome: monitor.OutcomeFetchError,
			Attempts: []monitor.Attempt{{Start: at, URL: w.URL, Err: "timeout", Duration: 30 * time.Second}},
			Episode:  &monitor.Episode{Kind: monitor.KindFetchError, Reason: "timeout", Since: at, Checks: 1},
			Events: []monitor.Event{{Watch: w.Name, Time: at, Kind: monitor.KindFetchError, Severity: monitor.SeverityNotable,
				Summary: w.Name + ": the page could not be fetched (timeout)", Reason: "timeout", Detail: "timeout after 30s"}},
		}); err != nil {
			tb.Fatal(err)
		}
	}
}
