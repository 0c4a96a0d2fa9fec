package notify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/policywatch/policywatch/internal/notifystore"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/fetch"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/email"
	"github.com/policywatch/policywatch/store"
)

// dbStore is the command's adapter of *store.DB to notify.Store.
type dbStore = notifystore.Store

// clock is a simulated clock, shared by the Checker and the Service.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// t0 is a Tuesday morning.
var t0 = time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC)

// digestTime is the first daily digest time after t0: Wednesday 08:00.
var digestTime = time.Date(2026, 5, 13, 8, 0, 0, 0, time.UTC)

// atDigestTime sets the clock to digestTime and runs two turns, as the
// daemon would around it: a second turn must send nothing more.
func (r *rig) atDigestTime(t testing.TB, svc *notify.Service) {
	t.Helper()
	r.clock.Set(digestTime)
	tick(t, svc)
	tick(t, svc)
}

// rig is the daemon's path end to end: a page server, the real fetcher
// and Checker, a real SQLite file, and a Service on the same clock.
type rig struct {
	t       testing.TB
	db      *store.DB
	store   dbStore
	clock   *clock
	pages   *pageServer
	checker *monitor.Checker
	watch   monitor.Watch
}

func newRig(t testing.TB) *rig {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "policywatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{now: t0}
	pages := newPageServer(t)
	client := fetch.New(fetch.Options{UserAgent: "policywatch-test", Retries: -1, Timeout: 10 * time.Second})
	return &rig{
		t: t, db: db, store: dbStore{DB: db}, clock: c, pages: pages,
		checker: monitor.NewChecker(client, db, monitor.WithClock(c.Now), monitor.WithLogger(quiet)),
		watch:   monitor.Watch{Name: "nimbus", URL: pages.URL + "/policy", Fetcher: "http", Language: "en"},
	}
}

// restored is the rig after a restore of backup: the same page server
// and clock, the backup's database in place of the rig's.
func (r *rig) restored(backup string) *rig {
	r.t.Helper()
	db, err := store.Open(context.Background(), backup)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { db.Close() })
	r2 := *r
	r2.db, r2.store = db, dbStore{DB: db}
	r2.checker = monitor.NewChecker(fetch.New(fetch.Options{UserAgent: "policywatch-test", Retries: -1, Timeout: 10 * time.Second}),
		db, monitor.WithClock(r.clock.Now), monitor.WithLogger(quiet))
	return &r2
}

// check serves page (a file of testdata/, or raw HTML) at time at and runs
// one check; it returns the events recorded.
func (r *rig) check(page string, at time.Time) []monitor.Event {
	r.t.Helper()
	return r.checkAs(r.watch.Name, page, at)
}

// checkAs checks the watch of this name (another path of the page server).
func (r *rig) checkAs(name, page string, at time.Time) []monitor.Event {
	r.t.Helper()
	w := r.watch
	w.Name, w.URL = name, r.pages.URL+"/"+url.PathEscape(name)
	body := []byte(page)
	if !strings.Contains(page, "<") {
		b, err := os.ReadFile(filepath.Join("testdata", page))
		if err != nil {
			r.t.Fatal(err)
		}
		body = b
	}
	r.pages.serve(body)
	r.clock.Set(at)
	res, err := r.checker.Check(context.Background(), w)
	if err != nil {
		r.t.Fatalf("check at %s: %v", at, err)
	}
	return res.Events
}

func (r *rig) subscribe(address string, mutate func(*notify.Subscriber)) notify.Subscriber {
	r.t.Helper()
	sub, err := notify.NewSubscriber(address, nil, "", "", []string{r.watch.Name}, r.clock.Now())
	if err != nil {
		r.t.Fatal(err)
	}
	if mutate != nil {
		mutate(&sub)
	}
	stored, err := r.store.Subscribe(context.Background(), sub)
	if err != nil {
		r.t.Fatal(err)
	}
	return stored
}

