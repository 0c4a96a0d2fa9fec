package browser

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// The daemon renders pages through a Dial for months, each render with a
// proxy of its own; whatever one render leaves behind in the process or in
// Chromium is there a thousand times over by the end of a year.

// leakRounds is how often each page is rendered: a render that leaves one
// goroutine or descriptor behind leaves several.
const leakRounds = 3

// settleWithin is how long what a render leaves is given to go once its
// tab is closed: connections wind down on both ends of a socket, not at
// once, but well within the proxy's 30-second idle timeout, which must
// not be what ends them.
const settleWithin = 5 * time.Second

// TestRendersThroughDialLeaveNothingBehind renders pages through a Dial
// that end while a connection is still open (a fetch whose body never
// ends, a WebSocket, over http and through https CONNECT tunnels; a server
// that never answers and never hangs up; a refused redirect; a document
// the caller gives up on), and checks that once their tabs are closed the
// goroutines and file descriptors of the process, and Chromium's browser
// contexts and targets, are back to what they were before.
func TestRendersThroughDialLeaveNothingBehind(t *testing.T) {
	b := newBrowser(t, Options{IdleTimeout: 10 * time.Minute, Timeout: 15 * time.Second})
	f := newLeakFixture(t, b, nil)
	baseline := f.warmUp(t)

	for _, c := range []struct {
		name   string
		url    string
		giveUp time.Duration // the caller's deadline; 0: none
		want   string        // in the page's HTML, when it renders
		err    error         // what the render fails with, else nil
		during string        // a stage some render's error must name, else the case shows nothing
	}{
		{name: "a page whose requests are refused", url: "http://public.test/ok", want: "refusals seen"},
		{name: "http: a fetch whose body never ends and a WebSocket left open", url: "http://public.test/held", want: "held open"},
		{name: "https: the same, in CONNECT tunnels", url: "https://public.test/held", want: "held open"},
		// What ends its tunnel is the proxy, not the server, which
		// never hangs up, nor Chromium's closing of its end.
		{name: "a server that never answers nor hangs up, over http and https", url: "http://public.test/tarpit", want: "tarpit reached"},
		{name: "a redirect the Dial refuses", url: "http://public.test/redirect", err: errPrivate},
		{name: "a document never answered, given up by the caller", url: "http://public.test/unanswered", giveUp: time.Second, err: context.DeadlineExceeded},
		// Given up while Chromium creates the render's browser context
		// and tab: one whose creation nobody waited for to the end is
		// known to Chromium only, which keeps it until it exits.
		{name: "given up by the caller while the tab opens", url: "http://public.test/ok", giveUp: 2 * time.Millisecond, err: context.DeadlineExceeded, during: "opening a tab"},
	} {
		ok := t.Run(c.name, func(t *testing.T) {
			before := f.settle(t)
			var errs []string
			for range leakRounds {
				// A tab that is never closed keeps its token: the
				// wait for a free one must end too.
				limit := 30 * time.Second
				if c.giveUp > 0 {
					limit = c.giveUp
				}
				ctx, cancel := context.WithTimeout(t.Context(), limit)
				p, err := b.Render(ctx, Request{URL: c.url, WaitSelectors: []string{"#policy"}, Dial: f.dial})
				cancel()
				if err != nil {
					errs = append(errs, err.Error())
				}
				switch {
				case c.err != nil && !errors.Is(err, c.err):
					t.Fatalf("render: page %v, error %v; want an error wrapping %v", p != nil, err, c.err)
				case c.err == nil && err != nil:
					t.Fatalf("render: %v", err)
				case c.err == nil && !strings.Contains(string(p.HTML), c.want):
					// Without it the connection the case is about was
					// not open when the render ended: the case shows
					// nothing.
					t.Fatalf("the page does not say %q:\n%s", c.want, p.HTML)
				}
			}
			if c.during != "" && !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, c.during) }) {
				t.Errorf("no render's error names %q, the case shows nothing: %q", c.during, errs)
			}
			waitTabsClosed(t, b)
			f.waitNothingLeft(t, before)
		})
		if !ok {
			// Every render after a tab that never closes would wait
			// for a free one.
			waitTabsClosed(t, b)
		}
	}

	f.waitNothingLeft(t, baseline)
	t.Logf("after %d renders: Chromium has %d processes", 1+7*leakRounds, len(descendants(t, b.PID()))+1)
}

