package failover

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// liveSnapshots returns the snapshots of source i's volumes that are not deleted.
func (f *fixture) liveSnapshots(i int) map[string]bool {
	out := map[string]bool{}
	st := f.lab.Cloud.State()
	for _, id := range f.lab.Sources[i].VolumeIDs {
		for _, s := range st.SnapshotsOf(id) {
			if s.State != cloudstack.SnapshotDestroyed {
				out[s.ID] = true
			}
		}
	}
	return out
}

func jobSnapshots(job *Job) map[string]bool {
	out := map[string]bool{}
	for _, le := range job.Ledger {
		if le.Action == ActionSnapshotCreate && le.Resource != "" {
			out[le.Resource] = true
		}
	}
	return out
}

// Commit deletes exactly the job's rollback snapshots, records the job as committed, and
// makes a later Rollback an ErrJobState that says why. A second Commit changes nothing.
func TestCommitEndsALiveFailover(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{SourceVMs: 2})
	ctx := context.Background()
	other, err := f.engine.TestFailover(ctx, f.request(1))
	require.NoError(t, err)
	otherSnaps := f.liveSnapshots(1)
	require.Equal(t, jobSnapshots(other), otherSnaps)

	live, err := f.engine.LiveFailover(ctx, f.request(0))
	require.NoError(t, err)
	require.Len(t, jobSnapshots(live), len(f.lab.Sources[0].VolumeIDs))

	_, err = f.engine.Commit(ctx, other.ID)
	require.ErrorIs(t, err, ErrJobState, "a test failover is not committed")

	committed, err := f.engine.Commit(ctx, live.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusCommitted, committed.Status)
	require.NotNil(t, committed.CommittedAt)
	assert.Empty(t, f.liveSnapshots(0), "the job's snapshots are deleted")
	assert.Equal(t, otherSnaps, f.liveSnapshots(1), "another job's snapshots are not touched")

	_, err = f.engine.Rollback(ctx, live.ID, PowerOnSource())
	require.ErrorIs(t, err, ErrJobState)
	assert.Contains(t, err.Error(), "committed")
	assert.Contains(t, err.Error(), "fix:")

	f.lab.Cloud.ResetCalls()
	again, err := f.engine.Commit(ctx, live.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusCommitted, again.Status)
	assert.Empty(t, f.lab.Cloud.Calls(), "a second commit calls nothing")

	power, err := f.lab.PowerState(f.lab.Sources[0].Name)
	require.NoError(t, err)
	assert.Equal(t, vsphere.PoweredOff, power, "the source stays off: the VM in CloudStack is the production VM")
	f.requireCleanAfterRollback(t, f.engine, other.ID, vsphere.PoweredOn)
}

// A commit that fails or dies midway leaves the job committing - refusing Rollback, since
// some snapshots may be gone - and Commit (or Resume, from a new engine) finishes it.
func TestCommitInterruptedIsFinishedByCommitOrResume(t *testing.T) {
	t.Parallel()
	const volumes = 3
	for nth := 1; nth <= volumes; nth++ { // at each snapshot deletion
		for _, how := range []string{"fault", "crash"} {
			for _, finish := range []string{"commit", "resume"} {
				t.Run(fmt.Sprintf("%s#%d/%s", how, nth, finish), func(t *testing.T) {
					t.Parallel()
					f := newFixture(t, failovertest.Options{VolumesPerVM: volumes}, WithLeaseTTL(crashLeaseTTL))
					ctx := context.Background()
					live, err := f.engine.LiveFailover(ctx, f.request(0))
					require.NoError(t, err)

					e := f.newEngine()
					if how == "fault" {
						f.lab.Cloud.FailNth("deleteSnapshot", nth, cssim.Fault{ErrorCode: 530, ErrorText: "injected", Async: true})
					} else {
						n := 0
						e.checkpoint = func(p string) error {
							if p == "after call "+string(ActionSnapshotDelete)+" "+itoa(len(live.Ledger)+nth) || (n > 0) {
								n++
								return errors.New("killed")
							}
							return nil
						}
					}
					job, err := e.Commit(ctx, live.ID)
					require.Error(t, err)
					stored, serr := f.store.Job(ctx, live.ID)
					require.NoError(t, serr)
					assert.Equal(t, StatusCommitting, stored.Status)
					_, err = f.newEngine().Rollback(ctx, live.ID)
					require.ErrorIs(t, err, ErrJobState, "no rollback once snapshots may be gone")
					_ = job

					next := f.newEngine()
					var done *Job
					if finish == "commit" {
						done, err = next.Commit(ctx, live.ID)
					} else {
						done, err = next.Resume(ctx, live.ID)
					}
					require.NoError(t, err)
					assert.Equal(t, StatusCommitted, done.Status)
					assert.Empty(t, f.liveSnapshots(0))
				})
			}
		}
	}
}

// An expired test failover is rolled back; one whose time has not come is not, nor a live
// failover.
func TestRollbackExpired(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{SourceVMs: 3})
	ctx := context.Background()
	clock := time.Now()
	f.engine.now = func() time.Time { return clock }

	short, long := f.request(0), f.request(1)
	short.TestDuration, long.TestDuration = time.Hour, 3*time.Hour
	a, err := f.engine.TestFailover(ctx, short)
	require.NoError(t, err)
	require.NotNil(t, a.ExpiresAt)
	assert.True(t, a.ExpiresAt.Equal(clock.Add(time.Hour).UTC()))
	b, err := f.engine.TestFailover(ctx, long)
	require.NoError(t, err)
	live, err := f.engine.LiveFailover(ctx, f.request(2))
	require.NoError(t, err)
	assert.Nil(t, live.ExpiresAt)

	bad := f.request(2)
	bad.TestDuration = time.Hour
	_, err = f.engine.LiveFailover(ctx, bad)
	require.ErrorIs(t, err, ErrInvalidRequest, "a live failover has no test duration")

	none, err := f.engine.RollbackExpired(ctx)
	require.NoError(t, err)
	assert.Empty(t, none, "nothing has expired yet")

	clock = clock.Add(2 * time.Hour)
	back, err := f.engine.RollbackExpired(ctx)
	require.NoError(t, err)
	require.Len(t, back, 1)
	assert.Equal(t, a.ID, back[0].ID)
	assert.Equal(t, StatusRolledBack, back[0].Status)
	f.requireClean(t, 0, vsphere.PoweredOn)
	still, err := f.engine.Job(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusSucceeded, still.Status, "the longer test failover runs on")

	clock = clock.Add(2 * time.Hour)
	back, err = f.engine.RollbackExpired(ctx)
	require.NoError(t, err)
	require.Len(t, back, 1)
	assert.Equal(t, b.ID, back[0].ID)
	f.requireClean(t, 1, vsphere.PoweredOn)
	f.requireCleanAfterRollback(t, f.engine, live.ID, vsphere.PoweredOn, PowerOnSource())
}

func itoa(n int) string { return strconv.Itoa(n) }
