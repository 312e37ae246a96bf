package appliance_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/appliance"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
)

// variant is a shape of flow: a kind, with or without before-create hooks (which add the
// steps that return the volumes to the appliance and release them again).
type variant struct {
	kind  failover.Kind
	hooks bool
}

var variants = []variant{{failover.KindTestFailover, false}, {failover.KindLiveFailover, false}, {failover.KindTestFailover, true}}

func (v variant) String() string {
	if v.hooks {
		return string(v.kind) + "+hooks"
	}
	return string(v.kind)
}

func (v variant) opts() []failover.Option {
	if !v.hooks {
		return nil
	}
	return []failover.Option{failover.WithHook(failover.PhaseBeforeCreate, func(context.Context, *failover.Job) error { return nil })}
}

func (v variant) rollbackOpts() []failover.RollbackOption {
	if v.kind == failover.KindLiveFailover {
		return []failover.RollbackOption{failover.PowerOnSource()}
	}
	return nil
}

// gates are the events whose write must succeed before volumes leave the appliance.
var gates = []string{"step_started detach_volumes", "step_started release_volumes", "step_started detach_from_vm"}

func isGate(l string) bool {
	for _, g := range gates {
		if strings.HasSuffix(l, g) {
			return true
		}
	}
	return false
}

// errInjected is the failure of a journal write the matrix injects.
var errInjected = errors.New("injected failure of the appliance database")

// failOnce makes the write of the event labelled l fail, once.
func failOnce(l string) func(failover.JournalEvent) error {
	var fired atomic.Bool
	return func(ev failover.JournalEvent) error {
		if label(ev) == l && fired.CompareAndSwap(false, true) {
			return errInjected
		}
		return nil
	}
}

// enumerate runs the flow and its rollback once cleanly and lists the events of each.
func enumerate(t *testing.T, v variant) (flow, rollback []string) {
	r := newRig(t, failovertest.Options{})
	e, rec := r.recordingEngine(v.opts()...)
	job, err := r.run(e, v.kind)
	require.NoError(t, err)
	flow = labels(rec.seen)
	rec.seen = nil
	_, err = e.Rollback(context.Background(), job.ID, v.rollbackOpts()...)
	require.NoError(t, err)
	return flow, labels(rec.seen)
}

// requireFailedOver checks the rows a successful flow leaves.
func (r *rig) requireFailedOver(t *testing.T, v variant, job *failover.Job) {
	t.Helper()
	got := r.read(t, job.ID)
	want := appliance.VMFailedOverTest
	if v.kind == failover.KindLiveFailover {
		want = appliance.VMFailedOverLive
	}
	assert.Equal(t, want, got.Status)
	assert.Equal(t, []appliance.OperationMode{appliance.ModeFailover, appliance.ModeFailover}, got.Modes)
	for _, s := range got.Snaps {
		assert.Equal(t, appliance.SnapshotReady, s.Status)
	}
	require.NotNil(t, got.Summary)
	assert.Equal(t, appliance.SummaryCompleted, got.Summary.Status)
	assert.Equal(t, got.Summary.StepsTotal, got.Summary.StepsCompleted)
	require.NotNil(t, got.Job)
	assert.Equal(t, string(appliance.JobCompleted), got.Job.Status)
}

// requireOneWarning checks that the job, and the operation's error, report the failed write.
func requireOneWarning(t *testing.T, job *failover.Job, err error) {
	t.Helper()
	require.ErrorIs(t, err, failover.ErrJournal)
	var n int
	for _, w := range job.Warnings {
		if strings.Contains(w, errInjected.Error()) {
			n++
		}
	}
	assert.Equal(t, 1, n, "the failed write is on the job once: %v", job.Warnings)
}

