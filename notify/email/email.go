// Package email is notify's email channel: its configuration, the building
// of a message (multipart text and HTML, with Date, Message-ID, List-Id and
// RFC 8058 one-click List-Unsubscribe headers) and its sending over SMTP
// with STARTTLS or implicit TLS and authentication, by
// github.com/wneessen/go-mail.
//
// Building is separate from sending so that messages are tested without a
// network. Every header value is stripped of control characters before it
// is encoded: text scraped from a page can never add a header.
//
// It is a leaf of notify: it imports the standard library and go-mail,
// nothing of policywatch.
package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"
	"golang.org/x/net/idna"
)

// TLS modes.
const (
	TLSNone     = "none"     // plain text: only for a relay on the same host
	TLSStartTLS = "starttls" // upgrade with STARTTLS, refuse to go on without it (port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
)

// DefaultTimeout bounds connecting and each SMTP command; a whole message
// is bounded by DefaultMessageTime whatever the timeout, so a timeout
// beyond it (a relay that scans each message for minutes) does not help.
const DefaultTimeout = 30 * time.Second

// Config is how to reach the SMTP server.
type Config struct {
	Host     string
	Port     int    // 0: 587 for starttls, 465 for tls, 25 for none
	TLS      string // TLSNone, TLSStartTLS or TLSImplicit; "" is starttls
	Username string // "": no authentication
	Password string // resolved from a file or the environment, never the YAML
	From     string // "policywatch <alerts@example.org>"
	Timeout  time.Duration
}

// Validate reports the first thing wrong with the configuration.
func (c Config) Validate() error {
	if strings.TrimSpace(c.Host) == "" {
		return errors.New("smtp host is missing")
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("smtp port %d is out of range", c.Port)
	}
	switch c.TLS {
	case "", TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return fmt.Errorf("unknown smtp tls mode %q; use none, starttls or tls", c.TLS)
	}
	if _, err := ParseFrom(c.From); err != nil {
		return err
	}
	if c.Username != "" && c.Password == "" {
		return errors.New("smtp username is set but no password was found (password_file or POLICYWATCH_SMTP_PASSWORD)")
	}
	return nil
}

// ParseFrom checks a From value: an address with an optional display name.
func ParseFrom(from string) (*mail.Address, error) {
	if strings.TrimSpace(from) == "" {
		return nil, errors.New("smtp from is missing")
	}
	if strings.ContainsAny(from, "\r\n") {
		return nil, errors.New("smtp from must be on one line")
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("smtp from %q is not an address: %w", from, err)
	}
	if _, err := ASCIIDomain(a.Address); err != nil {
		return nil, fmt.Errorf("smtp from %q: %w", from, err)
	}
	return a, nil
}

// ASCIIDomain returns an address with its domain as it goes on the wire:
// an internationalised domain (bücher.example) as its A-label
// (xn--bcher-kva.example), since SMTP without SMTPUTF8, Message-IDs and
// List-Ids take ASCII only. The local part is left alone.
func ASCIIDomain(address string) (string, error) {
	at := strings.LastIndexByte(address, '@')
	domain := address[at+1:]
	if isASCII(domain) {
		return address, nil
	}
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return "", fmt.Errorf("the domain %q is not a valid internationalised domain name: %w", domain, err)
	}
	return address[:at+1] + ascii, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Message is one email.
type Message struct {
	To      string // a bare address, validated when subscribing
	Subject string
	Text    string // the text/plain part
	HTML    string // the text/html part; "" for text only
	Date    time.Time
	// MessageID is the Message-ID without its angle brackets. A resent
	// message keeps it, so that receivers can drop the copy.
	MessageID string
	// ListID is the List-Id value, such as "policywatch <policywatch.example.org>".
	ListID string
	// Unsubscribe is an https URL that unsubscribes with one POST (RFC
	// 8058); "" for messages not sent to a subscriber.
	Unsubscribe string
}

// maxSubject caps a subject, in runes: longer ones are cut with "…".
const maxSubject = 200

// HeaderText makes s safe as the text of a header: every control or
// format character (CR, LF, tab, U+2028…) becomes a space, runs of spaces
// fold into one, invalid UTF-8 is replaced, and the result is at most max
// runes (cut with "…").
func HeaderText(s string, max int) string {
	fields := strings.FieldsFunc(strings.ToValidUTF8(s, "\uFFFD"), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	})
	out := strings.Join(fields, " ")
	if max > 0 && utf8.RuneCountInString(out) > max {
		out = string([]rune(out)[:max-1]) + "…"
	}
	return out
}

