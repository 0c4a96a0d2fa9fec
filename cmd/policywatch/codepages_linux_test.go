package main

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestParseSmapsKeepsOnlyWhatIsSafeToRelease(t *testing.T) {
	const smaps = `00400000-00dc5000 r-xp 00000000 fe:00 42     /usr/bin/policywatch
Size:              10004 kB
Rss:                9288 kB
Private_Dirty:      9288 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me
00dc5000-0181e000 r--p 009c5000 fe:00 42     /usr/bin/policywatch
Rss:                9444 kB
Private_Dirty:         4 kB
Anonymous:             4 kB
0181e000-019b7000 rw-p 0141e000 fe:00 42     /usr/bin/policywatch
Rss:                 868 kB
Private_Dirty:       232 kB
Anonymous:           232 kB
019b7000-03a09000 rw-p 00000000 00:00 0
Rss:                 100 kB
Anonymous:           100 kB
`
	got, err := parseSmaps(bufio.NewScanner(strings.NewReader(smaps)))
	if err != nil {
		t.Fatal(err)
	}
	want := []mapping{
		{start: 0x400000, end: 0xdc5000, inode: 42, rss: 9288 << 10},
		{start: 0xdc5000, end: 0x181e000, inode: 42, changed: true, rss: 9444 << 10},
		{start: 0x181e000, end: 0x19b7000, inode: 42, writable: true, changed: true, rss: 868 << 10},
		{start: 0x19b7000, end: 0x3a09000, inode: 0, writable: true, changed: true, rss: 100 << 10},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d mappings, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mapping %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := parseSmaps(bufio.NewScanner(strings.NewReader("garbage line\n"))); err == nil {
		t.Error("a header line that is not one was accepted")
	}
}

// The executable's code pages leave the resident set, and the process goes
// on running the code they held.
func TestReleaseCodePagesShrinksTheResidentSet(t *testing.T) {
	before := executableResidentKB(t)
	released, err := releaseCodePages()
	if err != nil {
		t.Fatal(err)
	}
	after := executableResidentKB(t)
	if released <= 0 {
		t.Fatalf("released %d bytes", released)
	}
	// Only the executable's pages count (a binary linked with cgo maps
	// libraries too); reading smaps again brings a few back.
	if after >= before/2 {
		t.Errorf("the executable's resident pages: %d kB before, %d kB after releasing %d kB", before, after, released>>10)
	}
	// The code comes back from the file as it was: the release itself,
	// run again, finds its own pages resident once more.
	again, err := releaseCodePages()
	if err != nil || again <= 0 {
		t.Errorf("a second release after running the released code: %d bytes, %v", again, err)
	}
}

// executableResidentKB is how much of the executable's read-only
// mappings is resident.
func executableResidentKB(t *testing.T) int64 {
	t.Helper()
	var exe syscall.Stat_t
	if err := syscall.Stat("/proc/self/exe", &exe); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mappings, err := parseSmaps(bufio.NewScanner(f))
	if err != nil {
		t.Fatal(err)
	}
	var kb int64
	for _, m := range mappings {
		if m.inode == exe.Ino && !m.writable {
			kb += m.rss >> 10
		}
	}
	return kb
}

// TestCheckReleasesStartUpCodePages: check gives back the code pages
// start-up touched before its pass, so that they do not count in the
// pass's peak (bench/run.sh measures by how much).
func TestCheckReleasesStartUpCodePages(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	cfg := writeConfig(t, strings.Replace(daemonYAML(srv, "1h"), "settings:\n", "settings:\n  log_level: debug\n", 1))
	_, stderr, err := c.run("check", "--config", cfg)
	if err != nil {
		t.Fatalf("check: %v\n%s", err, stderr)
	}
	m := regexp.MustCompile(`msg="code pages released before the pass" code_bytes=(\d+)`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("check logged no release of its start-up code pages:\n%s", stderr)
	}
	if n, _ := strconv.ParseInt(m[1], 10, 64); n <= 0 {
		t.Errorf("check released %d bytes of code pages before its pass", n)
	}
	pass := strings.Index(stderr, "msg=request watch=nimbus")
	if release := strings.Index(stderr, m[0]); pass < 0 || release > pass {
		t.Errorf("the code pages were not released before the pass's first request:\n%s", stderr)
	}
}

// TestRunReleasesStartUpCodePages: so does the daemon, before its first
// pass.
func TestRunReleasesStartUpCodePages(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, strings.Replace(daemonYAML(srv, "1h"), "settings:\n", "settings:\n  log_level: debug\n", 1))
	d := c.startDaemon()
	d.waitFor("kind=baseline")
	d.stop()
	log := d.stderr.String()
	release := strings.Index(log, `msg="code pages released before the first pass" code_bytes=`)
	pass := strings.Index(log, "msg=request watch=nimbus")
	if release < 0 || pass < 0 || release > pass {
		t.Errorf("the daemon did not release its start-up code pages before its first pass's first request:\n%s", log)
	}
}
