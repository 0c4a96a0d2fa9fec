package fetch

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// hostGate spaces the requests to each host: the starts of two requests to
// one host are at least interval apart, whichever goroutines make them.
// And it holds a host back while the Retry-After one of its answers asked
// for runs (hold): the other pages of a site that said "too many
// requests" are not asked at once, one after the other, each to be told
// the same.
type hostGate struct {
	interval time.Duration
	// maxHold caps a hold, as Options.MaxRetryAfter caps the wait of one
	// Fetch: a fetch held back longer gives up at once instead of waiting.
	maxHold time.Duration

	mu   sync.Mutex
	next map[string]time.Time // host → earliest start of its next request
	held map[string]hostHold  // host → the Retry-After it asked for, while it runs
}

// hostHold is a Retry-After a host answered with: the requests to it wait
// until until, at most maxHold after the answer; asked is when the host
// asked to be left alone until, as far as it is honoured (a fetch held
// back beyond maxHold reports it).
type hostHold struct {
	until, asked time.Time
	status       int // of the answer: 429, 503
}

// heldError is a fetch not made: its host asked, in another answer, to be
// left alone for longer than a fetch waits.
type heldError struct {
	host   string
	status int
	left   time.Duration // of the Retry-After asked
}

func (e *heldError) Error() string {
	return fmt.Sprintf("not asked: %s answered another request with HTTP %d and a Retry-After not over yet", e.host, e.status)
}

// pruneAt is the number of hosts above which entries whose time has passed
// are forgotten, so that the map does not grow with every host ever seen.
const pruneAt = 1024

func newHostGate(interval, maxHold time.Duration) *hostGate {
	return &hostGate{interval: interval, maxHold: maxHold, next: make(map[string]time.Time), held: make(map[string]hostHold)}
}

// hold keeps the requests to host back for retryAfter from now, as an
// answer of status (429, 503) asked, but at most maxHold: past that the
// next request asks again, as the fetch that got the answer would.
func (g *hostGate) hold(host string, status int, retryAfter time.Duration) {
	if retryAfter <= 0 {
		return
	}
	host = strings.ToLower(host)
	now := time.Now()
	h := hostHold{until: now.Add(min(retryAfter, g.maxHold)), asked: now.Add(retryAfter), status: status}
	g.mu.Lock()
	defer g.mu.Unlock()
	if old, ok := g.held[host]; !ok || h.asked.After(old.asked) {
		g.held[host] = h
	}
}

// wait blocks until a request to host may start, claims that start and
// returns its time. It returns early with ctx's error, and at once with a
// *heldError when the host asked (hold) to be left alone for longer than
// maxHold from now.
func (g *hostGate) wait(ctx context.Context, host string) (time.Time, error) {
	host = strings.ToLower(host)
	for {
		// A fetch given up must not claim a slot: the next request to the
		// host would wait an interval for a request never sent.
		if err := ctx.Err(); err != nil {
			return time.Time{}, err
		}
		g.mu.Lock()
		now := time.Now()
		at := now
		if h, ok := g.held[host]; ok {
			switch {
			case !now.Before(h.until):
				delete(g.held, host)
			case h.asked.Sub(now) > g.maxHold:
				g.mu.Unlock()
				left := h.asked.Sub(now).Round(time.Second)
				return time.Time{}, &heldError{host: host, status: h.status, left: left}
			default:
				at = h.until
			}
		}
		if next, ok := g.next[host]; ok && next.After(at) {
			at = next
		}
		if !now.Before(at) {
			// Claim the slot at the moment the request starts rather than
			// when the wait began, so that a waiter that overslept does
			// not leave the next one less than interval behind it.
			if g.interval > 0 {
				g.next[host] = now.Add(g.interval)
			}
			if len(g.next)+len(g.held) > pruneAt {
				g.prune(now)
			}
			g.mu.Unlock()
			return now, nil
		}
		g.mu.Unlock()
		if err := sleep(ctx, at.Sub(now)); err != nil {
			return time.Time{}, err
		}
	}
}

func (g *hostGate) prune(now time.Time) {
	for host, next := range g.next {
		if next.Before(now) {
			delete(g.next, host)
		}
	}
	for host, h := range g.held {
		if h.until.Before(now) {
			delete(g.held, host)
		}
	}
}

// sleep waits for d or until ctx ends, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoffCeiling is the longest wait before retry number retry (1-based):
// base doubled for each earlier retry, capped at max.
func backoffCeiling(base, max time.Duration, retry int) time.Duration {
	d := base
	for i := 1; i < retry && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// fullJitter picks a wait uniformly in [0, ceiling], which spreads out the
// retries of many clients hit by the same outage ("full jitter").
func fullJitter(ceiling time.Duration) time.Duration {
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}

// maxRetryAfterSeconds keeps an absurd Retry-After from overflowing a
// Duration; anything this long is "much later" anyway.
const maxRetryAfterSeconds = 10 * 365 * 24 * 3600

// RetryAfter reads a response's Retry-After: delay-seconds, or an HTTP
// date counted from the response's own Date when it has one (the server's
// clock may not be ours, RFC 9110 §10.2.3), else from now. 0 when absent,
// unreadable or past. notify's webhooks read theirs with it too.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		now = date
	}
	d, _ := parseRetryAfter(h.Get("Retry-After"), now)
	return d
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
func parseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, maxRetryAfterSeconds)) * time.Second, true
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
