package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// pollInterval is how often WaitSelectors are checked.
const pollInterval = 100 * time.Millisecond

// errPageTimeout is the cause of a tab context that ran out of
// Options.Timeout, as opposed to one the caller cancelled.
var errPageTimeout = errors.New("page timeout")

// render renders one page in a new tab of its own browser context. It
// returns without waiting for the tab to close: Chromium takes a second
// or more to close a tab whose script hangs. The caller must call
// closeTab, which blocks until the tab and its browser context are gone.
func (s *session) render(ctx context.Context, req Request) (p *Page, closeTab func(), err error) {
	opts := s.opts
	t := &tab{req: req, opts: opts, version: s.version, stage: "opening a tab", doc: newDocState()}
	var contextOptions []chromedp.CreateBrowserContextOption
	if req.Dial != nil {
		proxy, proxyErr := startGuardProxy(req.Dial, s.log, req.URL)
		if proxyErr != nil {
			return nil, func() {}, proxyErr
		}
		contextOptions = append(contextOptions, proxy.browserContext)
		defer func() {
			if err != nil {
				if refused := proxy.refusalOf(t.doc.addresses()); refused != nil {
					err = fmt.Errorf("%w (a connection the page asked for was not made: %w)", err, refused)
				}
			}
			closeContext := closeTab
			closeTab = func() {
				closeContext()
				proxy.close()
			}
		}()
	}
	// A new browser context per page: no cookies, storage, cache or
	// service workers carry over from one render to the next, so a check
	// sees what a first-time visitor sees, and a hostile page cannot plant
	// anything for later ones. The render creates it and disposes of it,
	// with whatever tab is in it, not chromedp: chromedp forgets a browser
	// context or tab whose creation it stopped waiting for when ctx ended,
	// and Chromium keeps them until it exits.
	browserContext, err := s.newBrowserContext(ctx, contextOptions)
	if err != nil {
		return nil, func() {}, fmt.Errorf("browser: %s: %s: %w", req.URL, t.stage, err)
	}
	tabCtx, closeTarget := chromedp.NewContext(s.ctx, chromedp.WithExistingBrowserContext(browserContext))
	closeTab = func() {
		closeTarget()
		s.disposeBrowserContext(browserContext)
	}
	runCtx, cancel := context.WithTimeoutCause(tabCtx, opts.Timeout, errPageTimeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()

	p, err = t.render(runCtx)
	if err == nil {
		return p, closeTab, nil
	}
	switch {
	case ctx.Err() != nil:
		err = ctx.Err()
	case errors.Is(context.Cause(runCtx), errPageTimeout):
		return nil, closeTab, fmt.Errorf("browser: %s: %s: gave up after %v: %w", req.URL, t.stage, opts.Timeout, context.DeadlineExceeded)
	case s.ctx.Err() != nil:
		err = fmt.Errorf("the Chromium process exited: %w", err)
	}
	return nil, closeTab, fmt.Errorf("browser: %s: %s: %w", req.URL, t.stage, err)
}

// disposeTimeout bounds the disposal of a render's browser context.
const disposeTimeout = 5 * time.Second

// newBrowserContext creates a browser context. Once asked for, it waits
// for Chromium's answer even if ctx ends meanwhile (within the page's
// Timeout): a context created after nobody waits for it is never
// disposed of.
func (s *session) newBrowserContext(ctx context.Context, options []chromedp.CreateBrowserContextOption) (cdp.BrowserContextID, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	params := target.CreateBrowserContextParams{DisposeOnDetach: new(true)}
	for _, o := range options {
		o(&params)
	}
	createCtx, cancel := context.WithTimeout(s.ctx, s.opts.Timeout)
	defer cancel()
	res, err := chromedp.CallBrowser(createCtx, target.CreateBrowserContext, params)
	if err != nil {
		return "", err
	}
	return res.BrowserContextID, nil
}

// disposeBrowserContext closes a render's browser context and every tab
// left in it.
func (s *session) disposeBrowserContext(id cdp.BrowserContextID) {
	ctx, cancel := context.WithTimeout(s.ctx, disposeTimeout)
	defer cancel()
	_, err := chromedp.CallBrowser(ctx, target.DisposeBrowserContext, target.DisposeBrowserContextParams{BrowserContextID: id})
	if err != nil && s.ctx.Err() == nil {
		s.log.Warn("browser: disposing of a render's browser context", "err", err)
	}
}

// tab is one Render in progress.
type tab struct {
	req     Request
	opts    Options
	version string
	stage   string // what the tab is doing, for error messages
	doc     *docState
}

func (t *tab) render(ctx context.Context) (*Page, error) {
	doc := t.doc
	if err := chromedp.Listen(ctx, doc.handle); err != nil { // opens the tab
		return nil, err
	}
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:         browser.SetDownloadBehaviorBehaviorDeny,
		BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
	})
	if err != nil {
		return nil, fmt.Errorf("denying downloads: %w", err)
	}

	// An alert, confirm or prompt stops the page's scripts until someone
	// answers it; nobody will, so dismiss them all.
	dialogCtx, stopDialogs := context.WithCancel(ctx)
	var dialogs sync.WaitGroup
	defer dialogs.Wait()
	defer stopDialogs()
	opening := chromedp.Events(dialogCtx, page.JavascriptDialogOpening)
	dialogs.Go(func() {
		for _, err := range opening {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(dialogCtx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})

	if headers := t.headers(); len(headers) > 0 {
		if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: headers}); err != nil {
			return nil, fmt.Errorf("setting request headers: %w", err)
		}
	}

	t.stage = "loading"
	nav, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: t.req.URL})
	switch {
	case err != nil:
		return nil, err
	case nav.ErrorText != "":
		return nil, errors.New(nav.ErrorText)
	case nav.IsDownload:
		return nil, errors.New("the URL is a download, not a page")
	}
	doc.follow(nav.FrameID, nav.LoaderID)

	t.stage = "waiting for the document to load"
	if err := doc.wait(ctx, doc.loaded); err != nil {
		return nil, err
	}
	var snap snapshot
	for {
		if len(t.req.WaitSelectors) > 0 {
			t.stage = "waiting for " + strings.Join(t.req.WaitSelectors, " or ") + " to be visible"
			if err := t.waitVisible(ctx, doc); err != nil {
				return nil, err
			}
		} else {
			t.stage = "waiting for the network to go idle"
			if err := doc.wait(ctx, func() (bool, time.Duration, error) { return doc.networkIdle(t.opts.NetworkIdleCap) }); err != nil {
				return nil, err
			}
		}

		t.stage = "reading the DOM"
		read, changed := doc.reading()
		snap, err = chromedp.Run(ctx, chromedp.Evaluate[snapshot](fmt.Sprintf(snapshotJS, t.opts.MaxBytes)))
		if err != nil {
			return nil, err
		}
		// A script's navigation may commit between the end of the wait
		// and the reading (on a loaded machine, the 100 ms timer of
		// TestScriptNavigationThroughDialIsRefused's page fired after
		// it): the DOM read is then the next document's, Chromium's
		// error page when the navigation failed, which was returned as
		// the page. The next document is waited for as the first was,
		// and a failed one is the render's error.
		if now, _ := doc.reading(); now == read && !strings.HasPrefix(snap.URL, "chrome-error:") {
			break
		}
		select {
		case <-changed: // the events of the next document are in
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if snap.Size > 0 || int64(len(snap.HTML)) > t.opts.MaxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, t.opts.MaxBytes)
	}
	status, header := doc.response()
	return &Page{
		URL:            t.req.URL,
		FinalURL:       snap.URL,
		Status:         status,
		Header:         httpHeader(header),
		HTML:           []byte(snap.HTML),
		BrowserVersion: t.version,
	}, nil
}

