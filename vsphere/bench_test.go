package vsphere_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/vsphere"
)

// BenchmarkOperations compares N operations (fetch the set, get a Client, find the VM by
// instance UUID) on one Pool with the same N operations each logging in on a fresh Pool and
// logging out again, against a TLS vcsim. It logs the fresh-login/pooled time ratio.
func BenchmarkOperations(b *testing.B) {
	v := newVCenter(b)
	ctx := context.Background()
	uuid := v.simVM("DC0_H0_VM0").Config.InstanceUuid
	op := func(p *vsphere.Pool) {
		c, err := p.Client(ctx, v.creds())
		require.NoError(b, err)
		_, err = c.FindVM(ctx, vsphere.ByInstanceUUID(uuid))
		require.NoError(b, err)
	}
	quiet := vsphere.WithLogger(slog.New(slog.DiscardHandler))
	var pooled, fresh time.Duration

	b.Run("pooled", func(b *testing.B) {
		p := vsphere.NewPool(quiet)
		defer func() { _ = p.Close(ctx) }()
		for b.Loop() {
			op(p)
		}
		pooled = b.Elapsed() / time.Duration(b.N)
		b.ReportMetric(float64(p.Stats().Logins)/float64(b.N), "logins/op")
	})
	b.Run("fresh-login", func(b *testing.B) {
		var logins int64
		for b.Loop() {
			p := vsphere.NewPool(quiet)
			op(p)
			logins += p.Stats().Logins
			require.NoError(b, p.Close(ctx))
		}
		fresh = b.Elapsed() / time.Duration(b.N)
		b.ReportMetric(float64(logins)/float64(b.N), "logins/op")
	})
	if pooled > 0 && fresh > 0 {
		b.Logf("fresh-login/pooled time per operation: %.1fx (%s vs %s)", float64(fresh)/float64(pooled), fresh, pooled)
	}
}
