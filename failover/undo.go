package failover

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/go-multierror"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// undo runs every cleanup step, whatever the others did, and records the true outcome in
// Job.Cleanup. It returns nil only when every step succeeded.
func (r *run) undo(ctx context.Context, trigger string, powerOn bool) error {
	j := r.job
	cl := &Cleanup{Trigger: trigger, PowerOnSource: powerOn, StartedAt: r.e.now().UTC()}
	j.Cleanup = cl
	r.revertFailed.Clear()
	steps := r.undoSteps(powerOn)
	r.index, r.total = 0, len(steps)
	if err := r.save(ctx); err != nil {
		return err
	}
	var failures *multierror.Error
	if r.cs == nil {
		if err := r.resolveCloudStack(ctx, "", "operation start"); err != nil {
			failures = multierror.Append(failures, err)
		}
	}
	attempted := 0
	if r.cs != nil {
		for _, s := range steps {
			attempted++
			err := r.step(ctx, s, true)
			if r.crashed.Load() {
				return errCrashed
			}
			if err != nil {
				failures = multierror.Append(failures, err)
			}
		}
	}
	cl.FinishedAt = r.e.now().UTC()
	n := 0
	if failures != nil {
		n = len(failures.Errors)
		for _, f := range failures.Errors {
			cl.Failures = append(cl.Failures, f.Error())
		}
	}
	switch {
	case n == 0:
		cl.Outcome = OutcomeCompleted
	case attempted == 0 || n >= attempted:
		cl.Outcome = OutcomeFailed
	default:
		cl.Outcome = OutcomeCompletedWithErrors
	}
	if err := r.save(ctx); err != nil {
		failures = multierror.Append(failures, err)
	}
	if failures == nil {
		return nil
	}
	failures.ErrorFormat = listFormat("cleanup step(s)")
	return fmt.Errorf("%w (%s): %w", ErrCleanupIncomplete, cl.Outcome, failures)
}

// poweredOffSource reports whether this job powered the source VM off (or may have: an
// intent without an outcome counts).
func (r *run) poweredOffSource() bool {
	_, i := r.lastEntry(ActionSourcePowerOff, "")
	return r.job.Facts.SourcePoweredOn && i >= 0
}

func gone(err error) bool { return errors.Is(err, fkerrors.NotFound) }

