package notify_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/store"
)

// TestOneClickUnsubscribe: the List-Unsubscribe URL of an alert,
// POSTed as RFC 8058 says, stops further mail at once; doing it again is
// fine; a GET only asks to confirm; forged or altered tokens are refused.
func TestOneClickUnsubscribe(t *testing.T) {
	r, ms, webURL, svc, subs := alertedSubscribers(t, "ada@example.org", "bob@example.org")
	ada, bob := subs[0], subs[1]
	link := unsubscribeLink(t, ms, ada.Email)
	prefix := webURL + "/unsubscribe?token="
	if !strings.HasPrefix(link, prefix) {
		t.Fatalf("List-Unsubscribe link %q", link)
	}

	// A link scanner's GET changes nothing.
	status, body := do(t, http.MethodGet, link)
	if status != http.StatusOK || !strings.Contains(body, "<form method=\"post\"") || !strings.Contains(body, ada.Email) {
		t.Fatalf("GET: %d\n%s", status, body)
	}
	if s, _ := r.db.SubscriberByID(t.Context(), ada.ID); !s.UnsubscribedAt.IsZero() {
		t.Fatal("a GET unsubscribed")
	}

	// Forged and altered tokens.
	token := strings.TrimPrefix(link, prefix)
	idPart, mac, _ := strings.Cut(token, ".")
	flip := func(s string) string {
		b := []byte(s)
		if b[len(b)-1] == 'A' {
			b[len(b)-1] = 'B'
		} else {
			b[len(b)-1] = 'A'
		}
		return string(b)
	}
	bobID, _, _ := strings.Cut(strings.TrimPrefix(unsubscribeLink(t, ms, bob.Email), prefix), ".")
	for _, bad := range []string{
		"", "garbage", idPart, idPart + ".", idPart + "." + flip(mac), // altered MAC
		bobID + "." + mac,               // ada's MAC on bob's id
		"Ag." + strings.Repeat("A", 22), // a guess
		token + "A", strings.Repeat("x", 500),
	} {
		status, body := do(t, http.MethodPost, prefix+url.QueryEscape(bad))
		if status != http.StatusBadRequest || !strings.Contains(body, "not valid") {
			t.Errorf("token %q: %d, want 400", bad, status)
		}
	}
	for _, s := range []int64{ada.ID, bob.ID} {
		if sub, _ := r.db.SubscriberByID(t.Context(), s); !sub.UnsubscribedAt.IsZero() {
			t.Fatalf("subscriber %d unsubscribed by a bad token", s)
		}
	}

	// One click, twice.
	for i := 0; i < 2; i++ {
		status, body := do(t, http.MethodPost, link)
		if status != http.StatusOK || !strings.Contains(body, "Unsubscribed") {
			t.Fatalf("POST %d: %d\n%s", i, status, body)
		}
	}
	if s, _ := r.db.SubscriberByID(t.Context(), ada.ID); s.UnsubscribedAt.IsZero() {
		t.Fatal("still subscribed after the one-click POST")
	}

	// Further changes reach bob only.
	before := len(ms.messages())
	r.check("policy-v3-date.html", t0.Add(3*time.Hour))
	r.check("policy-hostile.html", t0.Add(5*time.Hour)) // critical
	r.clock.Set(t0.Add(30 * time.Hour))                 // past a digest time
	tick(t, svc)
	tick(t, svc)
	for _, m := range ms.messages()[before:] {
		if m.To[0] == ada.Email {
			t.Errorf("mail to %s after unsubscribing: %s", ada.Email, parseMail(t, m.Data).subject(t))
		}
	}
	if len(ms.messages()) == before {
		t.Error("bob got nothing either: the test proves nothing")
	}
	for _, it := range r.outbox() {
		if it.SubscriberID == ada.ID && it.Status == store.OutboxPending {
			t.Errorf("row pending for ada: %+v", it)
		}
	}
}

// TestUnsubscribeWhileTheStoreFails: a valid link that cannot be checked
// now (the database fails: busy past its timeout, a full disk, here
// closed) gets 503 and a Retry-After, which a mail provider's one-click
// POST retries, not "This link is not valid" and a 400, which it takes as
// final, leaving the person subscribed.
func TestUnsubscribeWhileTheStoreFails(t *testing.T) {
	r, ms, _, _, subs := alertedSubscribers(t, "ada@example.org")
	link := unsubscribeLink(t, ms, subs[0].Email)

	if err := r.db.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(link, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || strings.Contains(string(body), "not valid") {
		t.Errorf("POST with the store closed: %d, Retry-After %q\n%s\nwant 503, a Retry-After and no word of a bad link",
			resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// alertedSubscribers subscribes the addresses, serves the service's
// pages (its unsubscribe links) at webURL, and sends each the alert of a
// critical change.
func alertedSubscribers(t *testing.T, addresses ...string) (r *rig, ms *mailServer, webURL string, svc *notify.Service, subs []notify.Subscriber) {
	t.Helper()
	r, ms = newRig(t), newMailServer(t)
	var handler http.Handler
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { handler.ServeHTTP(w, req) }))
	t.Cleanup(web.Close)
	for _, a := range addresses {
		subs = append(subs, r.subscribe(a, nil))
	}
	svc = r.service(notify.Config{BaseURL: web.URL}, ms)
	handler = svc.Handler()
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))
	tick(t, svc)
	return r, ms, web.URL, svc, subs
}

// unsubscribeLink is the List-Unsubscribe URL of the first mail to to.
func unsubscribeLink(t *testing.T, ms *mailServer, to string) string {
	t.Helper()
	for _, m := range ms.messages() {
		if m.To[0] == to {
			h := parseMail(t, m.Data).Header.Get("List-Unsubscribe")
			return strings.TrimSuffix(strings.TrimPrefix(h, "<"), ">")
		}
	}
	t.Fatalf("no mail to %s", to)
	return ""
}

func do(t *testing.T, method, link string) (int, string) {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader("List-Unsubscribe=One-Click")
	}
	req, err := http.NewRequestWithContext(t.Context(), method, link, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
