// Package webhook is notify's webhook channel: its configuration, the body
// of a delivery (the `events --json` object as it is, or a ready-made
// message for Slack, Mattermost, Discord or ntfy), its HMAC-SHA256
// signature, and one POST.
//
// Retries are not done here: a failed delivery stays in notify's outbox
// and is tried again with backoff, keeping its delivery id, so that a
// receiver can drop a copy.
//
// Verifying a delivery, on the receiver's side: the signature covers the
// time it was sent and its delivery id with the body, so that a delivery
// captured once (a proxy's log, a request bin) cannot be replayed later,
// nor under another id past a receiver's check for copies:
//
//	ts := r.Header.Get("X-Policywatch-Timestamp") // Unix seconds
//	mac := hmac.New(sha256.New, secret)
//	mac.Write([]byte(ts + "." + r.Header.Get("X-Policywatch-Delivery") + "."))
//	mac.Write(body)
//	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
//	ok := hmac.Equal([]byte(want), []byte(r.Header.Get("X-Policywatch-Signature-256")))
//	// and ts within five minutes of now (VerifyDelivery does both)
//
// It is a leaf of notify: it imports the standard library, and monitor/fetch
// to read Retry-After as the fetcher does.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/policywatch/policywatch/monitor/fetch"
)

// Headers of a delivery.
const (
	HeaderSignature = "X-Policywatch-Signature-256" // "sha256=" and the hex HMAC-SHA256 of "TIMESTAMP.DELIVERY.BODY"
	HeaderTimestamp = "X-Policywatch-Timestamp"     // when this attempt was signed, Unix seconds
	HeaderDelivery  = "X-Policywatch-Delivery"      // stable across retries of one delivery
	HeaderEvent     = "X-Policywatch-Event"         // the event's kind
)

// Tolerance is how far from now VerifyDelivery accepts a delivery's
// timestamp: older, it may be a replay; the sender's and receiver's clocks
// may differ by a little.
const Tolerance = 5 * time.Minute

// Formats of the body.
const (
	FormatJSON       = "json" // the event as `events --json` writes it
	FormatSlack      = "slack"
	FormatMattermost = "mattermost"
	FormatDiscord    = "discord"
	FormatNtfy       = "ntfy"
)

// DefaultTimeout bounds one delivery.
const DefaultTimeout = 15 * time.Second

// Config is one webhook.
type Config struct {
	URL         string
	Secret      string   // resolved from a file or the environment; "": unsigned
	MinSeverity string   // info, notable or critical; "": info
	Format      string   // a Format*; "": json
	Watches     []string // empty: every watch
}

// Validate reports the first thing wrong with the webhook.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil {
		return fmt.Errorf("webhook url %q: %w", c.URL, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("webhook url %q must be absolute, starting with https:// or http://", c.URL)
	}
	switch c.MinSeverity {
	case "", "info", "notable", "critical":
	default:
		return fmt.Errorf("unknown min_severity %q; use info, notable or critical", c.MinSeverity)
	}
	switch c.Format {
	case "", FormatJSON, FormatSlack, FormatMattermost, FormatDiscord, FormatNtfy:
	default:
		return fmt.Errorf("unknown webhook format %q; use json, slack, mattermost, discord or ntfy", c.Format)
	}
	return nil
}

// Delivery is one event to post.
type Delivery struct {
	ID       string // stable across retries
	Kind     string // the event's kind
	Severity string
	JSON     []byte // json.Marshal(monitor.Event)
	Title    string // one line, for the chat formats
	Text     string // a few lines, for the chat formats
	Link     string // the event's web page; "" when none
}

// maxChatText caps the text of a chat message, in runes.
const maxChatText = 3000

// Body returns the request body and its content type for the format.
//
// The chat formats carry a summary that quotes the page (an objection
// form's link text): what the chat would read as markup in it is escaped,
// so that a page can neither mention a whole channel nor dress a link up
// as another (Slack's <!channel> and <url|text>, Mattermost's @all,
// markdown's [text](url)).
func Body(format string, d *Delivery) ([]byte, string, error) {
	var v any
	switch format {
	case "", FormatJSON:
		return d.JSON, "application/json", nil
	case FormatSlack:
		v = map[string]string{"text": chatText(d, slackEscaper.Replace)}
	case FormatMattermost:
		v = map[string]string{"text": chatText(d, mattermostEscaper.Replace)}
	case FormatDiscord:
		// Discord refuses content over 2000 characters; allowed_mentions
		// keeps it from pinging anyone.
		v = map[string]any{"content": cut(chatText(d, markdownEscaper.Replace), 1900), "allowed_mentions": map[string][]string{"parse": {}}}
	case FormatNtfy:
		return []byte(cut(d.Text, maxChatText)), "text/plain; charset=utf-8", nil
	default:
		return nil, "", fmt.Errorf("unknown webhook format %q", format)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, "", fmt.Errorf("webhook body: %w", err)
	}
	return b, "application/json", nil
}

// chatText is the message of a chat format: the title and the text,
// escaped, then the link to the event (policywatch's own).
func chatText(d *Delivery, escape func(string) string) string {
	t := escape(d.Title)
	if d.Text != "" {
		t += "\n" + escape(d.Text)
	}
	if d.Link != "" {
		t += "\n" + d.Link
	}
	return cut(t, maxChatText)
}

