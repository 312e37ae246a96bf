package appliance

import (
	"time"

	"github.com/ossea-migrate/failoverkit/failover"
)

// record is the journal's own row for a job: which replication context it concerns, the
// status the VM had before the job first moved its volumes, and what the GUI summary needs
// after a restart (the number of steps of the flow, why the flow failed).
type record struct {
	exists       bool
	contextID    string
	statusBefore VMStatus // "" until the job first moved volumes
	flowSteps    int
	flowFailure  *failure
}

// effects is what one journal event writes, all in one transaction. Zero fields leave their
// rows as they are.
type effects struct {
	// gate marks the write before volumes leave the appliance: its failure stops the step.
	gate bool
	// status is the VM's new current_status; captureBefore records the current one first,
	// unless the job has recorded one already.
	status        VMStatus
	captureBefore bool
	summary       *Summary
	job           jobUpdate
	// modes sets device_mappings.operation_mode per volume; snaps sets the snapshot columns
	// of ossea_volumes per volume.
	modes map[string]OperationMode
	snaps map[string]snapState
	// flowSteps and flowFailure go to the journal's own row.
	flowSteps   int
	flowFailure *failure
}

// jobUpdate is the change to the job's failover_jobs row (which is inserted first when
// missing).
type jobUpdate struct {
	status       JobStatus // "" keeps the status
	setError     bool
	errorMessage string // "" is NULL
	complete     bool   // set completed_at
}

// snapState is a volume's rollback snapshot as ossea_volumes records it.
type snapState struct {
	id      string    // "" is NULL
	created time.Time // zero is NULL
	status  SnapshotStatus
}

// operation classifies an event's operation.
type operation struct {
	flow, rollback, compensation, commit bool
}

func classifyOp(ev failover.JournalEvent) operation {
	switch ev.Operation {
	case "rollback":
		return operation{rollback: true}
	case "compensation":
		return operation{compensation: true}
	case "commit":
		return operation{commit: true}
	}
	return operation{flow: true, compensation: ev.Undo}
}

// effectsOf decides what ev writes, given the job's own row. It reads nothing: every write
// follows from the event, the job as it stands and the row, so that an event recorded
// again (a resumed job, a second rollback) writes the same.
func effectsOf(ev failover.JournalEvent, rec record, now time.Time) effects {
	job := ev.Job
	op := classifyOp(ev)
	failedOver := VMFailedOverTest
	if job.Kind == failover.KindLiveFailover {
		failedOver = VMFailedOverLive
	}
	gatePassed := rec.statusBefore != "" || moved(job)
	var e effects

	// current_status and device_mappings: failed over before the first volume leaves the
	// appliance (or leaves it again); back to the appliance's modes once they are back.
	switch {
	case ev.Type == failover.EventStepStarted && op.flow && !ev.Undo &&
		(ev.Step == failover.StepDetachVolumes || ev.Step == failover.StepReleaseVolumes):
		e.gate, e.captureBefore, e.status = true, true, failedOver
		e.modes = allModes(job, ModeFailover)
	case ev.Type == failover.EventStepSkipped && op.flow && ev.Step == failover.StepDetachVolumes:
		e.captureBefore, e.status = true, failedOver
		e.modes = allModes(job, ModeFailover)
	case ev.Type == failover.EventStepStarted && ev.Undo && ev.Step == failover.StepDetachFromVM && gatePassed:
		// A cleanup may take volumes off the appliance to revert them.
		e.gate, e.status = true, failedOver
		e.modes = allModes(job, ModeFailover)
	case ev.Type == failover.EventStepFinished && (ev.Step == failover.StepReturnVolumes || ev.Step == failover.StepReattachVolumes):
		// The step succeeds only with every volume at its device on the appliance.
		e.modes = allModes(job, ModeOMA)
	case ev.Type == failover.EventStepFailed && (ev.Step == failover.StepReturnVolumes || ev.Step == failover.StepReattachVolumes):
		e.modes = map[string]OperationMode{}
		for _, id := range volumeIDs(job) {
			if backOnAppliance(job, id) {
				e.modes[id] = ModeOMA
			}
		}
	case ev.Type == failover.EventJobFinished && gatePassed:
		var mode OperationMode
		e.status, mode = finalStatus(job, op, rec, failedOver)
		if mode != "" {
			e.modes = allModes(job, mode)
		}
	}

	// ossea_volumes follows the rollback snapshots from the moment they are taken.
	if startedForward(job, failover.StepSnapshotVolumes) {
		e.snaps = map[string]snapState{}
		starting := ev.Type == failover.EventStepStarted && !ev.Undo && ev.Step == failover.StepSnapshotVolumes
		for _, id := range volumeIDs(job) {
			s := snapshotOf(job, id)
			if starting && s.status != SnapshotReady {
				s = snapState{status: SnapshotCreating}
			}
			e.snaps[id] = s
		}
	}

	e.summary, e.flowSteps, e.flowFailure = summaryOf(ev, op, rec, now)
	e.job = jobUpdateOf(ev, op, rec, e.flowFailure)
	return e
}

