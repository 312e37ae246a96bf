package vault_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// fakeVault is a small wire-level fake of the Vault HTTP API: a KV version 2 engine's data
// endpoint (each answer carrying the version's metadata: number, deletion time, destroyed),
// token self-lookup and self-renewal, and AppRole login. It answers with the status
// codes and JSON shapes a real Vault does, so the source's error mapping and re-login path can
// be tested in milliseconds. The real thing is tested in the integration module.
type fakeVault struct {
	srv   *httptest.Server
	mount string
	// conns counts the TCP connections clients opened.
	conns atomic.Int64
	// namespace is the X-Vault-Namespace header of the last request.
	namespace string

	mu      sync.Mutex
	clock   *testkit.Clock
	sealed  bool
	secrets map[string]*fakeSecret // by path under the mount
	tokens  map[string]*fakeToken
	hits    map[string]int

	roleID   string
	secretID string
	// appRoleTTL, appRoleMaxTTL and appRoleRenewable shape the tokens AppRole login issues.
	appRoleTTL       time.Duration
	appRoleMaxTTL    time.Duration
	appRoleRenewable bool
	appRolePolicy    []string

	// loginEntered and loginRelease, when set before the first request, hold every AppRole
	// login until loginRelease is closed, signalling loginEntered as each one arrives.
	loginEntered chan struct{}
	loginRelease chan struct{}
}

type fakeSecret struct {
	versions []*fakeVersion // versions[i] is version i+1
}

type fakeVersion struct {
	data      map[string]any
	created   time.Time
	deleted   time.Time
	destroyed bool
}

type fakeToken struct {
	policies []string
	// read lists path prefixes under the mount the token may read; "*" is everything.
	read      []string
	ttl       time.Duration // as issued; 0 never expires
	expires   time.Time
	maxExpiry time.Time
	renewable bool
	revoked   bool
}

// newFakeVault starts a fake with a KV v2 engine at mount "secret" and an AppRole whose role
// and secret ids are random. It is closed when the test ends.
func newFakeVault(t testing.TB) *fakeVault {
	f := &fakeVault{
		mount:            "secret",
		clock:            testkit.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)),
		secrets:          map[string]*fakeSecret{},
		tokens:           map[string]*fakeToken{},
		hits:             map[string]int{},
		roleID:           "fake-role-" + testkit.RandomHex(8),
		secretID:         "fake-secret-id-" + testkit.RandomHex(8),
		appRoleTTL:       time.Hour,
		appRoleMaxTTL:    24 * time.Hour,
		appRoleRenewable: true,
		appRolePolicy:    []string{"default", "failoverkit-read"},
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			f.conns.Add(1)
		}
	}
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeVault) addr() string { return f.srv.URL }

// issue creates a token that may read paths under the given prefixes ("*" for all).
func (f *fakeVault) issue(t testing.TB, ttl time.Duration, renewable bool, policies []string, read ...string) string {
	token := "hvs.fake-" + testkit.RandomHex(12)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[token] = f.newToken(ttl, ttl*24, renewable, policies, read)
	return token
}

func (f *fakeVault) newToken(ttl, maxTTL time.Duration, renewable bool, policies, read []string) *fakeToken {
	now := f.clock.Now()
	tok := &fakeToken{policies: policies, read: read, ttl: ttl, renewable: renewable}
	if ttl > 0 {
		tok.expires = now.Add(ttl)
		tok.maxExpiry = now.Add(maxTTL)
	}
	return tok
}

func (f *fakeVault) revoke(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if tok, ok := f.tokens[token]; ok {
		tok.revoked = true
	}
}

// revokeAll revokes every token issued so far.
func (f *fakeVault) revokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tok := range f.tokens {
		tok.revoked = true
	}
}

func (f *fakeVault) setSealed(sealed bool) {
	f.mu.Lock()
	f.sealed = sealed
	f.mu.Unlock()
}

func (f *fakeVault) setSecretID(id string) {
	f.mu.Lock()
	f.secretID = id
	f.mu.Unlock()
}

func (f *fakeVault) hitCount(endpoint string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[endpoint]
}

// put writes a new version of the secret at path (under the mount), as `vault kv put` does.
func (f *fakeVault) put(path string, data map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.secrets[path]
	if s == nil {
		s = &fakeSecret{}
		f.secrets[path] = s
	}
	s.versions = append(s.versions, &fakeVersion{data: data, created: f.clock.Now()})
}

// deleteLatest soft-deletes the latest version, as `vault kv delete` does.
func (f *fakeVault) deleteLatest(path string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.secrets[path]; s != nil && len(s.versions) > 0 {
		s.versions[len(s.versions)-1].deleted = f.clock.Now()
	}
}

// destroyLatest destroys the latest version, as `vault kv destroy` does.
func (f *fakeVault) destroyLatest(path string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.secrets[path]; s != nil && len(s.versions) > 0 {
		s.versions[len(s.versions)-1].destroyed = true
	}
}

