package notify_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
)

// TestFeedIDsOutliveBaseURL: a feed's id is the same whatever base_url is
// or becomes — none, another host, a prefix — as its entries' are, and
// stays with the database through a backup and a restore; two
// databases' feeds of one path have two ids. The id was base_url and the
// path: setting or changing base_url made each feed another one to the
// readers that go by ids (and two installations' feeds without a base URL
// had one id).
func TestFeedIDsOutliveBaseURL(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.checkAs("nimbus", "policy-v1.html", t0)
	r.checkAs("nimbus", "policy-v2-ai.html", t0.Add(time.Hour))
	paths := []string{"/feeds/all.atom", "/feeds/all.atom?min_severity=critical", "/feeds/watch/nimbus.atom", "/feeds/severity/notable.atom"}
	ids := func(r *rig, base string) map[string]string {
		t.Helper()
		web := httptest.NewServer(r.service(notify.Config{BaseURL: base}, nil).Handler())
		defer web.Close()
		out := map[string]string{}
		for _, p := range paths {
			resp, f, _ := getFeed(t, web.URL+p, "")
			if resp != 200 {
				t.Fatalf("%s: %d", p, resp)
			}
			out[p] = f.ID
		}
		return out
	}
	first := ids(r, "")
	db := databaseID(t, first["/feeds/all.atom"], "all.atom")
	for p, want := range map[string]string{
		"/feeds/all.atom?min_severity=critical": "urn:policywatch:feed:" + db + ":all.atom?min_severity=critical",
		"/feeds/watch/nimbus.atom":              "urn:policywatch:feed:" + db + ":watch/nimbus.atom",
		"/feeds/severity/notable.atom":          "urn:policywatch:feed:" + db + ":severity/notable.atom",
	} {
		if first[p] != want {
			t.Errorf("%s: id %q, want %q", p, first[p], want)
		}
	}
	for _, base := range []string{"http://policywatch.home.arpa:8080", "https://pw.example", "https://pw.example/policywatch"} {
		for p, id := range ids(r, base) {
			if id != first[p] {
				t.Errorf("base_url %s: %s has id %q, want %q as without one", base, p, id, first[p])
			}
		}
	}
	// Still a valid feed, its self link under base_url.
	body, _, err := r.service(notify.Config{BaseURL: "https://pw.example"}, nil).Feed(ctx, "", "info", "all", "/feeds/all.atom")
	if err != nil {
		t.Fatal(err)
	}
	if d := checkAtom(t, "all.atom", body, "https://pw.example/feeds/all.atom"); d.ID != first["/feeds/all.atom"] {
		t.Errorf("feed id %q, want %q", d.ID, first["/feeds/all.atom"])
	}

	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := r.db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if got := ids(r.restored(backup), "https://pw.example")["/feeds/all.atom"]; got != first["/feeds/all.atom"] {
		t.Errorf("restored: id %q, want %q", got, first["/feeds/all.atom"])
	}
	other := newRig(t)
	other.checkAs("nimbus", "policy-v1.html", t0)
	if got := ids(other, "")["/feeds/all.atom"]; got == first["/feeds/all.atom"] {
		t.Errorf("two databases' feeds have one id, %q", got)
	}
}
