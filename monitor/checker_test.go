package monitor_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/monitor/fetch"
	"github.com/policywatch/policywatch/store"
)

// sequenceServer serves the pages of a test one after another: the test
// says which page the next check sees.
type sequenceServer struct {
	*httptest.Server
	mu    sync.Mutex
	pages map[string][]byte
	cur   string
	etag  string
}

func newSequenceServer(t *testing.T, pages map[string][]byte) *sequenceServer {
	s := &sequenceServer{pages: pages}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		cur, body, etag := s.cur, s.pages[s.cur], s.etag
		s.mu.Unlock()
		// Pages named for a fault fail the fetch that way.
		switch cur {
		case "http-500", "http-502", "http-503":
			code, _ := strconv.Atoi(strings.TrimPrefix(cur, "http-"))
			http.Error(w, http.StatusText(code), code)
			return
		case "reset":
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			}
			return
		case "timeout":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		if etag != "" {
			w.Header().Set("ETag", etag)
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		switch cur {
		case "json":
			// An API answering instead of the site.
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"error":{"message":"Unsupported get request.","code":100}}`))
			return
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sequenceServer) show(name string) { s.mu.Lock(); s.cur = name; s.mu.Unlock() }

const longParagraph = `We collect the content you create and share, such as posts, photos, captions and comments, information about your device and your approximate location, and we use it to provide, personalise and improve our services, to show advertising and to keep people safe. `

func policyPage(lang, title string, paragraphs ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="%s"><head><title>%s</title></head><body><main id="policy"><h1>%s</h1>`, lang, title, title)
	for _, p := range paragraphs {
		fmt.Fprintf(&b, "<p>%s</p>\n", p)
	}
	b.WriteString("</main></body></html>")
	return []byte(b.String())
}

var checkerPages = map[string][]byte{
	"a":       policyPage("en", "Privacy Policy", "Effective March 3, 2026", strings.Repeat(longParagraph, 6)),
	"b":       policyPage("en", "Privacy Policy", "Effective April 1, 2026", strings.Repeat(longParagraph, 6), "We now also use public posts to train our artificial intelligence models."),
	"a-churn": []byte(strings.Replace(string(policyPage("en", "Privacy Policy", "Effective March 3, 2026", strings.Repeat(longParagraph, 6))), `<main id="policy">`, `<main id="policy" class="x1y2z3">`, 1)),
	"short":   policyPage("en", "Privacy Policy", "Effective March 3, 2026", longParagraph),
	"french": policyPage("fr", "Politique de confidentialité", "En vigueur à compter du 3 mars 2026",
		strings.Repeat("Nous collectons les contenus que vous créez et partagez, comme vos publications, vos photos et leurs légendes, et vos commentaires, ainsi que des informations sur votre appareil et votre position approximative. ", 6)),
	"no-policy-div": []byte(`<!DOCTYPE html><html lang="en"><head><title>Privacy</title></head><body><div id="app">` + strings.Repeat(longParagraph, 6) + `</div></body></html>`),
	"login":         []byte(`<!DOCTYPE html><html lang="en"><head><title>Log in</title></head><body><main id="policy"><h1>Log in to continue</h1><p>You must log in to see this page.</p><form><input name="email"><input type="password"></form></main></body></html>`),
	// A short policy whose text says what a consent or login wall says.
	"a-cookies": policyPage("en", "Privacy Policy", "Effective March 3, 2026", "You can accept all cookies or reject non-essential cookies in your settings.", strings.Repeat(longParagraph, 6)),
	"a-login":   policyPage("en", "Privacy Policy", "Please log in to your account to object.", strings.Repeat(longParagraph, 6)),
	"consent":   []byte(`<!DOCTYPE html><html lang="en"><head><title>Cookies</title></head><body><main id="policy"><h1>Allow the use of cookies by Nimbus on this browser?</h1><p>We use cookies to help provide and improve content. Accept all cookies or decline optional cookies.</p></main></body></html>`),
}

type checkerRig struct {
	srv    *sequenceServer
	faults *faultRig
}

func newCheckerRig(t *testing.T, watch monitor.Watch) *checkerRig {
	srv := newSequenceServer(t, checkerPages)
	fr := newFaultRig(t, srv.URL)
	watch.URL = srv.URL + "/policy"
	fr.watch = watch
	return &checkerRig{srv: srv, faults: fr}
}

