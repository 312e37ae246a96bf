package appliance

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// jobWith builds a job of kind in status with the given ledger actions and last cleanup
// steps (name: status), for the rules' tests.
func jobWith(kind failover.Kind, status failover.Status, ledger []failover.Action, outcome failover.Outcome, cleanup map[failover.StepName]failover.StepStatus) *failover.Job {
	start := time.Now()
	j := &failover.Job{ID: "j1", Kind: kind, Status: status, CreatedAt: start,
		Request: failover.Request{Volumes: []failover.Volume{{ID: "v1", Boot: true}, {ID: "v2"}}}}
	for i, a := range ledger {
		j.Ledger = append(j.Ledger, failover.LedgerEntry{Seq: i + 1, Action: a, State: failover.LedgerDone, Volume: "v1"})
	}
	if outcome != "" || cleanup != nil {
		j.Cleanup = &failover.Cleanup{Trigger: "compensation", Outcome: outcome, StartedAt: start}
		for name, st := range cleanup {
			j.Steps = append(j.Steps, failover.Step{Name: name, Undo: true, Status: st, StartedAt: start.Add(time.Millisecond)})
		}
	}
	return j
}

// The status each operation leaves, for every way it can end: the decisions the package
// documentation states.
func TestFinalStatus(t *testing.T) {
	t.Parallel()
	moved := []failover.Action{failover.ActionVolumeDetach}
	settledSteps := map[failover.StepName]failover.StepStatus{failover.StepRevertSnapshots: failover.StepDone,
		failover.StepReattachVolumes: failover.StepDone, failover.StepDeleteSnapshots: failover.StepFailed}
	unreverted := map[failover.StepName]failover.StepStatus{failover.StepRevertSnapshots: failover.StepFailed,
		failover.StepReattachVolumes: failover.StepDone}
	offAppliance := map[failover.StepName]failover.StepStatus{failover.StepReattachVolumes: failover.StepFailed}
	tests := []struct {
		name   string
		op     string
		job    *failover.Job
		before VMStatus
		want   VMStatus
		mode   OperationMode
	}{
		{"test failover succeeded", "test_failover", jobWith(failover.KindTestFailover, failover.StatusSucceeded, moved, "", nil), VMReadyForFailover, VMFailedOverTest, ModeFailover},
		{"live failover succeeded", "live_failover", jobWith(failover.KindLiveFailover, failover.StatusSucceeded, moved, "", nil), VMReadyForFailover, VMFailedOverLive, ModeFailover},
		{"compensated: the status before", "test_failover", jobWith(failover.KindTestFailover, failover.StatusFailed, moved, failover.OutcomeCompleted, settledSteps), VMReplicating, VMReplicating, ModeOMA},
		{"compensated after a resume", "resume", jobWith(failover.KindLiveFailover, failover.StatusFailed, moved, failover.OutcomeCompleted, nil), VMFailed, VMFailed, ModeOMA},
		{"compensation resumed", "compensation", jobWith(failover.KindTestFailover, failover.StatusFailed, moved, failover.OutcomeCompleted, nil), VMDiscovered, VMDiscovered, ModeOMA},
		{"no status recorded before: ready", "test_failover", jobWith(failover.KindTestFailover, failover.StatusFailed, moved, failover.OutcomeCompleted, nil), "", VMReadyForFailover, ModeOMA},
		{"a failed-over status before is not restored", "test_failover", jobWith(failover.KindTestFailover, failover.StatusFailed, moved, failover.OutcomeCompleted, nil), VMFailedOverTest, VMReadyForFailover, ModeOMA},
		{"compensation incomplete, volumes back", "test_failover", jobWith(failover.KindTestFailover, failover.StatusFailed, moved, failover.OutcomeCompletedWithErrors, settledSteps), VMReadyForFailover, VMCleanupRequired, ModeOMA},
		{"compensation incomplete, a volume not reverted", "test_failover", jobWith(failover.KindTestFailover, failover.StatusFailed, moved, failover.OutcomeCompletedWithErrors, unreverted), VMReadyForFailover, VMFailedOverTest, ""},
		{"compensation incomplete, a volume off the appliance", "live_failover", jobWith(failover.KindLiveFailover, failover.StatusFailed, moved, failover.OutcomeFailed, offAppliance), VMReadyForFailover, VMFailedOverLive, ""},
		{"left for inspection", "test_failover", jobWith(failover.KindTestFailover, failover.StatusFailed, moved, "", nil), VMReadyForFailover, VMFailedOverTest, ""},
		{"interrupted after a move", "test_failover", jobWith(failover.KindTestFailover, failover.StatusInterrupted, moved, "", nil), VMReadyForFailover, VMFailedOverTest, ""},
		{"failed before any move", "test_failover", jobWith(failover.KindTestFailover, failover.StatusFailed, []failover.Action{failover.ActionSourcePowerOff}, "", nil), VMReplicating, VMReplicating, ModeOMA},
		{"rolled back", "rollback", jobWith(failover.KindTestFailover, failover.StatusRolledBack, moved, failover.OutcomeCompleted, settledSteps), VMReplicating, VMReadyForFailover, ModeOMA},
		{"rollback incomplete, volumes back", "rollback", jobWith(failover.KindLiveFailover, failover.StatusRollbackIncomplete, moved, failover.OutcomeCompletedWithErrors, settledSteps), VMReadyForFailover, VMCleanupRequired, ModeOMA},
		{"rollback incomplete, volumes not back", "rollback", jobWith(failover.KindLiveFailover, failover.StatusRollbackIncomplete, moved, failover.OutcomeCompletedWithErrors, offAppliance), VMReadyForFailover, VMFailedOverLive, ""},
		{"committed", "commit", jobWith(failover.KindLiveFailover, failover.StatusCommitted, moved, "", nil), VMReadyForFailover, VMFailedOverLive, ""},
		{"commit failed", "commit", jobWith(failover.KindLiveFailover, failover.StatusCommitting, moved, "", nil), VMReadyForFailover, VMFailedOverLive, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev := failover.JournalEvent{Type: failover.EventJobFinished, Operation: tc.op, Job: tc.job}
			e := effectsOf(ev, record{exists: true, statusBefore: tc.before}, time.Now())
			assert.Equal(t, tc.want, e.status)
			assert.True(t, e.status.valid(), "only values of the enum are written")
			if tc.mode == "" {
				assert.Empty(t, e.modes, "the modes the steps left stand")
			} else {
				assert.Equal(t, map[string]OperationMode{"v1": tc.mode, "v2": tc.mode}, e.modes)
			}
			assert.False(t, e.gate)
		})
	}
	// A job that never recorded a status and never moved a volume leaves the status alone.
	ev := failover.JournalEvent{Type: failover.EventJobFinished, Operation: "rollback",
		Job: jobWith(failover.KindTestFailover, failover.StatusRolledBack, nil, failover.OutcomeCompleted, nil)}
	assert.Empty(t, effectsOf(ev, record{exists: true}, time.Now()).status)
}

