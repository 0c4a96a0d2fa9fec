package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openCounter counts the opens of files, as the kernel reports them
// (inotify): a file read twice is counted twice, whatever the page cache
// holds.
type openCounter struct {
	fd    int
	files map[int32]string // by watch descriptor
}

func newOpenCounter(t *testing.T, paths ...string) *openCounter {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	c := &openCounter{fd: fd, files: map[int32]string{}}
	for _, p := range paths {
		// The closes too: two opens in a row, with no event between
		// them, would be coalesced into one.
		wd, err := syscall.InotifyAddWatch(fd, p, syscall.IN_OPEN|syscall.IN_CLOSE_NOWRITE)
		if err != nil {
			t.Fatal(err)
		}
		c.files[int32(wd)] = p
	}
	return c
}

// opens returns how many times each file was opened since the last call,
// by path.
func (c *openCounter) opens(t *testing.T) map[string]int {
	t.Helper()
	n := map[string]int{}
	buf := make([]byte, 64<<10)
	for {
		size, err := syscall.Read(c.fd, buf)
		if errors.Is(err, syscall.EAGAIN) {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off+syscall.SizeofInotifyEvent <= size; {
			e := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
			if e.Mask&syscall.IN_OPEN != 0 {
				n[c.files[e.Wd]]++
			}
			off += syscall.SizeofInotifyEvent + int(e.Len)
		}
	}
}

// TestSecretFilesReadOnce: each secret file is read at most once by a
// command, and only by one that uses it — a file two webhooks share
// included. The configuration used to read each one when it was loaded,
// again when the notify section was decoded and again when the secrets
// were resolved: three times for digest --now, twice for subscribe.
func TestSecretFilesReadOnce(t *testing.T) {
	page := newPolicyServer(t)
	path, dir := secretsConfig(t, page.URL)
	// A second webhook with the first one's secret file.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(string(b), "  secret_file: signing-key\n",
		"    - url: https://hooks.example.org/b\n      secret_file: webhook-secret\n  secret_file: signing-key\n", 1)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	password, hook, key := filepath.Join(dir, "smtp-password"), filepath.Join(dir, "webhook-secret"), filepath.Join(dir, "signing-key")
	for file, secret := range map[string]string{password: "hunter2\n", hook: "s3cret\n", key: "0123456789abcdef0123\n"} {
		if err := os.WriteFile(file, []byte(secret), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	counter := newOpenCounter(t, password, hook, key)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = path

	for _, tc := range []struct {
		args                []string
		password, hook, key int
	}{
		{[]string{"watches"}, 0, 0, 0},
		{[]string{"subscribe", "ada@example.org"}, 0, 0, 0},
		{[]string{"events"}, 0, 0, 0},
		{[]string{"digest", "--now", "--dry-run"}, 0, 0, 1},
		{[]string{"digest"}, 0, 0, 1},
		{[]string{"digest", "--now"}, 1, 1, 1},
		{[]string{"config", "check"}, 1, 1, 1},
	} {
		c.mustRun(tc.args...)
		n := counter.opens(t)
		if got, want := [3]int{n[password], n[hook], n[key]}, [3]int{tc.password, tc.hook, tc.key}; got != want {
			t.Errorf("policywatch %s read the password, webhook secret and signing key files %v times, want %v",
				strings.Join(tc.args, " "), got, want)
		}
	}
}