// finalStatus is the VM's status, and the volumes' mode, once an operation has ended ("" to
// leave them).
func finalStatus(job *failover.Job, op operation, rec record, failedOver VMStatus) (VMStatus, OperationMode) {
	before := rec.statusBefore
	if !before.valid() || before.failedOver() {
		before = VMReadyForFailover
	}
	switch {
	case op.commit:
		// The volumes are the production VM's now: the scheduler must keep off them.
		return VMFailedOverLive, ""
	case op.rollback && job.Status == failover.StatusRolledBack:
		return VMReadyForFailover, ModeOMA
	case op.rollback && settled(job):
		return VMCleanupRequired, ModeOMA
	case op.rollback:
		return failedOver, ""
	case job.Status == failover.StatusSucceeded:
		return failedOver, ModeFailover
	case job.Cleanup != nil && job.Cleanup.Outcome == failover.OutcomeCompleted:
		return before, ModeOMA
	case !moved(job):
		return before, ModeOMA // nothing left the appliance
	case job.Cleanup != nil && job.Cleanup.Outcome != "" && settled(job):
		return VMCleanupRequired, ModeOMA
	}
	return failedOver, ""
}

// summaryOf is the GUI summary an event writes (nil for none), with what the journal's own
// row keeps for later summaries: the number of steps of the flow and why it failed.
func summaryOf(ev failover.JournalEvent, op operation, rec record, now time.Time) (*Summary, int, *failure) {
	job := ev.Job
	operation := OperationTestFailover
	if job.Kind == failover.KindLiveFailover {
		operation = OperationLiveFailover
	}
	s := &Summary{JobID: job.ID, OperationType: operation, Timestamp: now.UTC(),
		DurationSeconds: seconds(now.Sub(job.CreatedAt))}
	step := ev.Type != failover.EventJobStarted && ev.Type != failover.EventJobFinished

	switch {
	case op.commit || ev.Type == failover.EventJobStarted:
		return nil, 0, nil

	case op.flow && !ev.Undo && step:
		s.StepsTotal = ev.Total
		switch ev.Type {
		case failover.EventStepFinished, failover.EventStepSkipped:
			s.Status, s.StepsCompleted = SummaryRunning, ev.Index
		case failover.EventStepFailed:
			f := describe(ev.Err, ev.Step)
			f.Completed = ev.Index - 1
			s.StepsCompleted = f.Completed
			s.fail(f, operation, "")
			s.Progress = progress(s.StepsCompleted, s.StepsTotal)
			return s, ev.Total, &f
		default:
			s.Status, s.StepsCompleted = SummaryRunning, ev.Index-1
		}
		s.Progress = progress(s.StepsCompleted, s.StepsTotal)
		return s, ev.Total, nil

	case op.rollback:
		s.OperationType = OperationRollback
		if job.Cleanup != nil && !job.Cleanup.StartedAt.IsZero() {
			s.DurationSeconds = seconds(now.Sub(job.Cleanup.StartedAt))
		}
		if step {
			s.Status, s.StepsTotal, s.StepsCompleted = SummaryRunning, ev.Total, ev.Index-1
			if ev.Type != failover.EventStepStarted {
				s.StepsCompleted = ev.Index
			}
			s.Progress = progress(s.StepsCompleted, s.StepsTotal)
			return s, 0, nil
		}
		steps := cleanupSteps(job)
		s.StepsTotal, s.StepsCompleted = len(steps), 0
		var failed []failover.Step
		for _, st := range steps {
			if st.Status == failover.StepFailed {
				failed = append(failed, st)
			} else {
				s.StepsCompleted++
			}
		}
		s.Progress = progress(s.StepsCompleted, s.StepsTotal)
		if job.Status == failover.StatusRolledBack {
			s.Status = SummaryCompleted
			return s, 0, nil
		}
		f := describe(ev.Err, "")
		if len(failed) > 0 {
			f.Step = failed[0].Name
		}
		f.Completed = s.StepsCompleted
		note := "Some of the failover's changes are still in place."
		if settled(job) {
			note = "The volumes are back on the appliance; what is left costs only space in CloudStack."
		}
		s.fail(f, OperationRollback, note)
		s.ActionableSteps = append(s.ActionableSteps, "Roll the failover back again: each step checks what is left to do")
		return s, 0, nil
	}

	// The flow's end, and its compensation (the flow failed; its changes are being undone).
	s.StepsTotal = rec.flowSteps
	f := rec.flowFailure
	var keep *failure
	if f == nil && (ev.Type == failover.EventJobFinished && job.Status != failover.StatusSucceeded) {
		d := describe(ev.Err, job.FailedStep)
		d.Completed = forwardDone(job)
		f, keep = &d, &d
	}
	if ev.Type == failover.EventJobFinished && job.Status == failover.StatusSucceeded {
		s.Status = SummaryCompleted
		s.StepsCompleted = max(s.StepsTotal, forwardDone(job))
		s.StepsTotal = s.StepsCompleted
		s.Progress = progress(s.StepsCompleted, s.StepsTotal)
		return s, 0, nil
	}
	if f == nil {
		d := describe(nil, job.FailedStep)
		d.Completed = forwardDone(job)
		f = &d
	}
	s.StepsCompleted = f.Completed
	s.Progress = progress(s.StepsCompleted, s.StepsTotal)
	outcome, extra := flowOutcome(ev, job)
	s.fail(*f, operation, outcome)
	s.ActionableSteps = append(s.ActionableSteps, extra...)
	return s, 0, keep
}

