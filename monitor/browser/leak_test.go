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

	// Registered before the servers, so that it is closed after them: a
	// leaked connection to it must not hold up their Close.
	tp := startTarpit(t)

	mux := http.NewServeMux()
	tlsSrv := httptest.NewUnstartedServer(mux)
	// Chromium ends a first handshake with httptest's certificate before
	// it ignores the error (below): not worth the server's stderr.
	tlsSrv.Config.ErrorLog = slog.NewLogLogger(testLogger(t).Handler(), slog.LevelDebug)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	plain, release := serve(t, mux) // release is closed before both servers shut down

	mux.Handle("/", htmlHandler(`<!doctype html><p>A policy.</p>
<script>
Promise.allSettled([
	fetch("http://router.test/", {mode: "no-cors"}),
	fetch("https://router.test/", {mode: "no-cors"}),
]).then(() => document.body.insertAdjacentHTML("beforeend", '<p id="policy">refusals seen</p>'));
</script>`))
	// The page is read only once both connections are open, so that they
	// are open when its tab is closed. Its script, and /tarpit's, comes
	// after <body>: a page whose script is its only content has no body
	// until the parser is told the document has ended, which may come
	// after the script's callback (the pages of
	// TestOverlappingRendersThroughDialLeaveNothingBehind waited so for
	// #policy until their timeout).
	mux.Handle("/held", htmlHandler(`<!doctype html><body><script>
window.held = [];
const socket = new Promise((open, fail) => {
	const ws = new WebSocket(location.origin.replace("http", "ws") + "/ws");
	window.held.push(ws);
	ws.onopen = open;
	ws.onerror = () => fail(new Error("WebSocket failed"));
});
const body = fetch("/endless").then(r => { const reader = r.body.getReader(); window.held.push(reader); return reader.read(); });
Promise.all([socket, body]).then(
	() => document.body.insertAdjacentHTML("beforeend", '<p id="policy">held open</p>'),
	e => document.body.insertAdjacentHTML("beforeend", '<p id="policy">not held: ' + e + '</p>'));
</script>`))
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
	// Renders are sequential, so the tarpit's count when the page is
	// served plus two is this page's two connections.
	mux.HandleFunc("/tarpit", func(w http.ResponseWriter, r *http.Request) {
		htmlHandler(fmt.Sprintf(`<!doctype html><body><script>
fetch("http://tarpit.test/", {mode: "no-cors"});
fetch("https://tarpit.test/", {mode: "no-cors"});
fetch("/tarpit-reached?n=%d").then(r => r.text()).then(text =>
	document.body.insertAdjacentHTML("beforeend", '<p id="policy">' + text + '</p>'));
</script>`, tp.accepted()+2))(w, r)
	})
	mux.HandleFunc("/tarpit-reached", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.FormValue("n"))
		for tp.accepted() < n {
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

	var d net.Dialer
	routes := map[string]string{
		"public.test:80":  plain.Listener.Addr().String(),
		"public.test:443": tlsSrv.Listener.Addr().String(),
		"tarpit.test:80":  tp.Addr().String(),
		"tarpit.test:443": tp.Addr().String(),
	}
	dial := func(ctx context.Context, network, address string) (net.Conn, error) {
		to, ok := routes[address]
		if !ok {
			return nil, fmt.Errorf("connecting to %s: %w", address, errPrivate)
		}
		return d.DialContext(ctx, network, to)
	}
	ports := map[string]string{
		port(plain.Listener.Addr()):  "the page server",
		port(tlsSrv.Listener.Addr()): "the TLS page server",
		port(tp.Addr()):              "the tarpit",
	}

	// The warm-up starts Chromium, whose DevTools pipe and goroutines
	// stay for every render after it.
	warmUp, err := b.Render(t.Context(), Request{URL: "http://public.test/", WaitSelectors: []string{"#policy"}, Dial: dial})
	if err != nil {
		t.Fatalf("warm-up render: %v", err)
	}
	if !strings.Contains(string(warmUp.HTML), "refusals seen") {
		t.Fatalf("warm-up render:\n%s", warmUp.HTML)
	}
	waitTabsClosed(t, b)
	// httptest's certificate is not for public.test, nor signed by
	// anyone Chromium trusts; without this no https page loads.
	if _, err := chromedp.CallBrowser(sessionContext(t, b), security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true}); err != nil {
		t.Fatalf("ignoring certificate errors: %v", err)
	}
	baseline := settle(t, b, tp, ports)
	t.Logf("baseline after the warm-up: %s; Chromium has %d processes", baseline, len(descendants(t, b.PID()))+1)

	for _, c := range []struct {
		name   string
		url    string
		giveUp time.Duration // the caller's deadline; 0: none
		want   string        // in the page's HTML, when it renders
		err    error         // what the render fails with, else nil
		during string        // a stage some render's error must name, else the case shows nothing
	}{
		{name: "a page whose requests are refused", url: "http://public.test/", want: "refusals seen"},
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
		{name: "given up by the caller while the tab opens", url: "http://public.test/", giveUp: 2 * time.Millisecond, err: context.DeadlineExceeded, during: "opening a tab"},
	} {
		ok := t.Run(c.name, func(t *testing.T) {
			before := settle(t, b, tp, ports)
			var errs []string
			for range leakRounds {
				// A tab that is never closed keeps its token: the
				// wait for a free one must end too.
				limit := 30 * time.Second
				if c.giveUp > 0 {
					limit = c.giveUp
				}
				ctx, cancel := context.WithTimeout(t.Context(), limit)
				p, err := b.Render(ctx, Request{URL: c.url, WaitSelectors: []string{"#policy"}, Dial: dial})
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
			waitNothingLeft(t, b, tp, ports, before)
		})
		if !ok {
			// Every render after a tab that never closes would wait
			// for a free one.
			waitTabsClosed(t, b)
		}
	}

	waitNothingLeft(t, b, tp, ports, baseline)
	t.Logf("after %d renders: Chromium has %d processes", 1+7*leakRounds, len(descendants(t, b.PID()))+1)
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

// accepted is how many connections the tarpit holds: all it accepted.
func (tp *tarpit) accepted() int {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return len(tp.conns)
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
func measure(t *testing.T, b *Browser, tp *tarpit, ports map[string]string) residue {
	t.Helper()
	ctx := sessionContext(t, b)
	contexts, err := chromedp.CallBrowser(ctx, target.GetBrowserContexts, cdp.Empty{})
	if err != nil {
		t.Fatalf("listing browser contexts: %v", err)
	}
	targets, err := chromedp.CallBrowser(ctx, target.GetTargets, target.GetTargetsParams{})
	if err != nil {
		t.Fatalf("listing targets: %v", err)
	}
	r := residue{stacks: goroutineStacks(t), fds: openFDs(t, ports), contexts: contexts.BrowserContextIDs}
	for _, info := range targets.TargetInfos {
		r.targets = append(r.targets, info.Type+" "+info.URL)
	}
	tp.mu.Lock()
	for _, conn := range tp.conns {
		delete(r.fds, fdOf(conn))
	}
	tp.mu.Unlock()
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
func settle(t *testing.T, b *Browser, tp *tarpit, ports map[string]string) residue {
	t.Helper()
	last := measure(t, b, tp, ports)
	deadline := time.Now().Add(settleWithin)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		r := measure(t, b, tp, ports)
		if r.String() == last.String() {
			return r
		}
		last = r
	}
	return last
}

// waitNothingLeft waits until the process and the browser hold no more
// than before.
func waitNothingLeft(t *testing.T, b *Browser, tp *tarpit, ports map[string]string, before residue) {
	t.Helper()
	start := time.Now()
	for {
		r := measure(t, b, tp, ports)
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
