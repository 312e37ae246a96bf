package appliance_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/appliance"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// A crash is simulated from outside the engine: the process "dies" at its nth job record.
// dyingStore fails that SaveJob and every call after it, as a store whose process is gone:
// the engine stops on the spot and writes nothing more. The records are the engine's durable
// checkpoints - every step boundary, and every ledger record before and after each call - so
// killing at each of them in turn covers every point a real crash leaves a job in. The
// engine's own checkpoint hook is not reachable from this package, and needs no export:
// a store that stops answering is what a dead process looks like to the next engine.
type dyingStore struct {
	failover.Store
	dieAt atomic.Int64 // 0: never
	saves atomic.Int64
	dead  atomic.Bool
}

var errKilled = fmt.Errorf("%w: the process was killed", failover.ErrStore)

func (s *dyingStore) SaveJob(ctx context.Context, j *failover.Job) error {
	if n, at := s.saves.Add(1), s.dieAt.Load(); at > 0 && n >= at {
		s.dead.Store(true)
	}
	if s.dead.Load() {
		return errKilled
	}
	return s.Store.SaveJob(ctx, j)
}

func (s *dyingStore) AcquireLease(ctx context.Context, l failover.Lease) error {
	if s.dead.Load() {
		return errKilled
	}
	return s.Store.AcquireLease(ctx, l)
}

func (s *dyingStore) RenewLease(ctx context.Context, key string, h failover.Holder, expires, at time.Time) error {
	if s.dead.Load() {
		return errKilled
	}
	return s.Store.RenewLease(ctx, key, h, expires, at)
}

func (s *dyingStore) TakeOverLease(ctx context.Context, old, l failover.Lease) error {
	if s.dead.Load() {
		return errKilled
	}
	return s.Store.TakeOverLease(ctx, old, l)
}

func (s *dyingStore) ReleaseLease(ctx context.Context, key string, h failover.Holder) error {
	if s.dead.Load() {
		return errKilled
	}
	return s.Store.ReleaseLease(ctx, key, h)
}

// deadJournal is the dying process's journal: once the process is dead it records nothing.
type deadJournal struct {
	inner failover.Journal
	store *dyingStore
}

func (d deadJournal) Record(ctx context.Context, ev failover.JournalEvent) error {
	if d.store.dead.Load() {
		return nil
	}
	return d.inner.Record(ctx, ev)
}

// dyingEngine is an engine whose process dies at its dieAt-th job record (never when 0).
func (r *rig) dyingEngine(dieAt int64) (*failover.Engine, *dyingStore) {
	s := &dyingStore{Store: r.store}
	s.dieAt.Store(dieAt)
	e := r.engine(deadJournal{inner: r.journal, store: s}, failover.WithStore(s), failover.WithLeaseTTL(2*time.Second))
	return e, s
}

// requireSafeAt checks the rows where the process died: every volume that is not on the
// appliance has its device mapping in failover mode and the VM a status the replication
// scheduler keeps off.
func (r *rig) requireSafeAt(t *testing.T, point string) {
	t.Helper()
	s := r.lab.Sources[0]
	st := r.lab.Cloud.State()
	got := r.read(t, "")
	for k, id := range s.VolumeIDs {
		v, ok := st.Volume(id)
		require.True(t, ok)
		if v.VMID == s.ApplianceVMID {
			continue
		}
		assert.True(t, got.Status == appliance.VMFailedOverTest || got.Status == appliance.VMFailedOverLive,
			"%s: volume %s is off the appliance (on %q) but the VM is %s: the scheduler could replicate into it", point, id, v.VMID, got.Status)
		assert.Equal(t, appliance.ModeFailover, got.Modes[k], "%s: volume %s is off the appliance", point, id)
	}
}

// requireCleanCloud checks that nothing of any job is left in CloudStack for source 0.
func (r *rig) requireCleanCloud(t *testing.T) {
	t.Helper()
	s := r.lab.Sources[0]
	st := r.lab.Cloud.State()
	for _, vm := range st.VMs {
		if vm.ID != s.ApplianceVMID && vm.State != cloudstack.VMDestroyed && vm.State != cloudstack.VMExpunging {
			t.Errorf("orphaned VM %s (%s, %s)", vm.Name, vm.ID, vm.State)
		}
	}
	for k, id := range s.VolumeIDs {
		v, _ := st.Volume(id)
		assert.Equal(t, s.ApplianceVMID, v.VMID, "volume %s is on the appliance", id)
		assert.Equal(t, s.DeviceIDs[k], v.DeviceID, "volume %s is at its device", id)
		for _, snap := range st.SnapshotsOf(id) {
			assert.Equal(t, cloudstack.SnapshotDestroyed, snap.State, "snapshot %s of %s", snap.Name, id)
		}
	}
}

