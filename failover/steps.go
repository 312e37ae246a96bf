package failover

import "context"

// StepName names a step of a flow or a cleanup, as it appears in Job.Steps, events, errors
// and WithStepTimeout.
type StepName string

// The steps of the failover flows, in the order they run. A flow runs the hook steps only
// when hooks are registered for their phase, and the source VM's steps only in a live
// failover.
const (
	StepPreflight      StepName = "preflight"
	StepPowerOffSource StepName = "power_off_source"
	StepFinalSync      StepName = "final_sync"
	// StepDetachVolumes takes the replicated volumes off the appliance VM.
	StepDetachVolumes StepName = "detach_volumes"
	// StepSnapshotVolumes snapshots them while detached, which every cloud allows (a default
	// KVM cloud refuses snapshots of volumes attached to a running VM).
	StepSnapshotVolumes StepName = "snapshot_volumes"
	// StepReturnVolumes puts them back on the appliance, at their devices, for the
	// before-create hooks; it runs only when there are such hooks.
	StepReturnVolumes StepName = "return_volumes"
	StepBeforeCreate  StepName = "before_create"
	StepCreateVM      StepName = "create_vm"
	// StepRemoveRootVolume deletes the ROOT volume CloudStack created with the new VM.
	StepRemoveRootVolume StepName = "remove_root_volume"
	// StepReleaseVolumes takes the volumes off the appliance again after the hooks.
	StepReleaseVolumes StepName = "release_volumes"
	StepAttachVolumes  StepName = "attach_volumes"
	StepStartVM        StepName = "start_vm"
	StepAfterStart     StepName = "after_start"
	StepValidate       StepName = "validate"
)

// The steps of a cleanup (compensation or rollback), in the order they run. Every one runs,
// whatever the others did; each checks the ledger and the actual state first.
const (
	StepStopVM           StepName = "stop_vm"
	StepDetachFromVM     StepName = "detach_from_vm"
	StepDeleteRootVolume StepName = "delete_root_volume"
	StepDestroyVM        StepName = "destroy_vm"
	StepRevertSnapshots  StepName = "revert_snapshots"
	StepDeleteSnapshots  StepName = "delete_snapshots"
	StepReattachVolumes  StepName = "reattach_volumes"
	StepPowerOnSource    StepName = "power_on_source"
)

// stepDef is the one declaration of a step: its name, how it runs, the calls Plan reports
// for it (built by the same code that runs, wherever the calls can be known in advance), and
// the cleanup steps that undo it.
type stepDef struct {
	name StepName
	// run does the step. It must be idempotent: it checks the actual state before acting, so
	// that it can run again after a crash or a credential change.
	run func(r *run, ctx context.Context) error
	// calls lists the changing calls a fresh run makes, in words; nil for a step that changes
	// nothing.
	calls func(r *run) []string
	// undo lists the cleanup steps that reverse the step, in the order they run.
	undo []*stepDef
}

// The cleanup steps, declared once and referred to by the forward steps they undo.
var (
	stopVM = &stepDef{name: StepStopVM, run: (*run).stopTarget,
		calls: func(*run) []string { return []string{"stopVirtualMachine id=<new VM> forced=true"} }}
	detachFromVM = &stepDef{name: StepDetachFromVM, run: (*run).detachFromTarget,
		calls: func(r *run) []string { return r.texts(r.detachFromTargetActions(nil)) }}
	deleteRootVolume = &stepDef{name: StepDeleteRootVolume, run: (*run).deleteRootVolumes,
		calls: func(*run) []string { return []string{"deleteVolume id=<ROOT volume detached but not deleted>"} }}
	destroyVM = &stepDef{name: StepDestroyVM, run: (*run).destroyTarget,
		calls: func(*run) []string { return []string{"destroyVirtualMachine id=<new VM> expunge=true"} }}
	revertSnapshots = &stepDef{name: StepRevertSnapshots, run: (*run).revertSnapshots,
		calls: func(r *run) []string { return r.texts(r.revertActions(nil)) }}
	deleteSnapshots = &stepDef{name: StepDeleteSnapshots, run: (*run).deleteSnapshots,
		calls: func(r *run) []string { return r.texts(r.deleteSnapshotActions(nil)) }}
	reattachVolumes = &stepDef{name: StepReattachVolumes, run: (*run).reattachVolumes,
		calls: func(r *run) []string { return r.texts(r.toApplianceActions(ActionVolumeReattach, nil)) }}
	powerOnSource = &stepDef{name: StepPowerOnSource, run: (*run).powerOnSource,
		calls: func(r *run) []string { return []string{"vCenter: power on " + r.job.Facts.SourceVMPath} }}
)

