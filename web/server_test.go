package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/crypto/bcrypt"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/web"
)

// fixture is the file name of testdata.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// examplePolicy replays the synthetic example policy: a baseline, then
// the change that adds AI training and moves the effective date.
func examplePolicy(t testing.TB) (*rig, [][]byte) {
	t.Helper()
	v1 := fixture(t, "policy-v1.html")
	v2 := fixture(t, "policy-v2.html")
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	t0 := time.Date(2025, 4, 23, 12, 31, 8, 0, time.UTC)
	header := http.Header{"Content-Type": {"text/html; charset=utf-8"}, "X-Served-By": {"test"}}
	r.step(t, t0, 200, v1, header)
	r.step(t, t0.Add(35*24*time.Hour), 200, v2, header)
	return r, [][]byte{v1, v2}
}

func TestNonLoopbackWithoutAuthRefusesToStart(t *testing.T) {
	db := openStore(t)
	for _, listen := range []string{"0.0.0.0:8080", ":8080", "[::]:8080", "192.168.1.20:8080", "example.org:80", "policywatch.local:8080"} {
		_, err := web.New(web.Config{Listen: listen}, db)
		if !errors.Is(err, web.ErrAuthRequired) {
			t.Errorf("New with listen %q and no auth: %v, want ErrAuthRequired", listen, err)
		}
	}
	for _, listen := range []string{"", "127.0.0.1:8080", "127.0.0.2:0", "[::1]:8080", "localhost:8080"} {
		if _, err := web.New(web.Config{Listen: listen}, db); err != nil {
			t.Errorf("New with loopback listen %q: %v", listen, err)
		}
	}
	for _, listen := range []string{"8080", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000"} {
		if _, err := web.New(web.Config{Listen: listen}, db); err == nil || errors.Is(err, web.ErrAuthRequired) {
			t.Errorf("New with malformed listen %q: %v, want an address error", listen, err)
		}
	}
	if _, err := web.New(web.Config{Listen: "0.0.0.0:8080", Auth: web.Auth{User: "editor"}}, db); err == nil {
		t.Error("New accepted a user without a password hash")
	}
	if _, err := web.New(web.Config{Listen: "0.0.0.0:8080", Auth: web.Auth{User: "editor", PasswordHash: "secret"}}, db); err == nil {
		t.Error("New accepted a password in clear as password_hash")
	}
	if _, err := web.New(web.Config{Listen: "0.0.0.0:8080", Auth: web.Auth{Token: "abc"}}, db); err == nil {
		t.Error("New accepted a 3-character token")
	}
	if _, err := web.New(web.Config{Listen: "0.0.0.0:8080", Auth: web.Auth{Token: "0123456789abcdef 0123456789abcdef"}}, db); err == nil {
		t.Error("New accepted a token of two words")
	}
}

