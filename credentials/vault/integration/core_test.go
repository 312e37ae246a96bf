package integration

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/vault/api"
	credAppRole "github.com/hashicorp/vault/builtin/credential/approle"
	vaulthttp "github.com/hashicorp/vault/http"
	"github.com/hashicorp/vault/sdk/logical"
	"github.com/hashicorp/vault/vault"
	"github.com/stretchr/testify/require"
)

// kvMount is where the tests mount KV version 2; the test core already has a KV version 1
// engine at "secret".
const kvMount = "kv"

// realVault is one in-process Vault core served over loopback HTTP, with KV version 2 at
// kvMount, AppRole enabled, and a root client for the test's own writes.
type realVault struct {
	core *vault.Core
	addr string
	root *api.Client
}

// startVault starts a core that lives until t ends.
func startVault(t testing.TB) *realVault {
	t.Helper()
	core, _, rootToken := vault.TestCoreUnsealedWithConfig(t, &vault.CoreConfig{
		CredentialBackends: map[string]logical.Factory{"approle": credAppRole.Factory},
		// The core's own trace logging would drown benchmark output; errors still show.
		Logger: hclog.New(&hclog.LoggerOptions{Name: "vault", Level: hclog.Error, Output: os.Stderr}),
	})
	ln, addr := vaulthttp.TestServer(t, core)
	t.Cleanup(func() { _ = ln.Close() })

	cfg := api.DefaultConfig()
	cfg.Address = addr
	root, err := api.NewClient(cfg)
	require.NoError(t, err)
	root.SetToken(rootToken)

	require.NoError(t, root.Sys().Mount(kvMount, &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	// A new KV v2 mount finishes setting itself up in the background; writes fail until then.
	require.Eventually(t, func() bool {
		_, err := root.KVv2(kvMount).Put(context.Background(), "probe", map[string]any{"ready": "yes"})
		return err == nil
	}, 30*time.Second, 50*time.Millisecond, "the KV v2 mount did not become ready")
	require.NoError(t, root.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}))
	return &realVault{core: core, addr: addr, root: root}
}

// readPolicy writes a policy that grants read on the data of every secret under prefix.
func (v *realVault) readPolicy(t testing.TB, name, prefix string) {
	t.Helper()
	rules := `path "` + kvMount + `/data/` + prefix + `/*" { capabilities = ["read"] }`
	require.NoError(t, v.root.Sys().PutPolicy(name, rules))
}

// token creates a token with the given policies (plus default).
func (v *realVault) token(t testing.TB, ttl string, policies ...string) string {
	t.Helper()
	s, err := v.root.Auth().Token().Create(&api.TokenCreateRequest{Policies: policies, TTL: ttl})
	require.NoError(t, err)
	return s.Auth.ClientToken
}

// appRole creates a role with the given policy and token TTLs and returns its role id and a
// secret id.
func (v *realVault) appRole(t testing.TB, role, policy, ttl, maxTTL string) (roleID, secretID string) {
	t.Helper()
	_, err := v.root.Logical().Write("auth/approle/role/"+role, map[string]any{
		"token_policies": policy, "token_ttl": ttl, "token_max_ttl": maxTTL,
	})
	require.NoError(t, err)
	s, err := v.root.Logical().Read("auth/approle/role/" + role + "/role-id")
	require.NoError(t, err)
	roleID, _ = s.Data["role_id"].(string)
	require.NotEmpty(t, roleID)
	return roleID, v.secretID(t, role)
}

// secretID issues a new secret id for role.
func (v *realVault) secretID(t testing.TB, role string) string {
	t.Helper()
	s, err := v.root.Logical().Write("auth/approle/role/"+role+"/secret-id", nil)
	require.NoError(t, err)
	id, _ := s.Data["secret_id"].(string)
	require.NotEmpty(t, id)
	return id
}

// revokeAppRoleTokens revokes every token AppRole login has issued, as an operator revoking a
// leaked token (or Vault expiring it) would.
func (v *realVault) revokeAppRoleTokens(t testing.TB) {
	t.Helper()
	_, err := v.root.Logical().Write("sys/leases/revoke-prefix/auth/approle/login", nil)
	require.NoError(t, err)
}

func (v *realVault) put(t testing.TB, path string, data map[string]any) {
	t.Helper()
	_, err := v.root.KVv2(kvMount).Put(context.Background(), path, data)
	require.NoError(t, err)
}

// writeFile writes value to a new file in the test's temporary directory.
func writeFile(t testing.TB, name, value string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(value+"\n"), 0o600))
	return p
}

// writeFileAt replaces the content of the file at path, as a secret rotation would.
func writeFileAt(path, value string) error {
	return os.WriteFile(path, []byte(value+"\n"), 0o600)
}
