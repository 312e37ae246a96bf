package appliance_test

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/appliance"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
)

// goIdentifier matches what an operator's message must not hold: a Go identifier (pkg.Name,
// Type.Field, ErrSomething, func()), a package prefix, or an internal step or table name.
var goIdentifier = regexp.MustCompile(`\b[A-Za-z]+\.[A-Z]\w*|\bErr[A-Z]\w*|\w+\(\)|\b(failover|cloudstack|credentials|vsphere|appliance):|\b[a-z]+_[a-z_]+\b`)

func (r *rig) fail(command string, nth int, text string) {
	r.lab.Cloud.FailNth(command, nth, cssim.Fault{ErrorCode: 530, ErrorText: text, Async: slices.Contains(cssim.AsyncCommands(), command)})
}

// A flow that fails and is undone restores the status the VM had before it - not
// ready_for_failover - and the GUI shows where it failed and why, in words.
func TestCompensationRestoresThePreviousStatus(t *testing.T) {
	t.Parallel()
	r := newRig(t, failovertest.Options{})
	r.exec("UPDATE vm_replication_contexts SET current_status = 'failed' WHERE context_id = ?", r.contextID)
	before := r.read(t, "")
	r.fail("attachVolume", 2, "Volume is busy with another operation")
	e := r.engine(nil)

	job, err := r.run(e, failover.KindTestFailover)
	require.Error(t, err)
	require.Equal(t, failover.StatusFailed, job.Status)
	require.Equal(t, failover.OutcomeCompleted, job.Cleanup.Outcome)
	after := r.read(t, job.ID)
	assert.Equal(t, before.volumes(), after.volumes(), "the VM's status, modes and snapshot columns are as before the job")
	assert.Equal(t, appliance.VMFailed, after.Status)

	s := after.Summary
	assert.Equal(t, appliance.SummaryFailed, s.Status)
	assert.Equal(t, appliance.OperationTestFailover, s.OperationType)
	assert.Equal(t, "Attach the volumes to the VM", s.FailedStep)
	assert.Equal(t, 5, s.StepsCompleted)
	assert.Equal(t, 8, s.StepsTotal)
	assert.Equal(t, "storage", s.ErrorCategory)
	assert.Contains(t, s.ErrorMessage, "Volume is busy with another operation")
	assert.Contains(t, s.ErrorMessage, "Its changes were undone.")
	assert.NotEmpty(t, s.ActionableSteps)
	assert.NotRegexp(t, goIdentifier, s.ErrorMessage)
	for _, a := range s.ActionableSteps {
		assert.NotRegexp(t, goIdentifier, a)
	}
	require.NotNil(t, after.Job)
	assert.Equal(t, string(appliance.JobFailed), after.Job.Status)
	assert.Equal(t, s.ErrorMessage, after.Job.Error.String)
	assert.True(t, after.Job.Completed.Valid)
	assert.Empty(t, job.Warnings)
}

// A failed flow left for inspection keeps the scheduler off its volumes until it is rolled
// back; the rollback leaves the VM ready for failover.
func TestFailedFlowLeftForInspectionStaysFailedOver(t *testing.T) {
	t.Parallel()
	r := newRig(t, failovertest.Options{})
	before := r.read(t, "")
	r.fail("startVirtualMachine", 1, "Insufficient capacity")
	e := r.engine(nil, failover.WithCompensation(false))

	job, err := r.run(e, failover.KindLiveFailover)
	require.Error(t, err)
	require.Nil(t, job.Cleanup)
	kept := r.read(t, job.ID)
	assert.Equal(t, appliance.VMFailedOverLive, kept.Status)
	assert.Equal(t, []appliance.OperationMode{appliance.ModeFailover, appliance.ModeFailover}, kept.Modes)
	assert.Contains(t, kept.Summary.ErrorMessage, "Its changes were left in place.")
	assert.Contains(t, kept.Summary.ActionableSteps, "Roll the failover back to return the volumes to the appliance")

	back, err := e.Rollback(context.Background(), job.ID, failover.PowerOnSource())
	require.NoError(t, err)
	require.Equal(t, failover.StatusRolledBack, back.Status)
	after := r.read(t, job.ID)
	assert.Equal(t, before.volumes(), after.volumes())
	assert.Equal(t, string(appliance.JobFailed), after.Job.Status, "the job list keeps the failover's outcome after its rollback")
	assert.Contains(t, after.Job.Error.String, "Start the VM")
	assert.Equal(t, appliance.SummaryCompleted, after.Summary.Status)
	assert.Equal(t, appliance.OperationRollback, after.Summary.OperationType)
}

