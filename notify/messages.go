package notify

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
)

// maxSubjectSummary caps the summary's share of a subject.
const maxSubjectSummary = 120

// footerData is what every subscriber's message ends with.
type footerData struct {
	Subject     string
	To          string
	Watches     string // "" : every watch
	Unsubscribe string
	Base        string
}

type alertData struct {
	footerData
	Change *changeView
}

type watchGroup struct {
	Watch   string
	Changes []*changeView
}

type digestData struct {
	footerData
	Frequency string
	Count     int // changes shown
	More      int // changes left out
	Groups    []watchGroup
}

type operatorData struct {
	Subject, To, Watch, Headline, When, Summary, Detail, URL string
	Open, Flapping                                           bool
	Episodes                                                 int
	Window                                                   string
	// In a message of several notices: its number, from 1; Together
	// leaves what follows an open episode to be said once, at the end.
	N        int
	Together bool
	// What the subject of several notices counts it as, and the reason
	// it names when all the notices so counted share it.
	tally, reason string
}

// operatorNotices is the one message of several notices to one operator
// address.
type operatorNotices struct {
	Subject, To string
	Count       int
	Open        bool // an episode of one of the watches is still open after its notices
	Notices     []operatorData
}

// notification builds the message of an outbox row. It returns
// errGone (wrapped) when the row must not be sent any more.
func (s *Service) notification(ctx context.Context, it OutboxItem) (*Notification, error) {
	n, err := s.draft(ctx, it)
	if err != nil {
		return nil, err
	}
	if err := s.finish(ctx, n); err != nil {
		return nil, err
	}
	return n, nil
}

// draft is notification, but leaves a digest's message to be made
// (finish, or together): the sender merges the digests due together to
// one subscriber, and renders each digest once, alone or merged.
func (s *Service) draft(ctx context.Context, it OutboxItem) (*Notification, error) {
	switch it.Kind {
	case KindAlert:
		sub, err := s.activeSubscriber(ctx, it.SubscriberID)
		if err != nil {
			return nil, err
		}
		e, err := s.event(ctx, it.EventID)
		if err != nil {
			return nil, err
		}
		if !sub.Follows(e.Watch) {
			return nil, fmt.Errorf("%w: subscriber %d no longer follows %s", errGone, sub.ID, e.Watch)
		}
		return s.alertNotification(ctx, it, sub, e)
	case KindDigest:
		sub, err := s.activeSubscriber(ctx, it.SubscriberID)
		if err != nil {
			return nil, err
		}
		ids, err := s.store.DigestEventIDs(ctx, sub.ID, it.ID)
		if err != nil {
			return nil, err
		}
		return &Notification{Item: it, digest: &digestOf{sub: sub, note: it.Note, ids: ids, unmade: true}}, nil
	case KindOperator:
		e, err := s.event(ctx, it.EventID)
		if err != nil {
			return nil, err
		}
		return s.operatorNotification(ctx, it, e)
	case KindWebhook:
		e, err := s.event(ctx, it.EventID)
		if err != nil {
			return nil, err
		}
		title := oneLine(fmt.Sprintf("%s: %s (%s)", e.Watch, e.Kind, e.Severity), 200)
		return &Notification{Item: it, Event: e, Title: title, Text: oneLine(e.Summary, maxSummary), Link: s.eventURL(e.ID),
			Date: s.now()}, nil
	}
	return nil, fmt.Errorf("%w: unknown kind %q", errGone, it.Kind)
}

// finish makes the message of a digest that draft left unmade, in n
// itself: the sender's batch holds n's Item (its claim). Any other
// notification is made already.
func (s *Service) finish(ctx context.Context, n *Notification) error {
	d := n.digest
	if d == nil || !d.unmade {
		return nil
	}
	m, err := s.digestNotification(ctx, []OutboxItem{n.Item}, d.note, d.sub, d.ids)
	if err != nil {
		return err
	}
	m.Item = n.Item
	*n = *m
	return nil
}

