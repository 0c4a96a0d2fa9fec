package browser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// startTimeout bounds starting Chromium; it normally takes well under a
// second, and a caller whose context ends sooner stops waiting anyway.
const startTimeout = 30 * time.Second

// closeTimeout bounds the graceful close of Chromium before it is killed.
const closeTimeout = 5 * time.Second

// execCandidates are tried in order on PATH when Options.ExecPath is empty.
var execCandidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// session is one Chromium process and the chromedp contexts that own it.
type session struct {
	opts Options
	log  *slog.Logger

	// ready is closed when start has finished; err, pid, version and the
	// contexts below are set before, and read only after.
	ready   chan struct{}
	err     error
	pid     int
	version string

	home          string             // $HOME of the process, removed with it
	cancelBase    context.CancelFunc // kills the process, waits for nothing
	allocCancel   context.CancelFunc // kills the process and waits until its profile is removed
	ctx           context.Context    // the browser's chromedp context; done when the process is gone
	browserCancel context.CancelFunc

	stopping atomic.Bool // shutdown has begun: an exit is expected
	stopOnce sync.Once
	stopErr  error
}

func newSession(opts Options, log *slog.Logger) *session {
	return &session{opts: opts, log: log, ready: make(chan struct{})}
}

// started reports whether start has finished, successfully or not.
func (s *session) started() bool {
	select {
	case <-s.ready:
		return true
	default:
		return false
	}
}

// failed reports whether the session did start and is now unusable: the
// start failed, or the browser process has exited since.
func (s *session) failed() bool {
	return s.started() && (s.err != nil || s.ctx.Err() != nil)
}

// start launches Chromium and connects to it. It closes s.ready when done.
func (s *session) start() {
	defer close(s.ready)
	path, err := findExec(s.opts.ExecPath)
	if err != nil {
		s.err = err
		return
	}
	for attempt := 1; ; attempt++ {
		err := s.launch(path)
		if err == nil {
			return
		}
		if attempt == startAttempts || !ExitedWhileStarting(err) {
			s.err = err
			return
		}
		s.log.Warn("browser: Chromium exited while starting; starting it again", "attempt", attempt, "err", err)
	}
}

// ExitedWhileStarting reports whether err is chromedp's for a Chromium
// process that exited before it could be driven (it says so only in
// words: "chrome failed to start", followed by what the process printed).
func ExitedWhileStarting(err error) bool {
	return err != nil && strings.Contains(err.Error(), "chrome failed to start")
}

// startAttempts is how many times start launches Chromium when it exits
// while starting (chromedp: "chrome failed to start"), as Debian's
// Chromium 148 now and then does on a loaded machine: without a second
// attempt, every browser watch due then would fail its check.
const startAttempts = 2

// launch starts Chromium at path and connects to it; on failure it leaves
// nothing behind.
func (s *session) launch(path string) error {
	begin := time.Now()
	// Chromium writes outside its --user-data-dir too: a crash report
	// database under $XDG_CONFIG_HOME, dconf and NSS files under $HOME.
	// A home of its own keeps all of that in one place that goes with it.
	home, err := os.MkdirTemp("", "policywatch-chromium-home-")
	if err != nil {
		return fmt.Errorf("browser: %w", err)
	}
	s.home = home

	// The process lives as long as base: chromedp ties it to the context
	// of the first Run, so that context must not carry a deadline.
	base, cancelBase := context.WithCancel(context.Background())
	allocCtx, allocCancel := chromedp.NewExecAllocator(base, s.allocatorOptions(path, home)...)
	ctx, browserCancel := chromedp.NewContext(allocCtx,
		chromedp.WithLogf(func(format string, args ...any) {
			s.log.Debug("browser: chromedp: " + fmt.Sprintf(format, args...))
		}),
		chromedp.WithErrorf(func(format string, args ...any) {
			s.log.Warn("browser: chromedp: " + fmt.Sprintf(format, args...))
		}),
	)
	s.cancelBase, s.allocCancel, s.ctx, s.browserCancel = cancelBase, allocCancel, ctx, browserCancel

	// A Chromium that hangs while starting is killed after startTimeout.
	timer := time.AfterFunc(startTimeout, cancelBase)
	err = chromedp.Do(ctx) // starts the process and attaches to its first tab
	if !timer.Stop() && err == nil {
		err = fmt.Errorf("not ready within %v", startTimeout)
	}
	var version browser.GetVersionResult
	if err == nil {
		version, err = chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
	}
	if err != nil {
		s.kill()
		return fmt.Errorf("browser: starting %s: %w", path, err)
	}
	if p := chromedp.FromContext(ctx).Browser.Process(); p != nil {
		s.pid = p.Pid
	}
	s.version = version.Product
	s.log.Info("browser: Chromium started", "pid", s.pid, "version", s.version, "path", path,
		"took", time.Since(begin).Round(time.Millisecond))
	go func() {
		<-ctx.Done()
		if !s.stopping.Load() {
			s.log.Warn("browser: Chromium exited unexpectedly; the next Render starts a new one", "pid", s.pid)
		}
	}()
	return nil
}

