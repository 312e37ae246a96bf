package integration

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	fkvault "github.com/ossea-migrate/failoverkit/credentials/vault"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// BenchmarkFetch measures one CloudStack fetch over loopback HTTP from a real core, logged in
// with AppRole (the login happens before the timer starts), and reports the 99th percentile.
func BenchmarkFetch(b *testing.B) {
	v := startVault(b)
	v.readPolicy(b, "bench-read", "failoverkit")
	roleID, secretID := v.appRole(b, "bench", "bench-read", "1h", "4h")
	tag := testkit.RandomHex(6)
	v.put(b, "failoverkit/cloudstack/default", map[string]any{
		"api_url":    "https://cloud-" + tag + ".example.invalid/client/api",
		"api_key":    "fake-apikey-" + tag,
		"secret_key": "fake-secretkey-" + tag,
	})
	src, err := fkvault.New(
		fkvault.WithAddress(v.addr), fkvault.WithMount(kvMount), fkvault.WithMaxRetries(0),
		fkvault.WithAppRole(fkvault.AppRole{RoleID: roleID, SecretIDFile: writeFile(b, "secret-id", secretID)}),
		fkvault.WithLogger(slog.New(slog.DiscardHandler)),
	)
	require.NoError(b, err)
	b.Cleanup(func() { _ = src.Close() })
	ctx := context.Background()
	_, err = src.CloudStack(ctx, credentials.Ref{})
	require.NoError(b, err)

	durations := make([]time.Duration, 0, 1024)
	for b.Loop() {
		start := time.Now()
		if _, err := src.CloudStack(ctx, credentials.Ref{}); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durations)
	// The nearest-rank 99th percentile: the smallest duration at or above 99% of all.
	p99 := durations[(len(durations)*99+99)/100-1]
	b.ReportMetric(float64(p99.Nanoseconds()), "p99-ns")
}
