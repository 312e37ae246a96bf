package failover

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
)

// cachedSource is the old behaviour: it returns its first answer forever.
type cachedSource struct {
	src credentials.Source
	mu  sync.Mutex
	cs  map[credentials.Ref]credentials.CloudStack
	vc  map[credentials.Ref]credentials.VSphere
}

func (c *cachedSource) CloudStack(ctx context.Context, ref credentials.Ref) (credentials.CloudStack, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if set, ok := c.cs[ref]; ok {
		return set, nil
	}
	set, err := c.src.CloudStack(ctx, ref)
	if err == nil {
		c.cs[ref] = set
	}
	return set, err
}

func (c *cachedSource) VSphere(ctx context.Context, ref credentials.Ref) (credentials.VSphere, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if set, ok := c.vc[ref]; ok {
		return set, nil
	}
	set, err := c.src.VSphere(ctx, ref)
	if err == nil {
		c.vc[ref] = set
	}
	return set, err
}

// databaseSource stores the fixture's sets in an SQLite database of the appliance's shape and
// returns the database source over it: what the appliance runs.
func databaseSource(b *testing.B, f *fixture) credentials.Source {
	ctx := context.Background()
	db, err := gorm.Open(sqlite.Open(database.SQLiteDSN(b.TempDir()+"/oma.db")),
		&gorm.Config{Logger: gormlogger.Discard})
	require.NoError(b, err)
	require.NoError(b, database.Migrate(ctx, db))
	key := make([]byte, database.KeySize)
	w, err := database.NewWriter(db, database.WithKey(key))
	require.NoError(b, err)
	for _, s := range f.lab.Sources {
		set, err := f.lab.CloudStackSet(s.CloudAccount)
		require.NoError(b, err)
		_, err = w.PutCloudStack(ctx, s.CloudAccount, set)
		require.NoError(b, err)
	}
	_, err = w.PutVSphere(ctx, vcAccount, f.lab.VSphereSet())
	require.NoError(b, err)
	src, err := database.New(db, database.WithKey(key))
	require.NoError(b, err)
	return src
}

// BenchmarkTestFailover times one test failover against the simulators with credentials
// fetched fresh from the database for the operation (fresh) and with a source that caches
// its first answer forever (cached, the behaviour this library replaces). The rollback that
// resets the world between iterations is not timed. Compare the two ns/op: the cost of
// fetching fresh.
func BenchmarkTestFailover(b *testing.B) {
	for _, mode := range []string{"fresh", "cached"} {
		b.Run(mode, func(b *testing.B) {
			f := newFixture(b, failovertest.Options{})
			var src credentials.Source = databaseSource(b, f)
			if mode == "cached" {
				src = &cachedSource{src: src, cs: map[credentials.Ref]credentials.CloudStack{}, vc: map[credentials.Ref]credentials.VSphere{}}
			}
			e, err := New(src, WithLogger(testLogger()), WithVSpherePool(f.pool), WithCloudStackOptions(fastPolls()...))
			require.NoError(b, err)
			b.Cleanup(func() { _ = e.Close(context.Background()) })
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				job, err := e.TestFailover(ctx, f.request(0))
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if _, err := e.Rollback(ctx, job.ID); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkConcurrentFailovers runs a single test failover, then 100 at once (100 VMs), with
// every CloudStack call held 20 ms as a slow cloud would. It reports the wall time of the 100
// relative to the single one (x-single, the mean over iterations) and the peak heap in use
// while they ran. vcsim serialises the calls of one session (its per-session property
// collector holds a lock), so the shared vCenter session costs more here than against a
// real vCenter.
func BenchmarkConcurrentFailovers(b *testing.B) {
	const vms = 100
	f := newFixture(b, failovertest.Options{SourceVMs: vms, CloudStackOptions: []cssim.Option{cssim.WithLatency(20 * time.Millisecond)}})
	e := f.newEngine(WithConcurrency(vms))
	ctx := context.Background()
	var ratios, peakMB float64
	runs := 0
	for b.Loop() {
		runs++
		start := time.Now()
		job, err := e.TestFailover(ctx, f.request(0))
		require.NoError(b, err)
		single := time.Since(start)
		b.StopTimer()
		_, err = e.Rollback(ctx, job.ID)
		require.NoError(b, err)
		runtime.GC()
		b.StartTimer()

		var peak atomic.Uint64
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
		start = time.Now()
		ids := make([]string, vms)
		var wg sync.WaitGroup
		for i := range vms {
			wg.Add(1)
			go func() {
				defer wg.Done()
				job, err := e.TestFailover(ctx, f.request(i))
				if err != nil {
					b.Error(err)
					return
				}
				ids[i] = job.ID
			}()
		}
		wg.Wait()
		all := time.Since(start)
		close(stop)
		<-sampled
		ratios += float64(all) / float64(single)
		peakMB = max(peakMB, float64(peak.Load())/(1<<20))

		b.StopTimer()
		for _, id := range ids {
			if id == "" {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.Rollback(ctx, id); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
		b.StartTimer()
	}
	b.ReportMetric(ratios/float64(runs), "x-single")
	b.ReportMetric(peakMB, "peak-heap-MB")
}