// fail fills the failure fields from f, with a sentence on what became of the operation's
// changes.
func (s *Summary) fail(f failure, operation, outcome string) {
	s.Status = SummaryFailed
	if f.Step != "" {
		s.FailedStep = StepDisplayName(f.Step)
	}
	s.ErrorMessage = f.message(operation)
	if outcome != "" {
		s.ErrorMessage += " " + outcome
	}
	s.ErrorCategory = f.Category
	s.ActionableSteps = append([]string(nil), f.Actions...)
}

// flowOutcome says what became of a failed flow's changes, and what to do about them.
func flowOutcome(ev failover.JournalEvent, job *failover.Job) (string, []string) {
	rollBack := "Roll the failover back to return the volumes to the appliance"
	switch {
	case ev.Type != failover.EventJobFinished:
		return "Its changes are being undone.", nil
	case job.Status == failover.StatusInterrupted:
		return "Its changes are still in place.", []string{"Resume the failover, or roll it back"}
	case job.Cleanup != nil && job.Cleanup.Outcome == failover.OutcomeCompleted:
		return "Its changes were undone.", nil
	case job.Cleanup != nil:
		return "Some of its changes could not be undone.", []string{rollBack}
	case moved(job):
		return "Its changes were left in place.", []string{rollBack}
	}
	return "Nothing was changed.", nil
}

