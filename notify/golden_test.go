package notify_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it); got:\n%s", path, got)
	}
}

// TestMessagesGolden pins the text and HTML of an alert, a digest and an
// operator notice, as received by the SMTP server.
func TestMessagesGolden(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	r.subscribe("ada@example.org", nil)
	cfg := notify.Config{BaseURL: "https://pw.example", Operator: "ops@example.org"}
	if err := cfg.ResolveSecrets(func(k string) string {
		if k == notify.EnvNotifySecret {
			return "a fixed signing key for golden files"
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
	svc := r.service(cfg, ms)
	tick(t, svc) // starts the digest schedule
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))     // alert
	r.check("policy-v3-date.html", t0.Add(2*time.Hour)) // digest
	r.check(errorPage, t0.Add(3*time.Hour))             // operator
	tick(t, svc)
	r.clock.Set(t0.Add(24 * time.Hour))
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want 3", len(msgs))
	}
	for i, name := range []string{"alert", "operator", "digest"} {
		m := parseMail(t, msgs[i].Data)
		golden(t, name+".golden.txt", "Subject: "+m.subject(t)+"\n\n"+m.Text)
		golden(t, name+".golden.html", m.HTML)
	}
}
