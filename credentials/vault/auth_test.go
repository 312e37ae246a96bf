package vault_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/vault"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// allTokens lists every token the fake has issued, for checks that none is printed.
func (f *fakeVault) allTokens() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	tokens := make([]string, 0, len(f.tokens))
	for tok := range f.tokens {
		tokens = append(tokens, tok)
	}
	return tokens
}

// assertNothingSecret checks text for every token, the AppRole ids and the stored secrets.
func assertNothingSecret(t *testing.T, f *fakeVault, text string, more ...string) {
	t.Helper()
	f.mu.Lock()
	roleID, secretID := f.roleID, f.secretID
	f.mu.Unlock()
	assertNoneIn(t, text, append(append(f.allTokens(), roleID, secretID), more...)...)
}

func appRoleSource(t *testing.T, f *fakeVault, logs *testkit.LogBuffer) (*credentials.Provider, string) {
	t.Helper()
	file := writeFile(t, "secret-id", f.secretID)
	return newSource(t, f, logs, vault.WithAppRole(vault.AppRole{RoleID: f.roleID, SecretIDFile: file})), file
}

// fetchOK fetches the default CloudStack set and checks its keys against want, the set's KV
// data.
func fetchOK(t *testing.T, src *credentials.Provider, want map[string]any) {
	t.Helper()
	c, err := src.CloudStack(context.Background(), credentials.Ref{})
	require.NoError(t, err)
	assert.Equal(t, want["api_key"], c.APIKey.Reveal())
	assert.Equal(t, want["secret_key"], c.SecretKey.Reveal())
}

func TestAppRoleLogsInAgainAfterRevocation(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	data := cloudStackSet(t, f, "default")
	logs := &testkit.LogBuffer{}
	src, _ := appRoleSource(t, f, logs)

	fetchOK(t, src, data)
	fetchOK(t, src, data)
	assert.Equal(t, 1, f.hitCount("login"), "one login serves many calls")

	f.revokeAll()
	fetchOK(t, src, data)
	assert.Equal(t, 2, f.hitCount("login"), "a rejected token is replaced by one new login")
	assert.Equal(t, 4, f.hitCount("data"), "the refused read is retried once")
	assert.Equal(t, 1, f.hitCount("lookup-self"), "the self-lookup tells a dead token from a missing policy")
	assert.Contains(t, logs.String(), "token invalid or expired, logging in again")
	assertNothingSecret(t, f, logs.String(), data["api_key"].(string), data["secret_key"].(string))
}

func TestAppRoleLoginRefusedNamesTheFix(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	cloudStackSet(t, f, "default")
	logs := &testkit.LogBuffer{}
	file := writeFile(t, "secret-id", "fake-stale-secret-id-"+testkit.RandomHex(4))
	src := newSource(t, f, logs, vault.WithAppRole(vault.AppRole{RoleID: f.roleID, SecretIDFile: file}))

	_, err := src.CloudStack(context.Background(), credentials.Ref{})
	e := requireCategory(t, err, fkerrors.Unauthenticated)
	assert.Equal(t, "default", e.Account)
	assert.Contains(t, err.Error(), "vault write -f auth/approle/role/<role>/secret-id")
	assert.Contains(t, err.Error(), file)
	stale, _ := os.ReadFile(file)
	assertNothingSecret(t, f, fmt.Sprintf("%v %+v", err, err)+logs.String(), strings.TrimSpace(string(stale)))
}

func TestRotatedSecretIDIsReadAtNextLogin(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	data := cloudStackSet(t, f, "default")
	src, file := appRoleSource(t, f, &testkit.LogBuffer{})
	fetchOK(t, src, data)

	rotated := "fake-secret-id-rotated-" + testkit.RandomHex(8)
	f.setSecretID(rotated)
	f.revokeAll()
	_, err := src.CloudStack(context.Background(), credentials.Ref{})
	requireCategory(t, err, fkerrors.Unauthenticated)
	assert.NotContains(t, err.Error(), rotated)

	require.NoError(t, os.WriteFile(file, []byte(rotated+"\n"), 0o600))
	fetchOK(t, src, data)
}

