package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/policywatch/policywatch/internal/browsertest"
	"github.com/policywatch/policywatch/monitor"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// demoRun is `policywatch demo` running in-process, until stop.
type demoRun struct {
	url, critical string // the web view, and the first critical change's page
	mu            sync.Mutex
	out           strings.Builder
	done          chan error
	stop          context.CancelFunc
}

// startDemo runs the demo and waits (at most 60 s, the budget for
// a newcomer) until it prints the web view's address.
func startDemo(t *testing.T) *demoRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	d := &demoRun{done: make(chan error, 1), stop: cancel}
	go func() {
		err := run(ctx, []string{"demo"}, strings.NewReader(""), pw, io.Discard, func(string) string { return "" })
		pw.CloseWithError(io.EOF)
		d.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		pr.Close()
		<-d.done
	})
	urls := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		var web string
		for sc.Scan() {
			line := sc.Text()
			d.mu.Lock()
			d.out.WriteString(line + "\n")
			d.mu.Unlock()
			if u, ok := strings.CutPrefix(line, "The web view of this history: "); ok {
				web = u
			}
			if u, ok := strings.CutPrefix(line, "The first critical change, with its diff and analysis: "); ok {
				urls <- [2]string{web, u}
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case u := <-urls:
		d.url, d.critical = u[0], u[1]
	case err := <-d.done:
		t.Fatalf("demo ended before serving: %v\n%s", err, d.output())
	case <-time.After(60 * time.Second):
		t.Fatalf("demo did not serve its web view within 60 s:\n%s", d.output())
	}
	return d
}

func (d *demoRun) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

// TestDemoReplay: the demo's replay finds what its story says, day by day,
// and its web view answers with that history; Ctrl-C ends it cleanly.
func TestDemoReplay(t *testing.T) {
	start := time.Now()
	d := startDemo(t)
	t.Logf("demo served its web view after %s", time.Since(start).Round(time.Millisecond))
	out := d.output()
	// The story as the newcomer reads it, up to the web view's address
	// (the ports vary).
	story, _, _ := strings.Cut(out, "\nThe web view of this history:")
	story = regexp.MustCompile(`http://127\.0\.0\.1:\d+`).ReplaceAllString(story, "http://127.0.0.1:PORT") + "\n"
	golden := filepath.Join("testdata", "demo.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(story), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want, err := os.ReadFile(golden); err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	} else if story != string(want) {
		t.Errorf("demo story differs from %s (run with -update if intended):\n%s", golden, story)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^Day 1, Mon 14 Apr 2025 .*\n  kestrel-privacy +baseline .*\n  kestrel-privacy-fr +baseline `),
		regexp.MustCompile(`(?m)^Day 2, .*\n  kestrel-privacy +unchanged\n  kestrel-privacy-fr +unchanged\n`),
		regexp.MustCompile(`(?m)^  kestrel-privacy +change +critical .*Purpose added: AI training\..*Effective date 1 Mar 2025 → 27 May 2025\.`),
		regexp.MustCompile(`(?m)^  kestrel-privacy-fr +change +critical .*Purpose added: AI training\.`),
		regexp.MustCompile(`(?m)^  kestrel-privacy +change +critical .*AI training starts none → 27 May 2025\. Deadline none → 26 May 2025\.`),
		regexp.MustCompile(`(?m)^  kestrel-privacy-fr +change +critical .*AI training starts none → 27 May 2025\. Deadline none → 26 May 2025\.`),
		regexp.MustCompile(`(?m)^  kestrel-privacy +change +critical .*AI training starts 27 May 2025 → 26 Jun 2025\. Effective date 27 May 2025 → 26 Jun 2025\.`),
		regexp.MustCompile(`(?m)^  kestrel-privacy-fr +change +critical .*AI training starts 27 May 2025 → 26 Jun 2025\. Effective date 27 May 2025 → 26 Jun 2025\.`),
		regexp.MustCompile(`(?m)^Day 6, .*\n  kestrel-privacy +anomaly +notable .*error_page.*\n  kestrel-privacy-fr +unchanged\n`),
		regexp.MustCompile(`(?m)^Day 7, .*\n  kestrel-privacy +recovered `),
	} {
		if !want.MatchString(out) {
			t.Errorf("demo output lacks %s:\n%s", want, out)
		}
	}

	resp, err := http.Get(d.url + "api/events?watch=kestrel-privacy")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/events: %s\n%s", resp.Status, body)
	}
	var found bool
	for _, line := range strings.Split(string(body), "\n") {
		var e monitor.Event
		if json.Unmarshal([]byte(line), &e) != nil || e.Analysis == nil {
			continue
		}
		if e.Severity == monitor.SeverityCritical && slices.Contains(e.Analysis.PurposesAdded, "ai_training") {
			found = true
		}
	}
	if !found && !strings.Contains(string(body), `"ai_training"`) {
		t.Errorf("the API shows no critical AI-training change:\n%s", body)
	}

	d.stop()
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("demo stopped with %v", err)
		}
		d.done <- nil // for the cleanup
	case <-time.After(15 * time.Second):
		t.Fatal("demo did not stop within 15 s of Ctrl-C")
	}
}

// TestDemoInBrowser opens the demo's web view in headless Chromium, as a
// newcomer would, and sees the critical AI-training change and the moved
// effective date, within 60 s of starting the demo.
func TestDemoInBrowser(t *testing.T) {
	allocCtx := browsertest.Allocator(t)
	start := time.Now()
	d := startDemo(t)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	ctx, cancel := context.WithDeadline(ctx, start.Add(60*time.Second))
	defer cancel()

	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s (%s after start): %v", what, time.Since(start).Round(time.Millisecond), err)
		}
	}
	text := func(sel chromedp.CSS) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return v
	}
	critical := chromedp.Search(`//ol[@class="events"]//a[contains(., "Purpose added: AI training")]`)

	do("open the overview", chromedp.Navigate(d.url), chromedp.WaitVisible(chromedp.CSS("main")))
	overview := text("main")
	// The newcomer follows the watch's link to its timeline…
	do("open the timeline", chromedp.Click(chromedp.CSS(`a[href="/watches/kestrel-privacy"]`)), chromedp.WaitVisible(chromedp.CSS("ol.events")))
	timeline := text("main")
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(critical, "href"))
	if err != nil {
		t.Fatalf("find the critical change's link: %v", err)
	}
	// …and from there the critical change.
	do("open the critical change", chromedp.Click(critical), chromedp.WaitVisible(chromedp.ID("summary")))
	event := text("main")
	t.Logf("saw the critical change in Chromium %s after starting the demo", time.Since(start).Round(time.Millisecond))

	for _, want := range []string{"kestrel-privacy", "kestrel-privacy-fr"} {
		if !strings.Contains(overview, want) {
			t.Errorf("overview lacks %q:\n%s", want, overview)
		}
	}
	for _, want := range []string{"Purpose added: AI training", "Effective date 27 May 2025 → 26 Jun 2025", "Deadline none → 26 May 2025", "error_page"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("timeline lacks %q:\n%s", want, timeline)
		}
	}
	if !href.Exists || !strings.HasSuffix(d.critical, href.Value) {
		t.Errorf("the demo pointed at %s, the timeline's critical change is %q", d.critical, href.Value)
	}
	lower := strings.ToLower(event)
	for _, want := range []string{"critical", "ai training", "27 may 2025", "1 mar 2025", "train and improve our artificial intelligence models"} {
		if !strings.Contains(lower, want) {
			t.Errorf("the critical change's page lacks %q:\n%s", want, event)
		}
	}
}