// see shows page and checks once, returning the outcome and event kinds.
func (r *checkerRig) see(t *testing.T, page string) (monitor.Outcome, string, []monitor.Event) {
	t.Helper()
	r.srv.show(page)
	res := r.faults.check(t)
	return res.Outcome, fmt.Sprint(kindsOf(res.Events)), res.Events
}

// TestJSONIsNoPage: an API's JSON served instead of the page is an
// anomaly that says so (not_html, with the type), not a "too short" text.
func TestJSONIsNoPage(t *testing.T) {
	rig := newCheckerRig(t, monitor.Watch{Name: "nimbus", Select: []string{"#policy"}, Fetcher: "http", Language: "en-US"})
	rig.see(t, "a")
	_, kinds, events := rig.see(t, "json")
	if kinds != "[anomaly]" || events[0].Reason != monitor.ReasonNotHTML || !strings.Contains(events[0].Detail, "served as application/json") {
		t.Errorf("JSON instead of the page: %s %+v", kinds, events)
	}
}

func TestCheckerClassifiesCaptures(t *testing.T) {
	watch := monitor.Watch{Name: "nimbus", Select: []string{"#policy"}, Fetcher: "http", Language: "en-US"}
	tests := []struct {
		name  string
		steps []string // pages shown, one check each
		want  []string // event kinds of each check
	}{
		{"markup churn is not a change", []string{"a", "a-churn", "a"}, []string{"[baseline]", "[]", "[]"}},
		{"change then revert", []string{"a", "b", "a"}, []string{"[baseline]", "[change]", "[revert]"}},
		{"text far shorter than usual", []string{"a", "short", "short", "a"}, []string{"[baseline]", "[anomaly]", "[]", "[recovered]"}},
		{"page in another language", []string{"a", "french", "a"}, []string{"[baseline]", "[anomaly]", "[recovered]"}},
		{"selector matches nothing", []string{"a", "no-policy-div", "a"}, []string{"[baseline]", "[anomaly]", "[recovered]"}},
		{"login wall", []string{"a", "login", "a"}, []string{"[baseline]", "[anomaly]", "[recovered]"}},
		{"consent wall", []string{"a", "consent", "a"}, []string{"[baseline]", "[anomaly]", "[recovered]"}},
		{"episode ending on a new text", []string{"a", "login", "login", "b"}, []string{"[baseline]", "[anomaly]", "[]", "[recovered change]"}},
		// A page that is not the policy for another reason is another
		// episode, with its own event (TestAnEpisodeOfAnotherKindOrReasonIsItsOwn).
		{"a login wall, then a consent wall", []string{"a", "login", "consent", "b"}, []string{"[baseline]", "[anomaly]", "[anomaly]", "[recovered change]"}},
		{"error shell before any baseline", []string{"login", "a", "b"}, []string{"[anomaly]", "[recovered baseline]", "[change]"}},
		// A capture about as long as the policy is the policy, whatever
		// its words: the change is seen, not taken for a consent wall.
		{"a short policy gains a sentence about cookies", []string{"a", "a-cookies", "consent", "a"}, []string{"[baseline]", "[change]", "[anomaly]", "[recovered revert]"}},
		{"a short policy that says 'please log in', first", []string{"a-login", "a"}, []string{"[anomaly]", "[recovered baseline]"}},
		// JSON is no page; text is.
		{"an API's JSON instead of the page", []string{"a", "json", "a"}, []string{"[baseline]", "[anomaly]", "[recovered]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rig := newCheckerRig(t, watch)
			for i, page := range tc.steps {
				if _, got, _ := rig.see(t, page); got != tc.want[i] {
					t.Errorf("check %d (%s): events %s, want %s", i+1, page, got, tc.want[i])
				}
			}
		})
	}
}

// A watch whose policy itself says "please log in" is told so
// (shell_phrases: false): its first capture is a baseline; a page with
// JavaScript traces only, or far too short, is still no version.
func TestCheckerWithoutShellPhrases(t *testing.T) {
	watch := monitor.Watch{Name: "nimbus", Select: []string{"#policy"}, Fetcher: "http", Language: "en-US", NoShellPhrases: true}
	rig := newCheckerRig(t, watch)
	for i, step := range []struct{ page, want string }{
		{"a-login", "[baseline]"},
		{"a-cookies", "[change]"},
		{"login", "[anomaly]"}, // too short
	} {
		if _, got, ev := rig.see(t, step.page); got != step.want {
			t.Errorf("check %d (%s): events %s, want %s (%v)", i+1, step.page, got, step.want, ev)
		}
	}
}