func TestAuthentication(t *testing.T) {
	r, _ := examplePolicy(t)
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	const token = "0123456789abcdef0123456789abcdef"
	cfg := web.Config{Listen: "0.0.0.0:8080", Auth: web.Auth{
		User: "editor", PasswordHash: string(hash), Token: token,
	}}
	s, err := web.New(cfg, r.DB, web.WithLogger(quiet()), web.WithNotFound(store.ErrNotFound))
	if err != nil {
		t.Fatal(err)
	}
	mounted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "mounted "+r.URL.Path) })
	s.Handle("GET /feeds/", mounted)
	s.HandlePublic("GET /unsubscribe", mounted)
	ts := httptest.NewServer(s)
	defer ts.Close()

	basic := func(user, pass string) string {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(user, pass)
		return req.Header.Get("Authorization")
	}
	for _, c := range []struct {
		name, path, auth string
		want             int
	}{
		{"no credentials", "/", "", 401},
		{"no credentials, API", "/api/events", "", 401},
		{"no credentials, metrics", "/metrics", "", 401},
		{"no credentials, asset", "/static/style.css", "", 401},
		{"no credentials, mounted feed", "/feeds/all.atom", "", 401},
		{"wrong password", "/", basic("editor", "wrong horse"), 401},
		{"wrong user", "/", basic("admin", "correct horse"), 401},
		{"empty password", "/", basic("editor", ""), 401},
		{"wrong token", "/", "Bearer " + strings.Repeat("x", len(token)), 401},
		{"token prefix", "/", "Bearer " + token[:16], 401},
		{"unknown scheme", "/", "Digest " + token, 401},
		{"password", "/", basic("editor", "correct horse"), 200},
		{"password again, remembered", "/watches/example", basic("editor", "correct horse"), 200},
		{"bearer token", "/api/events", "Bearer " + token, 200},
		{"token as basic password", "/", basic("anyone", token), 200},
		{"mounted feed", "/feeds/all.atom", "Bearer " + token, 200},
		{"health needs nothing", "/healthz", "", 200},
		{"public mount needs nothing", "/unsubscribe", "", 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := get(t, ts.URL+c.path, "Authorization", c.auth)
			if resp.StatusCode != c.want {
				t.Fatalf("GET %s: %d, want %d\n%s", c.path, resp.StatusCode, c.want, body)
			}
			if c.want == 401 {
				if got := resp.Header.Values("WWW-Authenticate"); len(got) != 2 || !strings.HasPrefix(got[0], "Basic ") || !strings.HasPrefix(got[1], "Bearer ") {
					t.Errorf("WWW-Authenticate %q, want a Basic and a Bearer challenge", got)
				}
				if strings.Contains(string(body), "example") {
					t.Errorf("a 401 shows the history: %s", body)
				}
			}
		})
	}

	// With a feed handler mounted, the pages link the feeds.
	_, body := get(t, ts.URL+"/watches/example", "Authorization", "Bearer "+token)
	for _, want := range []string{`href="/feeds/all.atom"`, `href="/feeds/watch/example.atom"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("timeline lacks %s", want)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	r, bodies := examplePolicy(t)
	_, ts := r.server(t)
	for _, p := range []string{"/", "/watches/example", "/events/2", "/versions/1", "/versions/1/text", "/api/events", "/metrics", "/nowhere", "/events/99"} {
		resp, _ := get(t, ts.URL+p)
		h := resp.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: Content-Security-Policy %q", p, csp)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", p, got)
		}
		if got := h.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", p, got)
		}
	}
	// The raw body is a download, never a page of this origin.
	resp, data := get(t, ts.URL+"/versions/1/raw")
	if resp.StatusCode != 200 || string(data) != string(bodies[0]) {
		t.Fatalf("raw body: %d, %d bytes, want the %d bytes served", resp.StatusCode, len(data), len(bodies[0]))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("raw body Content-Type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("raw body Content-Disposition %q, want an attachment", cd)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
		t.Errorf("raw body Content-Security-Policy %q, want a sandbox", csp)
	}
	if resp, _ := get(t, ts.URL+"/versions/1/text"); resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("readable text served as %q", resp.Header.Get("Content-Type"))
	}
}

// TestCrossSiteFormsRefused: a state-changing request a browser sends
// from another site is refused, for mounted handlers too, but for those
// whose requests carry their own proof (HandleSigned: a one-click
// unsubscribe a webmail posts from its own origin).
func TestCrossSiteFormsRefused(t *testing.T) {
	r, _ := examplePolicy(t)
	s, err := web.New(web.Config{}, r.DB, web.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	s.HandlePublic("POST /unsubscribe", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "unsubscribed") }))
	s.HandleSigned("/signed", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "done") }))
	ts := httptest.NewServer(s)
	defer ts.Close()
	post := func(site string, path ...string) int {
		p := "/unsubscribe"
		if len(path) > 0 {
			p = path[0]
		}
		req, _ := http.NewRequest(http.MethodPost, ts.URL+p+"?token=x", strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", site)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("cross-site"); got != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", got)
	}
	if got := post("same-origin"); got != http.StatusOK {
		t.Errorf("same-origin POST: %d, want 200", got)
	}
	if got := post("cross-site", "/signed"); got != http.StatusOK {
		t.Errorf("cross-site POST to a signed handler: %d, want 200", got)
	}
}

func TestInvalidAddresses(t *testing.T) {
	r, _ := examplePolicy(t)
	_, ts := r.server(t)
	for _, c := range []struct {
		path string
		want int
	}{
		{"/events/abc", 404}, {"/events/0", 404}, {"/events/-1", 404}, {"/events/007", 404},
		{"/events/99999999999999999999", 404}, {"/events/999", 404}, {"/versions/999", 404},
		{"/versions/999/evidence.zip", 404}, {"/versions/999/raw", 404}, {"/api/versions/999", 404},
		{"/watches/Example", 404}, {"/watches/nobody", 404}, {"/watches/..%2F..%2Fetc", 404},
		{"/watches/example?kind=bogus", 400}, {"/watches/example?severity=bogus", 400},
		{"/watches/example?before=x", 400},
		{"/api/events?limit=0", 400}, {"/api/events?limit=5000", 400}, {"/api/events?kind=bogus", 400},
		{"/api/events?since=yesterday", 400}, {"/api/events?since=30d", 200}, {"/api/events?since=72h&severity=info,critical", 200},
		{"/api/events?severity=high", 400}, {"/api/events?watch=BAD", 400}, {"/api/events?order=up", 400},
		{"/static/../server.go", 404}, {"/static/", 404}, {"/static/nothing.js", 404}, {"/nowhere", 404},
	} {
		resp, body := get(t, ts.URL+c.path)
		if resp.StatusCode != c.want {
			t.Errorf("GET %s: %d, want %d\n%s", c.path, resp.StatusCode, c.want, body)
		}
	}
	resp, body := get(t, ts.URL+"/api/events?kind=bogus")
	var e struct{ Error string }
	if err := json.Unmarshal(body, &e); err != nil || e.Error == "" || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("API error: %s (%v), want a JSON object with an error", body, err)
	}
}

func TestAPI(t *testing.T) {
	r, _ := examplePolicy(t)
	_, ts := r.server(t)
	ctx := context.Background()

	// /api/events: the objects of `events --json`.
	all, err := r.DB.Events(ctx, monitor.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	_, body := get(t, ts.URL+"/api/events")
	var got []monitor.Event
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("/api/events: %v\n%s", err, body)
	}
	gotJSON, _ := json.Marshal(got)
	if string(gotJSON) != string(want) {
		t.Errorf("/api/events:\n%s\nwant the events as `events --json` writes them:\n%s", gotJSON, want)
	}
	if len(got) != 2 || got[1].Analysis == nil || len(got[1].Analysis.Dates) == 0 {
		t.Fatalf("/api/events: %d events, the change without its analysis: %s", len(got), body)
	}

	// Paging: one at a time, newest first, following Link.
	var ids []int64
	next := "/api/events?order=desc&limit=1"
	for i := 0; next != "" && i < 5; i++ {
		resp, body := get(t, ts.URL+next)
		var page []monitor.Event
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			ids = append(ids, e.ID)
		}
		next = ""
		if link := resp.Header.Get("Link"); link != "" {
			next = strings.TrimPrefix(strings.Split(link, ">")[0], "<")
		}
	}
	if fmt.Sprint(ids) != "[2 1]" {
		t.Errorf("paging newest first gave ids %v, want [2 1]", ids)
	}
	// since: a duration back from the server's clock (the last step), as
	// `events --since` takes it, and a time as the view and the commands
	// print it, copied from them.
	for since, want := range map[string]string{"30d": "[2]", "40d": "[1 2]", "2025-05-01": "[2]", "2025-05-01 00:00 UTC": "[2]"} {
		_, body := get(t, ts.URL+"/api/events?since="+url.QueryEscape(since))
		var page []monitor.Event
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatalf("/api/events?since=%s: %v\n%s", since, err, body)
		}
		var ids []int64
		for _, e := range page {
			ids = append(ids, e.ID)
		}
		if fmt.Sprint(ids) != want {
			t.Errorf("/api/events?since=%s: ids %v, want %s", since, ids, want)
		}
	}
	_, body = get(t, ts.URL+"/api/events?kind=baseline&watch=example")
	if err := json.Unmarshal(body, &got); err != nil || len(got) != 1 || got[0].Kind != monitor.KindBaseline {
		t.Errorf("/api/events?kind=baseline: %s", body)
	}

	// /api/watches
	_, body = get(t, ts.URL+"/api/watches")
	var watches []map[string]any
	if err := json.Unmarshal(body, &watches); err != nil || len(watches) != 1 {
		t.Fatalf("/api/watches: %v\n%s", err, body)
	}
	w := watches[0]
	if w["name"] != "example" || w["status"] != "ok" || w["versions"] != 2.0 || w["last_change_severity"] != "critical" || w["current_version"] != 2.0 {
		t.Errorf("/api/watches: %s", body)
	}

	// /api/versions/{id}
	_, body = get(t, ts.URL+"/api/versions/2")
	var v struct {
		ID          int64  `json:"id"`
		Watch       string `json:"watch"`
		Text        string `json:"text"`
		EvidenceURL string `json:"evidence_url"`
		Facts       *struct {
			Dates []struct{ Date string } `json:"dates"`
		} `json:"facts"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	if v.ID != 2 || v.Watch != "example" || !strings.Contains(v.Text, "Effective May 27, 2025") || v.EvidenceURL != "/versions/2/evidence.zip" || v.Facts == nil {
		t.Errorf("/api/versions/2: %s", body)
	}
}