// leakFixture is what the leak tests render through: pages on a made-up
// public name, over http and https, that hold connections open in the
// ways a render must clean up after; a Dial that reaches them and the
// tarpit and refuses any other name as a private address; and the count
// of what the process and Chromium hold. Both tests render the same
// pages, one render at a time and overlapping, so that what one test
// shows of a page the other shows of the same page.
type leakFixture struct {
	b      *Browser
	tarpit *tarpit
	routes map[string]string // public.test's addresses → the page servers'
	ports  map[string]string // the test's listeners by port, to name them in a residue's descriptors
	dialer net.Dialer

	tarpitNames atomic.Int32
	dialedMu    sync.Mutex
	dialed      map[string]bool // tarpit addresses Dial connected to
}

// newLeakFixture starts the page servers; front, if not nil, stands in
// front of the pages, to see their requests as they come.
func newLeakFixture(t *testing.T, b *Browser, front func(pages http.Handler) http.Handler) *leakFixture {
	// Started before the servers, so that it is closed after them: a
	// leaked connection to it must not hold up their Close.
	f := &leakFixture{b: b, tarpit: startTarpit(t), dialed: map[string]bool{}}

	mux := http.NewServeMux()
	var handler http.Handler = mux
	if front != nil {
		handler = front(mux)
	}
	tlsSrv := httptest.NewUnstartedServer(handler)
	// Chromium ends a first handshake with httptest's certificate before
	// it ignores the error (warmUp): not worth the server's stderr.
	tlsSrv.Config.ErrorLog = slog.NewLogLogger(testLogger(t).Handler(), slog.LevelDebug)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	plain, release := serve(t, handler) // release is closed before both servers shut down
	f.handlePages(mux, release)

	f.routes = map[string]string{
		"public.test:80":  plain.Listener.Addr().String(),
		"public.test:443": tlsSrv.Listener.Addr().String(),
	}
	f.ports = map[string]string{
		port(plain.Listener.Addr()):  "the page server",
		port(tlsSrv.Listener.Addr()): "the TLS page server",
		port(f.tarpit.Addr()):        "the tarpit",
	}
	return f
}