// jobUpdateOf is the change an event makes to the job's failover_jobs row.
func jobUpdateOf(ev failover.JournalEvent, op operation, rec record, fresh *failure) jobUpdate {
	job := ev.Job
	flowFailure := rec.flowFailure
	if fresh != nil {
		flowFailure = fresh
	}
	operation := OperationTestFailover
	if job.Kind == failover.KindLiveFailover {
		operation = OperationLiveFailover
	}
	flowError := func() string {
		if flowFailure != nil {
			return flowFailure.message(operation)
		}
		return describe(nil, job.FailedStep).message(operation)
	}
	step := ev.Type != failover.EventJobStarted && ev.Type != failover.EventJobFinished
	switch {
	case ev.Type == failover.EventJobStarted && op.flow && ev.Operation != "resume":
		return jobUpdate{status: JobPending, setError: true}
	case ev.Type == failover.EventJobStarted && (op.rollback || op.compensation):
		return jobUpdate{status: JobCleanup}
	case ev.Type == failover.EventJobStarted:
		return jobUpdate{}
	case step && ev.Undo:
		if ev.Step == failover.StepRevertSnapshots {
			return jobUpdate{status: JobReverting}
		}
		return jobUpdate{status: JobCleanup}
	case step && op.commit:
		return jobUpdate{}
	case step && ev.Type == failover.EventStepFailed:
		return jobUpdate{status: JobFailed, setError: true, errorMessage: flowError()}
	case step:
		return jobUpdate{status: phaseOf(ev.Step)}
	case op.commit && job.Status == failover.StatusCommitted:
		return jobUpdate{status: JobCompleted, setError: true, complete: true}
	case op.commit:
		f := describe(ev.Err, failover.StepCommit)
		return jobUpdate{status: JobCompleted, setError: true, complete: true,
			errorMessage: "The commit did not finish: " + f.Cause + ". Commit the failover again."}
	case op.rollback && job.Status == failover.StatusRolledBack:
		if flowSucceeded(job) {
			return jobUpdate{status: JobCompleted, setError: true, complete: true}
		}
		return jobUpdate{status: JobFailed, setError: true, errorMessage: flowError(), complete: true}
	case op.rollback:
		s, _, _ := summaryOf(ev, op, rec, time.Time{})
		return jobUpdate{status: JobFailed, setError: true, errorMessage: s.ErrorMessage, complete: true}
	case job.Status == failover.StatusSucceeded:
		return jobUpdate{status: JobCompleted, setError: true, complete: true}
	}
	s, _, _ := summaryOf(ev, op, rec, time.Time{})
	return jobUpdate{status: JobFailed, setError: true, errorMessage: s.ErrorMessage, complete: true}
}

// phaseOf maps a forward step onto the failover_jobs status enum ("" keeps the status).
func phaseOf(step failover.StepName) JobStatus {
	switch step {
	case failover.StepPreflight, failover.StepPowerOffSource, failover.StepFinalSync:
		return JobValidating
	case failover.StepDetachVolumes, failover.StepReturnVolumes, failover.StepReleaseVolumes, failover.StepAttachVolumes:
		return JobSwitchingVolume
	case failover.StepSnapshotVolumes:
		return JobSnapshotting
	case failover.StepBeforeCreate, failover.StepCreateVM, failover.StepRemoveRootVolume:
		return JobCreatingVM
	case failover.StepStartVM, failover.StepAfterStart, failover.StepValidate:
		return JobPoweringOn
	}
	return ""
}

func volumeIDs(job *failover.Job) []string {
	ids := make([]string, 0, len(job.Request.Volumes))
	for _, v := range job.Request.Volumes {
		ids = append(ids, v.ID)
	}
	return ids
}

func allModes(job *failover.Job, mode OperationMode) map[string]OperationMode {
	m := map[string]OperationMode{}
	for _, id := range volumeIDs(job) {
		m[id] = mode
	}
	return m
}

// moved reports whether the job has tried to move a replicated volume (the ledger records
// the intent before the call).
func moved(job *failover.Job) bool {
	for _, le := range job.Ledger {
		switch le.Action {
		case failover.ActionVolumeDetach, failover.ActionVolumeRelease, failover.ActionVolumeAttach, failover.ActionVolumeDetachVM:
			return true
		}
	}
	return false
}

// backOnAppliance reports whether the last move of volume recorded in the ledger put it back
// on the appliance.
func backOnAppliance(job *failover.Job, volume string) bool {
	for i := len(job.Ledger) - 1; i >= 0; i-- {
		le := job.Ledger[i]
		if le.Volume != volume {
			continue
		}
		switch le.Action {
		case failover.ActionVolumeReturn, failover.ActionVolumeReattach:
			return le.State == failover.LedgerDone
		case failover.ActionVolumeDetach, failover.ActionVolumeRelease, failover.ActionVolumeAttach, failover.ActionVolumeDetachVM:
			return false
		}
	}
	return false
}