// The writes that guard a move are exactly those before detach_volumes, release_volumes and
// detach_from_vm.
func TestGates(t *testing.T) {
	t.Parallel()
	job := jobWith(failover.KindTestFailover, failover.StatusRunning, []failover.Action{failover.ActionVolumeDetach}, "", nil)
	steps := []failover.StepName{failover.StepPreflight, failover.StepPowerOffSource, failover.StepFinalSync, failover.StepDetachVolumes,
		failover.StepSnapshotVolumes, failover.StepReturnVolumes, failover.StepBeforeCreate, failover.StepCreateVM, failover.StepRemoveRootVolume,
		failover.StepReleaseVolumes, failover.StepAttachVolumes, failover.StepStartVM, failover.StepAfterStart, failover.StepValidate}
	undo := []failover.StepName{failover.StepStopVM, failover.StepDetachFromVM, failover.StepRevertSnapshots, failover.StepReattachVolumes,
		failover.StepDestroyVM, failover.StepDeleteRootVolume, failover.StepDeleteSnapshots, failover.StepPowerOnSource}
	for _, typ := range []failover.EventType{failover.EventStepStarted, failover.EventStepFinished, failover.EventStepFailed, failover.EventStepSkipped} {
		for _, s := range steps {
			status, gate, modes := EffectsFor(failover.JournalEvent{Type: typ, Operation: "test_failover", Step: s, Job: job}, VMReadyForFailover, 8)
			want := typ == failover.EventStepStarted && (s == failover.StepDetachVolumes || s == failover.StepReleaseVolumes)
			assert.Equal(t, want, gate, "%s %s", typ, s)
			if want {
				assert.Equal(t, VMFailedOverTest, status)
				assert.Equal(t, map[string]OperationMode{"v1": ModeFailover, "v2": ModeFailover}, modes)
			}
		}
		for _, s := range undo {
			_, gate, _ := EffectsFor(failover.JournalEvent{Type: typ, Operation: "rollback", Step: s, Undo: true, Job: job}, VMReadyForFailover, 8)
			assert.Equal(t, typ == failover.EventStepStarted && s == failover.StepDetachFromVM, gate, "%s %s", typ, s)
		}
	}
}