// Build turns m into a go-mail message from from. It refuses a message
// whose To is not one bare address or whose Unsubscribe is not an https
// (or, for local tests, http) URL.
func Build(from *mail.Address, m *Message) (*gomail.Msg, error) {
	if m.To == "" || strings.ContainsAny(m.To, "\r\n<>,;\"") {
		return nil, errors.New("the recipient is not one bare address")
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil || to.Name != "" || to.Address != m.To {
		return nil, errors.New("the recipient is not one bare address")
	}
	if to.Address, err = ASCIIDomain(to.Address); err != nil {
		return nil, fmt.Errorf("the recipient: %w", err)
	}
	sender := *from
	if sender.Address, err = ASCIIDomain(from.Address); err != nil {
		return nil, fmt.Errorf("the sender: %w", err)
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(&sender)
	msg.ToMailAddress(to)
	if subject := HeaderText(m.Subject, maxSubject); strings.Contains(subject, "=?") {
		// Scraped text shaped as an encoded word (RFC 2047) would be
		// decoded by the reader's mail client into what it encodes —
		// control or format characters HeaderText took out, a line
		// break — since go-mail leaves an ASCII subject as it is: the
		// whole subject is encoded, so that it reads as written.
		msg.SetGenHeaderPreformatted(gomail.HeaderSubject, encodedWords(subject))
	} else {
		msg.Subject(subject)
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	msg.SetDateWithValue(date)
	if m.MessageID != "" {
		if !validMessageID(m.MessageID) {
			return nil, fmt.Errorf("invalid Message-ID %q", m.MessageID)
		}
		msg.SetMessageIDWithValue(m.MessageID)
	} else {
		msg.SetMessageID()
	}
	if m.ListID != "" {
		msg.SetGenHeader("List-Id", HeaderText(m.ListID, 200))
	}
	if m.Unsubscribe != "" {
		u, err := url.Parse(m.Unsubscribe)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(m.Unsubscribe, "<>\r\n ") {
			return nil, fmt.Errorf("unsubscribe URL %q is not an http(s) URL", m.Unsubscribe)
		}
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, "<"+u.String()+">")
		// RFC 8058 one-click is for an https URL only: over http, a mail
		// provider would POST the token in the clear (and Gmail ignores
		// it); the link still works from the message.
		if u.Scheme == "https" {
			msg.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
		}
	}
	// RFC 3834: no vacation replies to a machine.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(gomail.TypeTextPlain, strings.ToValidUTF8(m.Text, "\uFFFD"))
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, strings.ToValidUTF8(m.HTML, "\uFFFD"))
	}
	return msg, nil
}

// encodedWords writes s as RFC 2047 encoded words (UTF-8, base64), one a
// line, each line under 78 characters with the header's name: readers
// decode them to s, and take none of its text for an encoded word.
func encodedWords(s string) string {
	const chunk = 42 // bytes of UTF-8 a word carries: 56 of base64, 68 with its delimiters
	var words []string
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > chunk {
				break
			}
			n += size
		}
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}

// validMessageID accepts id-left "@" id-right made of the characters
// Message-IDs use in practice (RFC 5322 dot-atom-text).
func validMessageID(id string) bool {
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" || len(id) > 250 {
		return false
	}
	for _, r := range id {
		if !(r == '@' || r == '.' || r == '-' || r == '_' || r == '+' || r == '=' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return strings.Count(id, "@") == 1
}

// Render returns the message as it goes on the wire (for dry runs and
// tests).
func Render(from *mail.Address, m *Message) ([]byte, error) {
	msg, err := Build(from, m)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("render message: %w", err)
	}
	return buf.Bytes(), nil
}

// Error is a failed send. Temporary errors (connection refused, timeouts,
// 4xx replies) are worth retrying; permanent ones (5xx replies such as an
// unknown recipient) are not.
// An error may quote the server's reply, and a reply may name the
// recipient ("550 <a@example.org>: no such user"): a caller that logs it
// or stores it where addresses must not be redacts it (notify's
// withoutAddress puts the subscriber's id in its place).
type Error struct {
	Err       error
	temporary bool
}

func (e *Error) Error() string   { return e.Err.Error() }
func (e *Error) Unwrap() error   { return e.Err }
func (e *Error) Temporary() bool { return e.temporary }

// AuthFailed says the server refused the username and password (a 535
// reply, 5.7.8): temporary, as the password may be put right meanwhile.
func (e *Error) AuthFailed() bool {
	var te *textproto.Error
	return errors.As(e.Err, &te) && te.Code == 535
}

// Client sends messages through one SMTP server.
type Client struct {
	cfg         Config
	from        *mail.Address
	tlsConfig   *tls.Config   // set by New: the option's, or one for the host
	messageTime time.Duration // see DefaultMessageTime
}

