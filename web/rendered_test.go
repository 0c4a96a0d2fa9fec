package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/browser"
)

// TestRenderedBodyIsNotCalledTheServersBytes: a page fetched by Chromium
// (fetcher browser, or auto on a site that refuses plain HTTP) is kept as
// the document the browser rendered — its DOM after the scripts ran — not
// the bytes the server sent. The version page and the evidence bundle say
// so, and say which browser; neither calls it the raw response "exactly
// as the server sent it", which a journalist would repeat as proof.
func TestRenderedBodyIsNotCalledTheServersBytes(t *testing.T) {
	if _, err := exec.LookPath("chromium"); err != nil {
		t.Skipf("SKIPPED: NO CHROMIUM ON PATH, NOTHING IS TESTED IN A BROWSER (apt-get install -y chromium): %v", err)
	}
	// The policy is written by the page's script, as on React sites.
	served := []byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Privacy Policy</title></head><body><main id="policy"></main>
<script>
document.getElementById("policy").innerHTML = "<h1>Privacy Policy</h1>" +
  "<p>Effective June 26, 2024.</p>" +
  "<p>We collect the posts, photos and comments you share and information about your device, and we use it to provide, personalise and improve our services.</p>".repeat(8);
</script></body></html>`)
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}, Fetcher: monitor.FetcherBrowser})
	b := browser.New(browser.Options{Timeout: 20 * time.Second, IdleTimeout: time.Minute, NetworkIdleCap: 2 * time.Second}, quiet())
	t.Cleanup(func() { b.Close() })
	r.Checker = monitor.NewChecker(nil, r.DB, monitor.WithClock(r.Clock.Now), monitor.WithLogger(quiet()), monitor.WithRenderer(b))
	res := r.step(t, time.Date(2025, 4, 23, 12, 0, 0, 0, time.UTC), 200, served, http.Header{"Content-Type": {"text/html; charset=utf-8"}})
	if res.Outcome != monitor.OutcomeBaseline || res.Fetcher != monitor.FetcherBrowser {
		t.Fatalf("outcome %s by %s (%v); want a baseline by the browser", res.Outcome, res.Fetcher, res.Err)
	}
	_, ts := r.server(t)

	raw := mustGet(t, ts.URL+"/versions/1/raw")
	if bytes.Equal(raw, served) || !bytes.Contains(raw, []byte("Effective June 26, 2024.")) {
		t.Fatalf("the body kept is not the rendered document; the test is about one that is")
	}
	html := string(mustGet(t, ts.URL+"/versions/1"))
	if strings.Contains(html, "Raw response (download)") || !strings.Contains(html, "Rendered page (download)") {
		t.Errorf("the version page offers the rendered document as the raw response")
	}
	ver, err := r.DB.Version(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	body, err := r.DB.Body(t.Context(), ver.BodyID)
	if err != nil {
		t.Fatal(err)
	}
	if body.Agent == "" || body.Agent == monitor.FetcherHTTP {
		t.Fatalf("the body kept says it was fetched by %q; want the browser", body.Agent)
	}
	if !strings.Contains(html, "<dt>Fetched by</dt><dd><bdi>"+body.Agent+"</bdi> <span class=\"muted\">(a browser:") {
		t.Errorf("the version page does not say which browser rendered the page")
	}
	files := unzip(t, mustGet(t, ts.URL+"/versions/1/evidence.zip"))
	readme := string(files["README.txt"])
	if strings.Contains(readme, "exactly as the server sent it") || !strings.Contains(readme, "NOT the bytes the server sent") || !strings.Contains(readme, body.Agent+" rendered it") {
		t.Errorf("the bundle's README describes the rendered document as the server's bytes:\n%s", readme)
	}
	if !bytes.Equal(files["response-body.bin"], raw) {
		t.Errorf("the bundle's body is not the one kept")
	}
}

// TestRenderedAnomalyIsNotCalledTheRawBytes: an anomaly's page links the
// page served instead of the policy; when a browser fetched it, what is
// kept is the document it rendered, and the link says so rather than
// "the raw bytes".
func TestRenderedAnomalyIsNotCalledTheRawBytes(t *testing.T) {
	if _, err := exec.LookPath("chromium"); err != nil {
		t.Skipf("SKIPPED: NO CHROMIUM ON PATH, NOTHING IS TESTED IN A BROWSER (apt-get install -y chromium): %v", err)
	}
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}, Fetcher: monitor.FetcherBrowser})
	b := browser.New(browser.Options{Timeout: 20 * time.Second, IdleTimeout: time.Minute, NetworkIdleCap: 2 * time.Second}, quiet())
	t.Cleanup(func() { b.Close() })
	r.Checker = monitor.NewChecker(nil, r.DB, monitor.WithClock(r.Clock.Now), monitor.WithLogger(quiet()), monitor.WithRenderer(b))
	header := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	policy := []byte(`<!DOCTYPE html><html lang="en"><head><title>Privacy Policy</title></head><body><main id="policy"><h1>Privacy Policy</h1>` +
		strings.Repeat("<p>We collect the posts, photos and comments you share and information about your device, and we use it to provide, personalise and improve our services.</p>", 8) +
		`</main></body></html>`)
	r.step(t, time.Date(2025, 4, 23, 12, 0, 0, 0, time.UTC), 200, policy, header)
	errorPage := []byte(`<!DOCTYPE html><html lang="en"><head><title>Error</title></head><body><main id="policy"><h1>Sorry, something went wrong.</h1><p>We're working on it and we'll get it fixed as soon as we can.</p></main></body></html>`)
	res := r.step(t, time.Date(2025, 4, 24, 12, 0, 0, 0, time.UTC), 200, errorPage, header)
	anomaly, err := r.DB.Event(t.Context(), eventOf(t, res, monitor.KindAnomaly).ID)
	if err != nil {
		t.Fatal(err)
	}
	if anomaly.BodyID == 0 {
		t.Fatalf("the anomaly kept no page; the test is about one that did")
	}
	_, ts := r.server(t)
	html := string(mustGet(t, fmt.Sprintf("%s/events/%d", ts.URL, anomaly.ID)))
	link := between(html, `<p class="actions">`, `</p>`)
	if link == "" || strings.Contains(link, "raw bytes") || !strings.Contains(link, "rendered") {
		t.Errorf("the anomaly's page describes the rendered document as %q", link)
	}
}
