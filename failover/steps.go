package failover

// Step names, as they appear in Job.Steps, events, and WithStepTimeout.
const (
	StepPreflight        = "preflight"
	StepPowerOffSource   = "power_off_source"
	StepFinalSync        = "final_sync"
	StepSnapshotVolumes  = "snapshot_volumes"
	StepBeforeCreate     = "before_create"
	StepCreateVM         = "create_vm"
	StepRemoveRootVolume = "remove_root_volume"
	StepDetachVolumes    = "detach_volumes"
	StepAttachVolumes    = "attach_volumes"
	StepStartVM          = "start_vm"
	StepAfterStart       = "after_start"
	StepValidate         = "validate"

	StepStopVM           = "stop_vm"
	StepDetachFromVM     = "detach_from_vm"
	StepRevertSnapshots  = "revert_snapshots"
	StepReattachVolumes  = "reattach_volumes"
	StepDestroyVM        = "destroy_vm"
	StepDeleteRootVolume = "delete_root_volume"
	StepDeleteSnapshots  = "delete_snapshots"
	StepPowerOnSource    = "power_on_source"
)

// namedStep pairs a step's name with its work.
type namedStep struct {
	name string
	fn   stepFunc
}

// forwardSteps lists the steps of the job's flow, in order. Hook steps appear only when
// hooks are registered for their phase.
func (r *run) forwardSteps() []namedStep {
	steps := []namedStep{{StepPreflight, r.preflight}}
	if r.job.Kind == KindLiveFailover {
		steps = append(steps, namedStep{StepPowerOffSource, r.powerOffSource})
		if len(r.e.hooks[PhaseFinalSync]) > 0 {
			steps = append(steps, namedStep{StepFinalSync, r.hooks(PhaseFinalSync)})
		}
	}
	steps = append(steps, namedStep{StepSnapshotVolumes, r.snapshotVolumes})
	if len(r.e.hooks[PhaseBeforeCreate]) > 0 {
		steps = append(steps, namedStep{StepBeforeCreate, r.hooks(PhaseBeforeCreate)})
	}
	steps = append(steps,
		namedStep{StepCreateVM, r.createVM},
		namedStep{StepRemoveRootVolume, r.removeRootVolume},
		namedStep{StepDetachVolumes, r.detachVolumes},
		namedStep{StepAttachVolumes, r.attachVolumes},
		namedStep{StepStartVM, r.startVM},
	)
	if len(r.e.hooks[PhaseAfterStart]) > 0 {
		steps = append(steps, namedStep{StepAfterStart, r.hooks(PhaseAfterStart)})
	}
	return append(steps, namedStep{StepValidate, r.validate})
}

// undoSteps lists the cleanup steps, in order. Every one runs, whatever the others did.
func (r *run) undoSteps(powerOn bool) []namedStep {
	steps := []namedStep{
		{StepStopVM, r.stopTarget},
		{StepDetachFromVM, r.detachFromTarget},
		{StepRevertSnapshots, r.revertSnapshots},
		{StepReattachVolumes, r.reattachVolumes},
		{StepDestroyVM, r.destroyTarget},
		{StepDeleteRootVolume, r.deleteRootVolumes},
		{StepDeleteSnapshots, r.deleteSnapshots},
	}
	if powerOn && r.poweredOffSource() {
		steps = append(steps, namedStep{StepPowerOnSource, r.powerOnSource})
	}
	return steps
}