// handlePages adds the pages to mux. A page writes its #policy only once
// the connections its case is about are open (or refused), so that they
// are open when its render reads it and closes its tab.
func (f *leakFixture) handlePages(mux *http.ServeMux, release <-chan struct{}) {
	// Every page writes the marker of the render that asked for it (?m=,
	// none for a test whose renders take turns), so that a page read in
	// another render's tab shows. Its script comes after <body>: the body
	// of a page whose script is its only content is made only when the
	// parser is told the document has ended, which may come after the
	// refusals of /ok's fetches (a millisecond each), and the page's
	// document.body.insertAdjacentHTML then threw on null and its render
	// waited for #policy until its timeout (1 run in 20 under load; every
	// time with the end of the page held back).
	marked := func(script string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			htmlHandler(fmt.Sprintf("<!doctype html><body><script>const marker = %q;\n%s</script>", r.FormValue("m"), script))(w, r)
		}
	}
	mux.Handle("/ok", marked(`
Promise.allSettled([
	fetch("http://router.test/", {mode: "no-cors"}),
	fetch("https://router.test/", {mode: "no-cors"}),
]).then(() => document.body.insertAdjacentHTML("beforeend", '<p id="policy">refusals seen ' + marker + '</p>'));`))
	mux.Handle("/held", marked(`
window.held = [];
const socket = new Promise((open, fail) => {
	const ws = new WebSocket(location.origin.replace("http", "ws") + "/ws?m=" + marker);
	window.held.push(ws);
	ws.onopen = open;
	ws.onerror = () => fail(new Error("WebSocket failed"));
});
const body = fetch("/endless?m=" + marker).then(r => { const reader = r.body.getReader(); window.held.push(reader); return reader.read(); });
Promise.all([socket, body]).then(
	() => document.body.insertAdjacentHTML("beforeend", '<p id="policy">held open ' + marker + '</p>'),
	e => document.body.insertAdjacentHTML("beforeend", '<p id="policy">not held: ' + e + '</p>'));`))
	mux.HandleFunc("/ws", holdWebSocket(release))
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "the first part")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	// Each tarpit page reaches the tarpit under a name of its own, since
	// the tarpit's count is shared by the renders in flight, and a name
	// Dial connected to before proves nothing of this page.
	mux.HandleFunc("/tarpit", func(w http.ResponseWriter, r *http.Request) {
		name := fmt.Sprintf("p%d.tarpit.test", f.tarpitNames.Add(1))
		marked(fmt.Sprintf("const tarpit = %q;", name)+`
fetch("http://" + tarpit + "/", {mode: "no-cors"});
fetch("https://" + tarpit + "/", {mode: "no-cors"});
fetch("/tarpit-reached?m=" + marker + "&name=" + tarpit).then(r => r.text()).then(text =>
	document.body.insertAdjacentHTML("beforeend", '<p id="policy">' + text + ' ' + marker + '</p>'));`)(w, r)
	})
	mux.HandleFunc("/tarpit-reached", func(w http.ResponseWriter, r *http.Request) {
		name := r.FormValue("name")
		for !f.dialedTarpit(name+":80") || !f.dialedTarpit(name+":443") {
			select {
			case <-r.Context().Done():
				return
			case <-release:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
		_, _ = io.WriteString(w, "tarpit reached")
	})
	mux.Handle("/redirect", http.RedirectHandler("http://router.test/admin", http.StatusFound))
	mux.HandleFunc("/unanswered", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
}

// dial stands for monitor/fetch's Dial: public.test (the page servers)
// and the names under tarpit.test are public, anything else is refused as
// private, as a redirect to router.test must be. It notes the tarpit
// addresses it connected to, which is what /tarpit-reached waits for.
func (f *leakFixture) dial(ctx context.Context, network, address string) (net.Conn, error) {
	to, ok := f.routes[address]
	host, p, _ := net.SplitHostPort(address)
	toTarpit := strings.HasSuffix(host, ".tarpit.test") && (p == "80" || p == "443")
	if toTarpit {
		to, ok = f.tarpit.Addr().String(), true
	}
	if !ok {
		return nil, fmt.Errorf("connecting to %s: %w", address, errPrivate)
	}
	conn, err := f.dialer.DialContext(ctx, network, to)
	if err == nil && toTarpit {
		f.dialedMu.Lock()
		f.dialed[address] = true
		f.dialedMu.Unlock()
	}
	return conn, err
}

func (f *leakFixture) dialedTarpit(address string) bool {
	f.dialedMu.Lock()
	defer f.dialedMu.Unlock()
	return f.dialed[address]
}

// warmUp renders a first page, which starts Chromium: its DevTools pipe
// and goroutines stay for every render after it, so the baseline it
// returns is taken after it.
func (f *leakFixture) warmUp(t *testing.T) residue {
	t.Helper()
	warmUp, err := f.b.Render(t.Context(), Request{URL: "http://public.test/ok?m=warm", WaitSelectors: []string{"#policy"}, Dial: f.dial})
	if err != nil {
		t.Fatalf("warm-up render: %v", err)
	}
	if !strings.Contains(string(warmUp.HTML), "refusals seen warm") {
		t.Fatalf("warm-up render:\n%s", warmUp.HTML)
	}
	waitTabsClosed(t, f.b)
	// httptest's certificate is not for public.test, nor signed by
	// anyone Chromium trusts; without this no https page loads.
	if _, err := chromedp.CallBrowser(sessionContext(t, f.b), security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true}); err != nil {
		t.Fatalf("ignoring certificate errors: %v", err)
	}
	baseline := f.settle(t)
	t.Logf("baseline after the warm-up: %s; Chromium has %d processes", baseline, len(descendants(t, f.b.PID()))+1)
	return baseline
}

// holdWebSocket accepts a WebSocket and keeps it open, sending nothing,
// until the other end closes it or the test ends.
func holdWebSocket(release <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		accept := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			base64.StdEncoding.EncodeToString(accept[:]))
		if rw.Flush() != nil {
			return
		}
		gone := make(chan struct{})
		go func() {
			_, _ = io.Copy(io.Discard, rw)
			close(gone)
		}()
		select {
		case <-gone:
		case <-release:
		}
	}
}

