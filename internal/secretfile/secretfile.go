// Package secretfile reads a secret of one line — a password, a signing
// key, a bearer token — from the file the configuration names, with the
// checks every such file needs, so that notify's secrets and the web
// view's token are read, and refused, alike. What a secret must look like,
// and what else could stand in for the file, is for the caller to say.
//
// It imports only the standard library.
package secretfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// MaxSize bounds a secret file: a secret is one line, and a larger file
// is a mistake (the wrong file named) that must not be read whole.
const MaxSize = 4096

// Read returns the content of the file at path without its final line
// break(s) ("\n", "\r\n"): "" for an empty file. Only a regular file of
// at most MaxSize bytes is read: opening a FIFO blocks until something
// writes to it, and a command blocked there heeds no signal but SIGKILL; a
// device could be read for ever.
//
// An error reads "cannot read PATH: PROBLEM", and wraps the file system's
// own error where there is one, so that errors.Is(err, fs.ErrNotExist)
// and errors.Is(err, fs.ErrPermission) hold.
func Read(path string) (string, error) {
	// Looked at before it is opened, so that what is not a regular file is
	// refused unopened (opening a device can act: a watchdog is armed, a
	// terminal becomes the daemon's), then opened without blocking (a FIFO
	// put there meanwhile opens at once) and looked at again: what is read
	// is the file that was looked at, not one that took its name between.
	before, err := os.Stat(path)
	if err != nil {
		return "", problem(path, err)
	}
	if err := refuse(path, before); err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return "", problem(path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", problem(path, err)
	}
	if err := refuse(path, info); err != nil {
		return "", err
	}
	if !os.SameFile(before, info) {
		return "", problem(path, errors.New("was replaced while it was read; try again"))
	}
	// The file may have grown since it was looked at.
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return "", problem(path, err)
	}
	if len(b) > MaxSize {
		return "", tooLarge(path, fmt.Sprintf("more than %d", MaxSize))
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// refuse says why the file described by info cannot hold a secret, or nil.
func refuse(path string, info fs.FileInfo) error {
	switch {
	case info.IsDir():
		return problem(path, errors.New("is a directory"))
	case !info.Mode().IsRegular():
		return problem(path, fmt.Errorf("is not a regular file%s", fileType(info.Mode())))
	case info.Size() > MaxSize:
		return tooLarge(path, fmt.Sprint(info.Size()))
	}
	return nil
}

// problem says that the file at path cannot be read, and why. The path is
// said once: a *fs.PathError's own text would repeat it ("open PATH: …").
func problem(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot read %s: %w", path, err)
}

// tooLarge refuses a file of size bytes ("5000", "more than 4096").
func tooLarge(path, size string) error {
	return problem(path, fmt.Errorf("is %s bytes long, too long for a secret of one line (%d at most)", size, MaxSize))
}

// fileType names what a file that is not regular is, for the message
// that refuses it.
func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return " (a named pipe)"
	case m&fs.ModeSocket != 0:
		return " (a socket)"
	case m&fs.ModeDevice != 0:
		return " (a device)"
	}
	return ""
}

// Remedy says what to do about err, an error of Read: create when the
// file does not exist (how to create it with the right secret, which only
// the caller knows), otherwise what the problem calls for. It is the first
// half of the advice; the second, what could stand in for the file, is
// the caller's too.
func Remedy(err error, create string) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return create
	case errors.Is(err, fs.ErrPermission):
		return "make it readable by the user policywatch runs as"
	}
	return "name a regular file that holds only the secret"
}
