package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/replaytest"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/web"
)

// rig is the daemon's code path pointed at a local page server, with the
// web view over the same database.
type rig struct{ *replaytest.Rig }

func newRig(t testing.TB, watch monitor.Watch) *rig { return &rig{replaytest.NewRig(t, watch)} }

// step serves body at time at and runs one check.
func (r *rig) step(t testing.TB, at time.Time, status int, body []byte, header http.Header) *monitor.Result {
	t.Helper()
	return r.Step(t, at, status, body, header)
}

// server returns the web view of the rig's database, served over HTTP on
// loopback.
func (r *rig) server(t testing.TB, opts ...web.Option) (*web.Server, *httptest.Server) {
	t.Helper()
	opts = append([]web.Option{
		web.WithLogger(quiet()), web.WithNotFound(store.ErrNotFound),
		web.WithWatches([]monitor.Watch{r.Watch}), web.WithClock(r.Clock.Now),
	}, opts...)
	s, err := web.New(web.Config{}, r.DB, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

var quiet = replaytest.Quiet

// get fetches url with the header fields given as name, value pairs
// ("Host" sets the request's Host) and returns the response and its body.
func get(t testing.TB, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" { // the client sends req.Host, not the field
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// mustGet returns the body of a 200 answer to GET url.
func mustGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, body := get(t, url)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return body
}

// eventOf returns the first event of kind in res.
func eventOf(t testing.TB, res *monitor.Result, kind monitor.EventKind) monitor.Event {
	t.Helper()
	for _, e := range res.Events {
		if e.Kind == kind {
			return e
		}
	}
	t.Fatalf("no %s event among %v", kind, res.Events)
	return monitor.Event{}
}
