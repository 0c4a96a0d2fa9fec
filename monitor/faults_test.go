package monitor_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/policywatch/policywatch/internal/replaytest"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/fetch"
	"github.com/policywatch/policywatch/store"
)

// faultServer serves a good policy page until told to misbehave.
type faultServer struct {
	*httptest.Server
	mu    sync.Mutex
	fault string
}

func (f *faultServer) set(fault string) { f.mu.Lock(); f.fault = fault; f.mu.Unlock() }

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newFaultServer(t *testing.T) *faultServer {
	good := readFixture(t, "policy-en.html")
	errorPage := readFixture(t, "error-page.html")
	latin1Page := readFixture(t, "policy-fr-utf8.html")
	f := &faultServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		fault := f.fault
		f.mu.Unlock()
		switch fault {
		case "":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(good)
		case "500":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "503-retry-after":
			w.Header().Set("Retry-After", "1")
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		case "429":
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case "reset":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			}
		case "timeout":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "truncated":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Length", fmt.Sprint(len(good)*2))
			w.Write(good)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		case "redirect-loop":
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		case "empty":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		case "error-page":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(errorPage)
		case "huge":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			chunk := bytes.Repeat([]byte("<p>padding padding padding</p>\n"), 1<<10)
			for written := 0; written < 50<<20; written += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case "gzip-bomb":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gzipBomb())
		case "windows-1252", "iso-8859-1":
			enc := charmap.Windows1252
			if fault == "iso-8859-1" {
				enc = charmap.ISO8859_1
			}
			b, err := enc.NewEncoder().Bytes(latin1Page)
			if err != nil {
				panic(err)
			}
			w.Header().Set("Content-Type", "text/html; charset="+fault)
			w.Write(b)
		case "utf-8-fr":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(latin1Page)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// gzipBomb is 256 MiB of zeros, gzipped. Compressing it takes most of a
// second, so it is built once, by the one fault that serves it, rather
// than by every fault server.
var gzipBomb = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 256 {
		zw.Write(zeros)
	}
	zw.Close() // writing to a bytes.Buffer cannot fail
	return buf.Bytes()
})

type faultRig struct {
	db      *store.DB
	checker *monitor.Checker
	watch   monitor.Watch
	clock   *replaytest.Clock
}

// faultMaxRetryAfter is the fault rig's fetch.Options.MaxRetryAfter: the
// longest a Retry-After holds its client.
const faultMaxRetryAfter = 1500 * time.Millisecond