// allocatorOptions are Chromium's command line. chromedp's defaults are not
// used: among other things they turn the popup blocker off, and a hostile
// page would get its popups.
func (s *session) allocatorOptions(path, home string) []chromedp.ExecAllocatorOption {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Env("HOME="+home,
			"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
			"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
			"XDG_DATA_HOME="+filepath.Join(home, ".local", "share")),
		chromedp.Headless, // also hides scrollbars and mutes audio
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1366, 900), // a laptop: the desktop layout
		chromedp.Flag("disable-gpu", true),
		// Nothing but the pages we ask for goes on the network: no
		// updates, sync, safe-browsing lists, metrics or QUIC probes (on a
		// closed network their failures pile up). Chromium 148 also
		// connects from each render's browser context to www.google.com
		// (PreconnectToSearch, AimEnabled's eligibility request), through
		// the render's proxy; TestRenderConnectsOnlyThroughDial catches
		// the next such feature, and TestChromiumMakesNoConnectionOfItsOwn
		// the next one that connects from the profile, past the proxy.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints,InterestFeedContentSuggestions,AutofillServerCommunication,AimEnabled,PreconnectToSearch,NetworkTimeServiceQuerying"),
		// The profile asks Google's accounts service who is signed in
		// (ListAccounts) when it starts, and no switch turns that off:
		// sent to a port no connection can be made to instead (port 0:
		// Chromium fails the request with ERR_UNSAFE_PORT before it
		// opens a socket).
		chromedp.Flag("gaia-url", "http://127.0.0.1:0/"),
		// Google Cloud Messaging (push messages to the profile) checks
		// the device in with android.clients.google.com about 3 s after
		// the browser starts, and again after a backoff, and would then
		// register with it and hold a connection to mtalk.google.com;
		// no switch turns GCM off, and these connections are the
		// profile's, not a render's: they do not go through its proxy.
		// Its three addresses are the closed port too: Chromium's net log
		// then shows no connection, name or datagram of its own
		// (TestChromiumMakesNoConnectionOfItsOwn).
		chromedp.Flag("gcm-checkin-url", "http://127.0.0.1:0/checkin"),
		chromedp.Flag("gcm-registration-url", "http://127.0.0.1:0/register"),
		chromedp.Flag("gcm-mcs-endpoint", "https://127.0.0.1:0"),
		// Nothing installed or remembered.
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("deny-permission-prompts", true),
		// Images are irrelevant to the text and the costliest to load.
		chromedp.Flag("blink-settings", "imagesEnabled=false"),
		// Every tab has its own window; none may be throttled as if in
		// the background.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-hang-monitor", true),
		// /dev/shm is tiny in many containers, and Chromium crashes when
		// it fills up.
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	if s.opts.netLog != "" {
		opts = append(opts, chromedp.Flag("log-net-log", s.opts.netLog))
	}
	if s.opts.UserAgent != "" {
		opts = append(opts, chromedp.UserAgent(s.opts.UserAgent))
	}
	// chromedp adds a fresh temporary --user-data-dir (removed when the
	// process ends), --remote-debugging-pipe, and --no-sandbox when
	// running as root.
	return opts
}

// findExec resolves Options.ExecPath, or looks for a Chromium on PATH.
func findExec(path string) (string, error) {
	if path != "" {
		found, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("browser: %v: %w", err, ErrNoBrowser)
		}
		return found, nil
	}
	for _, name := range execCandidates {
		if found, err := exec.LookPath(name); err == nil {
			return found, nil
		}
	}
	return "", fmt.Errorf("browser: looked for %s on PATH: %w", strings.Join(execCandidates, ", "), ErrNoBrowser)
}

// shutdown closes Chromium gracefully, so that it reaps its own child
// processes, then kills whatever is left and waits until the process and
// its temporary profile are gone. It is safe to call more than once.
func (s *session) shutdown() error {
	<-s.ready
	s.stopping.Store(true)
	s.stopOnce.Do(func() {
		if s.err != nil {
			return // start cleaned up after itself
		}
		ctx, cancel := context.WithTimeout(s.ctx, closeTimeout)
		err := chromedp.Cancel(ctx)
		cancel()
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			s.stopErr = fmt.Errorf("browser: closing Chromium: %w", err)
		}
		s.kill()
	})
	return s.stopErr
}

// kill ends the process and its children, waits until chromedp has
// removed the profile directory, and removes the home directory.
func (s *session) kill() {
	s.cancelBase()
	s.browserCancel()
	s.allocCancel()
	if err := os.RemoveAll(s.home); err != nil && s.stopErr == nil {
		s.stopErr = fmt.Errorf("browser: removing Chromium's home: %w", err)
	}
}
