package notify_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
)

// TestFeedNamesTheStartOfAITraining: a change found by a check, stored and
// read back into the feed, names the day AI training starts as its
// summary does, not "Use starts".
func TestFeedNamesTheStartOfAITraining(t *testing.T) {
	r := newRig(t)
	svc := r.service(notify.Config{BaseURL: "https://pw.example"}, nil)
	web := httptest.NewServer(svc.Handler())
	t.Cleanup(web.Close)

	v2, err := os.ReadFile(filepath.Join("testdata", "policy-v2-ai.html"))
	if err != nil {
		t.Fatal(err)
	}
	const use = "<p>We use public posts and photos you share to develop and improve artificial intelligence technology, including to train our AI models.</p>"
	if !strings.Contains(string(v2), use) {
		t.Fatalf("policy-v2-ai.html lacks %q", use)
	}
	starting := strings.Replace(string(v2), use, use+"\n<p>Starting May 27, 2026, Nimbus will use your public posts and photos to train its AI models.</p>", 1)
	r.check("policy-v2-ai.html", t0)
	events := r.check(starting, t0.Add(time.Hour))
	if len(events) != 1 || !strings.HasPrefix(events[0].Summary, "nimbus changed (+17/−0 words). AI training starts none → 27 May 2026.") {
		t.Fatalf("events %+v, want one change whose summary names the start of AI training", events)
	}
	_, feed, _ := getFeed(t, web.URL+"/feeds/all.atom", "")
	if len(feed.Entries) == 0 {
		t.Fatal("no feed entries")
	}
	content := feed.Entries[0].Content
	if want := "AI training starts: none &rarr; <strong>27 May 2026</strong>"; !strings.Contains(content, want) || strings.Contains(content, "Use starts") {
		t.Errorf("feed entry lacks %q, or says \"Use starts\":\n%s", want, content)
	}
}
