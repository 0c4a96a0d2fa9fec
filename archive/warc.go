package archive

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/nlnwa/gowarc/v2"
	"golang.org/x/net/http/httpguts"

	"github.com/policywatch/policywatch/monitor"
)

// BodyReader lists a watch's raw bodies and reads them. *store.DB
// implements it.
type BodyReader interface {
	Watches(ctx context.Context) ([]monitor.WatchSummary, error)
	// BodyIDs lists every body stored for a watch, oldest first.
	BodyIDs(ctx context.Context, watch string) ([]int64, error)
	// Body returns a body with its exact bytes, checked against its SHA-256.
	Body(ctx context.Context, id int64) (*monitor.Body, error)
}

// WARCOptions configure WriteWARC.
type WARCOptions struct {
	// Watches whose bodies to write; empty: every watch in the database.
	Watches []string
	// Gzip compresses each record as its own gzip member (a .warc.gz
	// file), so that readers can seek to any record.
	Gzip bool
	// Software names the writer in the warcinfo record.
	Software string
	// Now dates the warcinfo record; nil means time.Now.
	Now func() time.Time
}

// WARCExport says what WriteWARC wrote.
type WARCExport struct {
	Records   int // body records, one per body: Responses + Resources
	Responses int // of bodies policywatch fetched
	Resources int // of bodies imported from an archive (resource records; conversion records for HTML rendered from Markdown)
	Bytes     int64
}

// WriteWARC writes the raw bodies of the watches as a WARC 1.1 file: a
// warcinfo record, then one record per body, in the order stored.
//
// A body policywatch fetched is a response record holding the HTTP status
// line, the stored response header and the body byte for byte.
// WARC-Target-URI is the URL asked for after redirects, WARC-Date the
// fetch time, WARC-Payload-Digest the body's stored SHA-256 (which the
// library checks against the bytes written). Bodies are stored decoded
// (Content-Encoding undone), so the header written drops Content-Encoding
// and Transfer-Encoding and gives the body's own Content-Length: the
// record describes the payload it holds.
//
// A body imported from an archive (`policywatch import`) was never a
// response policywatch received: there is no status or header to give,
// and inventing them would make replay tools and web archives take the
// file for a capture of the site by policywatch. It is a resource record
// instead (WARC 1.1: "a resource, without full protocol response
// information"): the body as its block, its media type as Content-Type,
// the snapshot's date as WARC-Date, and the archived file it was read
// from in X-Policywatch-Imported-From (see resource).
//
// What is imported is told as the web view tells it: by the body's agent,
// which policywatch writes, never by its header, which a fetched page's
// server could send too (see monitor.FetcherImport).
//
// Every body stored is written, those of checks whose rows
// check_retention pruned included.
func WriteWARC(ctx context.Context, r BodyReader, w io.Writer, opts WARCOptions) (*WARCExport, error) {
	watches := opts.Watches
	if len(watches) == 0 {
		all, err := r.Watches(ctx)
		if err != nil {
			return nil, fmt.Errorf("export WARC: %w", err)
		}
		for _, s := range all {
			watches = append(watches, s.Name)
		}
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	ww := &warcWriter{w: w, gzip: opts.Gzip}
	infoID, err := ww.warcinfo(opts.Software, now())
	if err != nil {
		return nil, fmt.Errorf("export WARC: %w", err)
	}
	out := &WARCExport{}
	for _, watch := range watches {
		ids, err := r.BodyIDs(ctx, watch)
		if err != nil {
			return out, fmt.Errorf("export WARC: %w", err)
		}
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return out, fmt.Errorf("export WARC: %w", err)
			}
			b, err := r.Body(ctx, id)
			if err != nil {
				return out, fmt.Errorf("export WARC: %w", err)
			}
			if imported(b) {
				err = ww.resource(watch, b, infoID)
				out.Resources++
			} else {
				err = ww.response(watch, b, infoID)
				out.Responses++
			}
			if err != nil {
				return out, fmt.Errorf("export WARC: body %d of %s: %w", id, watch, err)
			}
			out.Records++
		}
	}
	out.Bytes = ww.n
	return out, nil
}

// warcWriter writes records, each as its own gzip member when gzip is
// set, and counts the bytes written.
type warcWriter struct {
	w    io.Writer
	gzip bool
	n    int64
}

