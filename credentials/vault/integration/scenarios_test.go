package integration

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/vault/vault"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	fkvault "github.com/ossea-migrate/failoverkit/credentials/vault"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// scenario is one real core with a set stored at failoverkit/cloudstack/prod, a read policy
// on failoverkit/*, and an AppRole "fk" holding it.
type scenario struct {
	v        *realVault
	roleID   string
	secretID string
	values   map[string]any
	logs     *testkit.LogBuffer
}

func newScenario(t *testing.T, tokenTTL, tokenMaxTTL string) *scenario {
	t.Helper()
	v := startVault(t)
	v.readPolicy(t, "failoverkit-read", "failoverkit")
	roleID, secretID := v.appRole(t, "fk", "failoverkit-read", tokenTTL, tokenMaxTTL)
	tag := testkit.RandomHex(6)
	values := map[string]any{
		"api_url":    "https://cloud-" + tag + ".example.invalid/client/api",
		"api_key":    "fake-apikey-" + tag,
		"secret_key": "fake-secretkey-" + tag,
		"zone":       "zone-" + tag,
	}
	v.put(t, "failoverkit/cloudstack/prod", values)
	return &scenario{v: v, roleID: roleID, secretID: secretID, values: values, logs: &testkit.LogBuffer{}}
}

func (s *scenario) source(t *testing.T, opts ...fkvault.Option) *credentials.Provider {
	t.Helper()
	base := []fkvault.Option{
		fkvault.WithAddress(s.v.addr), fkvault.WithMount(kvMount), fkvault.WithMaxRetries(0),
		fkvault.WithLogger(s.logs.Logger()),
	}
	src, err := fkvault.New(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = src.Close() })
	return src
}

// appRoleSource returns a source logging in as the AppRole "fk", with the secret id in a new
// file, and that file.
func (s *scenario) appRoleSource(t *testing.T) (*credentials.Provider, string) {
	t.Helper()
	file := writeFile(t, "secret-id", s.secretID)
	return s.source(t, fkvault.WithAppRole(fkvault.AppRole{RoleID: s.roleID, SecretIDFile: file})), file
}

// fetchProd fetches the CloudStack set of account "prod", which must succeed.
func fetchProd(t *testing.T, src *credentials.Provider) credentials.CloudStack {
	t.Helper()
	c, err := src.CloudStack(context.Background(), credentials.Account("prod"))
	require.NoError(t, err)
	return c
}

// assertNoSecret checks that no secret of the scenario appears in text.
func (s *scenario) assertNoSecret(t *testing.T, text string, more ...string) {
	t.Helper()
	for _, secret := range append([]string{s.secretID, s.values["api_key"].(string), s.values["secret_key"].(string)}, more...) {
		assert.NotContains(t, text, secret)
	}
}

func requireCategory(t *testing.T, err error, category error) *credentials.Error {
	t.Helper()
	e := testkit.RequireErrorAs[*credentials.Error](t, err, category)
	require.NotEmpty(t, e.Fix)
	return e
}

func TestRotationVisibleOnNextCall(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "1h", "4h")
	src, _ := s.appRoleSource(t)

	first := fetchProd(t, src)
	assert.Equal(t, s.values["api_key"], first.APIKey.Reveal())
	assert.Equal(t, "1", first.Version)
	assert.Contains(t, first.Origin.Location, "mount kv path failoverkit/cloudstack/prod version 1")

	rotated := map[string]any{}
	for k, v := range s.values {
		rotated[k] = v
	}
	rotated["api_key"] = "fake-apikey-rotated-" + testkit.RandomHex(6)
	rotated["secret_key"] = "fake-secretkey-rotated-" + testkit.RandomHex(6)
	s.v.put(t, "failoverkit/cloudstack/prod", rotated)

	second := fetchProd(t, src)
	assert.Equal(t, rotated["api_key"], second.APIKey.Reveal(), "the rotation is visible on the very next call")
	assert.Equal(t, rotated["secret_key"], second.SecretKey.Reveal())
	assert.Equal(t, "2", second.Version, "the version is the KV version")
	assert.NotEqual(t, first.Fingerprint, second.Fingerprint)
	s.assertNoSecret(t, s.logs.String(), rotated["api_key"].(string), rotated["secret_key"].(string))
}

func TestForbiddenWithRestrictedPolicy(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "1h", "4h")
	s.v.readPolicy(t, "elsewhere-read", "elsewhere")
	token := s.v.token(t, "1h", "elsewhere-read")
	src := s.source(t, fkvault.WithToken(token))

	_, err := src.CloudStack(context.Background(), credentials.Account("prod"))
	e := requireCategory(t, err, fkerrors.Permission)
	assert.Contains(t, err.Error(), `path "kv/data/failoverkit/cloudstack/prod" { capabilities = ["read"] }`)
	assert.Contains(t, e.Problem, "elsewhere-read", "the message names the token's policies")
	assert.NotErrorIs(t, err, fkerrors.Unauthenticated)
	s.assertNoSecret(t, err.Error()+s.logs.String(), token)
}

func TestRevokedTokenIsUnauthenticated(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "1h", "4h")
	token := s.v.token(t, "1h", "failoverkit-read")
	src := s.source(t, fkvault.WithToken(token))
	fetchProd(t, src)

	require.NoError(t, s.v.root.Auth().Token().RevokeTree(token))
	_, err := src.CloudStack(context.Background(), credentials.Account("prod"))
	requireCategory(t, err, fkerrors.Unauthenticated)
	assert.Contains(t, err.Error(), "invalid or expired")
	assert.NotErrorIs(t, err, fkerrors.Permission)
	s.assertNoSecret(t, err.Error()+s.logs.String(), token)
}

