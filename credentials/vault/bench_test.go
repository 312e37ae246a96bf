package vault_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/vault"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// BenchmarkFetchFake measures the source's own cost per fetch: one loopback round trip to
// the fake, which does almost nothing. The real core's cost is measured in the integration
// module.
func BenchmarkFetchFake(b *testing.B) {
	f := newFakeVault(b)
	root := f.issue(b, 0, false, []string{"root"}, "*")
	f.put("failoverkit/cloudstack/default", map[string]any{
		"api_url": "https://cloud.example.invalid/client/api", "api_key": "fake-apikey", "secret_key": "fake-secretkey"})
	src, err := vault.New(vault.WithAddress(f.addr()), vault.WithToken(root), vault.WithMaxRetries(0),
		vault.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(b, err)
	defer src.Close()
	ctx := context.Background()
	for b.Loop() {
		if _, err := src.CloudStack(ctx, credentials.Ref{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConnectionIsReused checks that sequential fetches share one keep-alive connection:
// each answer is read to its end, so no fetch pays for a new TCP connection.
func TestConnectionIsReused(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	root := f.issue(t, 0, false, []string{"root"}, "*")
	data := cloudStackSet(t, f, "default")
	src := newSource(t, f, &testkit.LogBuffer{}, vault.WithToken(root))
	for range 20 {
		fetchOK(t, src, data)
	}
	_, err := src.CloudStack(context.Background(), credentials.Account("missing"))
	require.Error(t, err)
	fetchOK(t, src, data)
	assert.Equal(t, int64(1), f.conns.Load())
}