// TestCheckerSkipsParsingTheSameShape: a page whose markup changed but
// whose shape is that of the capture last accepted is unchanged without
// being parsed, for a day after the last parse; any other page is parsed,
// and the outcomes are those of a parse. (Checks are 6 hours apart.)
func TestCheckerSkipsParsingTheSameShape(t *testing.T) {
	watch := monitor.Watch{Name: "nimbus", Select: []string{"#policy"}, Fetcher: "http", Language: "en-US"}
	rig := newCheckerRig(t, watch)
	for i, step := range []struct {
		page   string
		kinds  string
		parsed bool
	}{
		{"a", "[baseline]", true},
		{"a-churn", "[]", false}, // a class name: same shape
		{"a", "[]", false},       // other bytes than a-churn, accepted last: same shape
		{"b", "[change]", true},
		{"a-churn", "[revert]", true}, // the shape of an older version: parsed, compared
		{"a", "[]", false},
		{"login", "[anomaly]", true},
		{"a-churn", "[recovered]", false}, // closes the episode as a parse would
		{"a", "[]", true},                 // a day since the last parse: parsed whatever its shape
		{"a-churn", "[]", false},
	} {
		rig.srv.show(step.page)
		res := rig.faults.check(t)
		if got := fmt.Sprint(kindsOf(res.Events)); got != step.kinds || res.Parsed != step.parsed {
			t.Errorf("check %d (%s): events %s, parsed %v; want %s, parsed %v", i+1, step.page, got, res.Parsed, step.kinds, step.parsed)
		}
	}
	// Unparsed checks feed the typical length as parsed ones do: after a
	// change to a shorter text, it follows the new text.
	rig = newCheckerRig(t, watch)
	for _, page := range []string{"b", "a", "a-churn", "a", "a-churn"} {
		rig.see(t, page)
	}
	state, err := rig.faults.db.State(context.Background(), rig.faults.watch)
	if err != nil {
		t.Fatal(err)
	}
	if state.AcceptedLength == 0 || state.TypicalLength != state.AcceptedLength {
		t.Errorf("typical length %d, want that of the text accepted last (%d)", state.TypicalLength, state.AcceptedLength)
	}
}

// TestIngestUpdatesWhatIsAccepted: after an imported snapshot changed the
// current version, a fetch of the bytes accepted before the import is
// compared with the imported version, not taken for it.
func TestIngestUpdatesWhatIsAccepted(t *testing.T) {
	watch := monitor.Watch{Name: "nimbus", Select: []string{"#policy"}, Fetcher: "http", Language: "en-US"}
	rig := newCheckerRig(t, watch)
	if _, kinds, _ := rig.see(t, "a"); kinds != "[baseline]" {
		t.Fatalf("first check: %s", kinds)
	}
	rig.faults.clock.Set(rig.faults.clock.Now().Add(time.Hour))
	res, err := rig.faults.checker.Ingest(context.Background(), rig.faults.watch,
		&monitor.Body{Data: checkerPages["b"], ContentType: "text/html; charset=utf-8", FetchedAt: rig.faults.clock.Now()})
	if err != nil || res.Outcome != monitor.OutcomeChanged {
		t.Fatalf("import: %v, %v", res, err)
	}
	for _, page := range []string{"a", "a-churn"} { // the same bytes, then the same shape
		if _, kinds, _ := rig.see(t, page); kinds != "[revert]" {
			t.Errorf("%s after the import of b: events %s, want [revert]", page, kinds)
		}
		if _, kinds, _ := rig.see(t, "b"); kinds != "[revert]" {
			t.Errorf("b again: events %s, want [revert]", kinds)
		}
	}
}

