package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestEventPageSaysWhereToObject: the event page of a baseline or a
// change lists the objection forms of its version, as the alert email
// does ("Where to object"): a journalist reading the web view had the
// deadline but not the form. A javascript: link is never one (extraction
// drops it; the template would show any other scheme as text).
func TestEventPageSaysWhereToObject(t *testing.T) {
	page := func(extra string) []byte {
		return []byte(`<!DOCTYPE html><html lang="en"><head><title>Example Privacy Policy</title></head><body><main id="policy">
<h1>Example Privacy Policy</h1>
<p>We collect the posts, photos and comments you share and information about your device, and we use it to provide and improve our services.</p>
<p>You can object to our use of your information for AI training using <a href="https://example.org/object?x=1">this form</a>, or <a href="javascript:alert(1)">this one</a>.</p>
` + extra + `</main></body></html>`)
	}
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	t0 := time.Date(2025, 4, 23, 12, 0, 0, 0, time.UTC)
	header := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	r.step(t, t0, 200, page(""), header)
	r.step(t, t0.Add(24*time.Hour), 200, page("<p>We also use your public posts to train our AI models.</p>"), header)
	_, ts := r.server(t)
	events, err := r.DB.Events(context.Background(), monitor.EventFilter{})
	if err != nil || len(events) != 2 {
		t.Fatalf("events %v, %v; want a baseline and a change", events, err)
	}
	for _, e := range events {
		_, body := get(t, fmt.Sprintf("%s/events/%d", ts.URL, e.ID))
		html := string(body)
		if !strings.Contains(html, "Where to object") ||
			!strings.Contains(html, `<a href="https://example.org/object?x=1" rel="noopener noreferrer nofollow">`) {
			t.Errorf("%s event page lacks the objection form:\n%.2000s", e.Kind, html)
		}
		if strings.Contains(html, `href="javascript:`) {
			t.Errorf("%s event page: the javascript: form must be text only", e.Kind)
		}
	}
}