// cleanupSteps are the steps of the job's last cleanup.
func cleanupSteps(job *failover.Job) []failover.Step {
	if job.Cleanup == nil {
		return nil
	}
	var out []failover.Step
	for _, s := range job.Steps {
		if s.Undo && !s.StartedAt.Before(job.Cleanup.StartedAt) {
			out = append(out, s)
		}
	}
	return out
}

// settled reports whether the job's last cleanup put every volume back on the appliance,
// reverted: what is left of the job (a VM, snapshots, a powered-off source) is no reason to
// keep the replication scheduler off the volumes.
func settled(job *failover.Job) bool {
	reattached := false
	for _, s := range cleanupSteps(job) {
		switch {
		case s.Name == failover.StepReattachVolumes:
			reattached = s.Status == failover.StepDone
		case s.Name == failover.StepRevertSnapshots && s.Status == failover.StepFailed:
			return false
		}
	}
	return reattached
}

// lastForward returns the last record of the forward step name.
func lastForward(job *failover.Job, name failover.StepName) (failover.Step, bool) {
	for i := len(job.Steps) - 1; i >= 0; i-- {
		if s := job.Steps[i]; s.Name == name && !s.Undo {
			return s, true
		}
	}
	return failover.Step{}, false
}

func startedForward(job *failover.Job, name failover.StepName) bool {
	_, ok := lastForward(job, name)
	return ok
}

func flowSucceeded(job *failover.Job) bool {
	s, ok := lastForward(job, failover.StepValidate)
	return ok && s.Status == failover.StepDone
}

// forwardDone counts the forward steps whose last record is done.
func forwardDone(job *failover.Job) int {
	last := map[failover.StepName]failover.StepStatus{}
	for _, s := range job.Steps {
		if !s.Undo {
			last[s.Name] = s.Status
		}
	}
	n := 0
	for _, st := range last {
		if st == failover.StepDone {
			n++
		}
	}
	return n
}

// target is the VM the job created, if the ledger knows its id.
func target(job *failover.Job) string {
	for i := len(job.Ledger) - 1; i >= 0; i-- {
		if le := job.Ledger[i]; le.Action == failover.ActionVMCreate {
			return le.Resource
		}
	}
	return ""
}

// snapshotOf is a volume's rollback snapshot as the ledger tells it: none before one was
// asked for and after it was deleted, creating while the call is under way, ready once
// taken, rollback_complete once the volume was reverted to it, failed when the call failed.
//
// A create whose outcome a crash kept out of the ledger has no snapshot id; the cleanup
// finds the snapshot by name and records its deletion under the volume, so a deletion of
// the volume's snapshot after the create counts for it.
func snapshotOf(job *failover.Job, volume string) snapState {
	var (
		last              *failover.LedgerEntry
		id                string
		deleted, reverted bool
	)
	for i := range job.Ledger {
		le := &job.Ledger[i]
		if le.Volume != volume {
			continue
		}
		matches := id == "" || le.Resource == id
		switch {
		case le.Action == failover.ActionSnapshotCreate:
			last, id, deleted, reverted = le, le.Resource, false, false
		case last == nil || le.State != failover.LedgerDone || !matches:
		case le.Action == failover.ActionSnapshotDelete:
			deleted = true
		case le.Action == failover.ActionSnapshotRevert:
			reverted, id = true, le.Resource
		}
	}
	switch {
	case last == nil, deleted:
		return snapState{status: SnapshotNone}
	case last.State == failover.LedgerIntent && !reverted:
		return snapState{id: id, status: SnapshotCreating}
	case last.State == failover.LedgerFailed:
		return snapState{id: id, status: SnapshotFailed}
	case reverted:
		return snapState{id: id, created: last.At, status: SnapshotRollbackComplete}
	}
	return snapState{id: id, created: last.At, status: SnapshotReady}
}
