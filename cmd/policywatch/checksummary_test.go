package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestCheckEndsWithATally: a check of several watches ends with one line
// that counts how they ended, so that the outcome of a pass over a long
// list is read without scrolling back through it; critical events are
// counted there, with the command that lists them. One watch (its line
// says it all) and --json (a stream for machines) get no such line.
func TestCheckEndsWithATally(t *testing.T) {
	srv := newPolicyServer(t)
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL
	gone.Close() // nothing listens there any more
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, fmt.Sprintf(`settings:
  host_interval: 0s
  retries: 0
watches:
  - name: nimbus
    url: %[1]s/privacy
    language: en
  - name: nimbus-copy
    url: %[1]s/privacy-copy
    language: en
  - name: gone
    url: %[2]s/x
`, srv.URL, goneURL))
	tally := regexp.MustCompile(`(?m)^checked 3 watches in [0-9.]+ s: (.*)$`)

	out := c.mustRun("check")
	if m := tally.FindStringSubmatch(out); m == nil || m[1] != "2 baseline, 1 fetch_error" {
		t.Errorf("first check's tally %q, want \"2 baseline, 1 fetch_error\":\n%s", m, out)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); !tally.MatchString(lines[len(lines)-1]) {
		t.Errorf("the tally is not the last line:\n%s", out)
	}

	srv.set("Effective March 3, 2026. We use the public posts and photos you share to train our AI models.")
	out = c.mustRun("check")
	want := "2 changed, 1 fetch_error; 2 critical events (policywatch events --severity critical --since 1h)"
	if m := tally.FindStringSubmatch(out); m == nil || m[1] != want {
		t.Errorf("second check's tally %q, want %q:\n%s", m, want, out)
	}

	if out := c.mustRun("check", "nimbus"); strings.Contains(out, "checked ") {
		t.Errorf("a check of one watch ends with a tally:\n%s", out)
	}
	if out := c.mustRun("check", "--json"); strings.Contains(out, "checked ") {
		t.Errorf("check --json ends with a tally:\n%s", out)
	}
}
