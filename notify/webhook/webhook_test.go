package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	body := []byte(`{"id":1}`)
	sig := Sign([]byte("k"), body)
	// Computed independently: python3 -c 'import hmac,hashlib;
	// print(hmac.new(b"k",b"{\"id\":1}",hashlib.sha256).hexdigest())'
	if sig != "sha256=d55075a07b6d07e8b1016ffdb5efd6903196f7da9530cc505c9ba788c070ca96" {
		t.Fatalf("signature %q", sig)
	}
	if !Verify([]byte("k"), body, sig) || Verify([]byte("K"), body, sig) || Verify([]byte("k"), []byte(`{"id":2}`), sig) || Verify([]byte("k"), body, "") {
		t.Error("Verify accepts what it should not, or refuses the signature")
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
