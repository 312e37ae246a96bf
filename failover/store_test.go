package failover

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// storeCase builds two stores over one backing store, as two processes sharing a database
// would have.
type storeCase struct {
	name string
	open func(t *testing.T) (Store, Store)
}

func storeCases(t *testing.T) []storeCase {
	cases := []storeCase{{"memory", func(t *testing.T) (Store, Store) {
		s := NewMemoryStore()
		return s, s
	}}}
	for _, b := range testdb.Backends(t) {
		cases = append(cases, storeCase{"gorm-" + string(b), func(t *testing.T) (Store, Store) {
			db := testdb.Open(t, b)
			a, err := NewGormStore(context.Background(), db)
			require.NoError(t, err)
			c, err := NewGormStore(context.Background(), db)
			require.NoError(t, err)
			return a, c
		}})
	}
	return cases
}

func sampleJob(id string, status Status, vmKey string, created time.Time) *Job {
	return &Job{
		ID: id, Kind: KindTestFailover, Status: status, VMKey: vmKey,
		Request: Request{CloudStack: credentials.Account("prod"), VM: vsphere.ByName("web-01"),
			Volumes: []Volume{{ID: "vol-1", Boot: true}, {ID: "vol-2"}}},
		Facts:  Facts{ApplianceVMID: "appliance", Volumes: []VolumeFact{{ID: "vol-1", Boot: true, ApplianceDevID: 1}}},
		Steps:  []Step{{Name: "preflight", Status: StepDone, Attempts: 1, StartedAt: created}},
		Ledger: []LedgerEntry{{Seq: 1, Action: ActionSnapshotCreate, State: LedgerIntent, Volume: "vol-1", Name: "fk-" + id + "-vol-1"}},
		Credentials: []CredentialUse{{Kind: credentials.KindCloudStack, Account: "prod",
			Meta: credentials.Meta{Version: "c1", Fingerprint: "sha256:abc"}, Reason: "operation start"}},
		CreatedAt: created, UpdatedAt: created,
	}
}

func TestStores(t *testing.T) {
	t.Parallel()
	for _, sc := range storeCases(t) {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			t.Run("RoundTrip", func(t *testing.T) { testStoreRoundTrip(t, sc) })
			t.Run("Filter", func(t *testing.T) { testStoreFilter(t, sc) })
			t.Run("Lease", func(t *testing.T) { testStoreLease(t, sc) })
			t.Run("LeaseRace", func(t *testing.T) { testStoreLeaseRace(t, sc) })
		})
	}
}

func testStoreRoundTrip(t *testing.T, sc storeCase) {
	ctx := context.Background()
	s, _ := sc.open(t)
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	job := sampleJob("job-1", StatusRunning, "vm/a", created)
	require.NoError(t, s.SaveJob(ctx, job))

	got, err := s.Job(ctx, "job-1")
	require.NoError(t, err)
	assert.Equal(t, job, got)

	// The store keeps a copy: changing the saved value does not change the store.
	job.Ledger[0].State = LedgerDone
	again, err := s.Job(ctx, "job-1")
	require.NoError(t, err)
	assert.Equal(t, LedgerIntent, again.Ledger[0].State)

	// Saving replaces the whole job.
	job.Status = StatusSucceeded
	job.Cleanup = &Cleanup{Trigger: "rollback", Outcome: OutcomeCompletedWithErrors, Failures: []string{"x"}}
	require.NoError(t, s.SaveJob(ctx, job))
	got, err = s.Job(ctx, "job-1")
	require.NoError(t, err)
	assert.Equal(t, job, got)

	_, err = s.Job(ctx, "missing")
	assert.ErrorIs(t, err, ErrJobNotFound)
}

func testStoreFilter(t *testing.T, sc storeCase) {
	ctx := context.Background()
	s, _ := sc.open(t)
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	require.NoError(t, s.SaveJob(ctx, sampleJob("c", StatusFailed, "vm/b", base.Add(2*time.Second))))
	require.NoError(t, s.SaveJob(ctx, sampleJob("a", StatusRunning, "vm/a", base)))
	require.NoError(t, s.SaveJob(ctx, sampleJob("b", StatusSucceeded, "vm/a", base.Add(time.Second))))

	ids := func(f JobFilter) []string {
		jobs, err := s.Jobs(ctx, f)
		require.NoError(t, err)
		var out []string
		for _, j := range jobs {
			out = append(out, j.ID)
		}
		return out
	}
	assert.Equal(t, []string{"a", "b", "c"}, ids(JobFilter{}), "oldest first")
	assert.Equal(t, []string{"a", "b"}, ids(JobFilter{VMKey: "vm/a"}))
	assert.Equal(t, []string{"a", "c"}, ids(JobFilter{Status: []Status{StatusRunning, StatusFailed}}))
	assert.Empty(t, ids(JobFilter{VMKey: "vm/a", Status: []Status{StatusFailed}}))
}

