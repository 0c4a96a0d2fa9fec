package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// authenticator checks the credentials of a request against the
// configured basic user and bearer token.
type authenticator struct {
	user     string
	hash     []byte   // bcrypt; nil: no basic user
	tokenSum [32]byte // SHA-256 of the token, compared in constant time
	hasToken bool

	// bcrypt takes tens of milliseconds by design, and a browser sends the
	// credentials with every page and asset: the SHA-256 of the last pair
	// that verified is remembered so that a reader pays bcrypt once, not on
	// every request. Failures are never remembered.
	mu       sync.Mutex
	verified [32]byte
	haveOK   bool
	// slots bounds concurrent bcrypt comparisons, so that a flood of wrong
	// passwords cannot take every core.
	slots chan struct{}
}

func newAuthenticator(a Auth) *authenticator {
	au := &authenticator{user: a.User, slots: make(chan struct{}, 1)}
	if a.PasswordHash != "" {
		au.hash = []byte(a.PasswordHash)
	}
	if a.Token != "" {
		au.tokenSum, au.hasToken = sha256.Sum256([]byte(a.Token)), true
	}
	return au
}

// middleware answers 401 Unauthorized to requests without valid
// credentials and passes the others to next.
func (a *authenticator) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.allow(r) {
			// Basic serves the token too (as the password of any user).
			w.Header().Add("WWW-Authenticate", `Basic realm="policywatch", charset="UTF-8"`)
			if a.hasToken {
				w.Header().Add("WWW-Authenticate", `Bearer realm="policywatch"`)
			}
			http.Error(w, "401 unauthorized: this policywatch needs a user name and password, or a token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *authenticator) allow(r *http.Request) bool {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return a.tokenMatches(strings.TrimSpace(cred))
	case strings.EqualFold(scheme, "Basic"):
		user, pass, ok := r.BasicAuth()
		if !ok {
			return false
		}
		// A token works as the password of any user, so that browsers,
		// which cannot send a bearer token, can use it too.
		if a.tokenMatches(pass) {
			return true
		}
		return a.passwordMatches(r, user, pass)
	}
	return false
}

func (a *authenticator) tokenMatches(token string) bool {
	if !a.hasToken || token == "" {
		return false
	}
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], a.tokenSum[:]) == 1
}

func (a *authenticator) passwordMatches(r *http.Request, user, pass string) bool {
	if a.hash == nil {
		return false
	}
	// Hashing both user names makes the comparison constant-time whatever
	// their lengths.
	gotUser, wantUser := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(a.user))
	if subtle.ConstantTimeCompare(gotUser[:], wantUser[:]) != 1 {
		return false
	}
	pair := sha256.Sum256([]byte(user + "\x00" + pass))
	a.mu.Lock()
	cached := a.haveOK && subtle.ConstantTimeCompare(pair[:], a.verified[:]) == 1
	a.mu.Unlock()
	if cached {
		return true
	}
	select {
	case a.slots <- struct{}{}:
		defer func() { <-a.slots }()
	case <-r.Context().Done():
		return false
	}
	if bcrypt.CompareHashAndPassword(a.hash, []byte(pass)) != nil {
		return false
	}
	a.mu.Lock()
	a.verified, a.haveOK = pair, true
	a.mu.Unlock()
	return true
}
