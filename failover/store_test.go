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
			t.Run("TakeOver", func(t *testing.T) { testStoreTakeOver(t, sc) })
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
	due := created.Add(time.Hour)
	job.ExpiresAt = &due
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

	live := sampleJob("d", StatusSucceeded, "vm/c", base.Add(3*time.Second))
	live.Kind = KindLiveFailover
	require.NoError(t, s.SaveJob(ctx, live))
	assert.Equal(t, []string{"d"}, ids(JobFilter{Kind: []Kind{KindLiveFailover}}))
	assert.Equal(t, []string{"a", "b", "c"}, ids(JobFilter{Kind: []Kind{KindTestFailover}}))

	due, later := base.Add(time.Hour), base.Add(2*time.Hour)
	b := sampleJob("b", StatusSucceeded, "vm/a", base.Add(time.Second))
	b.ExpiresAt = &due
	require.NoError(t, s.SaveJob(ctx, b))
	c := sampleJob("c", StatusFailed, "vm/b", base.Add(2*time.Second))
	c.ExpiresAt = &later
	require.NoError(t, s.SaveJob(ctx, c))
	assert.Empty(t, ids(JobFilter{ExpiredBy: due.Add(-time.Millisecond)}))
	assert.Equal(t, []string{"b"}, ids(JobFilter{ExpiredBy: due}))
	assert.Equal(t, []string{"b", "c"}, ids(JobFilter{ExpiredBy: later.Add(time.Minute)}))
	assert.Equal(t, []string{"c"}, ids(JobFilter{ExpiredBy: later, Status: []Status{StatusFailed}}))
}

func holder(name string) Holder {
	return Holder{Name: name, Host: "host-" + name, PID: 4242, Started: "boot/1"}
}

func leaseFor(key, name, job string, ttl time.Duration) Lease {
	now := time.Now()
	return Lease{Key: key, Holder: holder(name), JobID: job, Expires: now.Add(ttl), BeatAt: now, Every: time.Second}
}

func testStoreLease(t *testing.T, sc storeCase) {
	ctx := context.Background()
	a, b := sc.open(t)
	require.NoError(t, a.AcquireLease(ctx, leaseFor("vm/x", "engine-a", "job-a", time.Minute)))
	require.NoError(t, a.AcquireLease(ctx, leaseFor("vm/x", "engine-a", "job-a", time.Minute)), "re-entrant for its holder")
	err := b.AcquireLease(ctx, leaseFor("vm/x", "engine-b", "job-b", time.Minute))
	require.ErrorIs(t, err, ErrBusy)
	held := requireHeld(t, err)
	assert.Equal(t, holder("engine-a"), held.Lease.Holder, "the answer names the holder and its process")
	assert.Equal(t, "job-a", held.Lease.JobID)
	assert.Equal(t, time.Second, held.Lease.Every)
	assert.Contains(t, err.Error(), "engine-a")
	assert.Contains(t, err.Error(), "job-a")
	require.NoError(t, b.AcquireLease(ctx, leaseFor("vm/y", "engine-b", "job-b", time.Minute)), "other VMs are free")

	beatAt := time.Now().Add(time.Second).Truncate(time.Millisecond)
	require.NoError(t, a.RenewLease(ctx, "vm/x", holder("engine-a"), time.Now().Add(time.Minute), beatAt))
	require.ErrorIs(t, b.RenewLease(ctx, "vm/x", holder("engine-b"), time.Now().Add(time.Minute), time.Now()), ErrBusy)
	err = b.AcquireLease(ctx, leaseFor("vm/x", "engine-b", "job-b", time.Minute))
	held = requireHeld(t, err)
	assert.Equal(t, int64(1), held.Lease.Beat, "a renewal is a heartbeat")
	assert.True(t, beatAt.Equal(held.Lease.BeatAt), "beat at %s, want %s", held.Lease.BeatAt, beatAt)

	require.NoError(t, b.ReleaseLease(ctx, "vm/x", holder("engine-b")), "releasing another's lease is a no-op")
	require.ErrorIs(t, b.AcquireLease(ctx, leaseFor("vm/x", "engine-b", "job-b", time.Minute)), ErrBusy)
	require.NoError(t, a.ReleaseLease(ctx, "vm/x", holder("engine-a")))
	require.NoError(t, b.AcquireLease(ctx, leaseFor("vm/x", "engine-b", "job-b", time.Minute)))

	// An expired lease is taken over.
	require.NoError(t, a.AcquireLease(ctx, leaseFor("vm/z", "engine-a", "job-a", -time.Second)))
	require.NoError(t, b.AcquireLease(ctx, leaseFor("vm/z", "engine-b", "job-b", time.Minute)))
	require.ErrorIs(t, a.RenewLease(ctx, "vm/z", holder("engine-a"), time.Now().Add(time.Minute), time.Now()), ErrBusy,
		"the old holder learns it lost the lease")
}