func TestCheckerAnomalyReasons(t *testing.T) {
	watch := monitor.Watch{Name: "nimbus", Select: []string{"#policy"}, Fetcher: "http", Language: "en"}
	for page, reason := range map[string]string{
		"short": monitor.ReasonTooShort, "french": monitor.ReasonWrongLanguage, "no-policy-div": monitor.ReasonSelectorMissing,
		"login": monitor.ReasonLoginWall, "consent": monitor.ReasonConsentWall,
	} {
		t.Run(page, func(t *testing.T) {
			rig := newCheckerRig(t, watch)
			rig.see(t, "a")
			outcome, _, events := rig.see(t, page)
			if outcome != monitor.OutcomeAnomaly || len(events) != 1 {
				t.Fatalf("outcome %s, %d events; want one anomaly", outcome, len(events))
			}
			if events[0].Reason != reason || events[0].Detail == "" {
				t.Errorf("reason %q (detail %q), want %q with a detail", events[0].Reason, events[0].Detail, reason)
			}
		})
	}
}

func TestRevertNamesTheEarlierVersion(t *testing.T) {
	rig := newCheckerRig(t, monitor.Watch{Name: "nimbus", Select: []string{"#policy"}, Fetcher: "http", Language: "en"})
	_, _, base := rig.see(t, "a")
	_, _, change := rig.see(t, "b")
	_, _, revert := rig.see(t, "a")
	if base[0].Version == 0 || change[0].Version == base[0].Version {
		t.Fatalf("versions: baseline %d, change %d", base[0].Version, change[0].Version)
	}
	r := revert[0]
	if r.RevertedTo != base[0].Version || r.Version != base[0].Version || r.PreviousVersion != change[0].Version {
		t.Errorf("revert: version %d, previous %d, reverted_to %d; want %d, %d, %d",
			r.Version, r.PreviousVersion, r.RevertedTo, base[0].Version, change[0].Version, base[0].Version)
	}
	if change[0].WordsAdded == 0 || change[0].PreviousVersion != base[0].Version {
		t.Errorf("change: %+v", change[0])
	}
}

func TestNotModifiedIsUnchanged(t *testing.T) {
	rig := newCheckerRig(t, monitor.Watch{Name: "nimbus", Select: []string{"#policy"}, Fetcher: "http", Language: "en"})
	rig.srv.etag = `"v1"`
	rig.see(t, "a")
	outcome, kinds, _ := rig.see(t, "a")
	if outcome != monitor.OutcomeNotModified || kinds != "[]" {
		t.Errorf("second check: %s %s, want not_modified and no events", outcome, kinds)
	}
}

// Changing what a watch reads (its URL, select or remove) makes its next
// capture a first one again, whose difference from the version read the
// old way is no change of the policy; the changes after it are.
func TestReconfiguredWatchStartsAgain(t *testing.T) {
	rig := newCheckerRig(t, monitor.Watch{Name: "nimbus", Select: []string{"#policy"}, Fetcher: "http", Language: "en"})
	_, _, base := rig.see(t, "a")
	rig.faults.watch.Remove = []string{"h1"} // the title is no longer read
	outcome, kinds, events := rig.see(t, "a")
	if outcome != monitor.OutcomeBaseline || kinds != "[baseline]" {
		t.Fatalf("after the reconfiguration: %s %s, want a baseline", outcome, kinds)
	}
	if e := events[0]; e.Severity != monitor.SeverityInfo || e.Version == base[0].Version ||
		!strings.Contains(e.Summary, "selectors changed") {
		t.Errorf("event %+v", e)
	}
	if _, kinds, _ := rig.see(t, "b"); kinds != "[change]" {
		t.Errorf("the next change: %s, want [change]", kinds)
	}
	// Back to the old selectors: the text of the first version comes back,
	// which is no revert of the policy either.
	rig.faults.watch.Remove = nil
	if outcome, kinds, events := rig.see(t, "a"); outcome != monitor.OutcomeReverted || kinds != "[baseline]" || events[0].Version != base[0].Version {
		t.Errorf("back to the old selectors: %s %s %+v, want the first version seen again, as a baseline", outcome, kinds, events)
	}
	// Other settings keep what was learned: a new schedule is no new start.
	rig.faults.watch.Schedule = "@every 1h"
	if _, kinds, _ := rig.see(t, "b"); kinds != "[change]" {
		t.Errorf("after a new schedule: %s, want [change]", kinds)
	}
}