func (f *fakeVault) valid(token string) (*fakeToken, bool) {
	tok, ok := f.tokens[token]
	if !ok || tok.revoked || (!tok.expires.IsZero() && !f.clock.Now().Before(tok.expires)) {
		return nil, false
	}
	return tok, true
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeErrors(w http.ResponseWriter, status int, errs ...string) {
	if errs == nil {
		errs = []string{}
	}
	writeJSON(w, status, map[string]any{"errors": errs})
}

func (f *fakeVault) serve(w http.ResponseWriter, r *http.Request) {
	if f.loginRelease != nil && r.URL.Path == "/v1/auth/approle/login" {
		f.loginEntered <- struct{}{}
		<-f.loginRelease
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sealed {
		writeErrors(w, http.StatusServiceUnavailable, "Vault is sealed")
		return
	}
	f.namespace = r.Header.Get("X-Vault-Namespace")
	path := strings.TrimPrefix(r.URL.Path, "/v1/")
	token := r.Header.Get("X-Vault-Token")
	switch {
	case path == "auth/token/lookup-self":
		f.hits["lookup-self"]++
		f.lookupSelf(w, token)
	case path == "auth/token/renew-self":
		f.hits["renew-self"]++
		f.renewSelf(w, r, token)
	case path == "auth/approle/login":
		f.hits["login"]++
		f.login(w, r)
	case strings.HasPrefix(path, f.mount+"/data/"):
		f.hits["data"]++
		f.data(w, r, token, strings.TrimPrefix(path, f.mount+"/data/"))
	default:
		if _, ok := f.valid(token); !ok {
			writeErrors(w, http.StatusForbidden, "permission denied")
			return
		}
		writeErrors(w, http.StatusNotFound, `no handler for route "`+path+`". route entry not found.`)
	}
}

func ttlSeconds(tok *fakeToken, now time.Time) int64 {
	if tok.expires.IsZero() {
		return 0
	}
	return int64(tok.expires.Sub(now) / time.Second)
}

func (f *fakeVault) lookupSelf(w http.ResponseWriter, token string) {
	tok, ok := f.valid(token)
	if !ok {
		writeErrors(w, http.StatusForbidden, "permission denied")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"ttl":          ttlSeconds(tok, f.clock.Now()),
		"creation_ttl": int64(tok.ttl / time.Second),
		"renewable":    tok.renewable,
		"policies":     tok.policies,
	}})
}

func (f *fakeVault) renewSelf(w http.ResponseWriter, r *http.Request, token string) {
	tok, ok := f.valid(token)
	if !ok {
		writeErrors(w, http.StatusForbidden, "permission denied")
		return
	}
	if !tok.renewable {
		writeErrors(w, http.StatusBadRequest, "lease is not renewable")
		return
	}
	var body struct {
		Increment int64 `json:"increment"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	now := f.clock.Now()
	inc := time.Duration(body.Increment) * time.Second
	if inc <= 0 {
		inc = tok.ttl
	}
	tok.expires = now.Add(inc)
	if tok.expires.After(tok.maxExpiry) {
		tok.expires = tok.maxExpiry
	}
	f.writeAuth(w, token, tok)
}

func (f *fakeVault) writeAuth(w http.ResponseWriter, token string, tok *fakeToken) {
	writeJSON(w, http.StatusOK, map[string]any{"auth": map[string]any{
		"client_token":   token,
		"policies":       tok.policies,
		"lease_duration": ttlSeconds(tok, f.clock.Now()),
		"renewable":      tok.renewable,
	}})
}

func (f *fakeVault) login(w http.ResponseWriter, r *http.Request) {
	var body struct {
		RoleID   string `json:"role_id"`
		SecretID string `json:"secret_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.RoleID != f.roleID || body.SecretID != f.secretID {
		writeErrors(w, http.StatusBadRequest, "invalid role or secret ID")
		return
	}
	token := "hvs.fake-approle-" + testkit.RandomHex(12)
	tok := f.newToken(f.appRoleTTL, f.appRoleMaxTTL, f.appRoleRenewable, f.appRolePolicy, []string{"failoverkit/"})
	f.tokens[token] = tok
	f.writeAuth(w, token, tok)
}

func (tok *fakeToken) mayRead(path string) bool {
	for _, p := range tok.read {
		if p == "*" || strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

func (f *fakeVault) versionMeta(v *fakeVersion, n int) map[string]any {
	deleted := ""
	if !v.deleted.IsZero() {
		deleted = v.deleted.Format(time.RFC3339Nano)
	}
	return map[string]any{
		"created_time":    v.created.Format(time.RFC3339Nano),
		"custom_metadata": nil,
		"deletion_time":   deleted,
		"destroyed":       v.destroyed,
		"version":         n,
	}
}

func (f *fakeVault) data(w http.ResponseWriter, r *http.Request, token, path string) {
	tok, ok := f.valid(token)
	if !ok || !tok.mayRead(path) {
		writeErrors(w, http.StatusForbidden, "1 error occurred:\n\t* permission denied\n\n")
		return
	}
	switch r.Method {
	case http.MethodGet:
		s := f.secrets[path]
		if s == nil || len(s.versions) == 0 {
			writeErrors(w, http.StatusNotFound)
			return
		}
		n := len(s.versions)
		v := s.versions[n-1]
		if !v.deleted.IsZero() || v.destroyed {
			// KV v2 answers 404 with the metadata and null data for a deleted version.
			writeJSON(w, http.StatusNotFound, map[string]any{"data": map[string]any{"data": nil, "metadata": f.versionMeta(v, n)}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"data": v.data, "metadata": f.versionMeta(v, n)}})
	default:
		writeErrors(w, http.StatusMethodNotAllowed, "unsupported operation")
	}
}

// newKV1Server answers like a KV version 1 engine mounted where version 2 was expected: the
// secret's keys at the top of data, no metadata.
func newKV1Server(t testing.TB, token string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Vault-Token") != token {
			writeErrors(w, http.StatusForbidden, "permission denied")
			return
		}
		if r.URL.Path == "/v1/auth/token/lookup-self" {
			writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"ttl": 0, "renewable": false, "policies": []string{"root"}}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"api_url": "https://cloud.example.invalid/client/api"}})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
