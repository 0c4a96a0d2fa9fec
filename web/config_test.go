package web_test

import (
	"path/filepath"
	"testing"

	"github.com/policywatch/policywatch/web"
)

// TestReadToken: the token file's problems name the file and say what to
// do, as the other secret files' do.
func TestReadToken(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	short, words := writeFile(t, "short", "abc\n"), writeFile(t, "words", "0123456789abcdef 0123456789abcdef\n")
	for _, c := range []struct {
		name, path, want, problem string
	}{
		{"surrounding white space", writeFile(t, "token", "  "+token+"\r\n"), token, ""},
		{"missing", missing, "", "cannot read " + missing + ": no such file or directory; " +
			"create it with a token of at least 16 characters (e.g. `openssl rand -hex 32 > " + missing + "`), " +
			"or leave the key out and set user and password_hash"},
		{"directory", dir, "", "cannot read " + dir + ": is a directory; " +
			"name a regular file that holds only the secret, or leave the key out and set user and password_hash"},
		{"short", short, "", "token file " + short + ": the token has 3 characters; use at least 16 (e.g. `openssl rand -hex 32`)"},
		{"two words", words, "", "token file " + words + ": the token must be one word, without spaces or line breaks"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := web.ReadToken(c.path)
			switch {
			case c.problem == "" && (err != nil || got != c.want):
				t.Errorf("ReadToken = %q, %v; want %q", got, err, c.want)
			case c.problem != "" && (err == nil || err.Error() != c.problem):
				t.Errorf("ReadToken = %q, %v; want the error %q", got, err, c.problem)
			}
		})
	}
}