// A server that answers 304 to a page it changed (a validator of coarse
// time, a misbehaving cache) hides the change for a day at most: once a day
// the page is asked for without validators. Checks are 6 hours apart.
func TestNotModifiedIsNotTrustedForMoreThanADay(t *testing.T) {
	rig := newCheckerRig(t, monitor.Watch{Name: "nimbus", Select: []string{"#policy"}, Fetcher: "http", Language: "en"})
	rig.srv.etag = `"v1"`
	rig.see(t, "a")
	rig.srv.show("b") // new text, same validator
	for i := range 3 {
		if outcome, _, _ := rig.see(t, "b"); outcome != monitor.OutcomeNotModified {
			t.Fatalf("check %d, %d h after the last parse: %s, want not_modified", i+2, 6*(i+1), outcome)
		}
	}
	if outcome, kinds, _ := rig.see(t, "b"); outcome != monitor.OutcomeChanged || kinds != "[change]" {
		t.Errorf("24 h after the last parse: %s %s, want the change", outcome, kinds)
	}
}

// TestSchedulerRunsEachWatchAloneAndStops: with a page slower than its
// schedule, checks of one watch never overlap; every watch is checked at
// start (overdue) and again on schedule; cancelling stops the scheduler.
func TestSchedulerRunsEachWatchAloneAndStops(t *testing.T) {
	var mu sync.Mutex
	inFlight, maxInFlight, served := map[string]int{}, map[string]int{}, map[string]int{}
	page := policyPage("en", "Privacy Policy", strings.Repeat(longParagraph, 4))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight[r.URL.Path]++
		maxInFlight[r.URL.Path] = max(maxInFlight[r.URL.Path], inFlight[r.URL.Path])
		served[r.URL.Path]++
		mu.Unlock()
		if r.URL.Path == "/slow" {
			time.Sleep(1500 * time.Millisecond)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
		mu.Lock()
		inFlight[r.URL.Path]--
		mu.Unlock()
	}))
	defer srv.Close()
	rig := newFaultRig(t, srv.URL)
	checker := monitor.NewChecker(newTestFetcher(), rig.db, monitor.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	watches := []monitor.Watch{
		{Name: "slow", URL: srv.URL + "/slow", Fetcher: "http", Schedule: "@every 1s"},
		{Name: "fast", URL: srv.URL + "/fast", Fetcher: "http", Schedule: "@every 1s"},
	}
	var idle atomic.Int32
	sched := monitor.NewScheduler(checker, rig.db, watches, 4, slog.New(slog.NewTextHandler(io.Discard, nil)),
		monitor.WithIdleHook(func() { idle.Add(1) }, 0))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sched.Run(ctx) }()
	// Wait until the fast watch has been checked three times (at start and
	// on schedule) and the slow one has recorded its first check.
	deadline := time.After(20 * time.Second)
	for {
		mu.Lock()
		n := served["/fast"]
		mu.Unlock()
		events, err := rig.db.Events(context.Background(), monitor.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if n >= 3 && len(events) >= 2 {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("after 20s: fast watch checked %d times, %d events", n, len(events))
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("scheduler did not stop after cancel")
	}
	mu.Lock()
	defer mu.Unlock()
	if maxInFlight["/slow"] != 1 {
		t.Errorf("slow watch had %d checks at once, want 1", maxInFlight["/slow"])
	}
	if served["/slow"] < 1 {
		t.Errorf("slow watch never checked")
	}
	if idle.Load() == 0 {
		t.Errorf("the idle hook never ran, though checks finished with none running")
	}
	events, err := rig.db.Events(context.Background(), monitor.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Errorf("%d events, want the two baselines only", len(events))
	}
}

func newTestFetcher() *fetch.Client {
	return fetch.New(fetch.Options{UserAgent: "policywatch-test", Timeout: 5 * time.Second, Retries: -1})
}

// countingFetcher is the real fetcher, its calls counted as they start.
type countingFetcher struct {
	monitor.Fetcher
	calls atomic.Int64
}

func (f *countingFetcher) Fetch(ctx context.Context, req fetch.Request) (*fetch.Response, []fetch.Attempt, error) {
	f.calls.Add(1)
	return f.Fetcher.Fetch(ctx, req)
}

// runScheduler runs a scheduler of the one watch w on a fault rig's
// database, retrying a failed fetch firstRetry later; stop cancels it and
// returns what Run returned. fetches counts the fetches begun.
func runScheduler(t *testing.T, w monitor.Watch, firstRetry time.Duration) (rig *faultRig, fetches *atomic.Int64, stop func() error) {
	rig = newFaultRig(t, w.URL)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	counting := &countingFetcher{Fetcher: newTestFetcher()}
	fetches = &counting.calls
	checker := monitor.NewChecker(counting, rig.db, monitor.WithLogger(quiet))
	sched := monitor.NewScheduler(checker, rig.db, []monitor.Watch{w}, 1, quiet, monitor.WithFirstRetryDelay(firstRetry))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sched.Run(ctx) }()
	return rig, fetches, func() error {
		cancel()
		return <-done
	}
}

