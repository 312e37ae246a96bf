package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeVault answers the two calls the Vault source makes for a fixed token - the token's
// self-lookup and KV v2 reads - with the lab's sets at the default paths.
func fakeVault(t *testing.T, token string, secrets map[string]map[string]any) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("X-Vault-Token") != token {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"errors":["permission denied"]}`))
			return
		}
		if r.URL.Path == "/v1/auth/token/lookup-self" {
			_, _ = w.Write([]byte(`{"data":{"ttl":3600,"creation_ttl":3600,"renewable":false,"policies":["default","failoverkit"]}}`))
			return
		}
		data, ok := secrets[strings.TrimPrefix(r.URL.Path, "/v1/secret/data/")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"errors":[]}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{
			"data":     data,
			"metadata": map[string]any{"version": 4, "created_time": "2026-01-01T00:00:00Z", "deletion_time": "", "destroyed": false},
		}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCredsCheckVault(t *testing.T) {
	t.Parallel()
	f := newLabDB(t)
	cs, vc := f.sets(t)
	token := "fake-token-" + strings.ReplaceAll(t.Name(), "/", "-")
	srv := fakeVault(t, token, map[string]map[string]any{
		"failoverkit/cloudstack/default": {"api_url": cs.APIURL, "api_key": cs.APIKey.Reveal(), "secret_key": cs.SecretKey.Reveal(), "zone": cs.Zone,
			"appliance_vm_id": cs.ApplianceVMID, "template_id": cs.TemplateID, "service_offering_id": cs.ServiceOfferingID},
		"failoverkit/vsphere/default": {"server": vc.Host, "user": vc.Username, "password": vc.Password.Reveal(), "datacenter": vc.Datacenter},
	})
	secrets := append(f.secrets(t), token)

	o := cli(t, []string{"FAKE_VAULT_TOKEN=" + token}, "creds", "check", "--json", "--store", f.store, "--vault", srv.URL, "--vault-token-env", "FAKE_VAULT_TOKEN")
	require.Equal(t, exitOK, o.code)
	_, res := o.jsonLines(t)
	require.Len(t, res.Checks, 2)
	for _, c := range res.Checks {
		assert.True(t, c.OK, "%s: %s", c.Kind, c.Error)
		assert.Equal(t, "vault", c.Meta.Origin.Source)
		assert.Equal(t, "4", c.Meta.Version, "the KV version is the set's version")
	}
	requireNoSecret(t, o, secrets)

	o = cli(t, []string{"FAKE_VAULT_TOKEN=not-" + token}, "creds", "check", "--store", f.store, "--vault", srv.URL, "--vault-token-env", "FAKE_VAULT_TOKEN")
	assert.Equal(t, exitCredentials, o.code)
	assert.Contains(t, o.stdout, "FAILED  cloudstack default")
	assert.Contains(t, o.stderr, "\nfix: ")
	requireNoSecret(t, o, secrets)

	o = cli(t, []string{"FAKE_VAULT_TOKEN=" + token}, "creds", "check", "--store", f.store, "--vault", srv.URL, "--vault-token-env", "FAKE_VAULT_TOKEN", "--vcenter-account", "prod")
	assert.Equal(t, exitCredentials, o.code)
	assert.Contains(t, o.stderr, "vault kv put -mount=secret failoverkit/vsphere/prod", "the remedy is the command that writes the set")
}