func TestMetrics(t *testing.T) {
	r, _ := examplePolicy(t)
	// A check that fails, for the failure counter.
	r.step(t, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), 503, []byte("down"), nil)
	_, ts := r.server(t)
	families, _ := parseMetrics(t, ts.URL)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"policywatch_checks_total", []string{"watch", "example", "outcome", "baseline"}, 1},
		{"policywatch_checks_total", []string{"watch", "example", "outcome", "changed"}, 1},
		{"policywatch_checks_total", []string{"watch", "example", "outcome", "fetch_error"}, 1},
		{"policywatch_check_failures_total", []string{"watch", "example"}, 1},
		{"policywatch_events_total", []string{"watch", "example", "kind", "change"}, 1},
		{"policywatch_events_total", []string{"watch", "example", "kind", "fetch_error"}, 1},
		{"policywatch_fetch_duration_seconds", []string{"watch", "example"}, 3}, // one attempt per check
		{"policywatch_watch_failing", []string{"watch", "example", "kind", "fetch_error"}, 1},
		{"policywatch_metrics_read_errors", nil, 0},
	} {
		got, ok := seriesValue(families, c.name, c.labels...)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (present: %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if size, ok := seriesValue(families, "policywatch_database_size_bytes"); !ok || size < 4096 {
		t.Errorf("policywatch_database_size_bytes = %v, %v", size, ok)
	}
	if _, ok := families["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}

	// The watch removed from the configuration: its counters stay, its
	// gauges (an episode left open, a last check growing stale) go.
	_, ts = r.server(t, web.WithWatches([]monitor.Watch{{Name: "another", URL: "https://example.org/"}}))
	families, _ = parseMetrics(t, ts.URL)
	if _, ok := seriesValue(families, "policywatch_checks_total", "watch", "example"); !ok {
		t.Error("a removed watch's check counters are gone")
	}
	for _, name := range []string{"policywatch_watch_failing", "policywatch_last_check_timestamp_seconds"} {
		if v, ok := seriesValue(families, name, "watch", "example"); ok {
			t.Errorf("%s{watch=example} = %v for a watch no longer configured", name, v)
		}
	}
}

// parseMetrics fetches /metrics and parses it as Prometheus' text format.
func parseMetrics(t *testing.T, url string) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	resp, body := get(t, url+"/metrics")
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d\n%s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("/metrics Content-Type %q", ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v\n%s", err, body)
	}
	return families, string(body)
}

// seriesValue returns the value of the first series of the family name
// that has the labels given as name, value pairs: a counter's or a
// gauge's value, a histogram's sample count.
func seriesValue(families map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
series:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			if !slices.ContainsFunc(m.Label, func(l *dto.LabelPair) bool {
				return l.GetName() == labels[i] && l.GetValue() == labels[i+1]
			}) {
				continue series
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// TestMetricsEscapesLabelValues: a watch name, from the user's config,
// with a double quote, a backslash and a newline still gives valid text
// carrying the exact name.
func TestMetricsEscapesLabelValues(t *testing.T) {
	const name = "ACME \"Terms\"\\v2\nlegal"
	r := newRig(t, monitor.Watch{Name: name})
	r.step(t, time.Date(2025, 4, 23, 12, 0, 0, 0, time.UTC), 200, []byte("<p>Our terms of service, long enough to be a policy.</p>"), nil)
	_, ts := r.server(t)
	families, body := parseMetrics(t, ts.URL)
	if escaped := `policywatch_check_failures_total{watch="ACME \"Terms\"\\v2\nlegal"} 0`; !strings.Contains(body, escaped) {
		t.Errorf("no %s in\n%s", escaped, body)
	}
	for _, family := range []string{"policywatch_checks_total", "policywatch_check_failures_total", "policywatch_events_total",
		"policywatch_fetch_duration_seconds", "policywatch_last_check_timestamp_seconds", "policywatch_watch_failing"} {
		f, ok := families[family]
		if !ok || len(f.Metric) == 0 {
			t.Errorf("%s missing", family)
			continue
		}
		for _, m := range f.Metric {
			found := false
			for _, l := range m.Label {
				if l.GetName() == "watch" {
					found = true
					if l.GetValue() != name {
						t.Errorf("%s{watch=%q}, want %q", family, l.GetValue(), name)
					}
				}
			}
			if !found {
				t.Errorf("%s: a series without the watch label", family)
			}
		}
	}
	if f := families["policywatch_fetch_duration_seconds"]; f == nil || len(f.Metric) != 1 {
		t.Errorf("policywatch_fetch_duration_seconds: %v, want one series", f)
	} else {
		h := f.Metric[0].Histogram
		if h.GetSampleCount() != 1 || len(h.Bucket) != 10 || h.Bucket[8].GetUpperBound() != 60 || h.Bucket[8].GetCumulativeCount() != 1 {
			t.Errorf("policywatch_fetch_duration_seconds: %v", h)
		}
	}
}

// metricsReader fails to read the events, and records the context of
// each read.
type metricsReader struct {
	web.Reader
	deadlines []time.Duration // left before each read's deadline; -1 none
}

func (m *metricsReader) note(ctx context.Context) {
	left := time.Duration(-1)
	if d, ok := ctx.Deadline(); ok {
		left = time.Until(d)
	}
	m.deadlines = append(m.deadlines, left)
}

func (m *metricsReader) CheckCounts(ctx context.Context) (map[string]map[monitor.Outcome]int64, error) {
	m.note(ctx)
	return map[string]map[monitor.Outcome]int64{"b": {monitor.OutcomeUnchanged: 7}, "a": {monitor.OutcomeFetchError: 2, monitor.OutcomeBaseline: 1}}, nil
}

func (m *metricsReader) EventCounts(ctx context.Context) (map[string]map[monitor.EventKind]int64, error) {
	m.note(ctx)
	return nil, errors.New("disk on fire")
}

func (m *metricsReader) FetchLatency(ctx context.Context) ([]time.Duration, map[string][]uint64, map[string]time.Duration, error) {
	m.note(ctx)
	bounds := []time.Duration{100 * time.Millisecond, time.Second, time.Minute}
	counts := []uint64{2, 1, 0, 1} // 0.05 s, 0.05 s, 0.7 s, 90 s
	return bounds, map[string][]uint64{"a": counts}, map[string]time.Duration{"a": 90800 * time.Millisecond}, nil
}

func (m *metricsReader) Size(ctx context.Context) (int64, error) { m.note(ctx); return 1 << 20, nil }

func (m *metricsReader) DiskSize() (int64, error) { return 1 << 20, nil }

func (m *metricsReader) NotificationCounts(ctx context.Context) (map[string]map[string]int64, error) {
	m.note(ctx)
	return map[string]map[string]int64{"failed": {"email": 3}}, nil
}

func (m *metricsReader) Watches(ctx context.Context) ([]monitor.WatchSummary, error) {
	m.note(ctx)
	return []monitor.WatchSummary{
		{Name: "b"},
		{Name: "a", LastCheck: time.Unix(1748736000, 500e6), Episode: &monitor.Episode{Kind: monitor.KindAnomaly}},
	}, nil
}

// TestMetricsReadError: a figure that cannot be read is logged, its
// family left out, and policywatch_metrics_read_errors is 1; the others
// are still served, read with a 20 s deadline.
func TestMetricsReadError(t *testing.T) {
	reader := &metricsReader{}
	var logged strings.Builder
	s, err := web.New(web.Config{}, reader, web.WithLogger(slog.New(slog.NewTextHandler(&logged, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	families, _ := parseMetrics(t, ts.URL)
	if !strings.Contains(logged.String(), "disk on fire") {
		t.Errorf("the read error is not logged: %q", logged.String())
	}
	if _, ok := families["policywatch_events_total"]; ok {
		t.Error("policywatch_events_total served though it could not be read")
	}
	if len(reader.deadlines) != 5 {
		t.Errorf("%d reads, want 5", len(reader.deadlines))
	}
	for _, left := range reader.deadlines {
		if left <= 0 || left > 20*time.Second {
			t.Errorf("a read with %v left before its deadline, want a 20 s deadline", left)
		}
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"policywatch_metrics_read_errors", nil, 1},
		{"policywatch_checks_total", []string{"watch", "a", "outcome", "baseline"}, 1},
		{"policywatch_checks_total", []string{"watch", "b", "outcome", "unchanged"}, 7},
		{"policywatch_check_failures_total", []string{"watch", "a"}, 2},
		{"policywatch_check_failures_total", []string{"watch", "b"}, 0},
		{"policywatch_database_size_bytes", nil, 1 << 20},
		{"policywatch_notifications", []string{"state", "failed", "channel", "email"}, 3},
		{"policywatch_notifications", []string{"state", "pending", "channel", "webhook"}, 0},
		{"policywatch_last_check_timestamp_seconds", []string{"watch", "a"}, 1748736000.5},
		{"policywatch_watch_failing", []string{"watch", "a", "kind", "anomaly"}, 1},
		{"policywatch_watch_failing", []string{"watch", "a", "kind", "fetch_error"}, 0},
		{"policywatch_watch_failing", []string{"watch", "b", "kind", "anomaly"}, 0},
	} {
		if got, ok := seriesValue(families, c.name, c.labels...); !ok || got != c.want {
			t.Errorf("%s%v = %v (present: %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if f := families["policywatch_last_check_timestamp_seconds"]; f != nil && len(f.Metric) != 1 {
		t.Errorf("policywatch_last_check_timestamp_seconds: %d series, want 1 (b was never checked)", len(f.Metric))
	}
	f := families["policywatch_fetch_duration_seconds"]
	if f == nil || f.GetType() != dto.MetricType_HISTOGRAM || len(f.Metric) != 1 {
		t.Fatalf("policywatch_fetch_duration_seconds: %v", f)
	}
	h := f.Metric[0].Histogram
	if h.GetSampleCount() != 4 || h.GetSampleSum() != 90.8 {
		t.Errorf("histogram count %d sum %v, want 4 and 90.8", h.GetSampleCount(), h.GetSampleSum())
	}
	// The reader's bounds, whatever they are.
	var cumulative []uint64
	var bounds []float64
	for _, b := range h.Bucket {
		cumulative = append(cumulative, b.GetCumulativeCount())
		bounds = append(bounds, b.GetUpperBound())
	}
	if want := []uint64{2, 3, 3, 4}; !slices.Equal(cumulative, want) { // the last, +Inf
		t.Errorf("cumulative bucket counts %v, want %v", cumulative, want)
	}
	if want := []float64{0.1, 1, 60, math.Inf(1)}; !slices.Equal(bounds, want) {
		t.Errorf("bucket bounds %v, want %v", bounds, want)
	}
	if _, ok := families["process_resident_memory_bytes"]; !ok {
		t.Error("no process metrics")
	}
}

func TestHealthz(t *testing.T) {
	r, _ := examplePolicy(t)
	_, ts := r.server(t)
	if resp, body := get(t, ts.URL+"/healthz"); resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Errorf("/healthz: %d %q", resp.StatusCode, body)
	}
	r.DB.Close()
	if resp, _ := get(t, ts.URL+"/healthz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/healthz with the database closed: %d, want 503", resp.StatusCode)
	}
}

// TestServeShutsDownGracefully: a request in flight when the context ends
// still gets its answer, and Serve returns nil.
func TestServeShutsDownGracefully(t *testing.T) {
	r, _ := examplePolicy(t)
	s, err := web.New(web.Config{}, r.DB, web.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	s.Handle("GET /slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			answer <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answer <- string(b)
	}()
	<-started
	cancel()
	time.Sleep(50 * time.Millisecond) // let Shutdown close the listener
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the listener still accepts connections after the context ended")
	}
	close(release)
	if got := <-answer; got != "done" {
		t.Errorf("the request in flight got %q, want done", got)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func openStore(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "policywatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWrongMethods: a page or a mounted handler asked with a method it
// does not serve is 405 with Allow, not "not found"; a path nothing serves
// is 404. (What the real feeds answer is notify's to test.)
func TestWrongMethods(t *testing.T) {
	r, _ := examplePolicy(t)
	s, ts := r.server(t)
	s.Handle("GET /feeds/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<feed>") })) // as mountNotifier
	for _, c := range []struct {
		method, path string
		want         int
		says         string
	}{
		{http.MethodPost, "/feeds/all.atom", 405, "GET"},
		{http.MethodPut, "/feeds/watch/example.atom", 405, "GET"},
		{http.MethodPost, "/versions/1", 405, "GET"},
		{http.MethodDelete, "/api/events", 405, "GET"},
		{http.MethodPost, "/nowhere", 404, "no page"},
		{http.MethodGet, "/feeds/all.atom", 200, "<feed"},
		{http.MethodHead, "/versions/1", 200, ""},
	} {
		req, err := http.NewRequest(c.method, ts.URL+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want || !strings.Contains(string(body), c.says) {
			t.Errorf("%s %s: %d, want %d saying %q\n%.300s", c.method, c.path, resp.StatusCode, c.want, c.says, body)
		}
		if c.want == 405 && resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s %s: Allow %q, want GET, HEAD", c.method, c.path, resp.Header.Get("Allow"))
		}
	}
}