// An incomplete rollback leaves cleanup_required only once every volume is back on the
// appliance and reverted; while a volume is not, the VM stays failed over.
func TestIncompleteRollbackStatus(t *testing.T) {
	t.Parallel()
	oma, off := appliance.ModeOMA, appliance.ModeFailover
	tests := map[string]struct {
		command string
		want    appliance.VMStatus
		modes   []appliance.OperationMode // by volume, boot volume first
	}{
		// A failed revert keeps the snapshot for the next rollback; the volumes are back,
		// but hold what the test VM wrote.
		"the volumes not reverted": {"revertSnapshot", appliance.VMFailedOverTest, []appliance.OperationMode{oma, oma}},
		// The boot volume's reattach fails: it is off the appliance, the other is back.
		"a volume not reattached": {"attachVolume", appliance.VMFailedOverTest, []appliance.OperationMode{off, oma}},
		"a snapshot left behind":  {"deleteSnapshot", appliance.VMCleanupRequired, []appliance.OperationMode{oma, oma}},
		"the test VM left behind": {"destroyVirtualMachine", appliance.VMCleanupRequired, []appliance.OperationMode{oma, oma}},
		// A running VM keeps its boot volume (CloudStack detaches no ROOT volume of a running
		// VM); the data volume comes back.
		"the test VM still running": {"stopVirtualMachine", appliance.VMFailedOverTest, []appliance.OperationMode{off, oma}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, failovertest.Options{})
			before := r.read(t, "")
			e := r.engine(nil)
			job, err := r.run(e, failover.KindTestFailover)
			require.NoError(t, err)
			boot := r.lab.Sources[0].VolumeIDs[0]
			r.lab.Cloud.FailWhen(func(c cssim.Call) bool {
				// Every call of the command fails, or for attachVolume those of the boot volume.
				return c.Command == tc.command && (c.Command != "attachVolume" || c.Params.Get("id") == boot)
			}, cssim.Fault{ErrorCode: 530, ErrorText: "injected failure", Async: slices.Contains(cssim.AsyncCommands(), tc.command)})
			back, err := e.Rollback(context.Background(), job.ID)
			require.ErrorIs(t, err, failover.ErrCleanupIncomplete)
			require.Equal(t, failover.StatusRollbackIncomplete, back.Status)
			got := r.read(t, job.ID)
			assert.Equal(t, tc.want, got.Status)
			assert.Equal(t, tc.modes, got.Modes)
			assert.Equal(t, appliance.SummaryFailed, got.Summary.Status)
			assert.Equal(t, appliance.OperationRollback, got.Summary.OperationType)
			assert.NotEmpty(t, got.Summary.FailedStep)
			assert.Contains(t, got.Summary.ActionableSteps, "Roll the failover back again: each step checks what is left to do")
			assert.NotRegexp(t, goIdentifier, got.Summary.ErrorMessage)
			assert.Equal(t, string(appliance.JobFailed), got.Job.Status)

			// A second rollback finishes the job and puts every row back.
			r.lab.Cloud.ClearFaults()
			back, err = e.Rollback(context.Background(), job.ID)
			require.NoError(t, err)
			require.Equal(t, failover.StatusRolledBack, back.Status)
			assert.Equal(t, before.volumes(), r.read(t, job.ID).volumes())
		})
	}
}

// A request made by hand, naming no context, is still kept in the tables when its volumes
// are the ones the appliance records for a VM; one whose volumes the appliance does not
// record leaves the tables alone.
func TestJobsAreMatchedToTheirVMByVolume(t *testing.T) {
	t.Parallel()
	r := newRig(t, failovertest.Options{SourceVMs: 2})
	e := r.engine(nil)
	ctx := context.Background()
	byHand := func(i int) failover.Request {
		s := r.lab.Sources[i]
		req := failover.Request{VM: s.Locator(), VCenter: credentials.Account("vcenter"),
			PowerOff: failover.PowerOffPolicy{AllowHard: true}}
		for k, id := range s.VolumeIDs {
			req.Volumes = append(req.Volumes, failover.Volume{ID: id, Boot: k == 0})
		}
		return req
	}

	job, err := e.TestFailover(ctx, byHand(0))
	require.NoError(t, err)
	got := r.read(t, job.ID)
	assert.Equal(t, appliance.VMFailedOverTest, got.Status)
	require.NotNil(t, got.Job)
	assert.Equal(t, rigContext, got.Job.ContextID)
	_, err = e.Rollback(ctx, job.ID)
	require.NoError(t, err)

	before := appliancedb.Snapshot(t, r.db)
	rowsBefore := r.read(t, "")
	other, err := e.TestFailover(ctx, byHand(1))
	require.NoError(t, err)
	assert.Nil(t, r.read(t, other.ID).Job, "no failover_jobs row for a VM the appliance does not replicate")
	assert.Equal(t, rowsBefore, r.read(t, ""))
	var n int64
	require.NoError(t, r.db.Table(r.journal.Table()).Where("job_id = ?", other.ID).Count(&n).Error)
	assert.Zero(t, n)
	appliancedb.RequireSame(t, before, appliancedb.Snapshot(t, r.db), "a job the journal leaves alone")
}

// A job that names one VM but whose volumes the appliance records under another is stopped
// before any volume moves: the journal would keep the scheduler off the wrong VM.
func TestVolumesOfAnotherVMStopTheFlowBeforeTheyMove(t *testing.T) {
	t.Parallel()
	r := newRig(t, failovertest.Options{SourceVMs: 2})
	appliancedb.InsertVMContext(t, r.db, appliancedb.VMContext{ContextID: "ctx-other", VMName: r.lab.Sources[1].Name})
	for _, id := range r.lab.Sources[1].VolumeIDs {
		r.exec("INSERT INTO ossea_volumes (vm_context_id, volume_id, volume_name, size_gb) VALUES ('ctx-other', ?, ?, 10)", id, id)
	}
	before := r.read(t, "")
	cloud := r.lab.Cloud.State()
	s := r.lab.Sources[1]
	req := failover.Request{VM: s.Locator(), VMContext: rigContext, PowerOff: failover.PowerOffPolicy{AllowHard: true}}
	for k, id := range s.VolumeIDs {
		req.Volumes = append(req.Volumes, failover.Volume{ID: id, Boot: k == 0})
	}
	job, err := r.engine(nil).TestFailover(context.Background(), req)
	require.ErrorIs(t, err, failover.ErrJournal)
	require.ErrorIs(t, err, appliance.ErrInconsistent)
	assert.Contains(t, err.Error(), "ctx-other")
	assert.Equal(t, failover.StepDetachVolumes, job.FailedStep)
	assert.Empty(t, job.Ledger, "nothing moved")
	assert.Equal(t, cloud.Volumes, r.lab.Cloud.State().Volumes)
	assert.Equal(t, before.volumes(), r.read(t, job.ID).volumes())
}