// The forward steps.
var (
	preflight = &stepDef{name: StepPreflight, run: (*run).preflight}
	powerOff  = &stepDef{name: StepPowerOffSource, run: (*run).powerOffSource, calls: (*run).powerOffCalls,
		undo: []*stepDef{powerOnSource}}
	detachVolumes = &stepDef{name: StepDetachVolumes, run: func(r *run, ctx context.Context) error {
		return r.offAppliance(ctx, ActionVolumeDetach)
	}, calls: func(r *run) []string { return r.texts(r.offApplianceActions(ActionVolumeDetach, nil)) },
		undo: []*stepDef{reattachVolumes}}
	snapshotVolumes = &stepDef{name: StepSnapshotVolumes, run: (*run).snapshotVolumes,
		calls: func(r *run) []string { return r.texts(r.snapshotActions(nil)) },
		undo:  []*stepDef{revertSnapshots, deleteSnapshots}}
	returnVolumes = &stepDef{name: StepReturnVolumes, run: func(r *run, ctx context.Context) error {
		return r.toAppliance(ctx, ActionVolumeReturn)
	}, calls: func(r *run) []string { return r.texts(r.toApplianceActions(ActionVolumeReturn, nil)) }}
	createVM = &stepDef{name: StepCreateVM, run: (*run).createVM, calls: (*run).createVMCalls,
		undo: []*stepDef{destroyVM}}
	removeRootVolume = &stepDef{name: StepRemoveRootVolume, run: (*run).removeRootVolume,
		calls: func(*run) []string {
			return []string{"detachVolume id=<ROOT volume of the new VM>", "deleteVolume id=<ROOT volume of the new VM>"}
		},
		undo: []*stepDef{deleteRootVolume}}
	releaseVolumes = &stepDef{name: StepReleaseVolumes, run: func(r *run, ctx context.Context) error {
		return r.offAppliance(ctx, ActionVolumeRelease)
	}, calls: func(r *run) []string { return r.texts(r.offApplianceActions(ActionVolumeRelease, nil)) }}
	attachVolumes = &stepDef{name: StepAttachVolumes, run: (*run).attachVolumes,
		calls: func(r *run) []string { return r.texts(r.attachActions("<new VM>", nil)) },
		undo:  []*stepDef{detachFromVM}}
	startVM = &stepDef{name: StepStartVM, run: (*run).startVM,
		calls: func(*run) []string { return []string{"startVirtualMachine id=<new VM>"} },
		undo:  []*stepDef{stopVM}}
	validate = &stepDef{name: StepValidate, run: (*run).validate}
)

// hookStep declares the step that runs the hooks of a phase.
func hookStep(name StepName, p Phase) *stepDef {
	return &stepDef{name: name, run: func(r *run, ctx context.Context) error { return r.runHooks(ctx, p) },
		calls: func(r *run) []string { return []string{"caller hooks (" + string(p) + ")"} }}
}

// forwardSteps lists the steps of the job's flow, in order.
func (r *run) forwardSteps() []*stepDef {
	steps := []*stepDef{preflight}
	if r.job.Kind == KindLiveFailover {
		steps = append(steps, powerOff)
		if len(r.e.hooks[PhaseFinalSync]) > 0 {
			steps = append(steps, hookStep(StepFinalSync, PhaseFinalSync))
		}
	}
	steps = append(steps, detachVolumes, snapshotVolumes)
	hooks := len(r.e.hooks[PhaseBeforeCreate]) > 0
	if hooks {
		steps = append(steps, returnVolumes, hookStep(StepBeforeCreate, PhaseBeforeCreate))
	}
	steps = append(steps, createVM, removeRootVolume)
	if hooks {
		steps = append(steps, releaseVolumes)
	}
	steps = append(steps, attachVolumes, startVM)
	if len(r.e.hooks[PhaseAfterStart]) > 0 {
		steps = append(steps, hookStep(StepAfterStart, PhaseAfterStart))
	}
	return append(steps, validate)
}

// cleanupOrder is the order cleanup steps run in: the new VM stops and lets go of the volumes,
// which are reverted and back on the appliance as soon as can be; what only costs space (the
// VM, its ROOT volume, the snapshots) goes after; the source VM comes back last.
var cleanupOrder = []*stepDef{stopVM, detachFromVM, revertSnapshots, reattachVolumes, destroyVM, deleteRootVolume,
	deleteSnapshots, powerOnSource}

// undoSteps lists the cleanup steps of the job: those that undo a forward step of its flow, in
// cleanup order. Each checks the ledger and the actual state, so a step whose forward step
// never ran does nothing. The source VM is powered back on only when asked and when the job
// powered it off.
func (r *run) undoSteps(powerOn bool) []*stepDef {
	undoes := map[*stepDef]bool{}
	for _, s := range r.forwardSteps() {
		for _, u := range s.undo {
			undoes[u] = true
		}
	}
	var out []*stepDef
	for _, u := range cleanupOrder {
		if undoes[u] && (u != powerOnSource || (powerOn && r.poweredOffSource())) {
			out = append(out, u)
		}
	}
	return out
}
