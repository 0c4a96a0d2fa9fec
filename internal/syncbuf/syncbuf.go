// Package syncbuf is a buffer that goroutines may write while another reads
// it: a running command's stderr, a daemon's or a proxy's log, read by the
// test that started it. For tests only; it imports nothing of policywatch.
package syncbuf

import (
	"strings"
	"sync"
)

// Buffer collects what is written to it. The zero value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
