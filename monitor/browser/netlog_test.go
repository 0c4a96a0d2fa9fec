package browser

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// closedPort is where session.go sends what Chromium would otherwise
// send to Google for itself (gaia-url, the gcm-* switches): port 0, which
// Chromium refuses before it opens a socket (ERR_UNSAFE_PORT).
const closedPort = "127.0.0.1:0"

// checkinWithin bounds the wait for GCM's first check-in, which Chromium
// 148 sends about 3 s after it starts (25 s later again, after a failure).
const checkinWithin = time.Minute

// TestChromiumMakesNoConnectionOfItsOwn reads Chromium's own account of
// its network (its net log) over a browser session as the daemon runs
// one: a page of a public address rendered through a Dial, and a page of
// the server's own network rendered without. Every connection Chromium
// asked its network stack for went through a render's proxy or to the
// page rendered without Dial; none went anywhere directly for Chromium
// itself, it resolved no name and sent nothing over UDP (DNS). What the
// proxy sees (TestRenderConnectsOnlyThroughDial) is only the renders'
// browser contexts; the profile's own connections, GCM's check-in with
// android.clients.google.com for one, do not go through it.
//
// Chromium has had its chance when GCM's check-in request is in the log:
// the test waits for it (sent to the closed port, with the fix) and only
// then closes the browser.
func TestChromiumMakesNoConnectionOfItsOwn(t *testing.T) {
	file := filepath.Join(t.TempDir(), "netlog.json")
	b := newBrowser(t, Options{netLog: file})
	srv, _ := serve(t, htmlHandler(`<p id="policy">A page.</p>
<script src="/script.js"></script><script>fetch("/fetch").catch(() => {})</script>`))
	server := srv.Listener.Addr().String()

	if _, err := b.Render(t.Context(), Request{URL: "http://public.test/", Dial: publicOnly(srv, &dialLog{}), WaitSelectors: []string{"#policy"}}); err != nil {
		t.Fatalf("render through Dial: %v", err)
	}
	if _, err := b.Render(t.Context(), Request{URL: srv.URL + "/", WaitSelectors: []string{"#policy"}}); err != nil {
		t.Fatalf("render without Dial: %v", err)
	}

	checkin := trafficAnnotation("gcm_checkin")
	deadline := time.Now().Add(checkinWithin)
	for {
		log, err := readNetLog(file)
		if err != nil {
			t.Fatal(err)
		}
		if len(log.requests(checkin)) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Chromium sent no GCM check-in within %v of its start: "+
				"if this Chromium no longer does, the test must find another sign that Chromium had its chance", checkinWithin)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	log, err := readNetLog(file)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("GCM's check-in: %s", strings.Join(log.requests(checkin), ", "))

	var proxied []string
	proxies := map[string]bool{}
	for _, c := range log.streams() {
		for _, chain := range c.chains {
			if chain != "[direct://]" {
				proxy := strings.Trim(chain, "[]")
				if host, _, err := net.SplitHostPort(proxy); err != nil || host != "127.0.0.1" {
					t.Errorf("%s went through the proxy %s, not a render's on loopback", c.url, chain)
				}
				proxies[proxy] = true
				proxied = append(proxied, c.url)
				continue
			}
			u, err := url.Parse(c.url)
			switch {
			case err != nil:
				t.Errorf("a connection for %q: %v", c.url, err)
			case u.Host == server, u.Host == closedPort:
			default:
				t.Errorf("Chromium connected directly for %s, neither through a render's proxy nor to the test's server", c.url)
			}
		}
	}
	if !slices.Contains(proxied, "http://public.test/") {
		t.Errorf("the page rendered through Dial is not among the requests that went through a proxy (%q): the log shows nothing", proxied)
	}
	for _, address := range log.params("TCP_CONNECT_ATTEMPT", "address") {
		if address != server && !proxies[address] {
			t.Errorf("Chromium opened a connection to %s, neither a render's proxy (%v) nor the test's server", address, proxies)
		}
	}
	for _, host := range log.params("HOST_RESOLVER_MANAGER_JOB", "host") {
		t.Errorf("Chromium resolved %s itself", host)
	}
	for _, address := range log.datagrams() {
		t.Errorf("Chromium sent a datagram to %s", address)
	}
}