// TestExpiredTokenLogsInAgain gives AppRole tokens a one-second life that cannot be extended:
// after it ends, the next fetch logs in again and succeeds.
func TestExpiredTokenLogsInAgain(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "1s", "1s")
	src, _ := s.appRoleSource(t)

	fetchProd(t, src)
	logins := s.logs.Count("vault: logged in")
	require.Positive(t, logins)

	time.Sleep(1500 * time.Millisecond)
	c, err := src.CloudStack(context.Background(), credentials.Account("prod"))
	require.NoError(t, err, "an expired token is replaced by a new login")
	assert.Equal(t, s.values["api_key"], c.APIKey.Reveal())
	assert.Greater(t, s.logs.Count("vault: logged in"), logins, "the fetch after expiry logged in again")
	s.assertNoSecret(t, s.logs.String())
}

// TestRevokedTokenLogsInAgain revokes the AppRole token behind the source's back: the read is
// refused, the self-lookup says the token is dead, and the source logs in once and retries.
func TestRevokedTokenLogsInAgain(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "1h", "4h")
	src, _ := s.appRoleSource(t)
	ctx := context.Background()
	_, err := src.VSphere(ctx, credentials.Account("prod"))
	requireCategory(t, err, fkerrors.NotFound) // logs in; no vSphere set stored

	s.v.revokeAppRoleTokens(t)
	c := fetchProd(t, src)
	assert.Equal(t, s.values["secret_key"], c.SecretKey.Reveal())
	assert.Equal(t, 2, s.logs.Count("vault: logged in"))
	assert.Equal(t, 1, s.logs.Count("token invalid or expired, logging in again"))
	s.assertNoSecret(t, s.logs.String())
}

// TestRotatedSecretIDIsPickedUp destroys the secret id the source logged in with and writes a
// new one to its file: the next login reads the new one.
func TestRotatedSecretIDIsPickedUp(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "1h", "4h")
	src, file := s.appRoleSource(t)
	ctx := context.Background()
	fetchProd(t, src)

	newID := s.v.secretID(t, "fk")
	_, err := s.v.root.Logical().Write("auth/approle/role/fk/secret-id/destroy", map[string]any{"secret_id": s.secretID})
	require.NoError(t, err)
	s.v.revokeAppRoleTokens(t)

	_, err = src.CloudStack(ctx, credentials.Account("prod"))
	e := requireCategory(t, err, fkerrors.Unauthenticated)
	assert.Contains(t, e.Fix, "secret-id", "the remedy says how to issue a secret id")
	s.assertNoSecret(t, err.Error()+s.logs.String(), newID, s.roleID)

	require.NoError(t, writeFileAt(file, newID))
	_, err = src.CloudStack(ctx, credentials.Account("prod"))
	require.NoError(t, err, "the rotated secret id is read at the next login")
	s.assertNoSecret(t, s.logs.String(), newID, s.roleID)
}

func TestMissingPathAndField(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "1h", "4h")
	s.v.put(t, "failoverkit/vsphere/prod", map[string]any{"server": "vc.example.invalid", "user": "fake-user"})
	s.v.put(t, "failoverkit/cloudstack/old", s.values)
	require.NoError(t, s.v.root.KVv2(kvMount).Delete(context.Background(), "failoverkit/cloudstack/old"))
	src, _ := s.appRoleSource(t)
	unmounted := s.source(t, fkvault.WithToken(s.v.root.Token()), fkvault.WithMount("nothere"))
	ctx := context.Background()

	tests := []struct {
		name     string
		fetch    func() error
		category error
		field    credentials.Field
		contains string
	}{
		{"missing path", func() error { _, err := src.CloudStack(ctx, credentials.Account("staging")); return err },
			fkerrors.NotFound, "", "vault kv put -mount=kv failoverkit/cloudstack/staging api_url=<api_url> api_key=<api_key> secret_key=<secret_key>"},
		{"missing default", func() error { _, err := src.CloudStack(ctx, credentials.Ref{}); return err },
			fkerrors.NotFound, "", "failoverkit/cloudstack/default"},
		{"latest version deleted", func() error { _, err := src.CloudStack(ctx, credentials.Account("old")); return err },
			fkerrors.NotFound, "", "vault kv undelete -mount=kv -versions=1 failoverkit/cloudstack/old"},
		{"nothing mounted", func() error { _, err := unmounted.CloudStack(ctx, credentials.Account("prod")); return err },
			fkerrors.NotFound, "", "vault secrets enable -path=nothere kv-v2"},
		{"missing field", func() error { _, err := src.VSphere(ctx, credentials.Account("prod")); return err },
			fkerrors.Incomplete, credentials.FieldPassword, "vault kv patch -mount=kv failoverkit/vsphere/prod password=<password>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.fetch()
			e := requireCategory(t, err, tt.category)
			assert.Equal(t, tt.field, e.Field)
			assert.Contains(t, err.Error(), tt.contains)
			s.assertNoSecret(t, err.Error())
		})
	}
}

// TestSealedIsUnavailable seals the core under a working source.
func TestSealedIsUnavailable(t *testing.T) {
	t.Parallel()
	s := newScenario(t, "1h", "4h")
	src, _ := s.appRoleSource(t)
	fetchProd(t, src)

	require.NoError(t, vault.TestCoreSeal(s.v.core))
	_, err := src.CloudStack(context.Background(), credentials.Account("prod"))
	requireCategory(t, err, fkerrors.Unavailable)
	assert.Contains(t, err.Error(), "unseal")
	assert.False(t, errors.Is(err, fkerrors.NotFound))
	s.assertNoSecret(t, fmt.Sprintf("%v %+v", err, err)+s.logs.String())
}
