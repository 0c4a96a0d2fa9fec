package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestSignVerify: a delivery's signature covers its timestamp, its
// delivery id and its body; a receiver refuses any of them changed, a
// wrong secret, and a delivery signed too long ago (a replay) or too far
// ahead.
func TestSignVerify(t *testing.T) {
	body := []byte(`{"id":1}`)
	sig := Sign([]byte("k"), "1778576400", "event-2", body)
	// Computed independently: python3 -c 'import hmac,hashlib;
	// print(hmac.new(b"k",b"1778576400.event-2.{\"id\":1}",hashlib.sha256).hexdigest())'
	if sig != "sha256=be189f3bc58884f6fab0a5461db9d32bf5ba2c26a525ea636353f6618cb1e046" {
		t.Fatalf("signature %q", sig)
	}
	signedAt := time.Unix(1778576400, 0)
	header := func(ts, id, sig string) http.Header {
		return http.Header{HeaderTimestamp: {ts}, HeaderDelivery: {id}, HeaderSignature: {sig}}
	}
	if err := VerifyDelivery([]byte("k"), header("1778576400", "event-2", sig), body, signedAt.Add(time.Minute)); err != nil {
		t.Errorf("the delivery as sent: %v", err)
	}
	for name, tt := range map[string]struct {
		secret, ts, id, body string
		now                  time.Time
	}{
		"another secret":         {"K", "1778576400", "event-2", `{"id":1}`, signedAt},
		"another body":           {"k", "1778576400", "event-2", `{"id":2}`, signedAt},
		"another delivery id":    {"k", "1778576400", "event-3", `{"id":1}`, signedAt},
		"another timestamp":      {"k", "1778576460", "event-2", `{"id":1}`, signedAt},
		"replayed an hour later": {"k", "1778576400", "event-2", `{"id":1}`, signedAt.Add(time.Hour)},
		"from the future":        {"k", "1778576400", "event-2", `{"id":1}`, signedAt.Add(-10 * time.Minute)},
	} {
		if err := VerifyDelivery([]byte(tt.secret), header(tt.ts, tt.id, sig), []byte(tt.body), tt.now); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T0/B0/XXXX": "https://hooks.slack.com/services/…",
		"https://ntfy.sh/mytopic":                     "https://ntfy.sh/mytopic",
		"https://h.example/hook?token=secret":         "https://h.example/hook/…",
		"https://user:pw@h.example":                   "https://h.example",
		"::":                                          "(invalid URL)",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSendClassifiesFailures(t *testing.T) {
	for status, temporary := range map[int]bool{
		http.StatusInternalServerError: true, http.StatusBadGateway: true, http.StatusTooManyRequests: true,
		http.StatusRequestTimeout: true, http.StatusNotFound: false, http.StatusGone: false,
		http.StatusUnauthorized: false, http.StatusFound: false,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if status == http.StatusFound {
				http.Redirect(w, r, "/elsewhere", status)
				return
			}
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(status)
		}))
		err := New().Send(context.Background(), Config{URL: srv.URL}, &Delivery{ID: "1", JSON: []byte("{}")})
		srv.Close()
		var we *Error
		if !errors.As(err, &we) || we.Temporary() != temporary || we.Status != status {
			t.Errorf("%d: %v (temporary %v), want temporary %v", status, err, we != nil && we.Temporary(), temporary)
		}
		if status == http.StatusTooManyRequests && we.RetryAfter != 2*time.Minute {
			t.Errorf("429 Retry-After %v", we.RetryAfter)
		}
	}
	// A closed port is a temporary failure.
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	err := New().Send(context.Background(), Config{URL: srv.URL}, &Delivery{ID: "1", JSON: []byte("{}")})
	var we *Error
	if !errors.As(err, &we) || !we.Temporary() {
		t.Errorf("connection refused: %v", err)
	}
}

