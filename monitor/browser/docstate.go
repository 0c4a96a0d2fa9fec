package browser

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
)

// docState follows the documents of a tab's main frame through the tab's
// events: which one is current (a script may replace the one we asked
// for), whether it has fully loaded, and its HTTP response.
//
// handle runs on the tab's event loop, in the order Chromium sent the
// events; everything else runs on the Render goroutine.
type docState struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every update

	mainFrame cdp.FrameID  // "" until follow
	navLoader cdp.LoaderID // the loader of our Page.navigate
	frames    map[cdp.FrameID]*frameDocs
	requests  map[network.RequestID]*docLoad // document requests of the main frame
	urls      []string                       // their URLs, redirects' targets included, at most maxDocumentURLs
}

// maxDocumentURLs bounds the URLs kept of a page that navigates on and on.
const maxDocumentURLs = 32

// frameDocs are the documents one frame has had.
type frameDocs struct {
	current cdp.LoaderID // the last committed document
	loads   map[cdp.LoaderID]*docLoad
}

// docLoad is one document load.
type docLoad struct {
	committed bool                 // its lifecycle began ("init")
	events    map[string]time.Time // lifecycle events, when first seen
	finished  bool                 // its body arrived whole
	failed    string               // the network error that cut its body short
	response  *network.Response
	rawHeader network.Headers // the response headers as received, if Chromium told
	rawStatus int64           // and the status they came with: a redirect hop's are not ours
}

func newDocState() *docState {
	return &docState{
		changed:  make(chan struct{}),
		frames:   make(map[cdp.FrameID]*frameDocs),
		requests: make(map[network.RequestID]*docLoad),
	}
}

// handle records one event. It must return fast and send no command.
func (d *docState) handle(ev any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch ev := ev.(type) {
	case *page.EventLifecycleEvent:
		ld := d.load(ev.FrameID, ev.LoaderID)
		if ld == nil {
			return
		}
		if ev.Name == "init" {
			d.frames[ev.FrameID].current = ev.LoaderID
			ld.committed = true
		}
		if _, seen := ld.events[ev.Name]; !seen {
			ld.events[ev.Name] = time.Now()
		}
	case *network.EventRequestWillBeSent:
		if ev.Type != network.ResourceTypeDocument {
			return
		}
		ld := d.load(ev.FrameID, ev.LoaderID)
		if ld == nil {
			return
		}
		d.requests[ev.RequestID] = ld
		if ev.Request != nil && len(d.urls) < maxDocumentURLs {
			d.urls = append(d.urls, ev.Request.URL)
		}
	case *network.EventResponseReceivedExtraInfo:
		// The headers as received, Set-Cookie included, which the
		// response event leaves out. It may come before or after that.
		ld, ok := d.requests[ev.RequestID]
		if !ok {
			return
		}
		ld.rawHeader, ld.rawStatus = ev.Headers, ev.StatusCode
	case *network.EventResponseReceived:
		ld, ok := d.requests[ev.RequestID]
		if !ok {
			return
		}
		ld.response = ev.Response
	case *network.EventLoadingFinished:
		ld, ok := d.requests[ev.RequestID]
		if !ok {
			return
		}
		ld.finished = true
	case *network.EventLoadingFailed:
		ld, ok := d.requests[ev.RequestID]
		if !ok {
			return
		}
		ld.failed = ev.ErrorText
	default:
		return
	}
	close(d.changed)
	d.changed = make(chan struct{})
}

// load returns the record of a document load, creating it, or nil for a
// frame other than the main one. d.mu must be held.
func (d *docState) load(frame cdp.FrameID, loader cdp.LoaderID) *docLoad {
	if frame == "" || loader == "" || (d.mainFrame != "" && frame != d.mainFrame) {
		return nil
	}
	f := d.frames[frame]
	if f == nil {
		f = &frameDocs{loads: make(map[cdp.LoaderID]*docLoad)}
		d.frames[frame] = f
	}
	ld := f.loads[loader]
	if ld == nil {
		ld = &docLoad{events: make(map[string]time.Time)}
		f.loads[loader] = ld
	}
	return ld
}