// headers are the extra request headers of t.req.
func (t *tab) headers() network.Headers {
	h := network.Headers{}
	if t.req.Language != "" {
		h["Accept-Language"] = t.req.Language
	}
	for k, v := range t.req.Header {
		if strings.EqualFold(k, "Accept-Language") {
			delete(h, "Accept-Language")
		}
		h[k] = v
	}
	return h
}

// visibleJS returns the index of the first selector of the list it is
// given that matches a visible element, -1 if none does, or -2-i if
// selector i is not valid CSS. Visible is what Playwright means by it: a
// bounding box that is not empty, and not visibility:hidden (nor inside
// display:none or content-visibility:hidden). An empty placeholder that a
// script will fill later is therefore not visible yet.
const visibleJS = `((selectors) => {
	for (let i = 0; i < selectors.length; i++) {
		let found;
		try {
			found = document.querySelectorAll(selectors[i]);
		} catch (e) {
			return -2 - i;
		}
		for (const el of found) {
			const box = el.getBoundingClientRect();
			if (box.width > 0 && box.height > 0 && el.checkVisibility({visibilityProperty: true})) {
				return i;
			}
		}
	}
	return -1;
})(%s)`

// waitVisible polls until one of t.req.WaitSelectors matches a visible
// element of the current, loaded document.
func (t *tab) waitVisible(ctx context.Context, doc *docState) error {
	list, err := json.Marshal(t.req.WaitSelectors) // JSON is a JavaScript literal
	if err != nil {
		return err
	}
	expr := fmt.Sprintf(visibleJS, list)
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		// A script may navigate away; the next document must load too.
		if err := doc.wait(ctx, doc.loaded); err != nil {
			return err
		}
		i, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		switch {
		case err == nil && i >= 0:
			return nil
		case err == nil && i <= -2:
			return fmt.Errorf("invalid CSS selector %q", t.req.WaitSelectors[-2-i])
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		}
		// Other errors are a document going away under the evaluation;
		// the next round asks the next document.
		select {
		case <-ticker.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// snapshotJS serialises the document, or only measures it when it is
// larger than the cap (%d): UTF-16 code units never outnumber UTF-8 bytes,
// so a string longer than the cap is over it in UTF-8 too. toWellFormed
// replaces lone surrogates, which are not valid UTF-8.
const snapshotJS = `(() => {
	const doc = document;
	let html = doc.documentElement ? doc.documentElement.outerHTML : "";
	if (doc.doctype) {
		html = new XMLSerializer().serializeToString(doc.doctype) + html;
	}
	if (html.length > %d) {
		return {url: doc.URL, size: html.length};
	}
	return {url: doc.URL, html: html.toWellFormed()};
})()`

type snapshot struct {
	URL  string `json:"url"`
	HTML string `json:"html"`
	Size int64  `json:"size"` // set instead of HTML when over the cap
}

// httpHeader converts DevTools headers, where repeated headers are joined
// with newlines, to an http.Header.
func httpHeader(h network.Headers) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		s, ok := v.(string)
		if !ok {
			continue
		}
		for line := range strings.SplitSeq(s, "\n") {
			out.Add(k, line)
		}
	}
	return out
}
