package appliance_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/appliance"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// expected lists, one event a line, the rows as they must stand after the journal recorded
// the event: "<event> | current_status | failover_jobs.status | operation_mode of every
// volume | snapshot_status of every volume | summary (operation status done/total, or -)".
type expected []string

func (x expected) check(t *testing.T, seen []recorded) {
	t.Helper()
	require.Len(t, seen, len(x), "events seen: %v", labels(seen))
	for i, line := range x {
		f := strings.Split(line, "|")
		require.Len(t, f, 6, line)
		for k := range f {
			f[k] = strings.TrimSpace(f[k])
		}
		got := seen[i]
		assert.Equal(t, f[0], got.event, "event %d", i)
		assert.NoError(t, got.err, f[0])
		r := got.rows
		assert.Equal(t, appliance.VMStatus(f[1]), r.Status, "%s: current_status", f[0])
		if f[2] == "-" {
			assert.Nil(t, r.Job, "%s: no failover_jobs row yet", f[0])
		} else if assert.NotNil(t, r.Job, "%s: failover_jobs row", f[0]) {
			assert.Equal(t, f[2], r.Job.Status, "%s: failover_jobs.status", f[0])
		}
		for k, m := range r.Modes {
			assert.Equal(t, appliance.OperationMode(f[3]), m, "%s: operation_mode of volume %d", f[0], k)
		}
		for k, s := range r.Snaps {
			assert.Equal(t, appliance.SnapshotStatus(f[4]), s.Status, "%s: snapshot_status of volume %d", f[0], k)
			has := s.Status == appliance.SnapshotReady || s.Status == appliance.SnapshotRollbackComplete
			assert.Equal(t, has, s.ID.Valid, "%s: snapshot_id of volume %d is set exactly while there is a snapshot", f[0], k)
			assert.Equal(t, has, s.Created.Valid, "%s: snapshot_created_at of volume %d", f[0], k)
		}
		summary := "-"
		if r.Summary != nil {
			summary = fmt.Sprintf("%s %s %d/%d", r.Summary.OperationType, r.Summary.Status, r.Summary.StepsCompleted, r.Summary.StepsTotal)
		}
		assert.Equal(t, f[5], summary, "%s: last_operation_summary", f[0])
	}
}

func labels(seen []recorded) []string {
	out := make([]string, len(seen))
	for i, s := range seen {
		out[i] = s.event
	}
	return out
}

