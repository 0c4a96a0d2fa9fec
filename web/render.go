package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageNames are the templates of whole pages; each is parsed with
// layout.html, which it fills.
var pageNames = []string{"overview", "timeline", "event", "version", "error"}

func (s *Server) parseTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"asset":        func(name string) string { return s.assets[name] },
		"stamp":        newStamp,
		"label":        s.label,
		"kindName":     kindName,
		"plural":       plural,
		"short":        shortTitle,
		"long":         func(s string) bool { return shortTitle(s) != s },
		"eventHeading": eventHeading,
		"watchTable":   func(labelledBy string, rows []watchView) watchTable { return watchTable{labelledBy, rows} },
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// assetURLs gives each static file a URL carrying a hash of its content,
// so that it can be cached for good and still change with a new binary.
func assetURLs() (map[string]string, error) {
	urls := map[string]string{}
	err := fs.WalkDir(staticFS, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		name := strings.TrimPrefix(path, "static/")
		urls[name] = "/static/" + name + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static assets: %w", err)
	}
	return urls, nil
}

// staticHandler serves the embedded assets. Their URLs change with their
// content (assetURLs), so they may be cached for a year.
func staticHandler() http.Handler {
	files := http.FileServerFS(staticFS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		files.ServeHTTP(w, r)
	})
}

// favicon serves the icon at the address browsers ask for when a page
// (a text/plain one) names none.
func favicon(w http.ResponseWriter, r *http.Request) {
	data, err := staticFS.ReadFile("static/favicon.svg")
	if err != nil {
		http.Error(w, "no icon", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(data)
}

// stamp is a time as the "time" template shows it: UTC in the text (the
// page's script rewrites it in the reader's zone) and in the tooltip.
type stamp struct {
	ISO   string // the datetime attribute
	Title string // to the second
	Text  string // to the minute
	Day   string // the day alone
}

// DayLong is the day as a page's title ends with it, "28 May 2025":
// written in UTC, as the page's times are, and put in the reader's zone
// by the page's script, as they are (an event at 02:00 UTC on 29 May is
// dated 28 May in New York by its page, and was by its title's UTC day).
// Worked out when a title asks, not for every time a page shows.
func (s *stamp) DayLong() string {
	t, err := time.Parse(time.RFC3339, s.ISO)
	if err != nil {
		return s.Day
	}
	return t.Format(analyze.DayLayout)
}

// newStamp returns nil for the zero time: "never".
func newStamp(t time.Time) *stamp {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &stamp{
		ISO:   t.Format(time.RFC3339),
		Title: t.Format("2006-01-02 15:04:05") + " UTC",
		Text:  t.Format("2006-01-02 15:04") + " UTC",
		Day:   t.Format("2006-01-02"),
	}
}

// watchTable is a table of watches of the overview, named by the heading
// whose id is LabelledBy.
type watchTable struct {
	LabelledBy string
	Rows       []watchView
}

// common is what every page's layout needs.
type common struct {
	Title string // of the page, before " · policywatch"
	// Day, when set, ends the title with the day of the page's subject
	// (an event's: ", 28 May 2025", its DayLong).
	Day   *stamp
	Feeds bool // link the Atom feeds
	// FeedURL is the feed of the page's subject; "" for the global one.
	FeedURL string
}

// render writes the page name with data and status. The page is rendered
// into a buffer first, so that a template error is a clean 500, not half
// a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) error {
	buf := s.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 4<<20 { // do not keep the buffers of huge pages
			s.bufs.Put(buf)
		}
	}()
	if err := s.pages[name].ExecuteTemplate(buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// statusError is an error with the HTTP status and message people see.
type statusError struct {
	status  int
	message string
}

func (e *statusError) Error() string { return e.message }

func notFoundf(format string, args ...any) error {
	return &statusError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

func badRequestf(format string, args ...any) error {
	return &statusError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

type errorView struct {
	common
	Status  int
	Message string
}

// page adapts a handler that returns an error: a statusError or a read of
// something that does not exist becomes its page, anything else a logged
// 500 that tells the reader nothing of the internals.
func (s *Server) page(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var se *statusError
		switch {
		case errors.As(err, &se):
		case s.notFound != nil && errors.Is(err, s.notFound):
			se = &statusError{http.StatusNotFound, "Nothing is recorded under this address."}
		case r.Context().Err() != nil:
			return // the client went away
		default:
			s.log.Error("web request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			se = &statusError{http.StatusInternalServerError, "Something went wrong on the server; the details are in its log."}
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeJSONError(w, se.status, se.message)
			return
		}
		v := errorView{common: s.common(http.StatusText(se.status)), Status: se.status, Message: se.message}
		if err := s.render(w, se.status, "error", v); err != nil {
			s.log.Error("render error page", "err", err)
		}
	}
}

func (s *Server) common(title string) common {
	return common{Title: title, Feeds: s.feeds.Load()}
}

// watchCommon is common for a page about one watch: it links the watch's
// own feed too.
func (s *Server) watchCommon(title, watch string) common {
	c := s.common(title)
	if c.Feeds {
		c.FeedURL = "/feeds/watch/" + watch + ".atom"
	}
	return c
}

// label names a taxonomy id for people.
func (s *Server) label(id string) string { return s.taxonomy.Label(id, "en") }

// kindName names an event kind for people.
func kindName(k monitor.EventKind) string {
	switch k {
	case monitor.KindBaseline:
		return "baseline"
	case monitor.KindChange:
		return "change"
	case monitor.KindRevert:
		return "revert"
	case monitor.KindAnomaly:
		return "anomaly"
	case monitor.KindFetchError:
		return "fetch error"
	case monitor.KindRecovered:
		return "recovered"
	}
	return string(k)
}

// maxTitle is how many characters of a page's title headings and tables
// show: a title can be a thousand characters long (the whole title is in
// the tooltip).
const maxTitle = 120

// shortTitle shortens s to at most maxTitle characters, at a space when
// one leaves most of it, and marks the cut with an ellipsis.
func shortTitle(s string) string {
	r := []rune(s)
	if len(r) <= maxTitle {
		return s
	}
	cut := string(r[:maxTitle-1])
	if i := strings.LastIndex(cut, " "); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.") + "…"
}

// eventHeading says what an event is, as a sentence about its watch.
func eventHeading(k monitor.EventKind, watch string) string {
	switch k {
	case monitor.KindBaseline:
		return "First capture of " + watch
	case monitor.KindChange:
		return watch + " changed"
	case monitor.KindRevert:
		return watch + " went back to an earlier text"
	case monitor.KindAnomaly:
		return watch + " served a page that is not the policy"
	case monitor.KindFetchError:
		return watch + " could not be fetched"
	case monitor.KindRecovered:
		return watch + " is back to normal"
	}
	return kindName(k) + ": " + watch
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