var identifier = regexp.MustCompile(`\b[A-Za-z]+\.[A-Z]\w*|\bErr[A-Z]\w*|\w+\(\)|\b(failover|cloudstack|credentials|vsphere|appliance):|\b[a-z]+_[a-z_]+\b`)

// Every failure reads as an operator's sentence, whatever the error, and has something to do.
func TestFailuresReadForOperators(t *testing.T) {
	t.Parallel()
	secret := "s3cr3t-value"
	errs := map[string]struct {
		err      error
		step     failover.StepName
		category string
	}{
		"cloudstack set missing": {&credentials.Error{Code: fkerrors.NotFound, Kind: credentials.KindCloudStack, Problem: "no active row " + secret},
			failover.StepPreflight, categoryConfiguration},
		"vcenter rejected": {&credentials.Error{Code: fkerrors.Unauthenticated, Kind: credentials.KindVSphere}, failover.StepPowerOffSource, categoryConfiguration},
		"guest did not stop": {&vsphere.Error{Op: "power off", Code: fkerrors.Conflict, Reason: vsphere.ErrPowerOffNotAllowed, Err: fkerrors.Timeout},
			failover.StepPowerOffSource, categorySource},
		"vcenter unreachable": {&vsphere.Error{Op: "login", Code: fkerrors.Unavailable}, failover.StepPreflight, categoryNetwork},
		"journal":             {fmt.Errorf("%w: %w", failover.ErrJournal, errors.New("Error 1205: Lock wait timeout")), failover.StepDetachVolumes, categoryDatabase},
		"store":               {fmt.Errorf("%w: job store: %s", failover.ErrStore, secret), failover.StepAttachVolumes, categoryDatabase},
		"cancelled":           {context.Canceled, failover.StepSnapshotVolumes, categoryInterrupted},
		"step timeout":        {context.DeadlineExceeded, failover.StepCreateVM, categoryInterrupted},
		"busy":                {failover.ErrBusy, failover.StepPreflight, categoryBusy},
		"preflight":           {fmt.Errorf("%w: volume vol-1 is not attached; fix: set Request.Volumes", failover.ErrPreflight), failover.StepPreflight, categoryConfiguration},
		"driver injection":    {errors.New("virt-v2v-in-place: exit status 1"), failover.StepBeforeCreate, categoryCompatibility},
		"final sync":          {errors.New("sync: EOF"), failover.StepFinalSync, categorySource},
		"unknown error":       {errors.New("volume vol-1 is attached to VM x; fix: detach it and resume"), failover.StepAttachVolumes, categoryStorage},
		"as a step error":     {&failover.Error{JobID: "j", Step: failover.StepStartVM, Err: errors.New("boom")}, "", categoryCompute},
	}
	for name, tc := range errs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := describe(tc.err, tc.step)
			assert.Equal(t, tc.category, f.Category)
			msg := f.message(OperationLiveFailover)
			assert.NotRegexp(t, identifier, msg)
			assert.NotContains(t, msg, secret)
			assert.NotContains(t, msg, "fix:")
			assert.NotEmpty(t, f.Actions)
			for _, a := range f.Actions {
				assert.NotRegexp(t, identifier, a)
			}
			assert.NotEqual(t, "", f.Step)
		})
	}
}

func TestStepDisplayNames(t *testing.T) {
	t.Parallel()
	for _, s := range []failover.StepName{failover.StepPreflight, failover.StepPowerOffSource, failover.StepFinalSync, failover.StepDetachVolumes,
		failover.StepSnapshotVolumes, failover.StepReturnVolumes, failover.StepBeforeCreate, failover.StepCreateVM, failover.StepRemoveRootVolume,
		failover.StepReleaseVolumes, failover.StepAttachVolumes, failover.StepStartVM, failover.StepAfterStart, failover.StepValidate,
		failover.StepStopVM, failover.StepDetachFromVM, failover.StepRevertSnapshots, failover.StepReattachVolumes, failover.StepDestroyVM,
		failover.StepDeleteRootVolume, failover.StepDeleteSnapshots, failover.StepPowerOnSource, failover.StepCommit} {
		d := StepDisplayName(s)
		assert.NotRegexp(t, identifier, d, s)
		assert.Contains(t, displayNames, s, "every step of the engine has a display name")
	}
	assert.Equal(t, "Inject network config", StepDisplayName("inject_network_config"))
}
