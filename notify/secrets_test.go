package notify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/email"
	"github.com/policywatch/policywatch/notify/webhook"
)

// TestResolveSecretsSaysWhatToDo: the daemon reads the secret files with
// config check's reader, and says what config check says of them: every
// problem at once, each with the key, the file and what to do. It used to
// stop at the first, in the words of os.ReadFile ("open FILE: no such
// file or directory"), and to say of a short signing key only that it
// was short.
func TestResolveSecretsSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "empty"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "short-key"), []byte("hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := notify.Config{
		SMTP:             &email.Config{Host: "smtp.example.org", From: "a@example.org", Username: "a"},
		SMTPPasswordFile: filepath.Join(dir, "nowhere"),
		Webhooks: []notify.Webhook{
			{Config: webhook.Config{URL: "https://hooks.example.org/a"}, SecretFile: filepath.Join(dir, "empty")},
			{Config: webhook.Config{URL: "https://hooks.example.org/b"}, SecretFile: dir},
		},
		SecretFile: filepath.Join(dir, "short-key"),
	}
	err := cfg.ResolveSecrets(nil)
	want := []string{
		"notify.smtp.password_file: cannot read " + filepath.Join(dir, "nowhere") +
			": no such file or directory; create it with the secret, or leave the key out to read POLICYWATCH_SMTP_PASSWORD",
		"notify.webhooks[0].secret_file: " + filepath.Join(dir, "empty") +
			" is empty; write the secret to it, or leave the key out to read POLICYWATCH_WEBHOOK_SECRET",
		"notify.webhooks[1].secret_file: cannot read " + dir +
			": is a directory; name a regular file that holds only the secret, or leave the key out to read POLICYWATCH_WEBHOOK_SECRET",
		"notify.secret_file: the key in " + filepath.Join(dir, "short-key") +
			" is shorter than 16 bytes; write a longer one (e.g. `openssl rand -hex 32`)",
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("ResolveSecrets:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}

	// A key from the environment is named by its variable.
	short := func(k string) string {
		if k == notify.EnvNotifySecret {
			return "hunter2"
		}
		return ""
	}
	err = (&notify.Config{}).ResolveSecrets(short)
	if want := "POLICYWATCH_NOTIFY_SECRET: the key is shorter than 16 bytes; set a longer one (e.g. `openssl rand -hex 32`)"; err == nil || err.Error() != want {
		t.Errorf("a short key in the environment: %v, want %s", err, want)
	}
}
