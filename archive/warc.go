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
	// Checks lists the watch's checks, newest first (limit <= 0: all).
	Checks(ctx context.Context, watch string, limit int) ([]monitor.Check, error)
	Versions(ctx context.Context, watch string) ([]monitor.Version, error)
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
	Records int // response records, one per body
	Bytes   int64
}

// WriteWARC writes the raw bodies of the watches as a WARC 1.1 file: a
// warcinfo record, then for each body, in the order fetched, a response
// record holding the HTTP status line, the stored response header and the
// body byte for byte. WARC-Target-URI is the URL asked for after
// redirects, WARC-Date the fetch time, WARC-Payload-Digest the body's
// stored SHA-256 (which the library checks against the bytes written).
//
// Bodies are stored decoded (Content-Encoding undone), so the header
// written drops Content-Encoding and Transfer-Encoding and gives the
// body's own Content-Length: the record describes the payload it holds.
//
// The bodies listed are those the database's checks and versions refer
// to; a body whose check was pruned and that is no version's first body
// is not reachable through BodyReader and is left out.
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
		ids, err := bodyIDs(ctx, r, watch)
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
			if err := ww.response(watch, b, infoID); err != nil {
				return out, fmt.Errorf("export WARC: body %d of %s: %w", id, watch, err)
			}
			out.Records++
		}
	}
	out.Bytes = ww.n
	return out, nil
}

// bodyIDs lists the ids of the bodies a watch's checks and versions refer
// to, oldest first.
func bodyIDs(ctx context.Context, r BodyReader, watch string) ([]int64, error) {
	checks, err := r.Checks(ctx, watch, 0)
	if err != nil {
		return nil, err
	}
	versions, err := r.Versions(ctx, watch)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var ids []int64
	add := func(id int64) {
		if id != 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, c := range checks {
		add(c.BodyID)
	}
	for _, v := range versions {
		add(v.BodyID)
	}
	slices.Sort(ids)
	return ids, nil
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
	fmt.Fprintf(rb, "software: %s\r\nformat: WARC File Format 1.1\r\nconformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\ndescription: raw response bodies kept by policywatch, decoded from their Content-Encoding\r\n", headerSafe(software))
	rec, _, err := rb.Build()
	if err != nil {
		return "", fmt.Errorf("warcinfo record: %w", err)
	}
	return id, ww.write(rec)
}

// response writes one body as a response record.
func (ww *warcWriter) response(watch string, b *monitor.Body, infoID string) error {
	sum, err := hex.DecodeString(b.SHA256)
	if err != nil || len(sum) != 32 {
		return fmt.Errorf("stored SHA-256 %q is not a SHA-256", shorten(b.SHA256, 80))
	}
	rb := gowarc.NewRecordBuilder(gowarc.Response, recordOptions()...)
	// The id is derived from the watch and the body's digest, so that
	// exporting twice gives the same ids and archives can deduplicate.
	rb.AddWarcHeader(gowarc.WarcRecordID, "<"+uuid.NewSHA1(uuid.NameSpaceURL, []byte("policywatch:"+watch+":"+b.SHA256)).URN()+">")
	rb.AddWarcHeaderTime(gowarc.WarcDate, b.FetchedAt.UTC())
	rb.AddWarcHeader(gowarc.WarcTargetURI, targetURI(b))
	rb.AddWarcHeader(gowarc.WarcWarcinfoID, "<"+infoID+">")
	rb.AddWarcHeader(gowarc.ContentType, gowarc.ApplicationHttp+";msgtype=response")
	rb.AddWarcHeader(gowarc.WarcPayloadDigest, "sha256:"+base32.StdEncoding.EncodeToString(sum))
	if ct := b.ContentType; ct != "" && httpguts.ValidHeaderFieldValue(ct) {
		rb.AddWarcHeader(gowarc.WarcIdentifiedPayloadType, ct)
	}
	if _, err := rb.Write(httpHead(b)); err != nil {
		return err
	}
	if _, err := rb.Write(b.Data); err != nil {
		return err
	}
	rec, _, err := rb.Build()
	if err != nil {
		return err
	}
	return ww.write(rec)
}

// targetURI is the URL the body was served from, or a URN naming it when
// no absolute URL was recorded (a body imported without one).
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
		status = http.StatusOK // a body imported without a status
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