func newFaultRig(t *testing.T, url string) *faultRig {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "faults.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	client := fetch.New(fetch.Options{
		UserAgent: "policywatch-test", Timeout: 500 * time.Millisecond, ConnectTimeout: time.Second,
		MaxBody: 5 << 20, Retries: 2, BackoffBase: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond,
		MaxRetryAfter: faultMaxRetryAfter,
	})
	clock := &replaytest.Clock{}
	clock.Set(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	checker := monitor.NewChecker(client, db, monitor.WithClock(clock.Now),
		monitor.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	return &faultRig{db: db, checker: checker, clock: clock,
		watch: monitor.Watch{Name: "example-policy", URL: url + "/policy", Fetcher: "http", Language: "en"}}
}

func (r *faultRig) check(t *testing.T) *monitor.Result {
	t.Helper()
	r.clock.Set(r.clock.Now().Add(6 * time.Hour))
	res, err := r.checker.Check(context.Background(), r.watch)
	if err != nil {
		t.Fatalf("the checker itself failed (it must record the fault and go on): %v", err)
	}
	return res
}

func (r *faultRig) checkCount(t *testing.T) int {
	t.Helper()
	checks, err := r.db.Checks(context.Background(), r.watch.Name, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(checks)
}

// TestFaultsNeverReportAChange: each fault, served three times between
// two good pages, is recorded on every check, opens exactly one episode
// (fetch_error or anomaly) and is closed by one `recovered`; no fault ever
// yields a change or revert.
func TestFaultsNeverReportAChange(t *testing.T) {
	faults := []struct {
		fault string
		kind  monitor.EventKind
	}{
		{"500", monitor.KindFetchError},
		{"503-retry-after", monitor.KindFetchError},
		{"429", monitor.KindFetchError},
		{"reset", monitor.KindFetchError},
		{"timeout", monitor.KindFetchError},
		{"truncated", monitor.KindFetchError},
		{"redirect-loop", monitor.KindFetchError},
		{"empty", monitor.KindAnomaly},
		{"error-page", monitor.KindAnomaly},
		{"huge", monitor.KindFetchError},
		{"gzip-bomb", monitor.KindFetchError},
	}
	for _, tc := range faults {
		t.Run(tc.fault, func(t *testing.T) {
			srv := newFaultServer(t)
			rig := newFaultRig(t, srv.URL)
			if got := kindsOf(rig.check(t).Events); fmt.Sprint(got) != "[baseline]" {
				t.Fatalf("first good page: events %v, want [baseline]", got)
			}
			srv.set(tc.fault)
			var during []monitor.EventKind
			for i := 0; i < 3; i++ {
				res := rig.check(t)
				if res.Outcome != monitor.Outcome(tc.kind) {
					t.Errorf("fault check %d: outcome %q, want %q", i+1, res.Outcome, tc.kind)
				}
				during = append(during, kindsOf(res.Events)...)
			}
			if fmt.Sprint(during) != fmt.Sprint([]monitor.EventKind{tc.kind}) {
				t.Errorf("during the fault: events %v, want one %s for the episode", during, tc.kind)
			}
			srv.set("")
			if got := kindsOf(rig.check(t).Events); fmt.Sprint(got) != "[recovered]" {
				t.Errorf("good page again: events %v, want [recovered] (same text as before: no change)", got)
			}
			if n := rig.checkCount(t); n < 5 {
				t.Errorf("%d checks recorded, want at least 5 (every check is kept)", n)
			}
		})
	}
}

// TestLegacyCharsetsDecodeToTheSameText: a page served in windows-1252 or
// ISO-8859-1 is decoded so that a later UTF-8 copy of the same text is
// not a change.
func TestLegacyCharsetsDecodeToTheSameText(t *testing.T) {
	for _, cs := range []string{"windows-1252", "iso-8859-1"} {
		t.Run(cs, func(t *testing.T) {
			srv := newFaultServer(t)
			rig := newFaultRig(t, srv.URL)
			rig.watch.Language = "fr"
			srv.set(cs)
			if got := kindsOf(rig.check(t).Events); fmt.Sprint(got) != "[baseline]" {
				t.Fatalf("legacy charset page: events %v, want [baseline]", got)
			}
			v, err := rig.db.LatestVersion(context.Background(), rig.watch.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(v.Text, "données à caractère personnel") || !strings.Contains(v.Text, "l'entraînement") {
				t.Errorf("text not decoded to UTF-8 correctly:\n%s", v.Text)
			}
			srv.set("utf-8-fr")
			if res := rig.check(t); res.Outcome != monitor.OutcomeUnchanged || len(res.Events) != 0 {
				t.Errorf("UTF-8 copy of the same text: outcome %s, events %v; want unchanged, none", res.Outcome, kindsOf(res.Events))
			}
		})
	}
}

// TestPolicyThatReallyShrankIsRecorded: a policy cut to a fifth is "too
// short" at first (a broken page looks the same), but once such captures,
// one after the other, have lasted a day and number three, it is recorded
// as a change, notable at least, saying why; before, it stayed an anomaly
// for ever. A fetch error or another anomaly in between starts the count
// again, two captures a day apart are not enough, and a nearly empty page
// never qualifies.
func TestPolicyThatReallyShrankIsRecorded(t *testing.T) {
	long := policyPage("en", "Privacy Policy", "Effective March 3, 2026", strings.Repeat(longParagraph, 20))
	short := policyPage("en", "Privacy Policy", "Effective March 3, 2026", strings.Repeat(longParagraph, 4))
	empty := policyPage("en", "Privacy Policy", "Effective March 3, 2026")
	consent := checkerPages["consent"]
	const down = "500"
	type step struct {
		after time.Duration
		serve []byte // nil: HTTP 500
		want  monitor.Outcome
	}
	for _, tt := range []struct {
		name  string
		steps []step
	}{
		{"six-hourly", []step{
			{6 * time.Hour, short, monitor.OutcomeAnomaly}, {6 * time.Hour, short, monitor.OutcomeAnomaly},
			{6 * time.Hour, short, monitor.OutcomeAnomaly}, {6 * time.Hour, short, monitor.OutcomeAnomaly},
			{6 * time.Hour, short, monitor.OutcomeChanged}, // a day and five captures
			{6 * time.Hour, short, monitor.OutcomeUnchanged},
		}},
		{"daily: a day, but two captures", []step{
			{24 * time.Hour, short, monitor.OutcomeAnomaly}, {24 * time.Hour, short, monitor.OutcomeAnomaly},
			{24 * time.Hour, short, monitor.OutcomeChanged}, // the third, two days in
		}},
		{"a fetch error in between", []step{
			{6 * time.Hour, short, monitor.OutcomeAnomaly},
			{6 * time.Hour, nil, monitor.OutcomeFetchError}, {6 * time.Hour, nil, monitor.OutcomeFetchError},
			{6 * time.Hour, nil, monitor.OutcomeFetchError},
			{6 * time.Hour, short, monitor.OutcomeAnomaly}, // a day after the first, but a new run
			{6 * time.Hour, short, monitor.OutcomeAnomaly}, {12 * time.Hour, short, monitor.OutcomeAnomaly},
			{6 * time.Hour, short, monitor.OutcomeChanged}, // the run: a day and four captures
		}},
		{"another anomaly in between", []step{
			{6 * time.Hour, short, monitor.OutcomeAnomaly}, {6 * time.Hour, short, monitor.OutcomeAnomaly},
			{6 * time.Hour, short, monitor.OutcomeAnomaly},
			{6 * time.Hour, consent, monitor.OutcomeAnomaly}, // another episode: the run ends
			{6 * time.Hour, short, monitor.OutcomeAnomaly},   // 30 hours after the first, but a new run
			{6 * time.Hour, short, monitor.OutcomeAnomaly}, {6 * time.Hour, short, monitor.OutcomeAnomaly},
			{6 * time.Hour, short, monitor.OutcomeAnomaly},
			{6 * time.Hour, short, monitor.OutcomeChanged}, // the run: a day and five captures
		}},
		{"nearly empty for days", []step{
			{24 * time.Hour, empty, monitor.OutcomeAnomaly}, {24 * time.Hour, empty, monitor.OutcomeAnomaly},
			{24 * time.Hour, empty, monitor.OutcomeAnomaly}, {24 * time.Hour, empty, monitor.OutcomeAnomaly},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			body := long
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				if body == nil {
					http.Error(w, down, http.StatusInternalServerError)
					return
				}
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Write(body)
			}))
			t.Cleanup(srv.Close)
			rig := newFaultRig(t, srv.URL)
			if res := rig.check(t); res.Outcome != monitor.OutcomeBaseline {
				t.Fatalf("first check: %s", res.Outcome)
			}
			for i, st := range tt.steps {
				mu.Lock()
				body = st.serve
				mu.Unlock()
				rig.clock.Set(rig.clock.Now().Add(st.after - 6*time.Hour)) // check adds 6 hours
				res := rig.check(t)
				if res.Outcome != st.want {
					t.Fatalf("step %d: %s, want %s", i+1, res.Outcome, st.want)
				}
				if res.Outcome != monitor.OutcomeChanged {
					continue
				}
				var change *monitor.Event
				for j := range res.Events {
					if res.Events[j].Kind == monitor.KindChange {
						change = &res.Events[j]
					}
				}
				// The short text keeps the date: the analysis alone would say
				// "info"; the shrink makes it notable.
				if change == nil || !strings.Contains(change.Summary, "much shorter than before") ||
					change.Severity != monitor.SeverityNotable || change.WordsRemoved == 0 {
					t.Errorf("change event %+v, want a notable change saying the text got much shorter", change)
				}
			}
		})
	}
}
