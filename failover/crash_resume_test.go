package failover

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

const crashLeaseTTL = 2 * time.Second

// checkpoints runs the flow once cleanly and lists every checkpoint it passes: each step
// boundary and each gap between a call and its ledger record.
func checkpoints(t *testing.T, v variant) []string {
	kind := v.kind
	f := v.fixture(t, v.opts()...)
	var points []string
	f.engine.checkpoint = func(p string) error {
		points = append(points, p)
		return nil
	}
	job, err := f.run(kind)
	require.NoError(t, err)
	require.Equal(t, StatusSucceeded, job.Status)
	return points
}

// crashAt runs the flow on a SQLite job store and stops it dead at point, as a killed
// process would stop. It returns the fixture and the job as the store holds it.
func crashAt(t *testing.T, v variant, point string) (*fixture, *Job) {
	kind := v.kind
	f := v.fixture(t, append(v.opts(), WithLeaseTTL(crashLeaseTTL))...)
	store, err := NewGormStore(context.Background(), testdb.Open(t, testdb.SQLite))
	require.NoError(t, err)
	f.store = store
	e := f.newEngine()
	e.checkpoint = func(p string) error {
		if p == point {
			return errors.New("killed")
		}
		return nil
	}
	_, err = f.runWith(e, kind)
	require.ErrorIs(t, err, errCrashed)
	jobs, err := store.Jobs(context.Background(), JobFilter{})
	require.NoError(t, err)
	require.LessOrEqual(t, len(jobs), 1)
	if len(jobs) == 0 {
		return f, nil
	}
	return f, jobs[0]
}

func (f *fixture) runWith(e *Engine, kind Kind) (*Job, error) {
	if kind == KindLiveFailover {
		return e.LiveFailover(context.Background(), f.request(0))
	}
	return e.TestFailover(context.Background(), f.request(0))
}

// TestCrashResume stops each flow at every checkpoint, then builds a new Engine on the same
// store and checks that Rollback, and separately Resume (then Rollback), reach a clean end
// with zero orphans and nothing created twice.
func TestCrashResume(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs each flow once per checkpoint")
	}
	for _, v := range variants {
		points := checkpoints(t, v)
		t.Logf("%s: %d checkpoints", v, len(points))
		t.Run(v.String()+"/rollback", func(t *testing.T) {
			t.Parallel()
			for _, p := range points {
				t.Run(p, func(t *testing.T) {
					f, job := crashAt(t, v, p)
					if job == nil { // died before recording anything, so it did nothing
						f.requireClean(t, 0, vsphere.PoweredOn)
						return
					}
					back, err := f.newEngine().Rollback(context.Background(), job.ID, PowerOnSource())
					require.NoError(t, err)
					assert.Equal(t, StatusRolledBack, back.Status)
					f.requireClean(t, 0, vsphere.PoweredOn)
				})
			}
		})
		t.Run(v.String()+"/resume", func(t *testing.T) {
			t.Parallel()
			for _, p := range points {
				t.Run(p, func(t *testing.T) {
					f, job := crashAt(t, v, p)
					if job == nil {
						f.requireClean(t, 0, vsphere.PoweredOn)
						return
					}
					e := f.newEngine()
					resumed, err := e.Resume(context.Background(), job.ID)
					require.NoError(t, err)
					assert.Equal(t, StatusSucceeded, resumed.Status)
					f.requireNoDuplicates(t, 0)
					f.requireCleanAfterRollback(t, e, job.ID, vsphere.PoweredOn, PowerOnSource())
				})
			}
		})
	}
}

// requireNoDuplicates checks a completed failover of source i made one VM and one live
// snapshot per volume.
func (f *fixture) requireNoDuplicates(t *testing.T, i int) {
	t.Helper()
	s := f.lab.Sources[i]
	st := f.lab.Cloud.State()
	var running int
	for _, vm := range st.VMs {
		if vm.ID != s.ApplianceVMID && vm.State != cloudstack.VMDestroyed && vm.State != cloudstack.VMExpunging {
			running++
			assert.Equal(t, cloudstack.VMRunning, vm.State)
		}
	}
	assert.Equal(t, 1, running, "one VM was created")
	for _, id := range s.VolumeIDs {
		live := 0
		for _, snap := range st.SnapshotsOf(id) {
			if snap.State != cloudstack.SnapshotDestroyed {
				live++
			}
		}
		assert.Equal(t, 1, live, "one snapshot of volume %s", id)
	}
}
