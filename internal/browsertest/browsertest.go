// Package browsertest starts the headless Chromium that end-to-end tests
// drive, with the flags this kind of machine needs, or skips the test
// loudly when there is none (.ci/run installs Debian's chromium).
//
// It is test support only: no production package imports it.
package browsertest

import (
	"context"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/policywatch/policywatch/monitor/browser"
)

// startAttempts is how many times Allocator starts Chromium: on a loaded
// machine (CI runs every package's tests at once) Debian's Chromium
// sometimes crashes while starting, which is not what a test tests.
const startAttempts = 3

// Allocator starts a Chromium with a fresh profile, stopped when the test
// ends, and returns the context of its first tab, to open tabs beside
// (chromedp.NewContext).
// extra options are added to the defaults (window size, environment…).
func Allocator(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skipf("SKIPPED: NO CHROMIUM ON PATH, NOTHING IS TESTED IN A BROWSER (apt-get install -y chromium): %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		// The machine's network is closed: without these, Chromium's own
		// background connections fail by the dozen.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The profile's own calls to Google that no switch turns off
		// (the sign-in check, GCM's device check-in), sent to a closed
		// port as monitor/browser does: on a CI with a network, the
		// tests' Chromium would otherwise reach Google.
		chromedp.Flag("gaia-url", "http://127.0.0.1:0/"),
		chromedp.Flag("gcm-checkin-url", "http://127.0.0.1:0/checkin"),
		chromedp.Flag("gcm-registration-url", "http://127.0.0.1:0/register"),
		chromedp.Flag("gcm-mcs-endpoint", "https://127.0.0.1:0"),
	}
	opts = append(opts, extra...)
	for attempt := 1; ; attempt++ {
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
		err := chromedp.Do(browserCtx) // starts the browser, with a first tab
		if err == nil {
			t.Cleanup(func() {
				cancelBrowser()
				cancelAlloc()
			})
			return browserCtx
		}
		cancelBrowser()
		cancelAlloc()
		if attempt == startAttempts || !browser.ExitedWhileStarting(err) {
			t.Fatalf("starting Chromium (attempt %d): %v", attempt, err)
		}
		t.Logf("Chromium crashed while starting (attempt %d of %d), starting it again: %v", attempt, startAttempts, err)
	}
}