// A test failover and its rollback, on the MariaDB appliance fixture, keep the appliance's
// rows step by step as the package documentation's table says, and leave every appliance
// table's schema as it was.
func TestTestFailoverAndRollbackRowsStepByStep(t *testing.T) {
	t.Parallel()
	r := newRig(t, failovertest.Options{})
	e, rec := r.recordingEngine()
	ctx := context.Background()
	before := r.read(t, "")
	require.Equal(t, appliance.VMReadyForFailover, before.Status)

	job, err := r.run(e, failover.KindTestFailover)
	require.NoError(t, err)
	require.Equal(t, failover.StatusSucceeded, job.Status)
	expected{
		"test_failover job_started                      | ready_for_failover | pending          | oma      | none     | -",
		"test_failover step_started preflight           | ready_for_failover | validating       | oma      | none     | test_failover running 0/8",
		"test_failover step_finished preflight          | ready_for_failover | validating       | oma      | none     | test_failover running 1/8",
		"test_failover step_started detach_volumes      | failed_over_test   | switching_volume | failover | none     | test_failover running 1/8",
		"test_failover step_finished detach_volumes     | failed_over_test   | switching_volume | failover | none     | test_failover running 2/8",
		"test_failover step_started snapshot_volumes    | failed_over_test   | snapshotting     | failover | creating | test_failover running 2/8",
		"test_failover step_finished snapshot_volumes   | failed_over_test   | snapshotting     | failover | ready    | test_failover running 3/8",
		"test_failover step_started create_vm           | failed_over_test   | creating_vm      | failover | ready    | test_failover running 3/8",
		"test_failover step_finished create_vm          | failed_over_test   | creating_vm      | failover | ready    | test_failover running 4/8",
		"test_failover step_started remove_root_volume  | failed_over_test   | creating_vm      | failover | ready    | test_failover running 4/8",
		"test_failover step_finished remove_root_volume | failed_over_test   | creating_vm      | failover | ready    | test_failover running 5/8",
		"test_failover step_started attach_volumes      | failed_over_test   | switching_volume | failover | ready    | test_failover running 5/8",
		"test_failover step_finished attach_volumes     | failed_over_test   | switching_volume | failover | ready    | test_failover running 6/8",
		"test_failover step_started start_vm            | failed_over_test   | powering_on      | failover | ready    | test_failover running 6/8",
		"test_failover step_finished start_vm           | failed_over_test   | powering_on      | failover | ready    | test_failover running 7/8",
		"test_failover step_started validate            | failed_over_test   | powering_on      | failover | ready    | test_failover running 7/8",
		"test_failover step_finished validate           | failed_over_test   | powering_on      | failover | ready    | test_failover running 8/8",
		"test_failover job_finished                     | failed_over_test   | completed        | failover | ready    | test_failover completed 8/8",
	}.check(t, rec.seen)

	after := r.read(t, job.ID)
	s := r.lab.Sources[0]
	require.NotNil(t, after.Job)
	assert.Equal(t, rigContext, after.Job.ContextID)
	assert.Equal(t, "vmid-"+rigContext, after.Job.VMID, "vm_id is the context's vmware_vm_id")
	assert.Equal(t, "test", after.Job.Type)
	assert.Equal(t, s.Name, after.Job.SourceName)
	assert.Equal(t, targetOf(job), after.Job.Destination.String, "destination_vm_id is the VM the job created")
	assert.False(t, after.Job.Error.Valid)
	assert.True(t, after.Job.Started.Valid)
	assert.True(t, after.Job.Completed.Valid)
	for k, vol := range s.VolumeIDs {
		assert.Equal(t, snapshotOf(job, vol), after.Snaps[k].ID.String, "ossea_volumes.snapshot_id of %s is its rollback snapshot", vol)
	}
	assert.Equal(t, job.ID, after.Summary.JobID)
	assert.Equal(t, float64(100), after.Summary.Progress)
	assert.Empty(t, after.Summary.ErrorMessage)
	assert.Empty(t, job.Warnings)

	rec.seen = nil
	back, err := e.Rollback(ctx, job.ID)
	require.NoError(t, err)
	require.Equal(t, failover.StatusRolledBack, back.Status)
	expected{
		"rollback job_started                       | failed_over_test   | cleanup   | failover | ready             | test_failover completed 8/8",
		"rollback step_started stop_vm              | failed_over_test   | cleanup   | failover | ready             | rollback running 0/7",
		"rollback step_finished stop_vm             | failed_over_test   | cleanup   | failover | ready             | rollback running 1/7",
		"rollback step_started detach_from_vm       | failed_over_test   | cleanup   | failover | ready             | rollback running 1/7",
		"rollback step_finished detach_from_vm      | failed_over_test   | cleanup   | failover | ready             | rollback running 2/7",
		"rollback step_started revert_snapshots     | failed_over_test   | reverting | failover | ready             | rollback running 2/7",
		"rollback step_finished revert_snapshots    | failed_over_test   | reverting | failover | rollback_complete | rollback running 3/7",
		"rollback step_started reattach_volumes     | failed_over_test   | cleanup   | failover | rollback_complete | rollback running 3/7",
		"rollback step_finished reattach_volumes    | failed_over_test   | cleanup   | oma      | rollback_complete | rollback running 4/7",
		"rollback step_started destroy_vm           | failed_over_test   | cleanup   | oma      | rollback_complete | rollback running 4/7",
		"rollback step_finished destroy_vm          | failed_over_test   | cleanup   | oma      | rollback_complete | rollback running 5/7",
		"rollback step_started delete_root_volume   | failed_over_test   | cleanup   | oma      | rollback_complete | rollback running 5/7",
		"rollback step_finished delete_root_volume  | failed_over_test   | cleanup   | oma      | rollback_complete | rollback running 6/7",
		"rollback step_started delete_snapshots     | failed_over_test   | cleanup   | oma      | rollback_complete | rollback running 6/7",
		"rollback step_finished delete_snapshots    | failed_over_test   | cleanup   | oma      | none              | rollback running 7/7",
		"rollback job_finished                      | ready_for_failover | completed | oma      | none              | rollback completed 7/7",
	}.check(t, rec.seen)
	final := r.read(t, job.ID)
	assert.Equal(t, before.volumes(), final.volumes(), "the rollback leaves the VM's and its volumes' rows as they were before the job")
	assert.Equal(t, targetOf(job), final.Job.Destination.String, "the job list keeps the VM the failover made")
	assert.Empty(t, back.Warnings)
	appliancedb.RequireSame(t, r.before, appliancedb.Snapshot(t, r.db), "a test failover and its rollback with the appliance journal")
}

