package fetch

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// hostGate spaces the requests to each host: the starts of two requests to
// one host are at least interval apart, whichever goroutines make them.
type hostGate struct {
	interval time.Duration

	mu   sync.Mutex
	next map[string]time.Time // host → earliest start of its next request
}

// pruneAt is the number of hosts above which entries whose time has passed
// are forgotten, so that the map does not grow with every host ever seen.
const pruneAt = 1024

func newHostGate(interval time.Duration) *hostGate {
	return &hostGate{interval: interval, next: make(map[string]time.Time)}
}

// wait blocks until a request to host may start, claims that start and
// returns its time. It returns early with ctx's error.
func (g *hostGate) wait(ctx context.Context, host string) (time.Time, error) {
	if g.interval <= 0 {
		return time.Now(), ctx.Err()
	}
	host = strings.ToLower(host)
	for {
		g.mu.Lock()
		now := time.Now()
		next, ok := g.next[host]
		if !ok || !now.Before(next) {
			// Claim the slot at the moment the request starts rather than
			// when the wait began, so that a waiter that overslept does
			// not leave the next one less than interval behind it.
			g.next[host] = now.Add(g.interval)
			if len(g.next) > pruneAt {
				g.prune(now)
			}
			g.mu.Unlock()
			return now, nil
		}
		g.mu.Unlock()
		if err := sleep(ctx, next.Sub(now)); err != nil {
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
