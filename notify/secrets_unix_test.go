//go:build unix

package notify_test

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
)

// TestSecretFileThatIsNotAFile: a FIFO named as a secret file is refused
// at once. Opening it blocked until something wrote to it, and a command
// blocked there — config check, serve — heeded no signal but SIGKILL.
func TestSecretFileThatIsNotAFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "signing-key")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- (&notify.Config{SecretFile: fifo}).ResolveSigningKey(nil) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "notify.secret_file: cannot read "+fifo+": is not a regular file") {
			t.Errorf("a FIFO as the signing key: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reading a FIFO named as the signing key blocked")
	}
}
