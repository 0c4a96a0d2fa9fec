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

// EvidenceFormat names the layout of the bundles of fetched versions; it
// changes if the layout does. (Bundles of format 1 gave the version's
// last_seen, which moved at every check that saw the page unchanged, so
// that two downloads of one bundle differed.)
const EvidenceFormat = "policywatch-evidence/2"

// EvidenceImportedFormat names the layout of the bundles of versions
// imported from an archive (`policywatch import`): the body is not a
// response, so there is no response header file, the body file and the
// manifest say where it was read from, and the README says that
// policywatch did not fetch it.
const EvidenceImportedFormat = "policywatch-evidence-imported/2"

// Names of the files in a bundle, inside its folder.
const (
	evidenceBody     = "response-body.bin"
	evidenceImported = "imported-body.bin"
	evidenceHeaders  = "response-headers.txt"
	evidenceText     = "readable-text.txt"
	evidenceManifest = "manifest.json"
	evidenceSums     = "SHA256SUMS"
	evidenceReadme   = "README.txt"
)

// Manifest is the manifest.json of an evidence bundle.
type Manifest struct {
	Format  string          `json:"format"`
	Watch   string          `json:"watch"`
	Version ManifestVersion `json:"version"`
	// Response describes the response a fetched version was read from;
	// nil for an imported version, which Import describes instead.
	Response *ManifestResponse `json:"response,omitempty"`
	Import   *ManifestImport   `json:"import,omitempty"`
	// Files lists every other file of the bundle with its SHA-256;
	// SHA256SUMS lists them and the manifest itself.
	Files []ManifestFile `json:"files"`
}

