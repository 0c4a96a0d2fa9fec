package web

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// An evidence bundle is a zip of everything that proves what a page said
// when it was fetched: the raw response body byte for byte, its header,
// the readable text read from it, a manifest of the request and the
// response, and the SHA-256 of every file. It is built the same, byte for
// byte, every time it is downloaded, so that two copies can be compared.

// EvidenceFormat names the layout of the bundles; it changes if the
// layout does.
const EvidenceFormat = "policywatch-evidence/1"

// Names of the files in a bundle, inside its folder.
const (
	evidenceBody     = "response-body.bin"
	evidenceHeaders  = "response-headers.txt"
	evidenceText     = "readable-text.txt"
	evidenceManifest = "manifest.json"
	evidenceSums     = "SHA256SUMS"
	evidenceReadme   = "README.txt"
)

// Manifest is the manifest.json of an evidence bundle.
type Manifest struct {
	Format   string           `json:"format"`
	Watch    string           `json:"watch"`
	Version  ManifestVersion  `json:"version"`
	Response ManifestResponse `json:"response"`
	// Files lists every other file of the bundle with its SHA-256;
	// SHA256SUMS lists them and the manifest itself.
	Files []ManifestFile `json:"files"`
}

// ManifestVersion describes the version the bundle proves.
type ManifestVersion struct {
	ID        int64     `json:"id"`
	TextHash  string    `json:"text_hash"`
	Title     string    `json:"title"`
	Language  string    `json:"language"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// ManifestResponse describes the response the version was read from.
type ManifestResponse struct {
	RequestURL  string    `json:"request_url"`
	FinalURL    string    `json:"final_url"`
	Status      int       `json:"status"`
	ContentType string    `json:"content_type"`
	Charset     string    `json:"charset"`
	FetchedAt   time.Time `json:"fetched_at"`
	BodySize    int       `json:"body_size"`
	BodySHA256  string    `json:"body_sha256"`
	// FetchedBy is what fetched the body: "http", or the browser and its
	// version ("HeadlessChrome/156…") for pages rendered in Chromium.
	FetchedBy string `json:"fetched_by,omitempty"`
}

// ManifestFile is one file of the bundle.
type ManifestFile struct {
	Name   string `json:"name"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

const evidenceReadmeText = `Evidence bundle written by policywatch (%s).

%s            the response body exactly as the server sent it (after
                             its Content-Encoding was undone). It is the page's raw
                             source and may contain scripts: inspect it as text.
%s          the response status and header
%s            the readable text policywatch read from the body
%s                manifest: watch, version, request and final URL, fetch
                             time (UTC), content type, and every file's SHA-256
%s                   SHA-256 of every file, manifest included

Verify with:  sha256sum -c %s
`

func (s *Server) evidence(w http.ResponseWriter, r *http.Request) error {
	ver, body, err := s.versionBody(r)
	if err != nil {
		return err
	}
	bundle, err := buildEvidence(ver, body)
	if err != nil {
		return err
	}
	setDownload(w, evidenceName(ver)+".zip", "application/zip", len(bundle))
	_, err = w.Write(bundle)
	return err
}

// evidenceName is the bundle's folder and file name.
func evidenceName(v *monitor.Version) string {
	return fmt.Sprintf("%s-version-%d-evidence", v.Watch, v.ID)
}

// buildEvidence writes the bundle of version v, read from body.
func buildEvidence(v *monitor.Version, body *monitor.Body) ([]byte, error) {
	type file struct {
		name string
		data []byte
	}
	files := []file{
		{evidenceBody, body.Data},
		{evidenceHeaders, headerText(body)},
		{evidenceText, []byte(v.Text)},
		{evidenceReadme, []byte(fmt.Sprintf(evidenceReadmeText, EvidenceFormat,
			evidenceBody, evidenceHeaders, evidenceText, evidenceManifest, evidenceSums, evidenceSums))},
	}
	m := Manifest{
		Format: EvidenceFormat,
		Watch:  v.Watch,
		Version: ManifestVersion{
			ID: v.ID, TextHash: v.Hash, Title: v.Title, Language: v.Language,
			FirstSeen: v.FirstSeen.UTC(), LastSeen: v.LastSeen.UTC(),
		},
		Response: ManifestResponse{
			RequestURL: body.URL, FinalURL: body.FinalURL, Status: body.Status,
			ContentType: body.ContentType, Charset: body.Charset, FetchedAt: body.FetchedAt.UTC(),
			BodySize: len(body.Data), BodySHA256: body.SHA256, FetchedBy: body.Agent,
		},
	}
	for _, f := range files {
		m.Files = append(m.Files, ManifestFile{Name: f.name, Size: len(f.data), SHA256: sha256Hex(f.data)})
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("evidence manifest: %w", err)
	}
	files = append(files, file{evidenceManifest, append(manifest, '\n')})
	var sums bytes.Buffer
	for _, f := range files {
		// The format of sha256sum: hash, two spaces, file name.
		fmt.Fprintf(&sums, "%s  %s\n", sha256Hex(f.data), f.name)
	}
	files = append(files, file{evidenceSums, sums.Bytes()})

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	dir := evidenceName(v) + "/"
	// Every entry is dated by the fetch, so that the bundle is the same
	// bytes whenever it is built.
	modified := body.FetchedAt.UTC()
	if modified.Year() < 1980 { // the earliest date a zip can hold
		modified = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	for _, f := range files {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: dir + f.name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return nil, fmt.Errorf("evidence %s: %w", f.name, err)
		}
		if _, err := fw.Write(f.data); err != nil {
			return nil, fmt.Errorf("evidence %s: %w", f.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	return buf.Bytes(), nil
}

var lineBreaks = strings.NewReplacer("\r", " ", "\n", " ")

// headerText writes a response's status and header as HTTP/1.1 puts them
// on the wire, fields sorted.
func headerText(b *monitor.Body) []byte {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "HTTP/1.1 %d %s\r\n", b.Status, http.StatusText(b.Status))
	for _, name := range slices.Sorted(maps.Keys(b.Header)) {
		for _, v := range b.Header[name] {
			// Stored headers were parsed from a response, so they hold no
			// line breaks; a corrupt row must not forge a line anyway.
			v = lineBreaks.Replace(v)
			fmt.Fprintf(&buf, "%s: %s\r\n", name, v)
		}
	}
	return buf.Bytes()
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
