package webhook

import (
	"context"
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