// ManifestVersion describes the version the bundle proves: what does not
// change once it is recorded, so that the bundle is the same bytes at every
// download (when the version was last seen moves at every check that finds
// it again).
type ManifestVersion struct {
	ID        int64     `json:"id"`
	TextHash  string    `json:"text_hash"`
	Title     string    `json:"title"`
	Language  string    `json:"language"`
	FirstSeen time.Time `json:"first_seen"`
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

// ManifestImport describes the archived snapshot an imported version was
// read from. policywatch made no request for it: there is no request URL,
// no status and no response header to tell.
type ManifestImport struct {
	// From is the archived file: a path in the imported folder, or
	// COMMIT:PATH in a git repository; "" when the import did not say.
	From string `json:"from"`
	// SourceFormat is "html" when the body is the archived file's bytes,
	// "markdown" when it is HTML policywatch rendered from the archived
	// Markdown file.
	SourceFormat string `json:"source_format"`
	// PageURL is the watch's URL: the page the archive is taken to be a
	// copy of, not a URL policywatch requested.
	PageURL string `json:"page_url"`
	// ArchivedAt is the date the archive gives the snapshot.
	ArchivedAt  time.Time `json:"archived_at"`
	ContentType string    `json:"content_type"`
	Charset     string    `json:"charset"`
	BodySize    int       `json:"body_size"`
	BodySHA256  string    `json:"body_sha256"`
	ImportedBy  string    `json:"imported_by"` // "policywatch import"
}

// ManifestFile is one file of the bundle.
type ManifestFile struct {
	Name   string `json:"name"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

const evidenceReadmeText = `Evidence bundle written by policywatch (%s).

%s            %s
%s         the response status and header
%s            the readable text policywatch read from the body
%s                manifest: watch, version, request and final URL, fetch
                             time (UTC), content type, and every file's SHA-256
%s                   SHA-256 of every file, manifest included

Verify with:  sha256sum -c %s
`

const evidenceImportedReadmeText = `Evidence bundle written by policywatch (%s).

This version was NOT fetched by policywatch. It was imported with
"policywatch import" from an archived snapshot:

    %s

dated %s by the archive. policywatch did not request the page
and saw no server response: there is no status line or response header
to give, and nothing here proves what a server sent. The hashes let
anyone check that these files are those policywatch wrote; they say
nothing of the archive the snapshot came from.

%s            %s
%s            the readable text policywatch read from that body
%s                manifest: watch, version, the archived file, its date
                             (UTC), content type, and every file's SHA-256
%s                   SHA-256 of every file, manifest included

Verify with:  sha256sum -c %s
`

// fetchedBodyText says what the body file of a fetched version holds: the
// server's bytes, or, for a page rendered in a browser, the document the
// browser made of them, which is not what the server sent.
func fetchedBodyText(b *monitor.Body) string {
	if !renderedBody(b) {
		return `the response body exactly as the server sent it (after
                             its Content-Encoding was undone). It is the page's raw
                             source and may contain scripts: inspect it as text.`
	}
	return fmt.Sprintf(`NOT the bytes the server sent: the page as the browser
                             %s rendered it, its document
                             serialised after its scripts ran. It may contain
                             scripts: inspect it as text.`, lineBreaks.Replace(b.Agent))
}

// renderedBody reports whether b is a page a browser rendered (its DOM
// serialised), not a response body as the server sent it nor a file
// imported from an archive (bodyOrigin's Imported).
func renderedBody(b *monitor.Body) bool {
	return b.Agent != "" && b.Agent != monitor.FetcherHTTP && b.Agent != monitor.FetcherImport
}

// importedBodyText says what the body file of an imported version holds.
func importedBodyText(o origin) string {
	if o.Markdown {
		return `HTML that policywatch rendered from the archived
                             Markdown file: not the file itself, and not a page any
                             server sent.`
	}
	return `the archived file, byte for byte, as policywatch read it.
                             It is a page's source and may contain scripts: inspect
                             it as text.`
}

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
	m := Manifest{
		Format: EvidenceFormat,
		Watch:  v.Watch,
		Version: ManifestVersion{
			ID: v.ID, TextHash: v.Hash, Title: v.Title, Language: v.Language,
			FirstSeen: v.FirstSeen.UTC(),
		},
	}
	var files []file
	if o := bodyOrigin(body); o.Imported {
		// Nothing of a response is known: no header file, and no request
		// or status in the manifest that would read as policywatch's own.
		format := "html"
		if o.Markdown {
			format = "markdown"
		}
		from := o.From
		if from == "" {
			from = "(the import did not record the file's name)"
		}
		m.Format = EvidenceImportedFormat
		m.Import = &ManifestImport{
			From: o.From, SourceFormat: format, PageURL: body.URL, ArchivedAt: body.FetchedAt.UTC(),
			ContentType: body.ContentType, Charset: body.Charset,
			BodySize: len(body.Data), BodySHA256: body.SHA256, ImportedBy: "policywatch import",
		}
		files = []file{
			{evidenceImported, body.Data},
			{evidenceText, []byte(v.Text)},
			{evidenceReadme, []byte(fmt.Sprintf(evidenceImportedReadmeText, EvidenceImportedFormat,
				lineBreaks.Replace(from), body.FetchedAt.UTC().Format("2006-01-02 15:04:05 UTC"),
				evidenceImported, importedBodyText(o), evidenceText, evidenceManifest, evidenceSums, evidenceSums))},
		}
	} else {
		m.Response = &ManifestResponse{
			RequestURL: body.URL, FinalURL: body.FinalURL, Status: body.Status,
			ContentType: body.ContentType, Charset: body.Charset, FetchedAt: body.FetchedAt.UTC(),
			BodySize: len(body.Data), BodySHA256: body.SHA256, FetchedBy: body.Agent,
		}
		files = []file{
			{evidenceBody, body.Data},
			{evidenceHeaders, headerText(body)},
			{evidenceText, []byte(v.Text)},
			{evidenceReadme, []byte(fmt.Sprintf(evidenceReadmeText, EvidenceFormat,
				evidenceBody, fetchedBodyText(body), evidenceHeaders, evidenceText, evidenceManifest, evidenceSums, evidenceSums))},
		}
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

// origin is where a body's bytes came from, when policywatch did not
// fetch them.
type origin struct {
	Imported bool
	From     string // the archived file: a path in the folder, or COMMIT:PATH; "" when not recorded
	Markdown bool   // From is Markdown: the body is HTML policywatch rendered from it
}

func bodyOrigin(b *monitor.Body) origin {
	imported, from, markdown := b.ImportedFrom()
	return origin{Imported: imported, From: from, Markdown: markdown}
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