// tarpit accepts connections and then neither reads, writes nor closes
// them until the test ends, as a server that has gone quiet does: a
// tunnel to it ends only if the proxy ends it. It stands for a server
// elsewhere, so its own descriptors are not counted as the process's.
type tarpit struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startTarpit(t *testing.T) *tarpit {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tp := &tarpit{Listener: ln}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			tp.mu.Lock()
			tp.conns = append(tp.conns, conn)
			tp.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, conn := range tp.conns {
			conn.Close()
		}
	})
	return tp
}

// sessionContext is the chromedp context of the running browser, to ask
// it about itself.
func sessionContext(t *testing.T, b *Browser) context.Context {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sess == nil || !b.sess.started() || b.sess.err != nil {
		t.Fatal("no browser running")
	}
	return b.sess.ctx
}

// waitTabsClosed waits until every render's closeTab has returned:
// Render gives its tab's token back only after it.
func waitTabsClosed(t *testing.T, b *Browser) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(b.tabs) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d tabs not closed after 30s: a closeTab hangs", len(b.tabs))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// residue is what a render could leave behind.
type residue struct {
	stacks   map[string]int    // goroutines: how many with each stack
	fds      map[string]string // the process's open descriptors, minus the tarpit's: number → what
	contexts []cdp.BrowserContextID
	targets  []string // Chromium's targets: type and URL
}

func (r residue) goroutines() int {
	n := 0
	for _, c := range r.stacks {
		n += c
	}
	return n
}

func (r residue) String() string {
	return fmt.Sprintf("%d goroutines, %d file descriptors, %d browser contexts, %d targets",
		r.goroutines(), len(r.fds), len(r.contexts), len(r.targets))
}

// measure takes stock of the process and the browser.
func (f *leakFixture) measure(t *testing.T) residue {
	t.Helper()
	ctx := sessionContext(t, f.b)
	contexts, err := chromedp.CallBrowser(ctx, target.GetBrowserContexts, cdp.Empty{})
	if err != nil {
		t.Fatalf("listing browser contexts: %v", err)
	}
	targets, err := chromedp.CallBrowser(ctx, target.GetTargets, target.GetTargetsParams{})
	if err != nil {
		t.Fatalf("listing targets: %v", err)
	}
	r := residue{stacks: goroutineStacks(t), fds: openFDs(t, f.ports), contexts: contexts.BrowserContextIDs}
	for _, info := range targets.TargetInfos {
		r.targets = append(r.targets, info.Type+" "+info.URL)
	}
	f.tarpit.mu.Lock()
	for _, conn := range f.tarpit.conns {
		delete(r.fds, fdOf(conn))
	}
	f.tarpit.mu.Unlock()
	return r
}

// beyond says what r has more of than before, or "".
func (r residue) beyond(before residue) string {
	var sb strings.Builder
	if n, was := r.goroutines(), before.goroutines(); n > was {
		fmt.Fprintf(&sb, "%d goroutines, %d before; new:\n", n, was)
		for stack, c := range r.stacks {
			if c > before.stacks[stack] {
				fmt.Fprintf(&sb, "  %d more of\n%s\n", c-before.stacks[stack], stack)
			}
		}
	}
	if n, was := len(r.fds), len(before.fds); n > was {
		fmt.Fprintf(&sb, "%d file descriptors, %d before; new:\n", n, was)
		for _, fd := range slices.Sorted(maps.Keys(r.fds)) {
			if before.fds[fd] != r.fds[fd] {
				fmt.Fprintf(&sb, "  %s: %s\n", fd, r.fds[fd])
			}
		}
	}
	if n, was := len(r.contexts), len(before.contexts); n > was {
		fmt.Fprintf(&sb, "%d browser contexts in Chromium, %d before: %v\n", n, was, r.contexts)
	}
	if n, was := len(r.targets), len(before.targets); n > was {
		fmt.Fprintf(&sb, "%d targets in Chromium, %d before: %q\n", n, was, r.targets)
	}
	return sb.String()
}

// settle measures until two measures a while apart agree: the baseline
// a case is compared with must not still be winding down.
func (f *leakFixture) settle(t *testing.T) residue {
	t.Helper()
	last := f.measure(t)
	deadline := time.Now().Add(settleWithin)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		r := f.measure(t)
		if r.String() == last.String() {
			return r
		}
		last = r
	}
	return last
}