func TestBody(t *testing.T) {
	d := &Delivery{ID: "7", Kind: "change", Severity: "critical", JSON: []byte(`{"id":7}`),
		Title: "nimbus: change (critical)", Text: "Purpose added: AI training.", Link: "https://pw.example/events/7"}
	for format, want := range map[string]string{
		FormatJSON:       `{"id":7}`,
		FormatSlack:      `{"text":"nimbus: change (critical)\nPurpose added: AI training.\nhttps://pw.example/events/7"}`,
		FormatMattermost: `{"text":"nimbus: change (critical)\nPurpose added: AI training.\nhttps://pw.example/events/7"}`,
		FormatDiscord:    `{"allowed_mentions":{"parse":[]},"content":"nimbus: change (critical)\nPurpose added: AI training.\nhttps://pw.example/events/7"}`,
		FormatNtfy:       `Purpose added: AI training.`,
	} {
		body, _, err := Body(format, d)
		if err != nil || string(body) != want {
			t.Errorf("%s: %s (%v), want %s", format, body, err, want)
		}
	}
}

// TestBodyEscapesThePage: a summary quoting a hostile page (an objection
// form's link text) reaches each chat as text: no channel-wide mention,
// no link dressed up as another, no formatting.
func TestBodyEscapesThePage(t *testing.T) {
	d := &Delivery{ID: "8", Kind: "change", Severity: "notable", JSON: []byte(`{"id":8}`),
		Title: "nimbus: change (notable)",
		Text:  `Objection form "<!channel> @all <https://evil.example|form> [click](https://evil.example) & *now* #1 a_b" moved`,
		Link:  "https://pw.example/events/8"}
	for _, tc := range []struct{ format, key, want string }{
		{FormatSlack, "text", "nimbus: change (notable)\n" +
			`Objection form "&lt;!channel&gt; @all &lt;https://evil.example|form&gt; [click](https://evil.example) &amp; *now* #1 a_b" moved` +
			"\nhttps://pw.example/events/8"},
		{FormatMattermost, "text", "nimbus: change (notable)\n" +
			"Objection form \"\\<!channel\\> @\u200ball \\<https://evil.example\\|form\\> \\[click\\](https://evil.example) & \\*now\\* \\#1 a\\_b\" moved" +
			"\nhttps://pw.example/events/8"},
		{FormatDiscord, "content", "nimbus: change (notable)\n" +
			"Objection form \"\\<!channel\\> @all \\<https://evil.example\\|form\\> \\[click\\](https://evil.example) & \\*now\\* \\#1 a\\_b\" moved" +
			"\nhttps://pw.example/events/8"},
	} {
		body, _, err := Body(tc.format, d)
		if err != nil {
			t.Fatalf("%s: %v", tc.format, err)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%s: %v: %s", tc.format, err, body)
		}
		if got := m[tc.key]; got != tc.want {
			t.Errorf("%s: %q,\nwant %q", tc.format, got, tc.want)
		}
	}
}

// TestFailureDoesNotShowTheURL: a webhook's URL is often its credential
// (Slack's and Discord's tokens are in the path, others in the query), so
// a delivery that fails before any answer — refused, timed out, a URL that
// does not parse — says so without it: the error goes to the log, the
// outbox and digest --now's output.
func TestFailureDoesNotShowTheURL(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	hung := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hung }))
	defer slow.Close()
	defer close(hung)
	const secret = "/services/T000/B000/SECRETTOKEN?token=QUERYSECRET"
	for _, tt := range []struct {
		name, url string
		timeout   time.Duration
		want      string // in the error
		shown     string // the URL, as the error shows it
	}{
		{"refused", closed.URL + secret, 0, "connection refused", closed.URL + "/services/…"},
		{"timed out", slow.URL + secret, 200 * time.Millisecond, "deadline exceeded", slow.URL + "/services/…"},
		{"bad URL", "http://h.example" + secret + "\x7f", 0, "invalid control character", "(invalid URL)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			err := New().Send(ctx, Config{URL: tt.url}, &Delivery{ID: "1", JSON: []byte("{}")})
			if err == nil {
				t.Fatal("delivered")
			}
			msg := err.Error()
			if strings.Contains(msg, "SECRETTOKEN") || strings.Contains(msg, "QUERYSECRET") {
				t.Errorf("the error shows the webhook's token: %s", msg)
			}
			if !strings.Contains(msg, tt.want) || !strings.Contains(msg, "webhook "+tt.shown+": ") {
				t.Errorf("error %q, want %q and %q", msg, tt.shown, tt.want)
			}
		})
	}
}
