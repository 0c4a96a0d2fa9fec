package store

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"sync"
)

// walIndexHeaderSize is how much of the -shm file ChangeStamp reads: the
// first copy of the wal-index header (https://www.sqlite.org/walformat.html),
// which holds the number of valid frames in the log (mxFrame), the size
// of the database in pages, a counter of commits (iChange), the log's
// salts and the checksums. A writer fills the second copy (bytes 48-95)
// first and this one last, and a reader trusts the header only when the
// two are alike: the commit becomes visible to readers when these 48
// bytes change. The checkpoint information that follows (from byte 96:
// the frames backfilled, then the read marks that every reader may set)
// is left out, so that reads and checkpoints leave the stamp alone.
const walIndexHeaderSize = 48

// walIndexFiles holds open the -shm file of each database whose header
// was read, by path, until that file is removed. Closing a descriptor
// drops every POSIX lock this process holds on the file, whichever
// descriptor took it: a ChangeStamp that opened and closed the -shm file
// at each poll released the locks of this process's own SQLite
// connections on it (the read mark a reader holds through its
// transaction, and the lock that tells another process opening the
// database that the index is in use), after which another process's
// checkpoint may overwrite the pages a read in progress relies on, or
// its open rebuild the index under this process's feet. So the file is
// opened once and its descriptor kept. It is closed once the path names
// another file or none: SQLite removes the index only when the last
// connection to the database, in any process, closes, so that a file no
// longer at the path carries no lock of a connection of this process
// that goes on.
var walIndexFiles = struct {
	sync.Mutex
	m map[string]*os.File
}{m: map[string]*os.File{}}

// walIndexHeader returns the wal-index header of the database at path:
// the first walIndexHeaderSize bytes of its -shm file, fewer while SQLite
// is creating it, and nil when there is no such file (no connection
// open).
func walIndexHeader(path string) ([]byte, error) {
	shm := path + "-shm"
	walIndexFiles.Lock()
	defer walIndexFiles.Unlock()
	f, err := keptWalIndex(shm)
	if f == nil || err != nil {
		return nil, err
	}
	buf := make([]byte, walIndexHeaderSize)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}

// keptWalIndex returns the descriptor kept for the -shm file at shm,
// opening it when there is none or the one kept is on a file that is no
// longer there, which it closes; nil when there is no file at shm. The
// caller holds walIndexFiles.
func keptWalIndex(shm string) (*os.File, error) {
	fi, err := os.Stat(shm)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err // the descriptor kept, if any, stays open
	}
	if f := walIndexFiles.m[shm]; f != nil {
		if fi != nil && sameFile(f, fi) {
			return f, nil
		}
		// Unlinked, or replaced: no connection of this process uses
		// the file this descriptor is on.
		f.Close()
		delete(walIndexFiles.m, shm)
	}
	if fi == nil {
		return nil, nil
	}
	f, err := os.Open(shm)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // unlinked since the Stat
	}
	if err != nil {
		return nil, err
	}
	walIndexFiles.m[shm] = f
	return f, nil
}

// forgetWalIndex closes the descriptor walIndexHeader keeps for the
// database at path if the -shm file it is on was unlinked: Close calls
// it once its connections are closed, so that a process opening many
// databases in turn (the tests) keeps no descriptor of those closed.
func forgetWalIndex(path string) {
	shm := path + "-shm"
	walIndexFiles.Lock()
	defer walIndexFiles.Unlock()
	f := walIndexFiles.m[shm]
	if f == nil {
		return
	}
	fi, err := os.Stat(shm)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return
	}
	if fi == nil || !sameFile(f, fi) {
		f.Close()
		delete(walIndexFiles.m, shm)
	}
}

// sameFile reports whether f is open on the file fi describes; true when
// the system cannot say, so that a descriptor is never closed on a guess.
func sameFile(f *os.File, fi fs.FileInfo) bool {
	open, err := f.Stat()
	return err != nil || os.SameFile(open, fi)
}
