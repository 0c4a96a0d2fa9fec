package main

import (
	"strings"
	"testing"
)

// TestConfigCheckWarnsOfAWatchRepeated: a watch block copied and renamed
// but not pointed at another page (a realistic slip) passed config check
// without a word; the daemon then fetched the page twice a period and
// told subscribers of each change twice, under two names. config check
// now warns, naming both watches' lines, and the daemon logs the same
// at its start; watches of one URL read differently (another select,
// language or fetcher) are no repeat.
func TestConfigCheckWarnsOfAWatchRepeated(t *testing.T) {
	c := newCLI(t)
	path := writeConfig(t, `watches:
  - name: acme
    url: https://example.org/privacy
    select: ["#main"]
  - name: acme-copy
    url: https://example.org/privacy
    select: ["#main"]
    schedule: "@every 12h"
  - name: acme-fr
    url: https://example.org/privacy
    select: ["#main"]
    language: fr
  - name: acme-body
    url: https://example.org/privacy
`)
	out, errOut, err := c.run("config", "check", "--config", path)
	if err != nil || !strings.Contains(out, "ok, 4 watches") {
		t.Fatalf("config check: %v\n%s%s", err, out, errOut)
	}
	want := path + `:5:5: warning: watches[1]: the same page as watches[0] (acme, line 2), read the same way`
	if !strings.Contains(errOut, want) {
		t.Errorf("config check's warnings:\n%s\nwant %s", errOut, want)
	}
	if n := strings.Count(errOut, "warning:"); n != 1 {
		t.Errorf("%d warnings, want 1 (watches of one URL read differently are no repeat):\n%s", n, errOut)
	}
}
