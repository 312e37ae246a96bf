package vault_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/vault"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// TestErrorMapping drives each way a read can fail through the fake and checks the category,
// the field, the remedy text, and that no token or secret value leaks into the message.
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// setup prepares the fake and returns the token the source uses and extra options.
		setup    func(t *testing.T, f *fakeVault) (string, []vault.Option)
		kind     credentials.Kind
		ref      credentials.Ref
		category error
		field    credentials.Field
		contains []string
	}{
		{
			name:     "path missing",
			setup:    rootToken,
			ref:      credentials.Account("prod"),
			category: fkerrors.NotFound,
			contains: []string{"no secret at secret/data/failoverkit/cloudstack/prod",
				"vault kv put -mount=secret failoverkit/cloudstack/prod api_url=<api_url> api_key=<api_key> secret_key=<secret_key>"},
		},
		{
			name:     "default missing names the default account",
			setup:    rootToken,
			category: fkerrors.NotFound,
			contains: []string{"failoverkit/cloudstack/default", "the default set is the account named default"},
		},
		{
			name: "latest version deleted",
			setup: func(t *testing.T, f *fakeVault) (string, []vault.Option) {
				cloudStackSet(t, f, "prod")
				cloudStackSet(t, f, "prod")
				f.deleteLatest("failoverkit/cloudstack/prod")
				return rootToken(t, f)
			},
			ref:      credentials.Account("prod"),
			category: fkerrors.NotFound,
			contains: []string{"latest version (2)", "was deleted at", "vault kv undelete -mount=secret -versions=2 failoverkit/cloudstack/prod"},
		},
		{
			name: "latest version destroyed",
			setup: func(t *testing.T, f *fakeVault) (string, []vault.Option) {
				cloudStackSet(t, f, "prod")
				f.destroyLatest("failoverkit/cloudstack/prod")
				return rootToken(t, f)
			},
			ref:      credentials.Account("prod"),
			category: fkerrors.NotFound,
			contains: []string{"is destroyed", "vault kv put -mount=secret failoverkit/cloudstack/prod"},
		},
		{
			name: "mount missing",
			setup: func(t *testing.T, f *fakeVault) (string, []vault.Option) {
				tok, _ := rootToken(t, f)
				return tok, []vault.Option{vault.WithMount("kv-missing")}
			},
			category: fkerrors.NotFound,
			contains: []string{"no secrets engine is mounted at kv-missing", "vault secrets enable -path=kv-missing kv-v2"},
		},
		{
			name: "policy lacks read",
			setup: func(t *testing.T, f *fakeVault) (string, []vault.Option) {
				cloudStackSet(t, f, "prod")
				return f.issue(t, time.Hour, true, []string{"default", "other-read"}, "other/"), nil
			},
			ref:      credentials.Account("prod"),
			category: fkerrors.Permission,
			contains: []string{"policies default, other-read", "lacks read on secret/data/failoverkit/cloudstack/prod",
				`path "secret/data/failoverkit/cloudstack/prod" { capabilities = ["read"] }`},
		},
		{
			name: "token revoked",
			setup: func(t *testing.T, f *fakeVault) (string, []vault.Option) {
				cloudStackSet(t, f, "prod")
				tok := f.issue(t, time.Hour, true, []string{"default"}, "*")
				f.revoke(tok)
				return tok, nil
			},
			ref:      credentials.Account("prod"),
			category: fkerrors.Unauthenticated,
			contains: []string{"invalid or expired", "log in again", "vault token create"},
		},
		{
			name: "sealed",
			setup: func(t *testing.T, f *fakeVault) (string, []vault.Option) {
				tok, _ := rootToken(t, f)
				f.setSealed(true)
				return tok, nil
			},
			category: fkerrors.Unavailable,
			contains: []string{"is sealed", "vault operator unseal"},
		},
		{
			name: "unreachable",
			setup: func(t *testing.T, f *fakeVault) (string, []vault.Option) {
				tok, _ := rootToken(t, f)
				f.srv.Close()
				return tok, nil
			},
			category: fkerrors.Unavailable,
			contains: []string{"cannot reach Vault at http://127.0.0.1:", "vault status"},
		},
		{
			name: "required field missing",
			setup: func(t *testing.T, f *fakeVault) (string, []vault.Option) {
				f.put("failoverkit/cloudstack/prod", map[string]any{
					"api_url": "https://cloud.example.invalid/client/api", "secret_key": "fake-secretkey-x", "apikey": "fake-apikey-x"})
				return rootToken(t, f)
			},
			ref:      credentials.Account("prod"),
			category: fkerrors.Incomplete,
			field:    credentials.FieldAPIKey,
			contains: []string{"key api_key is missing or empty", "vault kv patch -mount=secret failoverkit/cloudstack/prod api_key=<api_key>",
				"keys no field reads: apikey"},
		},
		{
			name: "vSphere field named by its key",
			setup: func(t *testing.T, f *fakeVault) (string, []vault.Option) {
				f.put("failoverkit/vsphere/prod", map[string]any{"user": "fake-user", "password": "fake-password-x"})
				return rootToken(t, f)
			},
			kind:     credentials.KindVSphere,
			ref:      credentials.Account("prod"),
			category: fkerrors.Incomplete,
			field:    credentials.FieldHost,
			contains: []string{"key server is missing or empty", "server=<server>"},
		},
		{
			name: "padded value",
			setup: func(t *testing.T, f *fakeVault) (string, []vault.Option) {
				f.put("failoverkit/vsphere/prod", map[string]any{"server": "vc.example.invalid", "user": "fake-user ", "password": "fake-password-x"})
				return rootToken(t, f)
			},
			kind:     credentials.KindVSphere,
			ref:      credentials.Account("prod"),
			category: fkerrors.Invalid,
			field:    credentials.FieldUsername,
			contains: []string{"key user", "white space", "vault kv patch"},
		},
		{
			name: "value of the wrong type",
			setup: func(t *testing.T, f *fakeVault) (string, []vault.Option) {
				f.put("failoverkit/cloudstack/prod", map[string]any{
					"api_url": "https://cloud.example.invalid/client/api", "api_key": "fake-apikey-x", "secret_key": "fake-secretkey-x", "zone": true})
				return rootToken(t, f)
			},
			ref:      credentials.Account("prod"),
			category: fkerrors.Invalid,
			field:    credentials.FieldZone,
			contains: []string{"key zone holds a boolean"},
		},
		{
			name: "flag that is not a boolean",
			setup: func(t *testing.T, f *fakeVault) (string, []vault.Option) {
				f.put("failoverkit/cloudstack/prod", map[string]any{
					"api_url": "https://cloud.example.invalid/client/api", "api_key": "fake-apikey-x", "secret_key": "fake-secretkey-x",
					"allow_unverified_ssl": "sometimes"})
				return rootToken(t, f)
			},
			ref:      credentials.Account("prod"),
			category: fkerrors.Invalid,
			field:    vault.FieldInsecureSkipVerify,
			contains: []string{"allow_unverified_ssl is not true or false"},
		},
		{
			name:     "account that is no path element",
			setup:    rootToken,
			ref:      credentials.Account("../sys"),
			category: fkerrors.Invalid,
			contains: []string{"not usable as a Vault path element"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeVault(t)
			token, opts := tt.setup(t, f)
			logs := &testkit.LogBuffer{}
			src := newSource(t, f, logs, append(opts, vault.WithToken(token))...)
			var err error
			if tt.kind == credentials.KindVSphere {
				_, err = src.VSphere(context.Background(), tt.ref)
			} else {
				_, err = src.CloudStack(context.Background(), tt.ref)
			}
			e := requireCategory(t, err, tt.category)
			assert.Equal(t, tt.field, e.Field)
			for _, want := range tt.contains {
				assert.Contains(t, err.Error(), want)
			}
			text := fmt.Sprintf("%v %+v %#v", err, err, err) + logs.String()
			assertNoneIn(t, text, token, "fake-apikey-x", "fake-secretkey-x", "fake-password-x")
		})
	}
}

func rootToken(t *testing.T, f *fakeVault) (string, []vault.Option) {
	return f.issue(t, 0, false, []string{"root"}, "*"), nil
}

// TestNotKVVersion2 points the source at an engine that answers like KV version 1.
func TestNotKVVersion2(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	root := f.issue(t, 0, false, []string{"root"}, "*")
	kv1 := newKV1Server(t, root)
	src, err := vault.New(vault.WithAddress(kv1), vault.WithToken(root), vault.WithMaxRetries(0))
	require.NoError(t, err)
	defer src.Close()
	_, err = src.CloudStack(context.Background(), credentials.Account("prod"))
	requireCategory(t, err, fkerrors.Invalid)
	assert.Contains(t, err.Error(), "vault kv enable-versioning secret/")
}