func TestAppRoleFromEnvironment(t *testing.T) {
	f := newFakeVault(t)
	data := cloudStackSet(t, f, "default")
	t.Setenv("FAKE_FK_ROLE_ID", f.roleID)
	t.Setenv("FAKE_FK_SECRET_ID", f.secretID)
	src := newSource(t, f, &testkit.LogBuffer{}, vault.WithAppRole(vault.AppRole{RoleIDEnv: "FAKE_FK_ROLE_ID", SecretIDEnv: "FAKE_FK_SECRET_ID"}))
	fetchOK(t, src, data)

	t.Setenv("FAKE_FK_SECRET_ID", "")
	f.revokeAll()
	_, err := src.CloudStack(context.Background(), credentials.Ref{})
	requireCategory(t, err, fkerrors.Unauthenticated)
	assert.Contains(t, err.Error(), "variable FAKE_FK_SECRET_ID is empty")
}

// TestTokenLifetime moves the shared clock through a token's life and counts what the source
// asks Vault: renewals before expiry, a new login when renewal cannot help, no call wasted.
func TestTokenLifetime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		ttl       time.Duration
		maxTTL    time.Duration
		renewable bool
		// advance is applied before each fetch after the first.
		advance    []time.Duration
		wantLogins int
		wantRenews int
	}{
		{"fresh token is reused", time.Hour, 24 * time.Hour, true, []time.Duration{10 * time.Minute, 20 * time.Minute}, 1, 0},
		{"renewed after two thirds", time.Hour, 24 * time.Hour, true, []time.Duration{41 * time.Minute}, 1, 1},
		{"renewed again and again", time.Hour, 24 * time.Hour, true, []time.Duration{41 * time.Minute, 41 * time.Minute, 41 * time.Minute}, 1, 3},
		{"max TTL reached, then a new login", time.Hour, 90 * time.Minute, true, []time.Duration{41 * time.Minute, 35 * time.Minute}, 2, 1},
		{"not renewable, new login when due", time.Hour, time.Hour, false, []time.Duration{41 * time.Minute}, 2, 0},
		{"expired while idle, new login", time.Hour, time.Hour, false, []time.Duration{3 * time.Hour}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeVault(t)
			f.appRoleTTL, f.appRoleMaxTTL, f.appRoleRenewable = tt.ttl, tt.maxTTL, tt.renewable
			data := cloudStackSet(t, f, "default")
			logs := &testkit.LogBuffer{}
			src, _ := appRoleSource(t, f, logs)
			fetchOK(t, src, data)
			for _, d := range tt.advance {
				f.clock.Advance(d)
				fetchOK(t, src, data)
			}
			assert.Equal(t, tt.wantLogins, f.hitCount("login"))
			assert.Equal(t, tt.wantRenews, f.hitCount("renew-self"))
			assert.Equal(t, len(tt.advance)+1, f.hitCount("data"), "no read was refused: the token was fresh for each")
			assertNothingSecret(t, f, logs.String())
		})
	}
}

func TestStaticTokenIsRenewed(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	data := cloudStackSet(t, f, "default")
	token := f.issue(t, time.Hour, true, []string{"default", "failoverkit-read"}, "failoverkit/")
	logs := &testkit.LogBuffer{}
	src := newSource(t, f, logs, vault.WithToken(token))

	fetchOK(t, src, data)
	assert.Equal(t, 1, f.hitCount("lookup-self"), "the token's lifetime is learnt once")
	f.clock.Advance(45 * time.Minute)
	fetchOK(t, src, data)
	assert.Equal(t, 1, f.hitCount("renew-self"))
	f.clock.Advance(45 * time.Minute) // past the original expiry: only the renewal keeps it alive
	fetchOK(t, src, data)
	assert.Equal(t, 2, f.hitCount("renew-self"))
	assert.Equal(t, 1, f.hitCount("lookup-self"))
	assertNothingSecret(t, f, logs.String())
}