func testStoreLease(t *testing.T, sc storeCase) {
	ctx := context.Background()
	a, b := sc.open(t)
	require.NoError(t, a.AcquireLease(ctx, "vm/x", "engine-a", time.Minute))
	require.NoError(t, a.AcquireLease(ctx, "vm/x", "engine-a", time.Minute), "re-entrant for its holder")
	err := b.AcquireLease(ctx, "vm/x", "engine-b", time.Minute)
	require.ErrorIs(t, err, ErrBusy)
	assert.Contains(t, err.Error(), "engine-a", "the error names the holder")
	require.NoError(t, b.AcquireLease(ctx, "vm/y", "engine-b", time.Minute), "other VMs are free")

	require.NoError(t, a.RenewLease(ctx, "vm/x", "engine-a", time.Minute))
	require.ErrorIs(t, b.RenewLease(ctx, "vm/x", "engine-b", time.Minute), ErrBusy)

	require.NoError(t, b.ReleaseLease(ctx, "vm/x", "engine-b"), "releasing another's lease is a no-op")
	require.ErrorIs(t, b.AcquireLease(ctx, "vm/x", "engine-b", time.Minute), ErrBusy)
	require.NoError(t, a.ReleaseLease(ctx, "vm/x", "engine-a"))
	require.NoError(t, b.AcquireLease(ctx, "vm/x", "engine-b", time.Minute))

	// An expired lease is taken over.
	require.NoError(t, a.AcquireLease(ctx, "vm/z", "engine-a", -time.Second))
	require.NoError(t, b.AcquireLease(ctx, "vm/z", "engine-b", time.Minute))
	require.ErrorIs(t, a.RenewLease(ctx, "vm/z", "engine-a", time.Minute), ErrBusy, "the old holder learns it lost the lease")
}

func testStoreLeaseRace(t *testing.T, sc storeCase) {
	ctx := context.Background()
	a, b := sc.open(t)
	const rounds, racers = 5, 8
	for round := range rounds {
		key := fmt.Sprintf("vm/race-%d", round)
		var wg sync.WaitGroup
		var mu sync.Mutex
		winners := 0
		for i := range racers {
			store := a
			if i%2 == 1 {
				store = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := store.AcquireLease(ctx, key, fmt.Sprintf("engine-%d", i), time.Minute)
				if err == nil {
					mu.Lock()
					winners++
					mu.Unlock()
					return
				}
				assert.ErrorIs(t, err, ErrBusy)
			}()
		}
		wg.Wait()
		assert.Equal(t, 1, winners, "exactly one racer takes the lease")
	}
}

// Processes that open one new database at once must all get a working store.
func TestGormStoresOpenedAtOnce(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends(t) {
		t.Run(string(b), func(t *testing.T) {
			db := testdb.Open(t, b)
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := NewGormStore(context.Background(), db)
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
		})
	}
}

// Separate processes opening one new SQLite file at once race to create the tables; each must
// get a working store.
func TestGormStoresOpenedAtOnceAcrossProcesses(t *testing.T) {
	if path := os.Getenv("FAILOVERKIT_TEST_STORE_FILE"); path != "" {
		db, err := gorm.Open(sqlite.Open(database.SQLiteDSN(path)), &gorm.Config{Logger: gormlogger.Discard})
		require.NoError(t, err)
		s, err := NewGormStore(context.Background(), db)
		require.NoError(t, err)
		require.NoError(t, s.SaveJob(context.Background(), sampleJob(randomHex(4), StatusRunning, "vm/x", time.Now())))
		return
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "jobs.db")
	const processes = 6
	var wg sync.WaitGroup
	outs := make([][]byte, processes)
	errs := make([]error, processes)
	for i := range processes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestGormStoresOpenedAtOnceAcrossProcesses$")
			cmd.Env = append(os.Environ(), "FAILOVERKIT_TEST_STORE_FILE="+path)
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i := range processes {
		require.NoError(t, errs[i], "process %d:\n%s", i, outs[i])
	}
	db, err := gorm.Open(sqlite.Open(database.SQLiteDSN(path)), &gorm.Config{Logger: gormlogger.Discard})
	require.NoError(t, err)
	s, err := NewGormStore(context.Background(), db)
	require.NoError(t, err)
	jobs, err := s.Jobs(context.Background(), JobFilter{})
	require.NoError(t, err)
	assert.Len(t, jobs, processes, "every process saved its job")
}
