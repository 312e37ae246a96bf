package integration

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/credentialstest"
	"github.com/ossea-migrate/failoverkit/credentials/env"
	fkvault "github.com/ossea-migrate/failoverkit/credentials/vault"

	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// harness stores sets in a real Vault under a prefix of its own, so that tests sharing one
// core never see each other's sets. The source logs in with AppRole, as a deployment would.
type harness struct {
	v      *realVault
	prefix string
	src    *credentials.Provider
}

func (h *harness) Source() credentials.Source { return h.src }
func (h *harness) Atomic() bool               { return true }

func (h *harness) path(kind credentials.Kind, account string) string {
	return h.prefix + "/" + string(kind) + "/" + account
}

func (h *harness) PutCloudStack(ctx context.Context, account string, c credentials.CloudStack, makeDefault bool) error {
	return h.putBoth(ctx, credentials.KindCloudStack, account, credentialstest.CloudStackFields(c), makeDefault)
}

func (h *harness) PutVSphere(ctx context.Context, account string, v credentials.VSphere, makeDefault bool) error {
	return h.putBoth(ctx, credentials.KindVSphere, account, credentialstest.VSphereFields(v), makeDefault)
}

// putBoth writes the account's secret and, for the default set, the default account's copy.
func (h *harness) putBoth(ctx context.Context, kind credentials.Kind, account string, fields map[credentials.Field]string, makeDefault bool) error {
	data, err := kvData(kind, fields)
	if err != nil {
		return err
	}
	if _, err := h.v.root.KVv2(kvMount).Put(ctx, h.path(kind, account), data); err != nil {
		return err
	}
	if makeDefault {
		_, err := h.v.root.KVv2(kvMount).Put(ctx, h.path(kind, fkvault.DefaultAccount), data)
		return err
	}
	return nil
}

// Delete soft-deletes the latest version, the way `vault kv delete` does.
func (h *harness) Delete(ctx context.Context, kind credentials.Kind, account string) error {
	return h.v.root.KVv2(kvMount).Delete(ctx, h.path(kind, account))
}

// kvData is the KV data an operator writes for a set's fields, under the documented key
// names: the environment source's variable names, lower-cased without their prefix.
func kvData(kind credentials.Kind, fields map[credentials.Field]string) (map[string]any, error) {
	data := map[string]any{}
	for f, v := range fields {
		name, err := env.Name(kind, f, "")
		if err != nil {
			return nil, err
		}
		_, key, _ := strings.Cut(strings.ToLower(name), "_")
		data[key] = v
	}
	return data, nil
}

func TestConformanceAgainstRealVault(t *testing.T) {
	v := startVault(t)
	v.readPolicy(t, "conformance-read", "conformance")
	roleID, secretID := v.appRole(t, "conformance", "conformance-read", "1h", "4h")
	secretIDFile := writeFile(t, "secret-id", secretID)

	credentialstest.RunConformanceTests(t, func(t *testing.T) credentialstest.Harness {
		prefix := "conformance/" + testkit.RandomHex(6)
		src, err := fkvault.New(
			fkvault.WithAddress(v.addr),
			fkvault.WithMount(kvMount),
			fkvault.WithPathTemplate(prefix+"/{kind}/{account}"),
			fkvault.WithAppRole(fkvault.AppRole{RoleID: roleID, SecretIDFile: secretIDFile}),
			fkvault.WithMaxRetries(0),
			fkvault.WithLogger(slog.New(slog.DiscardHandler)),
		)
		require.NoError(t, err)
		t.Cleanup(func() { _ = src.Close() })
		return &harness{v: v, prefix: prefix, src: src}
	})
}