func TestStaticTokenExpiredIsUnauthenticated(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	data := cloudStackSet(t, f, "default")
	token := f.issue(t, time.Hour, false, []string{"default", "failoverkit-read"}, "failoverkit/")
	logs := &testkit.LogBuffer{}
	src := newSource(t, f, logs, vault.WithToken(token))
	fetchOK(t, src, data)

	f.clock.Advance(2 * time.Hour)
	_, err := src.CloudStack(context.Background(), credentials.Ref{})
	requireCategory(t, err, fkerrors.Unauthenticated)
	assert.Contains(t, err.Error(), "give the source a valid token")
	assert.Equal(t, 2, f.hitCount("data"), "a fixed token cannot log in again, so the read is not retried")
	assert.Equal(t, 0, f.hitCount("login"))
	assertNothingSecret(t, f, fmt.Sprintf("%v %+v", err, err)+logs.String())
}

func TestTokenFileIsReadAgainWhenRejected(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	data := cloudStackSet(t, f, "default")
	first := f.issue(t, time.Hour, true, []string{"default"}, "failoverkit/")
	file := writeFile(t, "token", first)
	logs := &testkit.LogBuffer{}
	src := newSource(t, f, logs, vault.WithTokenFile(file))
	fetchOK(t, src, data)

	// The sink still holds the revoked token: the call fails and says where to look.
	f.revoke(first)
	_, err := src.CloudStack(context.Background(), credentials.Ref{})
	requireCategory(t, err, fkerrors.Unauthenticated)
	assert.Contains(t, err.Error(), "write a valid token to "+file)

	// The agent writes a new one: the next call reads it.
	second := f.issue(t, time.Hour, true, []string{"default"}, "failoverkit/")
	require.NoError(t, os.WriteFile(file, []byte(second+"\n"), 0o600))
	fetchOK(t, src, data)
	assertNothingSecret(t, f, fmt.Sprintf("%v", err)+logs.String())
}

func TestConcurrentCallsShareOneLogin(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	data := cloudStackSet(t, f, "default")
	src, _ := appRoleSource(t, f, &testkit.LogBuffer{})

	burst := func() {
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() { fetchOK(t, src, data) })
		}
		wg.Wait()
	}
	burst()
	assert.Equal(t, 1, f.hitCount("login"), "concurrent first calls wait for one login")
	f.revokeAll()
	burst()
	assert.Equal(t, 2, f.hitCount("login"), "concurrent calls refused with the same dead token log in once")
}

// TestNoGoroutineOutlivesClose renews and re-logs in, then closes the source: afterwards no
// goroutine of the source or of its HTTP connections is left. It does not run in parallel so
// that other tests' connections do not count.
func TestNoGoroutineOutlivesClose(t *testing.T) {
	f := newFakeVault(t)
	data := cloudStackSet(t, f, "default")
	file := writeFile(t, "secret-id", f.secretID)
	src, err := vault.New(vault.WithAddress(f.addr()), vault.WithMaxRetries(0), vault.WithClock(f.clock.Now),
		vault.WithLogger(slog.New(slog.DiscardHandler)), vault.WithAppRole(vault.AppRole{RoleID: f.roleID, SecretIDFile: file}))
	require.NoError(t, err)

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { fetchOK(t, src, data) })
	}
	wg.Wait()
	f.clock.Advance(50 * time.Minute) // renewal on the call path
	fetchOK(t, src, data)
	f.revokeAll() // re-login on the call path
	fetchOK(t, src, data)
	require.Positive(t, f.hitCount("renew-self"))
	require.Equal(t, 2, f.hitCount("login"))
	require.NotEmpty(t, leftovers(), "the check sees the connections while the source is open")

	require.NoError(t, src.Close())
	require.Eventually(t, func() bool { return len(leftovers()) == 0 }, 5*time.Second, 10*time.Millisecond,
		"goroutines left after Close:\n%s", strings.Join(leftovers(), "\n\n"))
}

// leftovers returns the stacks of goroutines belonging to this package's source or to an
// HTTP client connection.
func leftovers() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var found []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "net/http.(*persistConn)") || strings.Contains(g, "credentials/vault.(*Source)") {
			found = append(found, g)
		}
	}
	return found
}