// errGone marks a row that must not be sent: its subscriber left, its
// webhook was removed from the configuration.
var errGone = fmt.Errorf("no longer to be sent")

func (s *Service) activeSubscriber(ctx context.Context, id int64) (Subscriber, error) {
	sub, err := s.store.SubscriberByID(ctx, id)
	if err != nil {
		return Subscriber{}, err
	}
	if !sub.UnsubscribedAt.IsZero() {
		return Subscriber{}, fmt.Errorf("%w: %s unsubscribed", errGone, sub.Email)
	}
	return sub, nil
}

func (s *Service) event(ctx context.Context, id int64) (*monitor.Event, error) {
	events, err := s.store.Events(ctx, monitor.EventFilter{AfterID: id - 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(events) == 0 || events[0].ID != id {
		return nil, fmt.Errorf("%w: event %d not found", errGone, id)
	}
	return &events[0], nil
}

func (s *Service) footer(ctx context.Context, subject string, sub Subscriber) (footerData, error) {
	f := footerData{Subject: subject, To: sub.Email, Watches: strings.Join(sub.Watches, ", "), Base: s.cfg.BaseURL}
	if s.cfg.BaseURL != "" {
		tok, err := s.unsubscribeToken(ctx, sub)
		if err != nil {
			return f, err
		}
		f.Unsubscribe = s.cfg.BaseURL + "/unsubscribe?token=" + tok
	}
	return f, nil
}

func (s *Service) alertNotification(ctx context.Context, it OutboxItem, sub Subscriber, e *monitor.Event) (*Notification, error) {
	v, err := s.changeView(ctx, e, alertDetail, s.now())
	if err != nil {
		return nil, err
	}
	name := v.Watch
	if v.Title != "" {
		name += " (" + oneLine(v.Title, 60) + ")"
	}
	level := string(v.Severity) + soonestAction(v.Dates)
	subject := fmt.Sprintf("[policywatch] %s %s (%s): %s", name, v.Verb, level, oneLine(analysisSummary(e, v), maxSubjectSummary))
	f, err := s.footer(ctx, subject, sub)
	if err != nil {
		return nil, err
	}
	text, html, err := s.tmpl.render("alert", alertData{footerData: f, Change: v})
	if err != nil {
		return nil, fmt.Errorf("render alert: %w", err)
	}
	return s.mail(ctx, []OutboxItem{it}, subject, text, html, f.Unsubscribe)
}

// soonestAction says, for a subject list, how soon a change's reader must
// act, where the summary gives the date alone: "; deadline in 3 days", or
// when the change has no deadline coming, the day AI training starts,
// which is what objecting must come before ("; AI training starts
// tomorrow"). Of several, the soonest still to come, whichever the policy
// states first: a deadline passed (one region's) beside one still open
// (another's) must not tell the reader it is too late. A deadline passed
// is said when none is open, so that no one fills in a form too late; a
// start passed is not, it asks nothing of the reader. "" when neither is
// within soonDays.
func soonestAction(dates []dateView) string {
	soonest := func(ok func(dateView) bool) *dateView {
		var best *dateView
		for i, d := range dates {
			if d.Note != "" && d.days >= 0 && ok(d) && (best == nil || d.days < best.days) {
				best = &dates[i]
			}
		}
		return best
	}
	if d := soonest(func(d dateView) bool { return d.role == analyze.RoleDeadline }); d != nil {
		return "; deadline " + d.Note
	}
	for _, d := range dates {
		if d.role == analyze.RoleDeadline && d.Note == "passed" {
			return "; deadline passed"
		}
	}
	if d := soonest(func(d dateView) bool { return d.startsAI }); d != nil {
		return "; " + d.Role + " " + d.Note
	}
	return ""
}

// analysisSummary is the part of an event's summary that says what
// changed, without the word counts that open it; else the summary as v
// shows it.
func analysisSummary(e *monitor.Event, v *changeView) string {
	if e.Analysis != nil && e.Analysis.Summary != "" {
		return e.Analysis.Summary
	}
	return v.Summary
}

// digestNotification builds the digest of the changes ids to sub, which
// the rows its carry (one, or several due together: digestsMessage),
// under the setting note.
func (s *Service) digestNotification(ctx context.Context, its []OutboxItem, note string, sub Subscriber, ids []int64) (*Notification, error) {
	d := digestData{Frequency: note}
	switch d.Frequency {
	case "":
		d.Frequency = DigestDaily
	case DigestNone:
		d.Frequency = catchUpDigest // alerts the hourly limit held back
	}
	byWatch := map[string]int{}
	critical := 0
	asOf := s.now() // the message's date, that deadlines are read against
	events := make([]*monitor.Event, 0, len(ids))
	for _, id := range ids {
		e, err := s.event(ctx, id)
		if err != nil {
			return nil, err
		}
		if !sub.Follows(e.Watch) {
			// Held before the subscriber stopped following its watch
			// (subscribe --watch): it hears no more of it.
			continue
		}
		events = append(events, e)
		if e.Severity == monitor.SeverityCritical {
			critical++
		}
	}
	// Past maxDigestRows the changes are counted, not shown: the critical
	// ones are shown first, so that the one the subject announces is not
	// among those counted; the others fill what is left, oldest first.
	shown := make([]bool, len(events))
	left := maxDigestRows
	for _, first := range []bool{true, false} {
		for i, e := range events {
			if left > 0 && !shown[i] && (e.Severity == monitor.SeverityCritical) == first {
				shown[i] = true
				left--
			}
		}
	}
	for i, e := range events {
		if !shown[i] {
			d.More++
			continue
		}
		v, err := s.changeView(ctx, e, digestDetail, asOf)
		if err != nil {
			return nil, err
		}
		g, ok := byWatch[e.Watch]
		if !ok {
			g = len(d.Groups)
			byWatch[e.Watch] = g
			d.Groups = append(d.Groups, watchGroup{Watch: v.Watch})
		}
		d.Groups[g].Changes = append(d.Groups[g].Changes, v)
		d.Count++
	}
	if d.Count == 0 {
		return nil, fmt.Errorf("%w: the digest is empty", errGone)
	}
	freq := strings.ToUpper(d.Frequency[:1]) + d.Frequency[1:]
	subject := fmt.Sprintf("[policywatch] %s digest: %d %s to %s", freq, d.Count+d.More, plural(d.Count+d.More, "change", "changes"), watchList(d.Groups))
	if critical > 0 {
		// A critical change the hourly limit held back rides in a digest
		// among typo fixes: the subject must say it is there.
		subject += fmt.Sprintf(" (%d critical)", critical)
	}
	f, err := s.footer(ctx, subject, sub)
	if err != nil {
		return nil, err
	}
	d.footerData = f
	text, html, err := s.tmpl.render("digest", d)
	if err != nil {
		return nil, fmt.Errorf("render digest: %w", err)
	}
	n, err := s.mail(ctx, its, subject, text, html, f.Unsubscribe)
	if err != nil {
		return nil, err
	}
	n.digest = &digestOf{sub: sub, note: note, ids: ids}
	return n, nil
}

// digestsMessage makes the digests of ns, due together to one subscriber
// (a mail outage kept a day's digest until the next was planned), one
// digest of all their changes: the first regular digest's setting names
// it (a catch-up's only when all are). A digest previewed (no row yet:
// id 0) comes after the rows: its row, once planned, will be the newest.
func (s *Service) digestsMessage(ctx context.Context, ns []*Notification) (*Notification, error) {
	ns = slices.Clone(ns)
	order := func(n *Notification) int64 {
		if n.Item.ID == 0 {
			return math.MaxInt64
		}
		return n.Item.ID
	}
	slices.SortStableFunc(ns, func(a, b *Notification) int { return cmp.Compare(order(a), order(b)) })
	sub, err := s.activeSubscriber(ctx, ns[0].Item.SubscriberID)
	if err != nil {
		return nil, err
	}
	items := make([]OutboxItem, len(ns))
	var ids []int64
	note, regular := catchUpDigest, false
	for i, n := range ns {
		items[i] = n.Item
		// The changes each digest was made of, not those the store holds
		// for its row: a preview's digest has no row, and carries the
		// changes of events not planned yet.
		ids = append(ids, n.digest.ids...)
		if !regular && n.Item.Note != catchUpDigest && n.Item.Note != DigestNone {
			note, regular = n.Item.Note, true
		}
	}
	slices.Sort(ids)
	m, err := s.digestNotification(ctx, items, note, sub, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	m.rows = ns
	return m, nil
}

func watchList(groups []watchGroup) string {
	if len(groups) > 3 {
		return fmt.Sprintf("%d watches", len(groups))
	}
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.Watch
	}
	return strings.Join(names, ", ")
}

func (s *Service) operatorNotification(ctx context.Context, it OutboxItem, e *monitor.Event) (*Notification, error) {
	d := operatorData{
		To: it.Recipient, Watch: oneLine(e.Watch, 100), When: e.Time.UTC().Format(humanTime),
		Summary: oneLine(e.Summary, maxSummary), Detail: oneLine(e.Detail, maxQuote), URL: s.eventURL(e.ID),
		Open: e.Kind != monitor.KindRecovered, Flapping: it.Note == NoteFlapping,
		Episodes: s.flapThreshold, Window: humanDuration(s.flapWindow),
	}
	switch {
	case d.Flapping:
		d.Headline = fmt.Sprintf("flapping between good and bad pages (%d episodes)", s.flapThreshold)
		d.tally = "flapping"
	case e.Kind == monitor.KindAnomaly:
		d.Headline = "the page served is not the policy (" + oneLine(e.Reason, 40) + ")"
		d.tally, d.reason = "anomalies", oneLine(e.Reason, 40)
	case e.Kind == monitor.KindFetchError:
		d.Headline = "the page could not be fetched (" + oneLine(e.Reason, 40) + ")"
		d.tally, d.reason = "fetch errors", oneLine(e.Reason, 40)
	default:
		d.Headline = "the policy is served again"
		d.tally = "recovered"
	}
	d.Subject = "[policywatch] " + d.Watch + ": " + d.Headline
	text, html, err := s.tmpl.render("operator", d)
	if err != nil {
		return nil, fmt.Errorf("render operator notice: %w", err)
	}
	n, err := s.mail(ctx, []OutboxItem{it}, d.Subject, text, html, "")
	if err != nil {
		return nil, err
	}
	n.notice = &d
	return n, nil
}

// operatorMessage is the one message that carries ns, two operator
// notices or more to one address, in the order of their rows: each
// notice as it would be alone, under a subject that sums them up
// ("[policywatch] 3 watches: fetch errors (connection_refused)"). Its
// Message-ID is made of all their rows: the same rows carried again, as
// after a crash or a failure (they fail together, and are due again
// together), make the same Message-ID.
func (s *Service) operatorMessage(ctx context.Context, ns []*Notification) (*Notification, error) {
	ns = slices.Clone(ns)
	slices.SortFunc(ns, func(a, b *Notification) int { return cmp.Compare(a.Item.ID, b.Item.ID) })
	d := operatorNotices{To: ns[0].Item.Recipient, Count: len(ns)}
	items := make([]OutboxItem, len(ns))
	// A watch's episode is open if its last notice here opens one: a
	// failure and its recovery carried together (after a mail outage)
	// leave nothing to hear of later.
	open := map[string]bool{}
	for i, n := range ns {
		notice := *n.notice
		notice.N, notice.Together = i+1, true
		open[notice.Watch] = notice.Open && !notice.Flapping
		d.Notices = append(d.Notices, notice)
		items[i] = n.Item
	}
	for _, o := range open {
		d.Open = d.Open || o
	}
	d.Subject = "[policywatch] " + operatorSummary(d.Notices)
	text, html, err := s.tmpl.render("operators", d)
	if err != nil {
		return nil, fmt.Errorf("render operator notices: %w", err)
	}
	m, err := s.mail(ctx, items, d.Subject, text, html, "")
	if err != nil {
		return nil, err
	}
	m.rows = ns
	return m, nil
}

// operatorSummary sums notices up for a subject: the watch, or how many
// watches, then what happened — one word when the notices all tell the
// same ("fetch errors (http_status)", "recovered"), else a count of each
// ("2 fetch errors, 1 recovered"), with the reason the notices so counted
// share, if they do.
func operatorSummary(notices []operatorData) string {
	type tally struct {
		n      int
		reason string
	}
	var order []string
	tallies := map[string]*tally{}
	watches := map[string]bool{}
	for _, d := range notices {
		watches[d.Watch] = true
		t, ok := tallies[d.tally]
		if !ok {
			t = &tally{reason: d.reason}
			tallies[d.tally] = t
			order = append(order, d.tally)
		}
		t.n++
		if t.reason != d.reason {
			t.reason = ""
		}
	}
	who := notices[0].Watch
	if len(watches) > 1 {
		who = fmt.Sprintf("%d watches", len(watches))
	}
	var what []string
	for _, name := range order {
		t := tallies[name]
		w := name
		if len(order) > 1 {
			w = strconv.Itoa(t.n) + " " + name
			if t.n == 1 {
				w = strconv.Itoa(t.n) + " " + singular[name]
			}
		}
		if t.reason != "" {
			w += " (" + t.reason + ")"
		}
		what = append(what, w)
	}
	return oneLine(who+": "+strings.Join(what, ", "), maxSubjectSummary)
}

// singular is the word of a tally counted once.
var singular = map[string]string{"fetch errors": "fetch error", "anomalies": "anomaly", "flapping": "flapping", "recovered": "recovered"}

// mail is the email of the rows its: one row's, or the rows an operator
// message carries.
func (s *Service) mail(ctx context.Context, its []OutboxItem, subject, text, html, unsubscribe string) (*Notification, error) {
	id, err := s.messageID(ctx, its)
	if err != nil {
		return nil, err
	}
	return &Notification{Item: its[0], Subject: subject, Text: text, HTML: html, MessageID: id,
		Unsubscribe: unsubscribe, Date: s.now()}, nil
}

// messageID derives the Message-ID from the outbox rows a message
// carries, so that a resend after a crash carries the same one:
// "policywatch.<row id>.<MAC of the row's key and creation time>@<domain
// of From>". The MAC keeps ids of two databases apart; the creation time
// keeps apart two rows given the same id and key, as after a database is
// restored from a backup (the rows and events recorded since are gone, and
// their ids are given again). A message of several rows (operator
// notices, a subscriber's digests due together) is "policywatch.<first row's id>+<how many more>.<MAC of every
// row's key and creation time, in order>@<domain>".
func (s *Service) messageID(ctx context.Context, its []OutboxItem) (string, error) {
	secret, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("message-id"))
	for _, it := range its {
		mac.Write([]byte("\x00" + it.Key + "\x00" + strconv.FormatInt(it.CreatedAt.UnixNano(), 10)))
	}
	local := strconv.FormatInt(its[0].ID, 10)
	if len(its) > 1 {
		local += "+" + strconv.Itoa(len(its)-1)
	}
	return "policywatch." + local + "." + hex.EncodeToString(mac.Sum(nil)[:8]) + "@" + domainOf(s.from), nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func humanDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return d.String()
}