// TestJournalFaultMatrix fails each journal write of each flow, and of its rollback, once:
// the write before volumes leave the appliance stops the step (the flow is compensated, a
// rollback is left incomplete), any other is reported on the job and in the error while the
// operation goes on, and the rows come right - by the job's next event, by a second rollback,
// or by Journal.Sync when the operation's last write failed. In every case a later rollback
// leaves the appliance's rows as they were before the job.
func TestJournalFaultMatrix(t *testing.T) {
	t.Parallel()
	requireLongSuite(t, "runs each flow once per journal event")
	ctx := context.Background()
	for _, v := range variants {
		flowEvents, rollbackEvents := enumerate(t, v)
		t.Logf("%s: %d flow events, %d rollback events", v, len(flowEvents), len(rollbackEvents))

		t.Run(v.String()+"/flow", func(t *testing.T) {
			t.Parallel()
			for _, l := range flowEvents {
				t.Run(l, func(t *testing.T) {
					t.Parallel()
					r := newRig(t, failovertest.Options{})
					appliance.FailWrites(r.journal, failOnce(l))
					e := r.engine(nil, v.opts()...)
					before := r.read(t, "")
					job, err := r.run(e, v.kind)
					require.NotNil(t, job)
					if isGate(l) {
						require.ErrorIs(t, err, failover.ErrJournal)
						require.ErrorIs(t, err, appliance.ErrDatabase)
						assert.Equal(t, failover.StatusFailed, job.Status)
						assert.Contains(t, l, string(job.FailedStep), "the step whose write failed did not run")
						got := r.read(t, job.ID)
						assert.Equal(t, before.volumes(), got.volumes(), "compensation leaves the rows as before")
						assert.Equal(t, appliance.SummaryFailed, got.Summary.Status)
						assert.Equal(t, "database", got.Summary.ErrorCategory)
						assert.Equal(t, appliance.StepDisplayName(job.FailedStep), got.Summary.FailedStep)
					} else {
						requireOneWarning(t, job, err)
						require.Equal(t, failover.StatusSucceeded, job.Status, "a failed write that guards no move does not stop the flow")
						if strings.HasSuffix(l, "job_finished") {
							require.NoError(t, r.journal.Sync(ctx, job))
						}
						r.requireFailedOver(t, v, job)
					}
					_, err = e.Rollback(ctx, job.ID, v.rollbackOpts()...)
					require.NoError(t, err)
					assert.Equal(t, before.volumes(), r.read(t, job.ID).volumes(), "after the rollback the rows are as before the job")
				})
			}
		})

		t.Run(v.String()+"/rollback", func(t *testing.T) {
			t.Parallel()
			for _, l := range rollbackEvents {
				t.Run(l, func(t *testing.T) {
					t.Parallel()
					r := newRig(t, failovertest.Options{})
					e := r.engine(nil, v.opts()...)
					before := r.read(t, "")
					job, err := r.run(e, v.kind)
					require.NoError(t, err)
					appliance.FailWrites(r.journal, failOnce(l))
					back, err := e.Rollback(ctx, job.ID, v.rollbackOpts()...)
					require.NotNil(t, back)
					switch {
					case isGate(l):
						require.ErrorIs(t, err, failover.ErrCleanupIncomplete)
						require.ErrorIs(t, err, failover.ErrJournal)
						assert.Equal(t, failover.StatusRollbackIncomplete, back.Status)
						got := r.read(t, job.ID)
						assert.NotEqual(t, appliance.VMReadyForFailover, got.Status, "volumes may still be off the appliance")
						assert.Equal(t, appliance.SummaryFailed, got.Summary.Status)
						back, err = e.Rollback(ctx, job.ID, v.rollbackOpts()...)
						require.NoError(t, err)
					case strings.HasSuffix(l, "job_finished"):
						requireOneWarning(t, back, err)
						require.Equal(t, failover.StatusRolledBack, back.Status)
						assert.NotEqual(t, before.volumes(), r.read(t, job.ID).volumes(), "the last write failed: the rows are behind")
						require.NoError(t, r.journal.Sync(ctx, back))
					default:
						requireOneWarning(t, back, err)
						require.Equal(t, failover.StatusRolledBack, back.Status)
					}
					got := r.read(t, job.ID)
					assert.Equal(t, before.volumes(), got.volumes(), "the rows are as before the job")
					assert.Equal(t, appliance.SummaryCompleted, got.Summary.Status)
					assert.Equal(t, appliance.OperationRollback, got.Summary.OperationType)
				})
			}
		})
	}
}
