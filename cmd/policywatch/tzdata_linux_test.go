package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestScheduleTimeZonesBuiltIn: a CRON_TZ= schedule (a watch's, the
// digests') is accepted by the binary on a host without tzdata — a
// scratch or distroless image, a NAS — as on the one it was built on: the
// time zones are built in (time/tzdata). config check and run refused the
// file there ("unknown time zone Europe/Paris"). The host's zone files are
// hidden by mounting empty folders over them in a mount namespace of the
// binary's own (and ZONEINFO names nothing); where one cannot be made,
// the test is skipped: with the host's files in sight it would pass
// without the built-in zones too.
func TestScheduleTimeZonesBuiltIn(t *testing.T) {
	bin := policywatchBinary(t)
	dir := t.TempDir()
	conf := writeConfig(t, `settings:
  database: `+filepath.Join(dir, "tz.db")+`
watches:
  - name: a
    url: https://example.org/
    schedule: "CRON_TZ=Europe/Paris 0 8 * * *"
notify:
  digest_schedule: "CRON_TZ=America/New_York 0 8 * * *"
`)
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	// Where the time package looks for zone files on Linux, and the Go
	// tree's zoneinfo.zip, which it reads last.
	zoneDirs := []string{"/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ", "/etc/zoneinfo",
		filepath.Join(strings.TrimSpace(string(out)), "lib", "time")}
	var hide []string
	for _, d := range zoneDirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			hide = append(hide, "mount -t tmpfs none "+d)
		}
	}
	hidden := func(args ...string) *exec.Cmd {
		script := strings.Join(append(hide, `exec "$@"`), " && ")
		return exec.Command("unshare", append([]string{"--mount", "--map-root-user", "sh", "-ec", script, "sh"}, args...)...)
	}
	if err := hidden("true").Run(); err != nil {
		t.Skipf("no mount namespace to hide the host's zone files in: %v", err)
	}
	// The namespace hides them indeed: Europe/Paris is nowhere.
	if out, err := hidden("sh", "-c", "! ls /usr/share/zoneinfo/Europe/Paris 2>/dev/null").CombinedOutput(); err != nil {
		t.Fatalf("the zone files are not hidden: %v %s", err, out)
	}
	cmd := hidden(bin, "config", "check", "--config", conf)
	cmd.Env = append(os.Environ(), "ZONEINFO="+filepath.Join(dir, "none.zip"), "TZ=UTC", "POLICYWATCH_CONFIG=", "POLICYWATCH_DB=")
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": ok, 1 watch") {
		t.Errorf("config check of CRON_TZ schedules: %v\n%s", err, out)
	}
}