// markdownSpecials are the characters Discord's and Mattermost's markdown
// read as formatting, links, quotes or headings; a backslash makes each
// a plain character.
var markdownSpecials = []string{"\\", "[", "]", "*", "_", "~", "`", "|", "<", ">", "#"}

var (
	// slackEscaper is Slack's rule for message text: &, < and > as
	// entities; without < no mention or link can be written.
	slackEscaper    = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	markdownEscaper = strings.NewReplacer(markdownPairs()...)
	// Mattermost has no allowed_mentions: a zero-width space after "@"
	// keeps @all, @channel, @here and @name from being read as mentions.
	mattermostEscaper = strings.NewReplacer(append(markdownPairs(), "@", "@\u200b")...)
)

func markdownPairs() []string {
	var pairs []string
	for _, c := range markdownSpecials {
		pairs = append(pairs, c, "\\"+c)
	}
	return pairs
}

// Sign returns the signature header value of a delivery: "sha256=" and
// the hex HMAC-SHA256, with secret, of its timestamp (the
// X-Policywatch-Timestamp header's value), its delivery id and its body,
// joined by dots.
func Sign(secret []byte, timestamp, delivery string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp + "." + delivery + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyDelivery checks a delivery as a receiver gets it: its signature,
// in constant time, and its timestamp, within Tolerance of now.
func VerifyDelivery(secret []byte, h http.Header, body []byte, now time.Time) error {
	ts := h.Get(HeaderTimestamp)
	if !hmac.Equal([]byte(Sign(secret, ts, h.Get(HeaderDelivery), body)), []byte(h.Get(HeaderSignature))) {
		return errors.New("webhook: the signature does not match")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: timestamp %q is not Unix seconds", ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > Tolerance || d < -Tolerance {
		return fmt.Errorf("webhook: signed %v from now, more than %v: a replay, or a clock that is off", d.Round(time.Second), Tolerance)
	}
	return nil
}

// Error is a failed delivery. Temporary ones (network errors, 408, 425,
// 429, 5xx) are worth retrying; others (404, 410, a redirect…) are not.
type Error struct {
	Err        error
	Status     int
	temporary  bool
	RetryAfter time.Duration // from a 429 or 503's Retry-After; 0: none
}

func (e *Error) Error() string   { return e.Err.Error() }
func (e *Error) Unwrap() error   { return e.Err }
func (e *Error) Temporary() bool { return e.temporary }

// Client posts deliveries.
type Client struct {
	http *http.Client
}

// New returns a client that posts with a timeout of DefaultTimeout.
// Redirects are not followed: a POST redirected becomes a GET, which is
// never what a webhook wants.
func New() *Client {
	return &Client{http: &http.Client{
		Timeout:       DefaultTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Send posts d to the webhook once.
func (c *Client) Send(ctx context.Context, cfg Config, d *Delivery) error {
	body, contentType, err := Body(cfg.Format, d)
	if err != nil {
		return &Error{Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL, bytes.NewReader(body))
	if err != nil {
		return &Error{Err: fmt.Errorf("webhook %s: %w", Redact(cfg.URL), withoutURL(err))}
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "policywatch")
	req.Header.Set(HeaderDelivery, headerValue(d.ID))
	req.Header.Set(HeaderEvent, headerValue(d.Kind))
	if cfg.Secret != "" {
		// Signed at each attempt: a retry hours later is not refused as
		// a replay.
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req.Header.Set(HeaderTimestamp, ts)
		req.Header.Set(HeaderSignature, Sign([]byte(cfg.Secret), ts, headerValue(d.ID), body))
	}
	if cfg.Format == FormatNtfy {
		req.Header.Set("Title", headerValue(cut(d.Title, 200)))
		if d.Link != "" {
			req.Header.Set("Click", headerValue(d.Link))
		}
		if d.Severity == "critical" {
			req.Header.Set("Priority", "high")
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &Error{Err: fmt.Errorf("webhook %s: %w", Redact(cfg.URL), withoutURL(err)), temporary: ctx.Err() == nil}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &Error{Status: resp.StatusCode, Err: fmt.Errorf("webhook %s: %s: %s", Redact(cfg.URL), resp.Status, headerValue(cut(string(snippet), 200)))}
	switch {
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusRequestTimeout,
		resp.StatusCode == http.StatusTooEarly, resp.StatusCode == http.StatusTooManyRequests:
		e.temporary = true
		e.RetryAfter = fetch.RetryAfter(resp.Header, time.Now())
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		e.Err = fmt.Errorf("webhook %s: redirected (%s); configure the final URL", Redact(cfg.URL), resp.Status)
	}
	return e
}

// withoutURL drops the URL that net/url and net/http put in their errors
// ("Post \"https://…/TOKEN\": dial tcp …"): a webhook's URL is often its
// credential, and these errors go to the log, the outbox and the screen.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// Redact shortens a webhook URL to its scheme, host and first path
// segment for messages and listings: webhook URLs often carry their token
// in the path or the query.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	out := u.Scheme + "://" + u.Host
	if first, rest, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/"); first != "" {
		out += "/" + first
		if rest != "" || u.RawQuery != "" {
			out += "/…"
		}
	}
	return out
}

// headerValue makes s safe as a header value or a one-line message.
func headerValue(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToValidUTF8(s, "\uFFFD"), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	}), " ")
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// ErrNotConfigured is returned when a delivery names a webhook the
// configuration no longer has.
var ErrNotConfigured = errors.New("webhook no longer configured")