// TestSchedulerRetriesDoNotPileUp: a watch whose every fetch fails gets
// one chain of retries, not one more per scheduled check. Checked every
// second with retries from 50 ms (at most a quarter period apart), it is
// fetched about 4 times a period however long the outage lasts; when each
// failed scheduled check started a chain of its own, the fifth second saw
// about 20.
func TestSchedulerRetriesDoNotPileUp(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "blocked", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	_, fetches, stop := runScheduler(t, monitor.Watch{Name: "blocked", URL: srv.URL + "/p", Fetcher: "http", Schedule: "@every 1s"}, 50*time.Millisecond)
	time.Sleep(2 * time.Second)
	before := requests.Load()
	time.Sleep(3 * time.Second)
	during := requests.Load() - before
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// 3 periods × (1 scheduled + 3 retries), with room for timing.
	if during > 20 || during < 3 {
		t.Errorf("%d fetches in the 3rd to 5th periods of an outage, want about 12 (at most 20)", during)
	}
	// Stopped means stopped: no retry fires after Run returned. Counted
	// as fetches begin, not as the server sees requests: one sent just
	// before the stop may reach a busy server's handler after it.
	after := fetches.Load()
	time.Sleep(400 * time.Millisecond)
	if n := fetches.Load(); n != after {
		t.Errorf("%d fetches begun after the scheduler stopped", n-after)
	}
}