func (ww *warcWriter) write(rec gowarc.WarcRecord) error {
	defer rec.Close()
	cw := &countingWriter{w: ww.w}
	var dst io.Writer = cw
	var gz *gzip.Writer
	if ww.gzip {
		gz = gzip.NewWriter(cw)
		dst = gz
	}
	bw := bufio.NewWriterSize(dst, 64<<10)
	if _, _, err := gowarc.NewMarshaler().Marshal(bw, rec, 0); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			return err
		}
	}
	ww.n += cw.n
	return nil
}

// recordOptions make the library refuse, rather than fix, a record whose
// digest or length does not match its content.
func recordOptions() []gowarc.WarcRecordOption {
	return []gowarc.WarcRecordOption{
		gowarc.WithSpecViolationPolicy(gowarc.ErrFail),
		gowarc.WithSyntaxErrorPolicy(gowarc.ErrFail),
		gowarc.WithDefaultDigestAlgorithm("sha256"),
		gowarc.WithFixDigest(false),
		gowarc.WithFixContentLength(false),
	}
}

func (ww *warcWriter) warcinfo(software string, at time.Time) (string, error) {
	if software == "" {
		software = "policywatch"
	}
	rb := gowarc.NewRecordBuilder(gowarc.Warcinfo, recordOptions()...)
	id := uuid.New().URN()
	rb.AddWarcHeader(gowarc.WarcRecordID, "<"+id+">")
	rb.AddWarcHeaderTime(gowarc.WarcDate, at.UTC())
	rb.AddWarcHeader(gowarc.ContentType, gowarc.ApplicationWarcFields)
	fmt.Fprintf(rb, "software: %s\r\nformat: WARC File Format 1.1\r\nconformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\ndescription: raw bodies kept by policywatch: response records for the pages it fetched (decoded from their Content-Encoding), resource records for the files it imported from archives, which it did not fetch (X-Policywatch-Imported-From names the file)\r\n", headerSafe(software))
	rec, _, err := rb.Build()
	if err != nil {
		return "", fmt.Errorf("warcinfo record: %w", err)
	}
	return id, ww.write(rec)
}

// imported says whether a body was read from an archive by policywatch
// import rather than fetched: by its agent only, as the web view tells it.
func imported(b *monitor.Body) bool {
	imported, _, _ := b.ImportedFrom()
	return imported
}

// bodyRecord starts the record of a body with the fields every body record
// has: its id, date, target URI, warcinfo and payload digest.
func bodyRecord(t gowarc.RecordType, watch string, b *monitor.Body, infoID string) (gowarc.WarcRecordBuilder, error) {
	sum, err := hex.DecodeString(b.SHA256)
	if err != nil || len(sum) != 32 {
		return nil, fmt.Errorf("stored SHA-256 %q is not a SHA-256", shorten(b.SHA256, 80))
	}
	rb := gowarc.NewRecordBuilder(t, recordOptions()...)
	// The id is derived from the watch and the body's digest, so that
	// exporting twice gives the same ids and archives can deduplicate. A
	// watch stores a body once (by digest), so ids do not repeat.
	rb.AddWarcHeader(gowarc.WarcRecordID, "<"+uuid.NewSHA1(uuid.NameSpaceURL, []byte("policywatch:"+watch+":"+b.SHA256)).URN()+">")
	rb.AddWarcHeaderTime(gowarc.WarcDate, b.FetchedAt.UTC())
	rb.AddWarcHeader(gowarc.WarcTargetURI, targetURI(b))
	rb.AddWarcHeader(gowarc.WarcWarcinfoID, "<"+infoID+">")
	rb.AddWarcHeader(gowarc.WarcPayloadDigest, "sha256:"+base32.StdEncoding.EncodeToString(sum))
	return rb, nil
}

// response writes one fetched body as a response record.
func (ww *warcWriter) response(watch string, b *monitor.Body, infoID string) error {
	rb, err := bodyRecord(gowarc.Response, watch, b, infoID)
	if err != nil {
		return err
	}
	rb.AddWarcHeader(gowarc.ContentType, gowarc.ApplicationHttp+";msgtype=response")
	if ct := b.ContentType; ct != "" && httpguts.ValidHeaderFieldValue(ct) {
		rb.AddWarcHeader(gowarc.WarcIdentifiedPayloadType, ct)
	}
	return ww.finish(rb, httpHead(b), b.Data)
}

// finish writes the parts as the record's block, and the record.
func (ww *warcWriter) finish(rb gowarc.WarcRecordBuilder, parts ...[]byte) error {
	for _, p := range parts {
		if _, err := rb.Write(p); err != nil {
			return err
		}
	}
	rec, _, err := rb.Build()
	if err != nil {
		return err
	}
	return ww.write(rec)
}