// TestDemoRefusesWhatDoesNotApply: --db and --config are refused (the demo
// writes a made-up history into a temporary database, and used to ignore
// them silently), and a taken port is said before the week is replayed.
func TestDemoRefusesWhatDoesNotApply(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{{"demo", "--db", filepath.Join(t.TempDir(), "real.db")}, {"demo", "--config", "policywatch.yaml"}} {
		var ue usageError
		want := "demo does not read " + args[1] + ": the demo watches a made-up policy into a temporary database"
		if _, _, err := c.run(args...); !errors.As(err, &ue) || err.Error() != want {
			t.Errorf("%v: %v, want a usage error saying %q", args, err, want)
		}
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	out, _, err := c.run("demo", "--listen", taken.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "listen on") {
		t.Errorf("demo on a taken port: %v, want a listen error", err)
	}
	if out != "" {
		t.Errorf("demo on a taken port replayed before failing:\n%s", out)
	}
}

// TestDemoEvidenceIsDatedOnItsDay: the demo's evidence bundles give the
// response's Date on the day the replay fetched it, as a server would;
// they gave the real day the demo ran, more than a year after the fetch
// time their manifest gives, which read as evidence that does not hold.
func TestDemoEvidenceIsDatedOnItsDay(t *testing.T) {
	d := startDemo(t)
	resp, err := http.Get(d.url + "versions/1/evidence.zip")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /versions/1/evidence.zip: %s\n%s", resp.Status, body)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[filepath.Base(f.Name)] = string(b)
	}
	var manifest struct {
		Response struct {
			FetchedAt time.Time `json:"fetched_at"`
		} `json:"response"`
	}
	if err := json.Unmarshal([]byte(files["manifest.json"]), &manifest); err != nil || manifest.Response.FetchedAt.IsZero() {
		t.Fatalf("manifest.json: %v\n%s", err, files["manifest.json"])
	}
	m := regexp.MustCompile(`(?m)^Date: (.+?)\r?$`).FindStringSubmatch(files["response-headers.txt"])
	if m == nil {
		t.Fatalf("response-headers.txt has no Date:\n%s", files["response-headers.txt"])
	}
	date, err := http.ParseTime(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if !date.Equal(manifest.Response.FetchedAt.Truncate(time.Second)) {
		t.Errorf("the demo's evidence: Date %s, fetched at %s", date.UTC(), manifest.Response.FetchedAt)
	}
}
