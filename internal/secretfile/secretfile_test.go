package secretfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	write := func(content string, perm os.FileMode) func(*testing.T, string) {
		return func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(content), perm); err != nil {
				t.Fatal(err)
			}
		}
	}
	const create = "create it"
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, path string) // nil: nothing at path
		want  string
		// problem follows "cannot read PATH: " in the error; "": no error.
		problem string
		is      error // what errors.Is must find in the error, if anything
		remedy  string
	}{
		{name: "missing", problem: "no such file or directory", is: fs.ErrNotExist, remedy: create},
		{name: "directory", setup: func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, problem: "is a directory", remedy: "name a regular file that holds only the secret"},
		{name: "FIFO", setup: mkfifo,
			problem: "is not a regular file (a named pipe)", remedy: "name a regular file that holds only the secret"},
		{name: "unreadable", setup: func(t *testing.T, path string) {
			if os.Geteuid() == 0 {
				t.Skip("running as root, which reads any file whatever its mode")
			}
			write("s3cret\n", 0o000)(t, path)
		}, problem: "permission denied", is: fs.ErrPermission, remedy: "make it readable by the user policywatch runs as"},
		{name: "too large", setup: write(strings.Repeat("x", MaxSize)+"\n", 0o600),
			problem: "is 4097 bytes long, too long for a secret of one line (4096 at most)", remedy: "name a regular file that holds only the secret"},
		{name: "largest", setup: write(strings.Repeat("x", MaxSize-1)+"\n", 0o600), want: strings.Repeat("x", MaxSize-1)},
		{name: "empty", setup: write("", 0o600), want: ""},
		{name: "line break alone", setup: write("\n", 0o600), want: ""},
		{name: "no line break", setup: write("s3cret", 0o600), want: "s3cret"},
		{name: "LF", setup: write("s3cret\n", 0o600), want: "s3cret"},
		{name: "CRLF", setup: write("s3cret\r\n", 0o600), want: "s3cret"},
		{name: "blank lines after", setup: write("s3cret\r\n\n\r\n", 0o600), want: "s3cret"},
		// Whether spaces belong to a secret is for the caller to say.
		{name: "spaces kept", setup: write(" s3 cret \n", 0o600), want: " s3 cret "},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secret")
			if c.setup != nil {
				c.setup(t, path)
			}
			type result struct {
				s   string
				err error
			}
			done := make(chan result, 1)
			go func() {
				s, err := Read(path)
				done <- result{s, err}
			}()
			var got result
			select {
			case got = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Read blocked") // a FIFO opened
			}
			if c.problem == "" {
				if got.err != nil || got.s != c.want {
					t.Errorf("Read = %q, %v; want %q", got.s, got.err, c.want)
				}
				return
			}
			if want := "cannot read " + path + ": " + c.problem; got.err == nil || got.err.Error() != want {
				t.Fatalf("Read = %q, %v; want the error %q", got.s, got.err, want)
			}
			if got.s != "" {
				t.Errorf("Read returned %q with its error", got.s)
			}
			if c.is != nil && !errors.Is(got.err, c.is) {
				t.Errorf("errors.Is(%v, %v) = false", got.err, c.is)
			}
			if r := Remedy(got.err, create); r != c.remedy {
				t.Errorf("Remedy = %q, want %q", r, c.remedy)
			}
		})
	}
}