// DefaultMessageTime bounds the whole exchange of one message, however
// slowly a server trickles its bytes (each read and write has the idle
// timeout too): the caller holds each message's outbox row for a lease
// (notify.Lease, 5 minutes) renewed right before it, and a message still
// going when the lease ends could be sent again by another sender.
const DefaultMessageTime = 2 * time.Minute

// WithMessageTime sets the bound of one message's exchange (see
// DefaultMessageTime).
func WithMessageTime(d time.Duration) Option { return func(cl *Client) { cl.messageTime = d } }

// Option configures a Client.
type Option func(*Client)

// WithTLSConfig sets the TLS configuration (tests trust their own
// certificate authority with it).
func WithTLSConfig(c *tls.Config) Option { return func(cl *Client) { cl.tlsConfig = c } }

// New returns a client for cfg, which must be valid.
func New(cfg Config, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	from, err := ParseFrom(cfg.From)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	c := &Client{cfg: cfg, from: from, messageTime: DefaultMessageTime}
	for _, o := range opts {
		o(c)
	}
	// One TLS configuration for STARTTLS and implicit TLS alike, checking
	// the certificate against the host (go-mail's default when none is
	// given).
	if c.tlsConfig == nil {
		c.tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		c.tlsConfig = c.tlsConfig.Clone()
	}
	if c.tlsConfig.ServerName == "" {
		c.tlsConfig.ServerName = cfg.Host
	}
	return c, nil
}

// From is the sender's address.
func (c *Client) From() *mail.Address { return c.from }

// Send sends the messages in turn over one connection and calls done
// with each message's outcome (nil: the server accepted it) right after
// its attempt, before the next message goes out, so that the caller can
// record it at once. before, unless nil, is called right before each
// message goes out, when the session may have lasted long already: a
// message it says false to is not sent, and gets no done. When the
// connection cannot be made or breaks, the messages left get that error
// (without before: none of them is sent). Send stops early and returns the
// error of before or done when either fails.
func (c *Client) Send(ctx context.Context, msgs []*Message, before func(i int) (bool, error), done func(i int, err error) error) error {
	built := make([]*gomail.Msg, len(msgs))
	pending := 0
	for i, m := range msgs {
		b, err := Build(c.from, m)
		if err != nil {
			if err := done(i, &Error{Err: err}); err != nil {
				return err
			}
			continue
		}
		built[i] = b
		pending++
	}
	if pending == 0 {
		return nil
	}
	failAll := func(from int, err error) error {
		for i := from; i < len(msgs); i++ {
			if built[i] != nil {
				if err := done(i, err); err != nil {
					return err
				}
			}
		}
		return nil
	}
	var dialed net.Conn // closed however the session ends
	defer func() {
		if dialed != nil {
			dialed.Close()
		}
	}()
	client, err := c.goMailClient(c.dialer(ctx, &dialed))
	if err != nil {
		return failAll(0, &Error{Err: err})
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if c.cfg.TLS == TLSStartTLS && strings.Contains(err.Error(), "does not support STARTTLS") {
			// go-mail names its own policy ("TLSMandatory"), which no
			// configuration says: say it in the configuration's words.
			err = fmt.Errorf("the server does not offer STARTTLS, which notify.smtp.tls: %s requires: use the port that does (587), tls: implicit for port 465, or tls: none on a network you trust (go-mail: %w)", TLSStartTLS, err)
		}
		return failAll(0, &Error{Err: fmt.Errorf("connect to %s: %w", c.addr(), err), temporary: true})
	}
	defer client.CloseWithSMTPClient(conn)
	for i, b := range built {
		if b == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return failAll(i, &Error{Err: err, temporary: true})
		}
		if before != nil {
			send, err := before(i)
			if err != nil {
				return err
			}
			if !send {
				continue
			}
		}
		dc, _ := dialed.(*deadlineConn)
		if dc != nil {
			dc.until.Store(time.Now().Add(c.messageTime).UnixNano())
		}
		var sendErr error
		if err := client.SendWithSMTPClient(conn, b); err != nil {
			se := b.SendError()
			if se == nil {
				se = err
			}
			// A reply cut by a deadline can reach go-mail as a protocol
			// error ("short response"), not as the timeout it was: the
			// connection says so.
			broken := isConnError(se) || dc != nil && dc.failed.Load()
			// A refusal of the server's says what it is (5xx: for good)
			// even when the connection broke after it (go-mail answers a
			// refused recipient with RSET, which a server may cut); a
			// session broken before any reply is a failure for now.
			var gse *gomail.SendError
			refused := errors.As(se, &gse) && gse.ErrorCode() >= 500
			temporary := b.SendErrorIsTemp() || broken && !refused
			sendErr = &Error{Err: fmt.Errorf("send via %s: %w", c.addr(), se), temporary: temporary}
			if broken {
				// This message has its own outcome; those not tried yet
				// fail for now with the connection, not with this one's
				// error (a refusal of this recipient, quoting its address).
				if err := done(i, sendErr); err != nil {
					return err
				}
				return failAll(i+1, &Error{Err: fmt.Errorf("send via %s: the connection broke before this message was tried", c.addr()), temporary: true})
			}
		}
		if err := done(i, sendErr); err != nil {
			return err
		}
	}
	return nil
}

