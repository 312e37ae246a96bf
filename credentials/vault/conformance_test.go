package vault_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/credentialstest"
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
	h.putBoth(credentials.KindCloudStack, account, cloudStackData(c), makeDefault)
	return nil
}

func (h fakeHarness) PutVSphere(_ context.Context, account string, v credentials.VSphere, makeDefault bool) error {
	h.putBoth(credentials.KindVSphere, account, vSphereData(v), makeDefault)
	return nil
}

func (h fakeHarness) putBoth(kind credentials.Kind, account string, data map[string]any, makeDefault bool) {
	h.f.put("failoverkit/"+string(kind)+"/"+account, data)
	if makeDefault {
		h.f.put("failoverkit/"+string(kind)+"/"+vault.DefaultAccount, data)
	}
}

func (h fakeHarness) Delete(_ context.Context, kind credentials.Kind, account string) error {
	h.f.deleteLatest("failoverkit/" + string(kind) + "/" + account)
	return nil
}

// cloudStackData is the KV data an operator writes for c, under the documented key names;
// empty values are left out, as a missing key.
func cloudStackData(c credentials.CloudStack) map[string]any {
	insecure := ""
	if c.InsecureSkipVerify {
		insecure = "true"
	}
	return withoutEmpty(map[string]any{
		"api_url":              c.APIURL,
		"api_key":              c.APIKey.Reveal(),
		"secret_key":           c.SecretKey.Reveal(),
		"domain":               c.Domain,
		"zone":                 c.Zone,
		"appliance_vm_id":      c.ApplianceVMID,
		"template_id":          c.TemplateID,
		"network_id":           c.NetworkID,
		"service_offering_id":  c.ServiceOfferingID,
		"disk_offering_id":     c.DiskOfferingID,
		"allow_unverified_ssl": insecure,
	})
}

func vSphereData(v credentials.VSphere) map[string]any {
	insecure := ""
	if v.InsecureSkipVerify {
		insecure = "true"
	}
	return withoutEmpty(map[string]any{
		"server":               v.Host,
		"user":                 v.Username,
		"password":             v.Password.Reveal(),
		"datacenter":           v.Datacenter,
		"allow_unverified_ssl": insecure,
	})
}

func withoutEmpty(m map[string]any) map[string]any {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
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