// Extension fields of the resource record of an imported body.
const (
	// warcConvertedFrom gives the media type of the archived file when
	// the block is not that file but what policywatch made of it: the
	// HTML it rendered from a Markdown file (the web view and the
	// evidence bundle say the same).
	warcConvertedFrom = "X-Policywatch-Converted-From"
)

// resource writes one body imported from an archive as a resource record:
// the body byte for byte as the block (for a resource, the block is the
// payload), its media type as Content-Type, the snapshot's date, and
// where it was imported from. No HTTP status line or header is written:
// policywatch received none, and the archive kept none.
//
// Its WARC-Target-URI is the watch's URL (as the body recorded it at the
// import), not a URN naming the file. The archive holds the file as its
// copy of that page on that date, and that is what the record says: the
// record type says that no protocol exchange is recorded — WARC 1.1 names
// "the result of a networked retrieval where the protocol information has
// been discarded" as what a resource record is for — and
// X-Policywatch-Imported-From and the warcinfo record say by whom it was
// not fetched. A URN would keep the copy from being found under the
// page's URL, which is what a web archive or a researcher looks it up by.
//
// The HTML policywatch rendered from an archived Markdown file is not the
// archive's copy but what policywatch made of it: a conversion record
// (WARC 1.1: "an alternative version of content that was created as the
// result of an archival process"), marked X-Policywatch-Converted-From.
func (ww *warcWriter) resource(watch string, b *monitor.Body, infoID string) error {
	_, file, converted := b.ImportedFrom()
	from := headerSafe(file)
	typ := gowarc.Resource
	if converted {
		typ = gowarc.Conversion
	}
	rb, err := bodyRecord(typ, watch, b, infoID)
	if err != nil {
		return err
	}
	rb.AddWarcHeader(gowarc.ContentType, mediaType(b))
	if from != "" {
		rb.AddWarcHeader(monitor.ImportedFromHeader, from)
	}
	if converted {
		rb.AddWarcHeader(warcConvertedFrom, "text/markdown")
	}
	return ww.finish(rb, b.Data)
}

// mediaType is the Content-Type of an imported body's record: the one
// recorded at the import, or else application/octet-stream, the label of
// bytes of unknown type.
func mediaType(b *monitor.Body) string {
	for _, ct := range []string{b.ContentType, b.Header.Get("Content-Type")} {
		if ct == "" || !httpguts.ValidHeaderFieldValue(ct) {
			continue
		}
		if _, _, err := mime.ParseMediaType(ct); err == nil {
			return ct
		}
	}
	return "application/octet-stream"
}

// targetURI is the URL the body was served from (for an imported body,
// the watch's URL it was imported for), or a URN naming the body when no
// absolute URL was recorded.
func targetURI(b *monitor.Body) string {
	for _, s := range []string{b.FinalURL, b.URL} {
		if u, err := url.Parse(s); err == nil && u.IsAbs() && httpguts.ValidHeaderFieldValue(s) {
			return s
		}
	}
	return "urn:policywatch:body:" + b.SHA256
}

// dropped are header fields that described the bytes on the wire, not the
// decoded body the record holds.
var dropped = map[string]bool{"Content-Encoding": true, "Transfer-Encoding": true, "Content-Length": true}

// httpHead writes the status line and header of a stored body. Fields
// whose name or value could not have come from a real response (line
// breaks, invalid names) are left out: a stored header must not be able
// to forge another field or record.
func httpHead(b *monitor.Body) []byte {
	status := b.Status
	if status < 100 || status > 999 {
		// A fetched body always has its status; this guards the status
		// line against a corrupt row.
		status = http.StatusOK
	}
	var h bytes.Buffer
	fmt.Fprintf(&h, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	keys := make([]string, 0, len(b.Header))
	for k := range b.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if b.Header.Get("Content-Type") == "" && b.ContentType != "" && httpguts.ValidHeaderFieldValue(b.ContentType) {
		fmt.Fprintf(&h, "Content-Type: %s\r\n", b.ContentType) // known from the fetch, missing from the header kept
	}
	for _, k := range keys {
		ck := http.CanonicalHeaderKey(k)
		if dropped[ck] || !httpguts.ValidHeaderFieldName(k) {
			continue
		}
		for _, v := range b.Header[k] {
			if httpguts.ValidHeaderFieldValue(v) {
				fmt.Fprintf(&h, "%s: %s\r\n", k, v)
			}
		}
	}
	h.WriteString("Content-Length: " + strconv.Itoa(len(b.Data)) + "\r\n\r\n")
	return h.Bytes()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
