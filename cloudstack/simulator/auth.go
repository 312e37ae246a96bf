package simulator

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

type account struct {
	id, name          string
	apiKey, secretKey string
	revoked           bool
	rotations         int
	// allowed, when non-nil, is the role's command list; other commands answer 432.
	allowed map[string]bool
}

// AddAccount creates an account with a fresh random key pair and returns the keys. Calling
// it again for an existing account returns that account's current keys unchanged (new keys
// for a revoked one). Every account may call every command and sees every resource, as a
// root administrator does.
func (s *Simulator) AddAccount(name string) (apiKey, secretKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.ensureAccountLocked(name)
	return a.apiKey, a.secretKey
}

func (s *Simulator) ensureAccountLocked(name string) *account {
	a, ok := s.accounts[name]
	if !ok {
		a = &account{id: s.nextID(), name: name}
		s.accounts[name] = a
		s.newKeysLocked(a)
	}
	if a.revoked {
		s.newKeysLocked(a)
	}
	return a
}

// RotateKeys replaces an account's key pair: from now on the old keys get HTTP 401 and the
// returned ones work. It also reinstates a revoked account.
func (s *Simulator) RotateKeys(name string) (apiKey, secretKey string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[name]
	if !ok {
		return "", "", fmt.Errorf("%w %q: add it with AddAccount first", ErrUnknownAccount, name)
	}
	s.newKeysLocked(a)
	a.rotations++
	return a.apiKey, a.secretKey, nil
}

// RevokeKeys removes an account's key pair: every later call with it gets HTTP 401. The
// account's resources stay. RotateKeys or AddAccount issue new keys.
func (s *Simulator) RevokeKeys(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[name]
	if !ok {
		return fmt.Errorf("%w %q: add it with AddAccount first", ErrUnknownAccount, name)
	}
	delete(s.byKey, a.apiKey)
	a.apiKey, a.secretKey, a.revoked = "", "", true
	return nil
}

// SetAllowedCommands limits an account to the named commands (exact, case-sensitive names),
// as a CloudStack role does: any other command answers HTTP 432 with TextUnknownCommand,
// exactly as for a command that does not exist. Include queryAsyncJobResult if the
// account must poll jobs. A nil or empty list restores full access.
func (s *Simulator) SetAllowedCommands(name string, commands []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[name]
	if !ok {
		return fmt.Errorf("%w %q: add it with AddAccount first", ErrUnknownAccount, name)
	}
	if len(commands) == 0 {
		a.allowed = nil
		return nil
	}
	a.allowed = make(map[string]bool, len(commands))
	for _, c := range commands {
		a.allowed[c] = true
	}
	return nil
}

// may reports whether the account's role lets it call command.
func (a *account) may(command string) bool { return a.allowed == nil || a.allowed[command] }

func (s *Simulator) newKeysLocked(a *account) {
	if a.apiKey != "" {
		delete(s.byKey, a.apiKey)
	}
	// CloudStack keys are 86 characters of unpadded base64url (64 random bytes).
	a.apiKey, a.secretKey, a.revoked = randomKey(), randomKey(), false
	s.byKey[a.apiKey] = a
}

func randomKey() string {
	b := make([]byte, 64)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// authenticateLocked verifies apikey, signature and (signatureversion 3) expires the way
// CloudStack's ApiServer.verifyRequest does. Every failure is the same 401, so a caller
// cannot tell a wrong key from a wrong signature.
func (s *Simulator) authenticateLocked(params url.Values) (*account, *apiError) {
	fail := newAPIError(CodeUnauthorized, TextUnauthorized)
	key := firstFold(params, "apikey")
	sig := firstFold(params, "signature")
	if key == "" || sig == "" {
		return nil, fail
	}
	a, ok := s.byKey[key]
	if !ok {
		return nil, fail
	}
	if version := firstFold(params, "signatureversion"); version == "3" {
		// CloudStack rejects expires only when it is strictly before now.
		exp, ok := parseExpires(firstFold(params, "expires"))
		if !ok || exp.Before(s.clock()) {
			return a, fail
		}
	}
	want := Sign(params, a.secretKey)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return a, fail
	}
	return a, nil
}

func parseExpires(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05-0700", "2006-01-02T15:04:05.000-0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Sign computes a CloudStack request signature: parameters other than "signature", sorted
// by name, each value encoded as Java's URLEncoder does with "+" replaced by "%20", joined
// with "&", lower-cased, HMAC-SHA1 keyed with the secret, base64. Only a parameter's first
// value counts. Use it to hand-build requests; cloudstack-go computes the same value.
func Sign(params url.Values, secretKey string) string {
	names := make([]string, 0, len(params))
	for k, v := range params {
		if equalFold(k, "signature") || len(v) == 0 {
			continue
		}
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(javaURLEncode(params[k][0]))
	}
	mac := hmac.New(sha1.New, []byte(secretKey))
	mac.Write([]byte(strings.ToLower(b.String())))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// javaURLEncode encodes like java.net.URLEncoder (UTF-8), with space as %20: letters,
// digits and ".-*_" stay, every other byte is %XX. Note "~" becomes %7E, as on the real
// server, where Go's url.QueryEscape keeps it.
func javaURLEncode(v string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '-', c == '*', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteString("%20")
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