// trafficAnnotation is the id Chromium's net log gives a request of the
// network traffic annotation named unique (net/traffic_annotation's
// COMPUTE_NETWORK_TRAFFIC_ANNOTATION_ID_HASH); "gcm_checkin" is 65957842.
func trafficAnnotation(unique string) float64 {
	var h int64
	for i, c := range []byte(unique) {
		if i == 0 {
			h = int64(c)
			continue
		}
		h = (h*31 + int64(c)) % 138003713
	}
	return float64(h)
}

// netLog is Chromium's net log (--log-net-log), as far as it is written.
type netLog struct {
	eventTypes map[int]string
	events     []netLogEvent
}

type netLogEvent struct {
	Type   int `json:"type"`
	Phase  int `json:"phase"` // 0 none, 1 begin, 2 end
	Source struct {
		ID int `json:"id"`
	} `json:"source"`
	Params map[string]any `json:"params"`
}

// readNetLog reads a net log Chromium may still be writing: a line of
// constants, a line opening the list of events, then an event a line,
// each followed by a comma; a line that does not parse (the last, half
// written, or the closing one) ends the events.
func readNetLog(file string) (*netLog, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("Chromium's net log: %w", err)
	}
	lines := bufio.NewScanner(bytes.NewReader(data))
	lines.Buffer(nil, 16<<20)
	if !lines.Scan() {
		return nil, fmt.Errorf("Chromium's net log %s is empty", file)
	}
	var constants struct {
		LogEventTypes map[string]int `json:"logEventTypes"`
	}
	first := strings.TrimSuffix(strings.TrimPrefix(lines.Text(), `{"constants":`), ",")
	if err := json.Unmarshal([]byte(first), &constants); err != nil {
		return nil, fmt.Errorf("the constants of Chromium's net log: %w", err)
	}
	log := &netLog{eventTypes: map[int]string{}}
	for name, id := range constants.LogEventTypes {
		log.eventTypes[id] = name
	}
	lines.Scan() // "events": [
	for lines.Scan() {
		var e netLogEvent
		if json.Unmarshal(bytes.TrimSuffix(lines.Bytes(), []byte(",")), &e) != nil {
			break
		}
		log.events = append(log.events, e)
	}
	return log, nil
}

// params returns the string parameter key of every event of type name
// that has it.
func (l *netLog) params(name, key string) []string {
	var out []string
	for _, e := range l.events {
		if s, ok := e.Params[key].(string); ok && l.eventTypes[e.Type] == name {
			out = append(out, s)
		}
	}
	return out
}

// datagrams returns the address of every datagram sent: its
// UDP_BYTES_SENT names it only on a socket that is not connected, else
// the socket's UDP_CONNECT does. (A UDP socket connected to learn a
// route, as Chromium's probe of IPv6 does, sends nothing.)
func (l *netLog) datagrams() []string {
	connected := map[int]string{}
	var out []string
	for _, e := range l.events {
		address, _ := e.Params["address"].(string)
		switch l.eventTypes[e.Type] {
		case "UDP_CONNECT":
			if address != "" { // its end has none
				connected[e.Source.ID] = address
			}
		case "UDP_BYTES_SENT":
			if address == "" {
				address = connected[e.Source.ID]
			}
			out = append(out, address)
		}
	}
	return out
}

// requests returns the URLs of the requests of a traffic annotation.
func (l *netLog) requests(annotation float64) []string {
	var out []string
	for _, e := range l.events {
		if l.eventTypes[e.Type] == "REQUEST_ALIVE" && e.Params["traffic_annotation"] == annotation {
			out = append(out, fmt.Sprint(e.Params["url"]))
		}
	}
	return out
}

// stream is one HTTP_STREAM_JOB_CONTROLLER: where Chromium decides how
// to reach the server of a request (or of a preconnection) before any
// socket is opened, and which proxy chains it chose for it
// ("[direct://]" for none).
type stream struct {
	url    string
	chains []string
}

func (l *netLog) streams() []*stream {
	byID := map[int]*stream{}
	var out []*stream
	for _, e := range l.events {
		switch l.eventTypes[e.Type] {
		case "HTTP_STREAM_JOB_CONTROLLER":
			if e.Phase == 1 {
				s := &stream{url: fmt.Sprint(e.Params["url"])}
				byID[e.Source.ID] = s
				out = append(out, s)
			}
		case "HTTP_STREAM_JOB_CONTROLLER_PROXY_SERVER_RESOLVED":
			if s := byID[e.Source.ID]; s != nil {
				s.chains = append(s.chains, fmt.Sprint(e.Params["proxy_chain"]))
			}
		}
	}
	return out
}
