package database_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// BenchmarkFetch measures one fetch of the default set per backend, the way every operation
// starts: one SELECT, decryption for vCenter, validation and stamping. It reports ns/op and
// the 99th percentile of the per-fetch durations (p99-ns). Targets: p99 <= 1 ms on SQLite,
// <= 2 ms on MariaDB and PostgreSQL over loopback.
func BenchmarkFetch(b *testing.B) {
	for _, backend := range testdb.Backends(b) {
		b.Run(string(backend), func(b *testing.B) {
			ctx := context.Background()
			_, src, w := newStore(b, backend)
			// A few other rows, as an appliance has.
			for _, name := range []string{"spare-1", "spare-2", "production"} {
				_, err := w.PutCloudStack(ctx, name, credentials.CloudStack{APIURL: "https://cloud.example.invalid/client/api",
					APIKey: credentials.NewSecret(fakeSecret(b, "k")), SecretKey: credentials.NewSecret(fakeSecret(b, "s")), Zone: "z"})
				require.NoError(b, err)
				_, err = w.PutVSphere(ctx, name, credentials.VSphere{Host: name + ".example.invalid", Username: "svc",
					Password: credentials.NewSecret(fakeSecret(b, "pw")), Datacenter: "DC"})
				require.NoError(b, err)
			}
			// Deleted configurations, as an appliance keeps them, leave production the default.
			require.NoError(b, w.DeleteCloudStack(ctx, "spare-1"))
			require.NoError(b, w.DeleteCloudStack(ctx, "spare-2"))
			require.NoError(b, w.SetDefaultVSphere(ctx, "production"))

			b.Run("cloudstack", func(b *testing.B) {
				measure(b, func() error { _, err := src.CloudStack(ctx, credentials.Ref{}); return err })
			})
			b.Run("vsphere", func(b *testing.B) {
				measure(b, func() error { _, err := src.VSphere(ctx, credentials.Ref{}); return err })
			})
			b.Run("vsphere-named", func(b *testing.B) {
				measure(b, func() error { _, err := src.VSphere(ctx, credentials.Account("spare-2")); return err })
			})
		})
	}
}

// BenchmarkFetchWithUsageTracking shows that bookkeeping stays off the fetch path.
func BenchmarkFetchWithUsageTracking(b *testing.B) {
	ctx := context.Background()
	_, src, w := newStore(b, testdb.SQLite, database.WithUsageTracking(64))
	_, err := w.PutVSphere(ctx, "vc", credentials.VSphere{Host: "vc.example.invalid", Username: "svc",
		Password: credentials.NewSecret(fakeSecret(b, "pw"))})
	require.NoError(b, err)
	require.NoError(b, w.SetDefaultVSphere(ctx, "vc"))
	measure(b, func() error { _, err := src.VSphere(ctx, credentials.Ref{}); return err })
}

func measure(b *testing.B, fetch func() error) {
	b.Helper()
	require.NoError(b, fetch()) // warm the connection pool
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		err := fetch()
		durations = append(durations, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	slices.Sort(durations)
	p99 := durations[len(durations)*99/100] // index < len for any non-empty slice
	b.ReportMetric(float64(p99.Nanoseconds()), "p99-ns")
}
