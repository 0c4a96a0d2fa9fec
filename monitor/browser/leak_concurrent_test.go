package browser

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestOverlappingRendersThroughDialLeaveNothingBehind renders batches of
// pages through a Dial at once, more of them than Options.MaxTabs so that
// some wait for a tab while others close theirs: pages that render, hold a
// fetch and a WebSocket open over http and https, reach a tarpit, are
// redirected where Dial refuses, are never answered, or are given up by
// the caller a few milliseconds in. The daemon renders MaxTabs pages at
// once, each with a proxy and a browser context of its own; a clean-up
// that only works when renders take turns would leak there, and a render
// could be handed another's tab or proxy. So every render must return,
// with its own page or the error its page calls for, and once the tabs are
// closed the process and Chromium must hold no more than before.
func TestOverlappingRendersThroughDialLeaveNothingBehind(t *testing.T) {
	const (
		tabs    = 2
		batches = 3
	)
	b := newBrowser(t, Options{MaxTabs: tabs, IdleTimeout: 10 * time.Minute, Timeout: 15 * time.Second})

	// The caller of a render may give up when its page asks for a given
	// path, so that it gives up in its tab, however long the renders
	// ahead of it in the queue for a tab took.
	var hooksMu sync.Mutex
	hooks := map[string]func(){} // marker and path → the caller giving up
	f := newLeakFixture(t, b, func(pages http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hooksMu.Lock()
			giveUp := hooks[r.FormValue("m")+" "+r.URL.Path]
			hooksMu.Unlock()
			if giveUp != nil {
				giveUp()
			}
			pages.ServeHTTP(w, r)
		})
	})
	baseline := f.warmUp(t)

	type render struct {
		path   string
		https  bool
		giveUp time.Duration // the caller's deadline, from the start of the batch; 0: none
		// The caller gives up after cancelAfter once the page asks for
		// cancelOn, if not "".
		cancelOn    string
		cancelAfter time.Duration
		want        string // the page's text before its marker, when it renders
		err         error  // what the render fails with, else nil
		either      bool   // given up so early or so late that the page may render, or not
	}
	renders := []render{
		{path: "/ok", want: "refusals seen"},
		{path: "/held", want: "held open"},
		{path: "/held", https: true, want: "held open"},
		{path: "/tarpit", want: "tarpit reached"},
		{path: "/redirect", err: errPrivate},
		// Its deadline counts the wait for a tab, so it may end there
		// as well as in its own tab: both must leave nothing.
		{path: "/unanswered", giveUp: 1500 * time.Millisecond, err: context.DeadlineExceeded},
		{path: "/ok", giveUp: 2 * time.Millisecond, err: context.DeadlineExceeded},
		{path: "/ok", cancelOn: "/ok", cancelAfter: 5 * time.Millisecond, err: context.Canceled, want: "refusals seen", either: true},
		// Given up before the server answers what the page needs to
		// render: its connections are open through the proxy.
		{path: "/held", cancelOn: "/endless", err: context.Canceled},
		{path: "/held", https: true, cancelOn: "/ws", err: context.Canceled},
		{path: "/tarpit", https: true, cancelOn: "/tarpit-reached", err: context.Canceled},
	}
	if len(renders) <= tabs {
		t.Fatal("no render would wait for a tab")
	}

	var stages []string // where given-up renders ended, to show what the batches did
	for batch := range batches {
		start := time.Now()
		var inFlight, most atomic.Int32
		type result struct {
			url  string
			page *Page
			err  error
		}
		results := make([]result, len(renders))
		var wg sync.WaitGroup
		for i := range renders {
			// Each batch starts them in another order, so that other
			// renders wait for a tab.
			i := (i + batch*4) % len(renders)
			c := renders[i]
			scheme := "http"
			if c.https {
				scheme = "https"
			}
			marker := fmt.Sprintf("b%dr%d", batch, i)
			url := fmt.Sprintf("%s://public.test%s?m=%s", scheme, c.path, marker)
			results[i].url = url
			wg.Go(func() {
				limit := 30 * time.Second
				if c.giveUp > 0 {
					limit = c.giveUp
				}
				ctx, cancel := context.WithTimeout(t.Context(), limit)
				defer cancel()
				if c.cancelOn != "" {
					hooksMu.Lock()
					hooks[marker+" "+c.cancelOn] = func() {
						if c.cancelAfter == 0 {
							cancel()
						} else {
							time.AfterFunc(c.cancelAfter, cancel)
						}
					}
					hooksMu.Unlock()
				}
				n := inFlight.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				results[i].page, results[i].err = b.Render(ctx, Request{URL: url, WaitSelectors: []string{"#policy"}, Dial: f.dial})
				inFlight.Add(-1)
			})
		}
		returned := make(chan struct{})
		go func() {
			wg.Wait()
			close(returned)
		}()
		select {
		case <-returned:
		case <-time.After(40 * time.Second):
			// Render returns when ctx is done: none may outlive its 30s.
			for _, r := range results {
				if r.page == nil && r.err == nil {
					t.Errorf("batch %d: render of %s has not returned", batch, r.url)
				}
			}
			t.FailNow()
		}
		if n := most.Load(); n <= tabs {
			t.Errorf("batch %d: at most %d renders were in flight at once, no more than the %d tabs", batch, n, tabs)
		}

		for i, c := range renders {
			r := results[i]
			marker := r.url[strings.LastIndex(r.url, "=")+1:]
			switch {
			case r.err != nil && (c.err == nil || !errors.Is(r.err, c.err)):
				t.Errorf("batch %d: %s: %v; want %v", batch, r.url, r.err, c.err)
			case r.err != nil && slices.ContainsFunc(results, func(o result) bool { return o.url != r.url && strings.Contains(r.err.Error(), o.url+":") }):
				t.Errorf("batch %d: %s: the error is another render's: %v", batch, r.url, r.err)
			case r.err != nil:
				if c.giveUp > 0 || c.cancelOn != "" {
					stage, _, _ := strings.Cut(strings.Replace(r.err.Error(), r.url+": ", "", 1), ": context")
					stages = append(stages, c.path+": "+stage)
				}
			case r.page == nil:
				t.Errorf("batch %d: %s: no page and no error", batch, r.url)
			case c.err != nil && !c.either:
				t.Errorf("batch %d: %s rendered; want an error wrapping %v", batch, r.url, c.err)
			case r.page.URL != r.url || r.page.FinalURL != r.url:
				t.Errorf("batch %d: %s came back as the page of %s, read at %s", batch, r.url, r.page.URL, r.page.FinalURL)
			case !strings.Contains(string(r.page.HTML), `<p id="policy">`+c.want+" "+marker+"</p>"):
				// Without it the page is another render's, or the
				// connections its case is about were not open when the
				// render ended.
				t.Errorf("batch %d: the page of %s does not say %q:\n%s", batch, r.url, c.want+" "+marker, r.page.HTML)
			}
		}
		waitTabsClosed(t, b)
		t.Logf("batch %d: %d renders, at most %d in flight, done in %v", batch, len(renders), most.Load(), time.Since(start).Round(time.Millisecond))
		f.waitNothingLeft(t, baseline)
		if t.Failed() {
			break
		}
	}
	t.Logf("given-up renders ended: %q", stages)
}