// liveTarget returns the job's VM if it still exists and is not destroyed.
func (r *run) liveTarget(ctx context.Context) (*cloudstack.VM, error) {
	id, err := r.target(ctx)
	if err != nil || id == "" {
		return nil, err
	}
	vm, err := r.cs.GetVM(ctx, id)
	if gone(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if vm.State == cloudstack.VMDestroyed || vm.State == cloudstack.VMExpunging {
		return nil, nil
	}
	return vm, nil
}

func (r *run) stopTarget(ctx context.Context) error {
	vm, err := r.liveTarget(ctx)
	if err != nil || vm == nil {
		return err
	}
	switch vm.State {
	case cloudstack.VMStopped:
		return nil
	case cloudstack.VMStopping:
		_, err := r.cs.WaitVMState(ctx, vm.ID, cloudstack.VMStopped)
		return err
	}
	_, err = r.record(ctx, LedgerEntry{Action: ActionVMStop, Resource: vm.ID, VM: vm.ID}, func(ctx context.Context) (string, error) {
		_, err := r.cs.StopVM(ctx, vm.ID, true)
		return vm.ID, err
	})
	return err
}

// written reports whether something may have written to volume since its rollback snapshot:
// the new VM (an attach to it was tried) or the before-create hooks (they started).
func (r *run) written(volume string) bool {
	if _, i := r.lastEntry(ActionVolumeAttach, volume); i >= 0 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.job.Steps {
		if s.Name == StepBeforeCreate && !s.Undo {
			return true
		}
	}
	return false
}

// needsRevert reports whether volume must be reverted to its rollback snapshot.
func (r *run) needsRevert(volume string) bool {
	_, i := r.lastEntry(ActionSnapshotCreate, volume)
	return i >= 0 && r.written(volume)
}

// attachedBy reports whether vm is a VM this job attached volumes to.
func (r *run) attachedBy(vm string) bool {
	for _, le := range r.entries(ActionVolumeAttach) {
		if le.VM == vm {
			return true
		}
	}
	return false
}

// detachFromTargetActions are the detaches that free the volumes for their revert and return:
// from the job's VM, and from the appliance for a volume that must be reverted (a revert needs
// the volume detached or its VM stopped, and the appliance runs). At == nil plans them.
func (r *run) detachFromTargetActions(at placed) []action {
	appliance := r.job.Facts.ApplianceVMID
	var acts []action
	for _, fv := range r.job.Facts.Volumes {
		id, vm, dev := fv.ID, "<new VM>", 0
		if at != nil {
			cur := at[id]
			vm, dev = cur.VMID, int(cur.DeviceID)
			switch {
			case vm == "":
				continue
			case vm == appliance && !r.needsRevert(id):
				continue
			case vm != appliance && !r.attachedBy(vm):
				continue // not the job's VM: reattach_volumes reports it
			}
		}
		acts = append(acts, r.detachAction(ActionVolumeDetachVM, id, vm, dev, fmt.Sprintf("detachVolume id=%s (from %s)", id, vm)))
	}
	return acts
}

func (r *run) detachFromTarget(ctx context.Context) error {
	at, err := r.volumesOn(ctx)
	if err != nil {
		return err
	}
	return r.runActions(ctx, r.detachFromTargetActions(at), true)
}

// revertActions are the reverts of the volumes in snaps (volume id to snapshot id); nil plans
// one per volume.
func (r *run) revertActions(snaps map[string]string) []action {
	var acts []action
	for _, fv := range r.job.Facts.Volumes {
		id, snap := fv.ID, "<rollback snapshot of "+fv.ID+">"
		if snaps != nil {
			var ok bool
			if snap, ok = snaps[id]; !ok {
				continue
			}
		}
		acts = append(acts, action{
			text:  "revertSnapshot id=" + snap,
			entry: LedgerEntry{Action: ActionSnapshotRevert, Resource: snap, Volume: id},
			call: func(ctx context.Context) (string, error) {
				err := r.cs.RevertSnapshot(ctx, snap)
				if err != nil {
					r.revertFailed.Store(id, true)
				}
				return snap, err
			},
		})
	}
	return acts
}

// revertSnapshots reverts every volume something may have written to since its snapshot
// (the new VM, the before-create hooks) to that snapshot, side by side, once per snapshot.
func (r *run) revertSnapshots(ctx context.Context) error {
	var errs []error
	snaps := map[string]string{}
	for _, fv := range r.job.Facts.Volumes {
		if !r.written(fv.ID) {
			continue
		}
		le, i := r.lastEntry(ActionSnapshotCreate, fv.ID)
		if i < 0 {
			r.revertFailed.Store(fv.ID, true)
			errs = append(errs, fmt.Errorf("volume %s: no rollback snapshot was taken, so it cannot be reverted; fix: restore it from replication", fv.ID))
			continue
		}
		snap, err := r.findSnapshot(ctx, le)
		if err != nil || snap == "" {
			r.revertFailed.Store(fv.ID, true)
			if err == nil {
				err = fmt.Errorf("rollback snapshot %s is missing, so the volume cannot be reverted; fix: restore it from replication", le.Name)
			}
			errs = append(errs, volumeErr(fv.ID, err))
			continue
		}
		if done, i := r.lastEntry(ActionSnapshotRevert, fv.ID); i >= 0 && done.State == LedgerDone && done.Resource == snap {
			continue
		}
		snaps[fv.ID] = snap
	}
	if err := r.runActions(ctx, r.revertActions(snaps), true); err != nil {
		errs = append(errs, err)
	}
	return joinVolumeErrors(errs)
}

// deleteSnapshotActions are the deletions of the snapshots in snaps (snapshot id to volume);
// nil plans one per volume.
func (r *run) deleteSnapshotActions(snaps map[string]string) []action {
	var acts []action
	if snaps == nil {
		for _, fv := range r.job.Facts.Volumes {
			acts = append(acts, action{text: "deleteSnapshot id=<rollback snapshot of " + fv.ID + ">"})
		}
		return acts
	}
	for _, fv := range r.job.Facts.Volumes {
		for snap, vol := range snaps {
			if vol != fv.ID {
				continue
			}
			acts = append(acts, action{
				text:  "deleteSnapshot id=" + snap,
				entry: LedgerEntry{Action: ActionSnapshotDelete, Resource: snap, Volume: vol},
				call: func(ctx context.Context) (string, error) {
					if err := r.cs.DeleteSnapshot(ctx, snap); err != nil && !gone(err) {
						return snap, err
					}
					return snap, nil
				},
			})
		}
	}
	return acts
}

// deleteSnapshots deletes every snapshot this job took, side by side, except those of volumes
// whose revert failed in this cleanup: they are what a later rollback reverts to.
func (r *run) deleteSnapshots(ctx context.Context) error {
	deleted := map[string]bool{}
	for _, le := range r.entries(ActionSnapshotDelete) {
		if le.State == LedgerDone {
			deleted[le.Resource] = true
		}
	}
	var errs []error
	snaps := map[string]string{}
	for _, le := range r.entries(ActionSnapshotCreate) {
		if _, failed := r.revertFailed.Load(le.Volume); failed {
			continue
		}
		snap, err := r.findSnapshot(ctx, le)
		if err != nil {
			errs = append(errs, volumeErr(le.Volume, err))
			continue
		}
		if snap != "" && !deleted[snap] {
			snaps[snap] = le.Volume
		}
	}
	if err := r.runActions(ctx, r.deleteSnapshotActions(snaps), true); err != nil {
		errs = append(errs, err)
	}
	return joinVolumeErrors(errs)
}

func (r *run) reattachVolumes(ctx context.Context) error {
	return r.toAppliance(ctx, ActionVolumeReattach)
}

// destroyTarget expunges the job's VM, but never while a replicated volume is attached to
// it: destroying a VM deletes its ROOT volume, which may be the replicated boot volume. A VM
// already destroyed is left to CloudStack's expunge.
func (r *run) destroyTarget(ctx context.Context) error {
	vm, err := r.liveTarget(ctx)
	if err != nil || vm == nil {
		return err
	}
	vols, err := r.cs.ListVolumes(ctx, vm.ID)
	if err != nil {
		return err
	}
	for _, v := range vols {
		if r.replicated(v.ID) {
			return fmt.Errorf("VM %s not destroyed: replicated volume %s is still attached to it; fix: detach it and roll back again", vm.ID, v.ID)
		}
	}
	_, err = r.record(ctx, LedgerEntry{Action: ActionVMDestroy, Resource: vm.ID, VM: vm.ID}, func(ctx context.Context) (string, error) {
		return vm.ID, r.cs.DestroyVM(ctx, vm.ID, true)
	})
	return err
}

// deleteRootVolumes deletes ROOT volumes this job detached from its VM but did not get to
// delete (the process stopped between the two calls, or the delete failed).
func (r *run) deleteRootVolumes(ctx context.Context) error {
	var errs *multierror.Error
	seen := map[string]bool{}
	drops := r.entries(ActionRootVolumeDrop)
	for i := len(drops) - 1; i >= 0; i-- {
		le := drops[i]
		if seen[le.Volume] {
			continue
		}
		seen[le.Volume] = true
		if le.State == LedgerDone {
			continue
		}
		v, err := r.cs.GetVolume(ctx, le.Volume)
		if gone(err) {
			continue
		}
		if err != nil {
			errs = multierror.Append(errs, err)
			continue
		}
		if v.VMID != "" {
			continue // still on the job's VM: it goes with the VM
		}
		_, err = r.record(ctx, LedgerEntry{Action: ActionRootVolumeDrop, Volume: le.Volume}, func(ctx context.Context) (string, error) {
			return le.Volume, r.cs.DeleteVolume(ctx, le.Volume)
		})
		if err != nil {
			errs = multierror.Append(errs, fmt.Errorf("root volume %s: %w", le.Volume, err))
		}
	}
	if errs != nil {
		errs.ErrorFormat = listFormat("root volume deletions")
	}
	return errs.ErrorOrNil()
}

func (r *run) powerOnSource(ctx context.Context) error {
	vm, err := r.sourceVM(ctx)
	if err != nil {
		return err
	}
	state, err := r.vc.PowerState(ctx, vm)
	if err != nil || state == vsphere.PoweredOn {
		return err
	}
	_, err = r.record(ctx, LedgerEntry{Action: ActionSourcePowerOn, VM: vm.InstanceUUID}, func(ctx context.Context) (string, error) {
		_, err := r.vc.PowerOn(ctx, vm)
		return vm.InstanceUUID, err
	})
	return err
}
