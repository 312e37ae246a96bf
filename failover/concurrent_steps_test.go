package failover

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

const manyVolumes = 8

// A fault on the 3rd of 8 calls of a per-volume step, while the others succeed: the step
// fails, every call is recorded with its true outcome, and compensation undoes exactly the
// ones that succeeded.
func TestFaultInsideConcurrentStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		command string
		step    StepName
		action  Action
	}{
		{"detachVolume", StepDetachVolumes, ActionVolumeDetach},
		{"createSnapshot", StepSnapshotVolumes, ActionSnapshotCreate},
		{"attachVolume", StepAttachVolumes, ActionVolumeAttach},
	} {
		t.Run(tc.command, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, failovertest.Options{VolumesPerVM: manyVolumes})
			f.lab.Cloud.FailNth(tc.command, 3, cssim.Fault{ErrorCode: 530, ErrorText: "injected failure of the 3rd " + tc.command, Async: true})
			job, err := f.engine.TestFailover(context.Background(), f.request(0))
			require.Error(t, err)
			assert.Equal(t, tc.step, job.FailedStep)
			assert.Contains(t, err.Error(), "injected failure of the 3rd")

			var done, failed int
			for _, le := range job.Ledger {
				if le.Action != tc.action {
					continue
				}
				switch le.State {
				case LedgerDone:
					done++
				case LedgerFailed:
					failed++
				default:
					t.Errorf("entry %d left at %s", le.Seq, le.State)
				}
			}
			assert.Equal(t, 1, failed, "the faulted call is recorded as failed")
			assert.Positive(t, done, "the other calls ran side by side and are recorded as done")
			require.NotNil(t, job.Cleanup)
			assert.Equal(t, OutcomeCompleted, job.Cleanup.Outcome, "failures: %v", job.Cleanup.Failures)
			if tc.action == ActionSnapshotCreate {
				deleted := map[string]bool{}
				for _, le := range job.Ledger {
					if le.Action == ActionSnapshotDelete && le.State == LedgerDone {
						deleted[le.Resource] = true
					}
				}
				for _, le := range job.Ledger {
					if le.Action == ActionSnapshotCreate && le.State == LedgerDone {
						assert.True(t, deleted[le.Resource], "snapshot %s of volume %s is deleted", le.Resource, le.Volume)
					}
				}
			}
			f.requireClean(t, 0, vsphere.PoweredOn)
		})
	}
}

// A crash in the middle of a concurrent step - after some attaches of eight - leaves a record
// from which a new engine rolls back clean, and from which Resume finishes without attaching
// anything twice.
func TestCrashInsideConcurrentStep(t *testing.T) {
	t.Parallel()
	for _, then := range []string{"rollback", "resume"} {
		for _, action := range []Action{ActionSnapshotCreate, ActionVolumeAttach} {
			t.Run(fmt.Sprintf("%s/%s", action, then), func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, failovertest.Options{VolumesPerVM: manyVolumes}, WithLeaseTTL(crashLeaseTTL))
				store, err := NewGormStore(context.Background(), testdb.Open(t, testdb.SQLite))
				require.NoError(t, err)
				f.store = store
				e := f.newEngine()
				seen := 0
				e.checkpoint = func(p string) error {
					var a Action
					var seq int
					if n, _ := fmt.Sscanf(p, "after call %s %d", &a, &seq); n == 2 && a == action {
						if seen++; seen == 3 {
							return errors.New("killed")
						}
					}
					return nil
				}
				_, err = e.TestFailover(context.Background(), f.request(0))
				require.ErrorIs(t, err, errCrashed)
				jobs, err := store.Jobs(context.Background(), JobFilter{})
				require.NoError(t, err)
				require.Len(t, jobs, 1)

				next := f.newEngine()
				if then == "resume" {
					resumed, err := next.Resume(context.Background(), jobs[0].ID)
					require.NoError(t, err)
					assert.Equal(t, StatusSucceeded, resumed.Status)
					f.requireNoDuplicates(t, 0)
				}
				back, err := next.Rollback(context.Background(), jobs[0].ID)
				require.NoError(t, err)
				assert.Equal(t, StatusRolledBack, back.Status)
				f.requireClean(t, 0, vsphere.PoweredOn)
			})
		}
	}
}
