// Package corpustest gives tests and benchmarks the real page histories in
// ../shared/corpus (beside the repository), unpacked once into a temporary
// folder. A test that needs them is skipped, with a message saying where
// the corpus was looked for, when they are absent.
//
// It is test support only: no production package imports it.
package corpustest

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ulikunitz/xz"
)

// The two histories in the shared corpus.
const (
	Facebook  = "facebook-privacy-policy"
	Printable = "meta-printable-policy"
)

// Step is one snapshot of a history, as index.tsv describes it.
type Step struct {
	Seq      int
	Date     time.Time
	TextHash string
	TextLen  int
	Label    string // first, same, new, revert, degraded, skip, foreign, resync
	Path     string // the unpacked HTML file
}

// Read returns the step's HTML bytes.
func (s Step) Read() ([]byte, error) { return os.ReadFile(s.Path) }

// History is one unpacked corpus.
type History struct {
	Name  string
	Dir   string
	Steps []Step
}

var (
	mu       sync.Mutex
	unpacked = map[string]*History{}
)

// Dir returns the corpus folder: $POLICYWATCH_CORPUS, or ../shared/corpus
// beside the repository root.
func Dir() string {
	if d := os.Getenv("POLICYWATCH_CORPUS"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared", "corpus")
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(d), "shared", "corpus")
		}
		if filepath.Dir(d) == d {
			return filepath.Join("..", "shared", "corpus")
		}
	}
}

// Open returns the named history, unpacking it on first use, or skips the
// test when the corpus is absent.
func Open(tb testing.TB, name string) *History {
	tb.Helper()
	archive := filepath.Join(Dir(), name+".tar.xz")
	if _, err := os.Stat(archive); err != nil {
		tb.Skipf("corpus %s not found at %s (set POLICYWATCH_CORPUS to the folder holding %s.tar.xz): skipping", name, archive, name)
	}
	h, err := load(archive, name)
	if err != nil {
		tb.Fatalf("corpus %s: %v", name, err)
	}
	return h
}

func load(archive, name string) (*History, error) {
	mu.Lock()
	defer mu.Unlock()
	if h, ok := unpacked[name]; ok {
		return h, nil
	}
	dir, err := unpackCached(archive)
	if err != nil {
		return nil, err
	}
	steps, err := readIndex(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	h := &History{Name: name, Dir: filepath.Join(dir, name), Steps: steps}
	unpacked[name] = h
	return h, nil
}

// unpackCached unpacks the archive into a folder of the system's temporary
// directory named after the archive's hash, so that the test binaries of
// one `go test ./...` share one copy. The folder appears by rename, whole.
func unpackCached(archive string) (string, error) {
	f, err := os.Open(archive)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", archive, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))[:16]
	dest := filepath.Join(os.TempDir(), "policywatch-corpus-"+sum)
	if _, err := os.Stat(dest); err == nil {
		return dest, nil
	}
	tmp, err := os.MkdirTemp(os.TempDir(), "policywatch-corpus-tmp-")
	if err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	if err := untarXZ(f, tmp); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("unpack %s: %w", archive, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.RemoveAll(tmp)
		if _, statErr := os.Stat(dest); statErr == nil {
			return dest, nil // another test binary won the race
		}
		return "", err
	}
	return dest, nil
}

func untarXZ(r io.Reader, dest string) error {
	xr, err := xz.NewReader(bufio.NewReader(r))
	if err != nil {
		return err
	}
	tr := tar.NewReader(xr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(hdr.Name)
		if strings.HasPrefix(name, "..") || filepath.IsAbs(name) {
			return fmt.Errorf("unsafe path %q in archive", hdr.Name)
		}
		target := filepath.Join(dest, name)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			out, err := os.Create(target)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, tr); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
		}
	}
}

func readIndex(dir string) ([]Step, error) {
	data, err := os.ReadFile(filepath.Join(dir, "index.tsv"))
	if err != nil {
		return nil, err
	}
	var steps []Step
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if i == 0 {
			continue // header
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 5 {
			return nil, fmt.Errorf("index.tsv line %d: %d columns, want 5", i+1, len(cols))
		}
		var s Step
		if s.Seq, err = strconv.Atoi(cols[0]); err != nil {
			return nil, fmt.Errorf("index.tsv line %d: seq: %w", i+1, err)
		}
		if s.Date, err = time.Parse(time.RFC3339, cols[1]); err != nil {
			return nil, fmt.Errorf("index.tsv line %d: date: %w", i+1, err)
		}
		s.TextHash = cols[2]
		if s.TextLen, err = strconv.Atoi(cols[3]); err != nil {
			return nil, fmt.Errorf("index.tsv line %d: textlen: %w", i+1, err)
		}
		s.Label = cols[4]
		s.Path = filepath.Join(dir, cols[0]+".html")
		steps = append(steps, s)
	}
	return steps, nil
}
