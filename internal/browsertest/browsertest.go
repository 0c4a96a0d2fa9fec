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
)

// Allocator starts a Chromium with a fresh profile, stopped when the test
// ends, and returns the context to open tabs in (chromedp.NewContext).
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
	}
	ctx, cancel := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	t.Cleanup(cancel)
	return ctx
}