// A live failover and its rollback (powering the source VM back on) keep the rows step by
// step; a second live failover and its commit leave the VM failed over for good.
func TestLiveFailoverRollbackAndCommitRowsStepByStep(t *testing.T) {
	t.Parallel()
	r := newRig(t, failovertest.Options{})
	e, rec := r.recordingEngine()
	ctx := context.Background()
	before := r.read(t, "")

	job, err := r.run(e, failover.KindLiveFailover)
	require.NoError(t, err)
	expected{
		"live_failover job_started                      | ready_for_failover | pending          | oma      | none     | -",
		"live_failover step_started preflight           | ready_for_failover | validating       | oma      | none     | live_failover running 0/9",
		"live_failover step_finished preflight          | ready_for_failover | validating       | oma      | none     | live_failover running 1/9",
		"live_failover step_started power_off_source    | ready_for_failover | validating       | oma      | none     | live_failover running 1/9",
		"live_failover step_finished power_off_source   | ready_for_failover | validating       | oma      | none     | live_failover running 2/9",
		"live_failover step_started detach_volumes      | failed_over_live   | switching_volume | failover | none     | live_failover running 2/9",
		"live_failover step_finished detach_volumes     | failed_over_live   | switching_volume | failover | none     | live_failover running 3/9",
		"live_failover step_started snapshot_volumes    | failed_over_live   | snapshotting     | failover | creating | live_failover running 3/9",
		"live_failover step_finished snapshot_volumes   | failed_over_live   | snapshotting     | failover | ready    | live_failover running 4/9",
		"live_failover step_started create_vm           | failed_over_live   | creating_vm      | failover | ready    | live_failover running 4/9",
		"live_failover step_finished create_vm          | failed_over_live   | creating_vm      | failover | ready    | live_failover running 5/9",
		"live_failover step_started remove_root_volume  | failed_over_live   | creating_vm      | failover | ready    | live_failover running 5/9",
		"live_failover step_finished remove_root_volume | failed_over_live   | creating_vm      | failover | ready    | live_failover running 6/9",
		"live_failover step_started attach_volumes      | failed_over_live   | switching_volume | failover | ready    | live_failover running 6/9",
		"live_failover step_finished attach_volumes     | failed_over_live   | switching_volume | failover | ready    | live_failover running 7/9",
		"live_failover step_started start_vm            | failed_over_live   | powering_on      | failover | ready    | live_failover running 7/9",
		"live_failover step_finished start_vm           | failed_over_live   | powering_on      | failover | ready    | live_failover running 8/9",
		"live_failover step_started validate            | failed_over_live   | powering_on      | failover | ready    | live_failover running 8/9",
		"live_failover step_finished validate           | failed_over_live   | powering_on      | failover | ready    | live_failover running 9/9",
		"live_failover job_finished                     | failed_over_live   | completed        | failover | ready    | live_failover completed 9/9",
	}.check(t, rec.seen)
	assert.Equal(t, "live", r.read(t, job.ID).Job.Type)

	rec.seen = nil
	back, err := e.Rollback(ctx, job.ID, failover.PowerOnSource())
	require.NoError(t, err)
	require.Equal(t, failover.StatusRolledBack, back.Status)
	expected{
		"rollback job_started                       | failed_over_live   | cleanup   | failover | ready             | live_failover completed 9/9",
		"rollback step_started stop_vm              | failed_over_live   | cleanup   | failover | ready             | rollback running 0/8",
		"rollback step_finished stop_vm             | failed_over_live   | cleanup   | failover | ready             | rollback running 1/8",
		"rollback step_started detach_from_vm       | failed_over_live   | cleanup   | failover | ready             | rollback running 1/8",
		"rollback step_finished detach_from_vm      | failed_over_live   | cleanup   | failover | ready             | rollback running 2/8",
		"rollback step_started revert_snapshots     | failed_over_live   | reverting | failover | ready             | rollback running 2/8",
		"rollback step_finished revert_snapshots    | failed_over_live   | reverting | failover | rollback_complete | rollback running 3/8",
		"rollback step_started reattach_volumes     | failed_over_live   | cleanup   | failover | rollback_complete | rollback running 3/8",
		"rollback step_finished reattach_volumes    | failed_over_live   | cleanup   | oma      | rollback_complete | rollback running 4/8",
		"rollback step_started destroy_vm           | failed_over_live   | cleanup   | oma      | rollback_complete | rollback running 4/8",
		"rollback step_finished destroy_vm          | failed_over_live   | cleanup   | oma      | rollback_complete | rollback running 5/8",
		"rollback step_started delete_root_volume   | failed_over_live   | cleanup   | oma      | rollback_complete | rollback running 5/8",
		"rollback step_finished delete_root_volume  | failed_over_live   | cleanup   | oma      | rollback_complete | rollback running 6/8",
		"rollback step_started delete_snapshots     | failed_over_live   | cleanup   | oma      | rollback_complete | rollback running 6/8",
		"rollback step_finished delete_snapshots    | failed_over_live   | cleanup   | oma      | none              | rollback running 7/8",
		"rollback step_started power_on_source      | failed_over_live   | cleanup   | oma      | none              | rollback running 7/8",
		"rollback step_finished power_on_source     | failed_over_live   | cleanup   | oma      | none              | rollback running 8/8",
		"rollback job_finished                      | ready_for_failover | completed | oma      | none              | rollback completed 8/8",
	}.check(t, rec.seen)
	assert.Equal(t, before.volumes(), r.read(t, job.ID).volumes())
	power, err := r.lab.PowerState(r.lab.Sources[0].Name)
	require.NoError(t, err)
	assert.Equal(t, vsphere.PoweredOn, power)

	// Commit: the new VM is the production VM; the replication scheduler must keep off its
	// volumes for good, so the status stays failed_over_live.
	live, err := r.run(e, failover.KindLiveFailover)
	require.NoError(t, err)
	rec.seen = nil
	_, err = e.Commit(ctx, live.ID)
	require.NoError(t, err)
	expected{
		"commit job_started          | failed_over_live | completed | failover | ready | live_failover completed 9/9",
		"commit step_started commit  | failed_over_live | completed | failover | ready | live_failover completed 9/9",
		"commit step_finished commit | failed_over_live | completed | failover | none  | live_failover completed 9/9",
		"commit job_finished         | failed_over_live | completed | failover | none  | live_failover completed 9/9",
	}.check(t, rec.seen)
	committed := r.read(t, live.ID)
	assert.Equal(t, live.ID, committed.Summary.JobID)
	assert.True(t, committed.Job.Completed.Valid)
	var jobs int64
	require.NoError(t, r.db.Raw("SELECT COUNT(*) FROM failover_jobs WHERE vm_context_id = ?", rigContext).Scan(&jobs).Error)
	assert.Equal(t, int64(2), jobs, "one failover_jobs row per failover")
	appliancedb.RequireSame(t, r.before, appliancedb.Snapshot(t, r.db), "live failovers, a rollback and a commit with the appliance journal")
}

func targetOf(job *failover.Job) string {
	for _, le := range job.Ledger {
		if le.Action == failover.ActionVMCreate && le.Resource != "" {
			return le.Resource
		}
	}
	return ""
}

func snapshotOf(job *failover.Job, volume string) string {
	for _, le := range job.Ledger {
		if le.Action == failover.ActionSnapshotCreate && le.Volume == volume && le.State == failover.LedgerDone {
			return le.Resource
		}
	}
	return ""
}
