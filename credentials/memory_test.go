package credentials_test

import (
	"context"
	"testing"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/credentialstest"
)

type memoryHarness struct{ m *credentials.Memory }

func (h memoryHarness) Source() credentials.Source { return h.m }
func (h memoryHarness) Atomic() bool               { return true }

func (h memoryHarness) PutCloudStack(_ context.Context, account string, c credentials.CloudStack, makeDefault bool) error {
	h.m.PutCloudStack(account, c)
	if makeDefault {
		h.m.SetDefault(credentials.KindCloudStack, account)
	}
	return nil
}

func (h memoryHarness) PutVSphere(_ context.Context, account string, v credentials.VSphere, makeDefault bool) error {
	h.m.PutVSphere(account, v)
	if makeDefault {
		h.m.SetDefault(credentials.KindVSphere, account)
	}
	return nil
}

func (h memoryHarness) Delete(_ context.Context, kind credentials.Kind, account string) error {
	h.m.Remove(kind, account)
	return nil
}

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	credentialstest.RunConformanceTests(t, func(t *testing.T) credentialstest.Harness {
		return memoryHarness{credentials.NewMemory(nil)}
	})
}