// follow names the main frame and the loader of our navigation, learnt
// when Page.navigate returns; events may have come before, and are kept
// until then for every frame.
func (d *docState) follow(frame cdp.FrameID, loader cdp.LoaderID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mainFrame, d.navLoader = frame, loader
	for id := range d.frames {
		if id != frame {
			delete(d.frames, id)
		}
	}
}

// current is the main frame's current document, once our navigation has
// committed, or nil. d.mu must be held.
func (d *docState) current() *docLoad {
	f := d.frames[d.mainFrame]
	if f == nil {
		return nil
	}
	if nav := f.loads[d.navLoader]; nav == nil || !nav.committed {
		return nil
	}
	return f.loads[f.current]
}

// reading returns the main frame's current document, the one the DOM is
// read from, and the channel closed at the next event, so that a reader
// can tell whether another document committed meanwhile.
func (d *docState) reading() (cdp.LoaderID, chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var loader cdp.LoaderID
	if f := d.frames[d.mainFrame]; f != nil {
		loader = f.current
	}
	return loader, d.changed
}

// loaded reports whether the current document has been received whole
// and parsed. A document whose body was cut short is an error, not a
// shorter policy. d.mu must be held.
func (d *docState) loaded() (bool, time.Duration, error) {
	cur := d.current()
	if cur == nil {
		return false, 0, nil
	}
	if cur.failed != "" {
		return false, 0, fmt.Errorf("document failed to load: %s", cur.failed)
	}
	_, parsed := cur.events["DOMContentLoaded"]
	_, complete := cur.events["load"]
	return parsed && (cur.finished || complete), 0, nil
}

// networkIdle reports whether the current document has loaded and the
// network has then been idle (Chromium's "networkIdle": no request for
// 500 ms), or idleCap has passed since the document was parsed. d.mu must
// be held.
func (d *docState) networkIdle(idleCap time.Duration) (bool, time.Duration, error) {
	if ok, _, err := d.loaded(); !ok || err != nil {
		return false, 0, err
	}
	cur := d.current()
	if _, idle := cur.events["networkIdle"]; idle {
		return true, 0, nil
	}
	left := idleCap - time.Since(cur.events["DOMContentLoaded"])
	return left <= 0, left, nil
}

// response is the HTTP status and headers of the current document, or 0
// and nil if it has none (it came from a cache or a service worker).
func (d *docState) response() (int, network.Headers) {
	d.mu.Lock()
	defer d.mu.Unlock()
	cur := d.current()
	if cur == nil || cur.response == nil {
		return 0, nil
	}
	if cur.rawHeader != nil && cur.rawStatus == cur.response.Status {
		return int(cur.response.Status), cur.rawHeader
	}
	return int(cur.response.Status), cur.response.Headers
}

// wait calls check (with d.mu held) after every event until it is done or
// fails, or ctx ends. check may ask to be called again after a delay even
// if no event comes.
func (d *docState) wait(ctx context.Context, check func() (done bool, recheck time.Duration, err error)) error {
	for {
		d.mu.Lock()
		done, recheck, err := check()
		changed := d.changed
		d.mu.Unlock()
		if err != nil || done {
			return err
		}
		var timer *time.Timer
		var timeout <-chan time.Time
		if recheck > 0 {
			timer = time.NewTimer(recheck)
			timeout = timer.C
		}
		select {
		case <-changed:
		case <-timeout:
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// addresses are the host:port the main frame's documents were asked of
// (its navigations and their redirects), as a proxy is asked to connect
// to them.
func (d *docState) addresses() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, raw := range d.urls {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			continue
		}
		port := u.Port()
		if port == "" {
			switch u.Scheme { // a document's: http(s) only (Render refuses others)
			case "http":
				port = "80"
			case "https":
				port = "443"
			default:
				continue
			}
		}
		out = append(out, net.JoinHostPort(u.Hostname(), port))
	}
	return out
}