// service returns a Service on the rig's store and clock, sending through
// the mail server ms (nil: no email), its webhooks recorded as starting
// now.
func (r *rig) service(cfg notify.Config, ms *mailServer, opts ...notify.Option) *notify.Service {
	r.t.Helper()
	if ms != nil {
		cfg.SMTP = ms.config()
		opts = append(opts, notify.WithEmailOptions(email.WithTLSConfig(ms.clientTLS)))
	}
	svc, err := notify.New(cfg, r.store, append([]notify.Option{notify.WithClock(r.clock.Now), notify.WithLogger(quiet)}, opts...)...)
	if err != nil {
		r.t.Fatal(err)
	}
	// As the daemon does before its first pass: the webhooks hear of the
	// events checked from now on.
	if err := svc.RecordWebhooks(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	return svc
}

// waitFor polls ok every millisecond until it holds, and fails the test
// after 30 s saying what it waited for: what a running daemon does is
// waited for by what it did (turns, polls, messages), never for a time.
func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// tick runs one turn of the daemon's notification loop.
// runInBackground runs svc.Run, as the daemon does, until the returned
// stop is called or the test ends; Run returning an error fails the test.
func runInBackground(t testing.TB, svc *notify.Service) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func tick(t testing.TB, svc *notify.Service) {
	t.Helper()
	if err := svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) outbox(statuses ...string) []store.OutboxItem {
	r.t.Helper()
	rows, err := r.db.OutboxRows(context.Background(), statuses, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	return rows
}

// settled checks that rows are recorded as sent, and that another turn
// sends nothing: ms has still received msgs messages.
func (r *rig) settled(svc *notify.Service, ms *mailServer, rows, msgs int) {
	r.t.Helper()
	if sent := r.outbox(store.OutboxSent); len(sent) != rows {
		r.t.Errorf("%d rows sent, want %d", len(sent), rows)
	}
	tick(r.t, svc)
	if n := len(ms.messages()); n != msgs {
		r.t.Errorf("%d messages after another turn, want still %d", n, msgs)
	}
}

// pageServer serves whatever body the test sets, with the status set
// (0: 200).
type pageServer struct {
	*httptest.Server
	mu     sync.Mutex
	body   []byte
	status int
}

func newPageServer(t testing.TB) *pageServer {
	p := &pageServer{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		body, status := p.body, p.status
		p.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if status != 0 {
			w.WriteHeader(status)
		}
		w.Write(body)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *pageServer) serve(body []byte) { p.mu.Lock(); p.body = body; p.mu.Unlock() }

// fail answers every request with status (0: serve the body again).
func (p *pageServer) fail(status int) { p.mu.Lock(); p.status = status; p.mu.Unlock() }

// mailServer is a real SMTP server (github.com/emersion/go-smtp) on the
// loopback interface, with STARTTLS and PLAIN authentication, that keeps
// what it receives.
type mailServer struct {
	t         testing.TB
	addr      string
	server    *smtp.Server
	clientTLS *tls.Config
	serverTLS *tls.Config
	implicit  bool // TLS from the first byte (port 465's way), not STARTTLS

	mu       sync.Mutex
	received []received
	// reject, while > 0, answers that many DATA commands with a temporary
	// failure; refused keeps the messages so refused.
	reject  int
	refused []received
	// onData, when set, is called at each DATA before the message is kept
	// (outside mu: it may wait); an error it returns refuses the message.
	onData func() error
}

// deferNext makes the server answer the next n messages with a temporary
// failure (451).
func (ms *mailServer) deferNext(n int) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.reject = n
}

type received struct {
	From string
	To   []string
	Data []byte
}

const (
	smtpUser     = "alerts@policywatch.example"
	smtpPassword = "correct horse battery staple"
)

// newMailServer starts a server on a free port.
func newMailServer(t testing.TB) *mailServer {
	ms := newStoppedMailServer(t)
	ms.start()
	return ms
}

// newStoppedMailServer reserves a port but does not listen on it yet:
// connections are refused until start.
func newStoppedMailServer(t testing.TB) *mailServer {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	serverTLS, clientTLS := testTLS(t)
	return &mailServer{t: t, addr: addr, serverTLS: serverTLS, clientTLS: clientTLS}
}

func (ms *mailServer) start() {
	ms.t.Helper()
	s := smtp.NewServer(&backend{ms: ms})
	s.Domain = "mx.test"
	s.TLSConfig = ms.serverTLS
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.MaxMessageBytes = 1 << 20
	var l net.Listener
	var err error
	for try := 0; try < 50; try++ { // the port was just released
		if l, err = net.Listen("tcp", ms.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		ms.t.Fatal(err)
	}
	ms.server = s
	if ms.implicit {
		l = tls.NewListener(l, ms.serverTLS)
	}
	go s.Serve(l)
	ms.t.Cleanup(func() { s.Close() })
}

func (ms *mailServer) config() *email.Config {
	host, port, _ := net.SplitHostPort(ms.addr)
	p, _ := strconv.Atoi(port)
	mode := email.TLSStartTLS
	if ms.implicit {
		mode = email.TLSImplicit
	}
	return &email.Config{Host: host, Port: p, TLS: mode, Username: smtpUser, Password: smtpPassword,
		From: "policywatch <alerts@policywatch.example>", Timeout: 5 * time.Second}
}

func (ms *mailServer) messages() []received {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]received(nil), ms.received...)
}

type backend struct{ ms *mailServer }

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{ms: b.ms, conn: c}, nil
}

type session struct {
	ms     *mailServer
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if _, isTLS := s.conn.TLSConnectionState(); !isTLS {
			return errors.New("authentication needs TLS")
		}
		if username != smtpUser || password != smtpPassword {
			// As real servers answer a wrong password.
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication credentials invalid"}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.ms.onData != nil {
		if err := s.ms.onData(); err != nil {
			return err
		}
	}
	s.ms.mu.Lock()
	defer s.ms.mu.Unlock()
	if s.ms.reject > 0 {
		s.ms.reject--
		s.ms.refused = append(s.ms.refused, received{From: s.from, To: s.to, Data: data})
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.ms.received = append(s.ms.received, received{From: s.from, To: s.to, Data: data})
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// testTLS makes a certificate authority and a certificate for 127.0.0.1.
func testTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client
}

// parsedMail is a received message, decoded.
type parsedMail struct {
	Header     mail.Header
	Text, HTML string
	Raw        []byte
}

func parseMail(t testing.TB, raw []byte) *parsedMail {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, raw)
	}
	p := &parsedMail{Header: m.Header, Raw: raw}
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		p.Text = decodePart(t, m.Header.Get("Content-Transfer-Encoding"), m.Body)
		return p
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		body := decodePart(t, part.Header.Get("Content-Transfer-Encoding"), part)
		switch ct {
		case "text/plain":
			p.Text = body
		case "text/html":
			p.HTML = body
		}
	}
	return p
}

func decodePart(t testing.TB, encoding string, r io.Reader) string {
	t.Helper()
	if strings.EqualFold(encoding, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// subject decodes the Subject header.
func (p *parsedMail) subject(t testing.TB) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(p.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