// dialer returns go-mail's dial function for one Send. go-mail bounds the
// dial by the timeout but not what follows: a server that accepts the
// connection and never speaks (a wedged relay, a tarpit) held Send, and
// with it every notification and the daemon's shutdown, for ever. Every
// read and write of the connection therefore gets the timeout as a
// deadline, and ctx's end cuts the connection. The connection is kept in
// *dialed so that Send closes it even when go-mail gives up on it half
// way (a failed HELO or login leaves it open).
func (c *Client) dialer(ctx context.Context, dialed *net.Conn) gomail.DialContextFunc {
	return func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		raw, err := d.DialContext(dialCtx, network, addr)
		if err != nil {
			return nil, err
		}
		conn := newDeadlineConn(ctx, raw, c.cfg.Timeout)
		*dialed = conn
		if c.cfg.TLS != TLSImplicit {
			return conn, nil
		}
		tc := tls.Client(conn, c.tlsConfig)
		if err := tc.HandshakeContext(dialCtx); err != nil {
			return nil, err
		}
		return tc, nil
	}
}

// deadlineConn gives each read and write a deadline of idle from its
// start, or until when that is sooner, and fails them once ctx is done.
type deadlineConn struct {
	net.Conn
	ctx    context.Context
	idle   time.Duration
	until  atomic.Int64 // Unix nanoseconds; 0: none (see DefaultMessageTime)
	failed atomic.Bool  // a read or write failed: the session cannot go on
	stop   func() bool
}

func (c *deadlineConn) deadline() time.Time {
	d := time.Now().Add(c.idle)
	if u := c.until.Load(); u != 0 && u < d.UnixNano() {
		return time.Unix(0, u)
	}
	return d
}

func newDeadlineConn(ctx context.Context, conn net.Conn, idle time.Duration) *deadlineConn {
	return &deadlineConn{Conn: conn, ctx: ctx, idle: idle,
		stop: context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })}
}

// Read and Write set the deadline before looking at ctx: a cancellation
// in between would otherwise have its past deadline overwritten.
func (c *deadlineConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(c.deadline())
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	c.noteFailure(err)
	return n, err
}

// noteFailure remembers a read or write that failed for a reason of the
// connection (a timeout, a reset), not its end.
func (c *deadlineConn) noteFailure(err error) {
	var ne net.Error
	if errors.As(err, &ne) {
		c.failed.Store(true)
	}
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(c.deadline())
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.Conn.Write(p)
	c.noteFailure(err)
	return n, err
}

func (c *deadlineConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// isConnError says whether err is a broken connection rather than a reply
// of the server.
func isConnError(err error) bool {
	var ne net.Error
	var se *gomail.SendError
	if errors.As(err, &se) && se.Reason == gomail.ErrConnCheck {
		return true
	}
	return errors.As(err, &ne)
}

func (c *Client) addr() string { return net.JoinHostPort(c.cfg.Host, strconv.Itoa(c.port())) }

func (c *Client) port() int {
	if c.cfg.Port != 0 {
		return c.cfg.Port
	}
	switch c.cfg.TLS {
	case TLSImplicit:
		return gomail.DefaultPortSSL
	case TLSNone:
		return gomail.DefaultPort
	}
	return gomail.DefaultPortTLS
}

func (c *Client) goMailClient(dial gomail.DialContextFunc) (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(c.port()), gomail.WithTimeout(c.cfg.Timeout), gomail.WithDialContextFunc(dial)}
	switch c.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSImplicit:
		// The dialer makes the TLS connection (go-mail's WithSSL does not
		// apply with a dialer of one's own). Opportunistic, so that go-mail
		// looks at the connection, finds it TLS, and lets PLAIN
		// authentication through.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	opts = append(opts, gomail.WithTLSConfig(c.tlsConfig))
	if c.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(c.cfg.Username), gomail.WithPassword(c.cfg.Password))
	}
	client, err := gomail.NewClient(c.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client for %s: %w", c.addr(), err)
	}
	return client, nil
}
