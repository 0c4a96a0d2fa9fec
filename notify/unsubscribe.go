package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Unsubscribe tokens are "<id>.<mac>": the subscriber's id as a base64url
// varint, and the first 16 bytes of HMAC-SHA256(key, "unsubscribe", id,
// address) in base64url. They are unguessable without the key, name one
// subscriber, and stop working if the subscriber's address changes; they
// do not expire, since RFC 8058 expects an old email's link to work.

// signingKey returns the key that signs tokens and Message-IDs: the
// configured one, else the database's.
func (s *Service) signingKey(ctx context.Context) ([]byte, error) {
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	if s.secret != nil {
		return s.secret, nil
	}
	if len(s.cfg.secret) > 0 {
		s.secret = s.cfg.secret
		return s.secret, nil
	}
	key, err := s.store.NotifySecret(ctx)
	if err != nil {
		return nil, err
	}
	if len(key) < 16 {
		return nil, errors.New("notify secret is too short")
	}
	s.secret = key
	return key, nil
}

func tokenMAC(key []byte, id int64, address string) []byte {
	mac := hmac.New(sha256.New, key)
	var buf [binary.MaxVarintLen64]byte
	mac.Write([]byte("unsubscribe\x00"))
	mac.Write(buf[:binary.PutVarint(buf[:], id)])
	mac.Write([]byte(strings.ToLower(address)))
	return mac.Sum(nil)[:16]
}

// unsubscribeToken returns the subscriber's token.
func (s *Service) unsubscribeToken(ctx context.Context, sub Subscriber) (string, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	var buf [binary.MaxVarintLen64]byte
	id := base64.RawURLEncoding.EncodeToString(buf[:binary.PutVarint(buf[:], sub.ID)])
	return id + "." + base64.RawURLEncoding.EncodeToString(tokenMAC(key, sub.ID, sub.Email)), nil
}

// errBadToken is every way a token can be wrong; the page says no more.
var errBadToken = errors.New("invalid unsubscribe token")

// verifyToken returns the subscriber a token names, or errBadToken.
func (s *Service) verifyToken(ctx context.Context, token string) (Subscriber, error) {
	if len(token) > 100 {
		return Subscriber{}, errBadToken
	}
	idPart, macPart, ok := strings.Cut(token, ".")
	if !ok {
		return Subscriber{}, errBadToken
	}
	// Strict: one token, one spelling (the loose decoder ignores the
	// unused low bits of the last character).
	enc := base64.RawURLEncoding.Strict()
	raw, err := enc.DecodeString(idPart)
	if err != nil {
		return Subscriber{}, errBadToken
	}
	id, n := binary.Varint(raw)
	if n != len(raw) || id <= 0 {
		return Subscriber{}, errBadToken
	}
	mac, err := enc.DecodeString(macPart)
	if err != nil || len(mac) != 16 {
		return Subscriber{}, errBadToken
	}
	sub, err := s.store.SubscriberByID(ctx, id)
	if errors.Is(err, ErrNoSubscriber) {
		// Unknown id: answer as for a bad MAC, so that ids cannot be probed.
		return Subscriber{}, errBadToken
	}
	if err != nil {
		// A store that fails (busy past its timeout while a backup runs,
		// a full disk) is no bad link: a 400 is final to a mail
		// provider's one-click POST, which retries a 503.
		return Subscriber{}, fmt.Errorf("unsubscribe: %w", err)
	}
	key, err := s.signingKey(ctx)
	if err != nil {
		return Subscriber{}, err
	}
	if !hmac.Equal(mac, tokenMAC(key, sub.ID, sub.Email)) {
		return Subscriber{}, errBadToken
	}
	return sub, nil
}

type unsubscribePage struct {
	Email         string
	Done, Invalid bool
}

// serveUnsubscribe answers GET with a page that asks to confirm (link
// scanners follow GETs, so a GET changes nothing) and POST — the one-click
// request of RFC 8058 that mail clients send, or the page's button — by
// unsubscribing. Both are idempotent; a forged or altered token gets 400.
func (s *Service) serveUnsubscribe(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	if r.Method == http.MethodPost {
		// The body is "List-Unsubscribe=One-Click"; it is read, within a
		// small cap, only so that the connection can be reused.
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		_ = r.ParseForm()
	}
	sub, err := s.verifyToken(r.Context(), r.URL.Query().Get("token"))
	if errors.Is(err, errBadToken) {
		s.writePage(w, http.StatusBadRequest, unsubscribePage{Invalid: true})
		return
	}
	if err != nil {
		s.log.Error("unsubscribe", "err", err)
		unavailable(w)
		return
	}
	if r.Method != http.MethodPost {
		s.writePage(w, http.StatusOK, unsubscribePage{Email: sub.Email, Done: !sub.UnsubscribedAt.IsZero()})
		return
	}
	if _, err := s.store.Unsubscribe(r.Context(), sub.ID, s.now()); err != nil {
		s.log.Error("unsubscribe", "subscriber", sub.ID, "err", err)
		unavailable(w)
		return
	}
	if sub.UnsubscribedAt.IsZero() {
		s.log.Info("unsubscribed by link", "subscriber", sub.ID)
	}
	s.writePage(w, http.StatusOK, unsubscribePage{Email: sub.Email, Done: true})
}

func (s *Service) writePage(w http.ResponseWriter, status int, p unsubscribePage) {
	page, err := s.tmpl.renderHTML("unsubscribe", p)
	if err != nil {
		s.log.Error("unsubscribe page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	fmt.Fprint(w, page)
}

// unavailable answers a link that could not be checked or acted on now:
// 503 with a Retry-After, which a mail provider's one-click POST retries.
func unavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "300")
	http.Error(w, "temporary failure; try again later", http.StatusServiceUnavailable)
}