// TestSchedulerRetriesAFailedFetchSoon: a watch checked every hour whose
// fetch fails is tried again after the retry delay, not an hour later.
func TestSchedulerRetriesAFailedFetchSoon(t *testing.T) {
	var mu sync.Mutex
	requests := 0
	page := policyPage("en", "Privacy Policy", strings.Repeat(longParagraph, 4))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		n := requests
		mu.Unlock()
		if n == 1 {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	rig, _, stop := runScheduler(t, monitor.Watch{Name: "hourly", URL: srv.URL + "/p", Fetcher: "http", Schedule: "@every 1h"}, 100*time.Millisecond)
	deadline := time.After(20 * time.Second)
	var kinds []monitor.EventKind
	for len(kinds) < 3 {
		select {
		case <-deadline:
			t.Fatalf("events after 20s: %v, want fetch_error, recovered, baseline", kinds)
		case <-time.After(50 * time.Millisecond):
		}
		events, err := rig.db.Events(context.Background(), monitor.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		kinds = kindsOf(events)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(kinds) != "[fetch_error recovered baseline]" {
		t.Errorf("events %v, want [fetch_error recovered baseline]", kinds)
	}
}

// TestSchedulerRetriesACheckNotRecorded: a check the database refused
// (here a trigger raises SQLite's "database or disk is full" on every new
// check row) is tried again after the retry delay, doubling, as a failed
// fetch is: an hourly watch used to lose its hour, a daily one its day.
func TestSchedulerRetriesACheckNotRecorded(t *testing.T) {
	page := policyPage("en", "Privacy Policy", strings.Repeat(longParagraph, 4))
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "full.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A connection of the test's own: the store has no SQL door.
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TRIGGER refuse BEFORE INSERT ON checks BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}

	var failures atomic.Int64
	recorded := make(chan error, 16)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := monitor.Watch{Name: "hourly", URL: srv.URL + "/p", Fetcher: "http", Schedule: "@every 1h"}
	sched := monitor.NewScheduler(monitor.NewChecker(newTestFetcher(), db, monitor.WithLogger(quiet)), db, []monitor.Watch{w}, 1, quiet,
		monitor.WithFirstRetryDelay(100*time.Millisecond),
		monitor.WithRecordHook(func(err error) {
			if err != nil {
				failures.Add(1)
			}
			recorded <- err
		}))
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sched.Run(runCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	var started time.Time
	for want := 1; ; {
		select {
		case err := <-recorded:
			if err == nil {
				if f := failures.Load(); f != 2 {
					t.Errorf("recorded after %d checks not recorded, want 2", f)
				}
				if gap := time.Since(started); gap < 150*time.Millisecond {
					t.Errorf("the second retry came %v after the first, want the delay doubled (200 ms)", gap)
				}
				events, err := db.Events(ctx, monitor.EventFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(kindsOf(events)) != "[baseline]" {
					t.Errorf("events %v, want [baseline]", kindsOf(events))
				}
				return
			}
			if !strings.Contains(err.Error(), "database or disk is full") {
				t.Fatalf("the check failed otherwise: %v", err)
			}
			if want == 2 {
				// The second refusal: let the next one through.
				started = time.Now()
				if _, err := raw.Exec(`DROP TRIGGER refuse`); err != nil {
					t.Fatal(err)
				}
			}
			want++
		case <-time.After(20 * time.Second):
			t.Fatalf("after 20 s, %d checks not recorded and no retry recorded; %d fetches", failures.Load(), requests.Load())
		}
	}
}

// TestSchedulerRefusesSchedulesThatNeverFire: a schedule with no two
// activations within five years stops Run before any fetch. It used to
// check the watch at start, and retry a failed fetch at once, forever (a
// retry comes at most a quarter of a period of 0 later): hundreds of
// requests a second to the site.
func TestSchedulerRefusesSchedulesThatNeverFire(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	for _, spec := range []string{"0 0 30 2 *", "0 12 31 4,6 *"} {
		rig := newFaultRig(t, srv.URL)
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		w := monitor.Watch{Name: "never", URL: srv.URL + "/p", Fetcher: "http", Schedule: spec}
		sched := monitor.NewScheduler(monitor.NewChecker(newTestFetcher(), rig.db, monitor.WithLogger(quiet)), rig.db,
			[]monitor.Watch{w}, 1, quiet, monitor.WithFirstRetryDelay(time.Millisecond))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := sched.Run(ctx)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "never fires") {
			t.Errorf("schedule %q: Run returned %v, want an error saying it never fires", spec, err)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests to the site, want none", n)
	}
}

// TestCheckSupersededByAnotherProcess: a check that another process (the
// daemon, or a `check` beside it) overtakes — it records a check of the
// same watch while this one fetches — records nothing and says so, without
// an error: it used to fail with "watch state changed by another writer",
// an ERROR in the daemon's log and exit status 1 for `check`.
func TestCheckSupersededByAnotherProcess(t *testing.T) {
	page := policyPage("en", "Privacy Policy", strings.Repeat(longParagraph, 4))
	var rig *faultRig
	var requests atomic.Int64
	var other *monitor.Result
	var otherErr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			// While the first check fetches, another process's checker
			// (its own connection to the same file) checks the watch.
			db, err := store.Open(r.Context(), rig.db.Path())
			if err != nil {
				otherErr = err
			} else {
				other, otherErr = monitor.NewChecker(newTestFetcher(), db, monitor.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))).Check(r.Context(), rig.watch)
				db.Close()
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	rig = newFaultRig(t, srv.URL)
	res, err := rig.checker.Check(context.Background(), rig.watch)
	if otherErr != nil || other == nil || other.Outcome != monitor.OutcomeBaseline {
		t.Fatalf("the other process's check: %+v, %v; want a baseline", other, otherErr)
	}
	if err != nil {
		t.Fatalf("the overtaken check failed: %v", err)
	}
	if !res.Superseded || len(res.Events) != 0 || res.Err != nil {
		t.Errorf("the overtaken check: %+v, want Superseded, no events, no error", res)
	}
	if n := rig.checkCount(t); n != 1 {
		t.Errorf("%d checks recorded, want the other process's one", n)
	}
}

// TestSchedulerStoppedWhileStarting: a daemon interrupted while it reads
// its watches' states (Ctrl-C right after start) stops cleanly; it used to
// return "watch W: state of W: context canceled", exit status 1.
func TestSchedulerStoppedWhileStarting(t *testing.T) {
	rig := newFaultRig(t, "http://127.0.0.1:1")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	watches := []monitor.Watch{{Name: "a", URL: "http://127.0.0.1:1/a", Fetcher: "http", Schedule: "@every 1h"}}
	sched := monitor.NewScheduler(monitor.NewChecker(newTestFetcher(), rig.db, monitor.WithLogger(quiet)), rig.db, watches, 1, quiet)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sched.Run(ctx); err != nil {
		t.Errorf("Run interrupted before it started: %v, want a clean stop", err)
	}
}

// TestFactsReadEveryVersionInTheWatchLanguage: a version's fact sheet
// (facts, the web view, a digest's objection forms) reads its digit dates
// in the watch's configured language, as a change's comparison does: a
// version stored as "en" before the watch said en-GB (or while its region
// was left to detection) was read month first, 04/07/2025 as 7 April,
// beside a comparison that read it as 4 July. A watch that names no
// language leaves each version its own.
func TestFactsReadEveryVersionInTheWatchLanguage(t *testing.T) {
	page := policyPage("en", "Privacy Policy", "Effective 04/07/2025.", strings.Repeat(longParagraph, 6))
	for _, tt := range []struct{ stored, watch, want string }{
		{"en", "en-GB", "2025-07-04"},
		{"en", "en-IE", "2025-07-04"},
		{"en-US", "en-GB", "2025-07-04"},
		{"en-GB", "en", "2025-04-07"},
		{"en", "en", "2025-04-07"},
		{"en-GB", "", "2025-07-04"},
		{"en", "", "2025-04-07"},
	} {
		srv := newSequenceServer(t, map[string][]byte{"a": page})
		rig := newFaultRig(t, srv.URL)
		rig.watch = monitor.Watch{Name: "nimbus", URL: srv.URL + "/policy", Select: []string{"#policy"}, Fetcher: "http", Language: tt.stored}
		srv.show("a")
		rig.check(t)
		// The configuration changed; the daemon's next check (the page as
		// it was) gives the store the watch as configured now.
		rig.watch.Language = tt.watch
		rig.check(t)
		v, err := rig.db.LatestVersion(context.Background(), "nimbus")
		if err != nil || v.Language != tt.stored {
			t.Fatalf("stored %q, watch %q: version in %q (%v), want it kept in %q", tt.stored, tt.watch, v.Language, err, tt.stored)
		}
		var got []string
		for _, d := range monitor.Facts(analyze.DefaultTaxonomy(), v).Dates {
			got = append(got, d.Date)
		}
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("stored %q, watch %q: dates %v, want %s", tt.stored, tt.watch, got, tt.want)
		}
	}
}

// A British watch's digit dates are day first: its versions keep the
// watch's region, and a change compares both texts read in it, the version
// before too.
func TestWatchRegionOrdersDigitDates(t *testing.T) {
	pages := map[string][]byte{
		"a": policyPage("en", "Privacy Policy", "Effective 04/07/2025.", strings.Repeat(longParagraph, 6)),
		"b": policyPage("en", "Privacy Policy", "Effective 05/07/2025.", strings.Repeat(longParagraph, 6)),
	}
	for _, tt := range []struct{ first, lang, summary, stored string }{
		{"en-GB", "en-GB", "Effective date 4 Jul 2025 → 5 Jul 2025.", "en-GB"},
		{"en-IE", "en-IE", "Effective date 4 Jul 2025 → 5 Jul 2025.", "en-IE"},
		{"en-US", "en-US", "Effective date 7 Apr 2025 → 7 May 2025.", "en-US"},
		{"en", "en", "Effective date 7 Apr 2025 → 7 May 2025.", "en"},
		// A version stored before the region was (as "en") is read with
		// the region of the version after: no date moved by the reading.
		{"en", "en-GB", "Effective date 4 Jul 2025 → 5 Jul 2025.", "en"},
	} {
		srv := newSequenceServer(t, pages)
		rig := newFaultRig(t, srv.URL)
		rig.watch = monitor.Watch{Name: "nimbus", URL: srv.URL + "/policy", Select: []string{"#policy"}, Fetcher: "http", Language: tt.first}
		srv.show("a")
		rig.check(t)
		if v, err := rig.db.LatestVersion(context.Background(), "nimbus"); err != nil || v.Language != tt.stored {
			t.Errorf("%s: baseline stored in %q (%v), want %q", tt.lang, v.Language, err, tt.stored)
		}
		rig.watch.Language = tt.lang
		srv.show("b")
		res := rig.check(t)
		if len(res.Events) != 1 || res.Events[0].Analysis == nil || res.Events[0].Analysis.Summary != tt.summary {
			t.Errorf("%s: events %+v, want the summary %q", tt.lang, res.Events, tt.summary)
		}
	}
}