// TakeOverLease replaces exactly the lease that was read: a holder that beat since then keeps
// it.
func testStoreTakeOver(t *testing.T, sc storeCase) {
	ctx := context.Background()
	a, b := sc.open(t)
	require.NoError(t, a.AcquireLease(ctx, leaseFor("vm/t", "engine-a", "job-a", time.Minute)))
	held := requireHeld(t, b.AcquireLease(ctx, leaseFor("vm/t", "engine-b", "job-b", time.Minute)))
	seen := *held.Lease

	require.NoError(t, a.RenewLease(ctx, "vm/t", holder("engine-a"), time.Now().Add(time.Minute), time.Now()))
	err := b.TakeOverLease(ctx, seen, leaseFor("vm/t", "engine-b", "job-b", time.Minute))
	require.ErrorIs(t, err, ErrBusy, "the holder beat after the lease was read: it lives")
	require.NoError(t, a.RenewLease(ctx, "vm/t", holder("engine-a"), time.Now().Add(time.Minute), time.Now()), "and keeps its lease")

	held = requireHeld(t, b.AcquireLease(ctx, leaseFor("vm/t", "engine-b", "job-b", time.Minute)))
	require.NoError(t, b.TakeOverLease(ctx, *held.Lease, leaseFor("vm/t", "engine-b", "job-b", time.Minute)))
	require.ErrorIs(t, a.RenewLease(ctx, "vm/t", holder("engine-a"), time.Now().Add(time.Minute), time.Now()), ErrBusy)
	err = a.AcquireLease(ctx, leaseFor("vm/t", "engine-a", "job-a", time.Minute))
	held = requireHeld(t, err)
	assert.Equal(t, "engine-b", held.Lease.Holder.Name)
	assert.Equal(t, int64(0), held.Lease.Beat)

	// A lease released meanwhile is competed for like a new one.
	require.NoError(t, b.ReleaseLease(ctx, "vm/t", holder("engine-b")))
	require.NoError(t, a.TakeOverLease(ctx, *held.Lease, leaseFor("vm/t", "engine-a", "job-a", time.Minute)))
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
				err := store.AcquireLease(ctx, leaseFor(key, fmt.Sprintf("engine-%d", i), "job", time.Minute))
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

// Separate processes opening one new SQLite file at once (database.OpenSQLite) race to switch
// it to WAL and to create the tables; each must get a working store.
func TestGormStoresOpenedAtOnceAcrossProcesses(t *testing.T) {
	if path := os.Getenv("FAILOVERKIT_TEST_STORE_FILE"); path != "" {
		db, err := database.OpenSQLite(context.Background(), path, &gorm.Config{Logger: gormlogger.Discard})
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
	db, err := database.OpenSQLite(context.Background(), path, &gorm.Config{Logger: gormlogger.Discard})
	require.NoError(t, err)
	s, err := NewGormStore(context.Background(), db)
	require.NoError(t, err)
	jobs, err := s.Jobs(context.Background(), JobFilter{})
	require.NoError(t, err)
	assert.Len(t, jobs, processes, "every process saved its job")
}

// requireHeld checks that err is ErrBusy and returns its detail, which holds the lease.
func requireHeld(t *testing.T, err error) *Error {
	t.Helper()
	require.ErrorIs(t, err, ErrBusy)
	l := HeldLease(err)
	require.NotNil(t, l, "an ErrBusy error carries the lease held")
	return &Error{Lease: l}
}