// waitNothingLeft waits until the process and the browser hold no more
// than before.
func (f *leakFixture) waitNothingLeft(t *testing.T, before residue) {
	t.Helper()
	start := time.Now()
	for {
		r := f.measure(t)
		left := r.beyond(before)
		if left == "" {
			t.Logf("back to %s after %v", r, time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) > settleWithin {
			t.Errorf("%v after the tabs closed, left behind: %s", settleWithin, left)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// goroutineStacks counts the goroutines of the process by stack.
func goroutineStacks(t *testing.T) map[string]int {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatal(err)
	}
	// "N @ pc pc...", then a line "#\tpc\tfunction+off\tfile:line" per
	// frame; stacks are separated by an empty line.
	stacks := map[string]int{}
	for block := range strings.SplitSeq(buf.String(), "\n\n") {
		if strings.HasPrefix(block, "goroutine profile:") {
			_, block, _ = strings.Cut(block, "\n")
		}
		head, frames, _ := strings.Cut(block, "\n")
		count, _, ok := strings.Cut(head, " @ ")
		n, err := strconv.Atoi(count)
		if !ok || err != nil {
			continue
		}
		if strings.Contains(frames, "runtime/pprof.writeGoroutine") {
			continue // the one taking stock, whose stack is never the same
		}
		var stack strings.Builder
		for frame := range strings.SplitSeq(frames, "\n") {
			// Tabs pad the columns; a generic function's name holds spaces.
			f := slices.DeleteFunc(strings.Split(frame, "\t"), func(s string) bool { return s == "" })
			if len(f) == 4 {
				fmt.Fprintf(&stack, "    %s %s\n", f[2], f[3])
			}
		}
		stacks[stack.String()] += n
	}
	return stacks
}

// openFDs lists the process's descriptors; a TCP socket is described by
// its ports and state, so that a leaked proxy listener or a connection to
// one of the test's servers can be told apart.
func openFDs(t *testing.T, ports map[string]string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	sockets := tcpSockets(ports)
	fds := map[string]string{}
	ends := map[string][]string{} // pipe → its descriptors
	for _, e := range entries {
		link, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue // the directory ReadDir read, closed since
		}
		if inode, ok := strings.CutPrefix(link, "socket:["); ok {
			if s, ok := sockets[strings.TrimSuffix(inode, "]")]; ok {
				link = s
			}
		}
		if strings.HasPrefix(link, "pipe:") {
			ends[link] = append(ends[link], e.Name())
		}
		fds[e.Name()] = link
	}
	// A pipe whose both ends are the process's is one of the buffers Go
	// splices TCP to TCP through (a tunnel's io.Copy): pooled for the
	// next copy and closed by the garbage collector, not leaked.
	for _, fd := range ends {
		if len(fd) == 2 {
			delete(fds, fd[0])
			delete(fds, fd[1])
		}
	}
	return fds
}

// tcpSockets describes the TCP sockets of /proc/net/tcp{,6} by inode.
func tcpSockets(ports map[string]string) map[string]string {
	states := map[string]string{"01": "ESTABLISHED", "04": "FIN_WAIT1", "05": "FIN_WAIT2", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN"}
	name := func(hexAddress string) string {
		_, hexPort, _ := strings.Cut(hexAddress, ":")
		p, _ := strconv.ParseUint(hexPort, 16, 16)
		s := strconv.FormatUint(p, 10)
		if what, ok := ports[s]; ok {
			s += " (" + what + ")"
		}
		return s
	}
	out := map[string]string{}
	eachTCPSocket(func(fields []string) {
		state := states[fields[3]]
		if state == "" {
			state = "state " + fields[3]
		}
		out[fields[9]] = fmt.Sprintf("tcp port %s to port %s, %s", name(fields[1]), name(fields[2]), state)
	})
	return out
}

// fdOf is the descriptor number of a TCP connection.
func fdOf(conn net.Conn) string {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return ""
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return ""
	}
	var fd string
	_ = raw.Control(func(f uintptr) { fd = strconv.FormatUint(uint64(f), 10) })
	return fd
}

// port is the port of a listener's address.
func port(addr net.Addr) string {
	_, p, _ := net.SplitHostPort(addr.String())
	return p
}
