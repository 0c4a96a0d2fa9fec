package sqlitelock

import (
	"os"
	"testing"
)

// WALIndex is a database's -shm index, open for a test to read and put
// back the header SQLite writes as the second step of a commit (the first
// writes the transaction's frames to the log). Putting back the header
// the index had before a commit makes the moment between the two steps
// last: the frames are in the log, readers still find the old contents.
type WALIndex struct {
	t    testing.TB
	file *os.File
}

// walIndexHeaders is the size of the index header's two copies, which
// SQLite compares to tell a sound header from one being written.
const walIndexHeaders = 2 * 48

// NewWALIndex returns a WALIndex to be opened later, and has it closed at
// the test's end. Call it before the databases are opened: cleanups run
// last in, first out, and closing a descriptor of the file drops the
// locks SQLite holds on it in this process, so the index must be closed
// after the databases.
func NewWALIndex(t testing.TB) *WALIndex {
	w := &WALIndex{t: t}
	t.Cleanup(func() {
		if w.file != nil {
			w.file.Close()
		}
	})
	return w
}

// Open opens the index of the database at dbPath, which must be open in
// WAL mode; it stays open until the test ends, for the reason above.
func (w *WALIndex) Open(dbPath string) {
	w.t.Helper()
	f, err := os.OpenFile(dbPath+"-shm", os.O_RDWR, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	w.file = f
}

// Header returns both copies of the index header.
func (w *WALIndex) Header() []byte {
	w.t.Helper()
	b := make([]byte, walIndexHeaders)
	if _, err := w.file.ReadAt(b, 0); err != nil {
		w.t.Fatal(err)
	}
	return b
}

// SetHeader writes b, both copies of a header Header returned, over the
// index header.
func (w *WALIndex) SetHeader(b []byte) {
	w.t.Helper()
	if _, err := w.file.WriteAt(b, 0); err != nil {
		w.t.Fatal(err)
	}
}
