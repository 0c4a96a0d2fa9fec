package web_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/web"
)

// TestEvidenceBundleVerifies downloads the bundle of each version and
// checks it as someone receiving it would: every hash in SHA256SUMS and in
// the manifest matches its file, the raw body is the bytes the page server
// sent, and the manifest says where and when they were fetched.
func TestEvidenceBundleVerifies(t *testing.T) {
	r, bodies := examplePolicy(t)
	_, ts := r.server(t)
	fetched := []time.Time{
		time.Date(2025, 4, 23, 12, 31, 8, 0, time.UTC),
		time.Date(2025, 5, 28, 12, 31, 8, 0, time.UTC),
	}
	for i, sent := range bodies {
		id := int64(i + 1)
		url := fmt.Sprintf("%s/versions/%d/evidence.zip", ts.URL, id)
		resp, bundle := get(t, url)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", url, resp.StatusCode, bundle)
		}
		if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); ct != "application/zip" ||
			cd != fmt.Sprintf("attachment; filename=example-version-%d-evidence.zip", id) {
			t.Errorf("bundle served as %q, %q", ct, cd)
		}
		files := unzip(t, bundle)

		// SHA256SUMS, as `sha256sum -c` reads it, covers every other file.
		sums := files["SHA256SUMS"]
		listed := map[string]bool{}
		sc := bufio.NewScanner(bytes.NewReader(sums))
		for sc.Scan() {
			sum, name, ok := strings.Cut(sc.Text(), "  ")
			if !ok {
				t.Fatalf("SHA256SUMS line %q", sc.Text())
			}
			data, exists := files[name]
			if !exists {
				t.Errorf("SHA256SUMS lists %s, which is not in the bundle", name)
			}
			if got := hexSHA256(data); got != sum {
				t.Errorf("%s: SHA-256 %s, SHA256SUMS says %s", name, got, sum)
			}
			listed[name] = true
		}
		for name := range files {
			if name != "SHA256SUMS" && !listed[name] {
				t.Errorf("%s is not in SHA256SUMS", name)
			}
		}

		// The raw body, byte for byte.
		if !bytes.Equal(files["response-body.bin"], sent) {
			t.Errorf("version %d: response-body.bin (%d bytes) differs from the %d bytes sent", id, len(files["response-body.bin"]), len(sent))
		}

		var m web.Manifest
		if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
			t.Fatalf("manifest.json: %v", err)
		}
		if m.Format != web.EvidenceFormat || m.Watch != "example" || m.Version.ID != id {
			t.Errorf("manifest names %s %s version %d", m.Format, m.Watch, m.Version.ID)
		}
		for _, f := range m.Files {
			if got := hexSHA256(files[f.Name]); got != f.SHA256 || len(files[f.Name]) != f.Size {
				t.Errorf("manifest: %s has SHA-256 %s and %d bytes, the file %s and %d", f.Name, f.SHA256, f.Size, got, len(files[f.Name]))
			}
		}
		if len(m.Files) != len(files)-2 {
			t.Errorf("manifest lists %d files, the bundle holds %d besides the manifest and SHA256SUMS", len(m.Files), len(files)-2)
		}
		res := m.Response
		if res.RequestURL != r.Watch.URL || res.FinalURL != r.Watch.URL || res.Status != 200 ||
			!res.FetchedAt.Equal(fetched[i]) || res.BodySHA256 != hexSHA256(sent) || res.BodySize != len(sent) ||
			res.ContentType != "text/html; charset=utf-8" || res.FetchedBy != "http" {
			t.Errorf("manifest response: %+v", res)
		}

		v, err := r.DB.Version(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if string(files["readable-text.txt"]) != v.Text {
			t.Error("readable-text.txt is not the version's text")
		}
		headers := string(files["response-headers.txt"])
		if !strings.HasPrefix(headers, "HTTP/1.1 200 OK\r\n") || !strings.Contains(headers, "X-Served-By: test\r\n") {
			t.Errorf("response-headers.txt:\n%s", headers)
		}

		// The bundle is the same bytes at every download.
		if _, again := get(t, url); !bytes.Equal(again, bundle) {
			t.Error("two downloads of the same bundle differ")
		}
	}
}

// unzip returns the bundle's files by name, without the folder they are
// in, checking that they all are in one folder.
func unzip(t *testing.T, bundle []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		dir, name, ok := strings.Cut(f.Name, "/")
		if !ok || !strings.HasSuffix(dir, "-evidence") || strings.Contains(name, "/") {
			t.Errorf("bundle entry %q is not a file in the bundle's folder", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[name] = data
	}
	return files
}

func hexSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestEvidenceBundleStaysTheSame: the bundle of a version is the same
// bytes whenever it is downloaded, so that two copies can be compared by
// their hash — the current version's too, which every check that finds the
// page unchanged sees again: what changes in the history afterwards (when
// the version was last seen) is not what the bundle proves.
func TestEvidenceBundleStaysTheSame(t *testing.T) {
	r, bodies := examplePolicy(t)
	_, ts := r.server(t)
	url := ts.URL + "/versions/2/evidence.zip"
	_, before := get(t, url)
	// The same page a day later, and a week later: unchanged.
	header := map[string][]string{"Content-Type": {"text/html; charset=utf-8"}, "X-Served-By": {"test"}}
	for _, later := range []time.Duration{24 * time.Hour, 7 * 24 * time.Hour} {
		r.step(t, time.Date(2025, 5, 28, 12, 31, 8, 0, time.UTC).Add(later), 200, bodies[1], header)
	}
	v, err := r.DB.Version(context.Background(), 2)
	if err != nil || !v.LastSeen.After(v.FirstSeen) {
		t.Fatalf("version 2: %+v, %v; the test wants it seen again", v, err)
	}
	resp, after := get(t, url)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d", url, resp.StatusCode)
	}
	if !bytes.Equal(before, after) {
		b, a := unzip(t, before), unzip(t, after)
		for name := range b {
			if !bytes.Equal(b[name], a[name]) {
				t.Errorf("%s differs between a download before and one after the version was seen again:\n%s\n---\n%s", name, b[name], a[name])
			}
		}
	}
}
