package vault_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/credentialstest"
	"github.com/ossea-migrate/failoverkit/credentials/env"
	"github.com/ossea-migrate/failoverkit/credentials/vault"
)

// fakeHarness stores sets in a fakeVault at the default path template, writing the default
// account's copy too when a set is made the default.
type fakeHarness struct {
	f   *fakeVault
	src *credentials.Provider
}

func (h fakeHarness) Source() credentials.Source { return h.src }
func (h fakeHarness) Atomic() bool               { return true }

func (h fakeHarness) PutCloudStack(_ context.Context, account string, c credentials.CloudStack, makeDefault bool) error {
	return h.putBoth(credentials.KindCloudStack, account, credentialstest.CloudStackFields(c), makeDefault)
}

func (h fakeHarness) PutVSphere(_ context.Context, account string, v credentials.VSphere, makeDefault bool) error {
	return h.putBoth(credentials.KindVSphere, account, credentialstest.VSphereFields(v), makeDefault)
}

func (h fakeHarness) putBoth(kind credentials.Kind, account string, fields map[credentials.Field]string, makeDefault bool) error {
	data, err := kvData(kind, fields)
	if err != nil {
		return err
	}
	h.f.put("failoverkit/"+string(kind)+"/"+account, data)
	if makeDefault {
		h.f.put("failoverkit/"+string(kind)+"/"+vault.DefaultAccount, data)
	}
	return nil
}

func (h fakeHarness) Delete(_ context.Context, kind credentials.Kind, account string) error {
	h.f.deleteLatest("failoverkit/" + string(kind) + "/" + account)
	return nil
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

func TestConformanceAgainstFake(t *testing.T) {
	t.Parallel()
	credentialstest.RunConformanceTests(t, func(t *testing.T) credentialstest.Harness {
		f := newFakeVault(t)
		root := f.issue(t, 0, false, []string{"root"}, "*")
		src, err := vault.New(vault.WithAddress(f.addr()), vault.WithToken(root), vault.WithMaxRetries(0),
			vault.WithLogger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		t.Cleanup(func() { _ = src.Close() })
		return fakeHarness{f: f, src: src}
	})
}