// TestCrashResumeKeepsTheRows kills each flow at every job record, checks the appliance's
// rows there, then recovers with a new Engine - by Rollback, or by Resume and then Rollback -
// and checks that the rows, and CloudStack, are as before the job.
func TestCrashResumeKeepsTheRows(t *testing.T) {
	t.Parallel()
	requireLongSuite(t, "runs each flow once per job record")
	ctx := context.Background()
	for _, kind := range []failover.Kind{failover.KindTestFailover, failover.KindLiveFailover} {
		for _, mode := range []string{"rollback", "resume"} {
			t.Run(string(kind)+"/"+mode, func(t *testing.T) {
				t.Parallel()
				// One appliance for every crash point: each recovery must leave it as it was,
				// which the next point then relies on.
				r := newRig(t, failovertest.Options{})
				before := r.read(t, "")
				records := countFlowRecords(t, r, kind)
				t.Logf("%s: %d job records", kind, records)
				for n := int64(1); n <= records; n++ {
					point := fmt.Sprintf("record %d of %d", n, records)
					dying, _ := r.dyingEngine(n)
					_, err := r.run(dying, kind)
					require.ErrorIs(t, err, failover.ErrStore, point)
					r.requireSafeAt(t, point)
					stored, err := r.store.Jobs(ctx, failover.JobFilter{Status: []failover.Status{failover.StatusRunning}})
					require.NoError(t, err)
					require.LessOrEqual(t, len(stored), 1, point)
					if len(stored) == 0 { // died before its first record: it did nothing
						require.Equal(t, before.volumes(), r.read(t, "").volumes(), point)
						r.requireCleanCloud(t)
						continue
					}
					id := stored[0].ID
					e := r.engine(nil, failover.WithLeaseTTL(2*time.Second))
					if mode == "resume" {
						resumed, err := e.Resume(ctx, id)
						require.NoError(t, err, point)
						require.Equal(t, failover.StatusSucceeded, resumed.Status, point)
						r.requireFailedOver(t, variant{kind: kind}, resumed)
					}
					back, err := e.Rollback(ctx, id, failover.PowerOnSource())
					require.NoError(t, err, point)
					require.Equal(t, failover.StatusRolledBack, back.Status, point)
					assert.Equal(t, before.volumes(), r.read(t, id).volumes(), "%s: the rows are as before the job", point)
					r.requireCleanCloud(t)
					power, err := r.lab.PowerState(r.lab.Sources[0].Name)
					require.NoError(t, err)
					require.Equal(t, vsphere.PoweredOn, power, point)
				}
			})
		}
	}
}

// TestCrashInRollbackKeepsTheRows kills a rollback at every job record it makes, checks the
// rows there, and rolls back again from a new Engine: the rows are then as before the job.
func TestCrashInRollbackKeepsTheRows(t *testing.T) {
	t.Parallel()
	requireLongSuite(t, "runs a failover and two rollbacks per job record")
	ctx := context.Background()
	r := newRig(t, failovertest.Options{})
	before := r.read(t, "")
	e, s := r.dyingEngine(0)
	job, err := r.run(e, failover.KindTestFailover)
	require.NoError(t, err)
	start := s.saves.Load()
	_, err = e.Rollback(ctx, job.ID)
	require.NoError(t, err)
	records := s.saves.Load() - start
	t.Logf("rollback: %d job records", records)
	for n := int64(1); n <= records; n++ {
		point := fmt.Sprintf("rollback record %d of %d", n, records)
		dying, s := r.dyingEngine(0)
		job, err := r.run(dying, failover.KindTestFailover)
		require.NoError(t, err, point)
		s.dieAt.Store(s.saves.Load() + n)
		_, err = dying.Rollback(ctx, job.ID)
		require.ErrorIs(t, err, failover.ErrStore, point)
		r.requireSafeAt(t, point)
		back, err := r.engine(nil, failover.WithLeaseTTL(2*time.Second)).Rollback(ctx, job.ID)
		require.NoError(t, err, point)
		require.Equal(t, failover.StatusRolledBack, back.Status, point)
		assert.Equal(t, before.volumes(), r.read(t, job.ID).volumes(), "%s: the rows are as before the job", point)
		r.requireCleanCloud(t)
	}
}

// countFlowRecords counts the job records a clean flow of kind makes, up to its end.
func countFlowRecords(t *testing.T, r *rig, kind failover.Kind) int64 {
	t.Helper()
	e, s := r.dyingEngine(0)
	job, err := r.run(e, kind)
	require.NoError(t, err)
	n := s.saves.Load()
	_, err = e.Rollback(context.Background(), job.ID, failover.PowerOnSource())
	require.NoError(t, err)
	return n
}
