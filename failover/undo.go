package failover

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/go-multierror"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// undo runs every cleanup step, whatever the others did, and records the true outcome in
// Job.Cleanup. It returns nil only when every step succeeded.
func (r *run) undo(ctx context.Context, trigger string, powerOn bool) error {
	j := r.job
	cl := &Cleanup{Trigger: trigger, PowerOnSource: powerOn, StartedAt: r.e.now().UTC()}
	j.Cleanup = cl
	r.revertFailed = map[string]bool{}
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
			err := r.step(ctx, s.name, true, s.fn)
			if r.crashed {
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
	failures.ErrorFormat = func(errs []error) string {
		msg := fmt.Sprintf("%d cleanup step(s) failed:", len(errs))
		for _, e := range errs {
			msg += "\n\t* " + e.Error()
		}
		return msg
	}
	return fmt.Errorf("%w (%s): %w", ErrCleanupIncomplete, cl.Outcome, failures)
}

// poweredOffSource reports whether this job powered the source VM off (or may have: an
// intent without an outcome counts).
func (r *run) poweredOffSource() bool {
	return r.job.Facts.SourcePoweredOn && r.lastEntry(ActionSourcePowerOff, "") != nil
}

func gone(err error) bool { return errors.Is(err, cloudstack.ErrNotFound) }

// liveTarget returns the job's VM if it still exists.
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
	if err != nil || vm == nil || vm.State == cloudstack.VMStopped {
		return err
	}
	_, err = r.record(ctx, LedgerEntry{Action: ActionVMStop, Resource: vm.ID, VM: vm.ID}, func(ctx context.Context) (string, error) {
		_, err := r.cs.StopVM(ctx, vm.ID, true)
		return vm.ID, err
	})
	return err
}

// eachVolume runs fn for every replicated volume, keeping going past failures.
func (r *run) eachVolume(fn func(VolumeFact) error) error {
	var errs *multierror.Error
	for _, v := range r.job.Facts.Volumes {
		if err := fn(v); err != nil {
			errs = multierror.Append(errs, fmt.Errorf("volume %s: %w", v.ID, err))
		}
	}
	return errs.ErrorOrNil()
}

func (r *run) detachFromTarget(ctx context.Context) error {
	appliance := r.job.Facts.ApplianceVMID
	return r.eachVolume(func(fv VolumeFact) error {
		v, err := r.cs.GetVolume(ctx, fv.ID)
		if err != nil {
			return err
		}
		if v.VMID == "" || v.VMID == appliance {
			return nil
		}
		_, err = r.record(ctx, LedgerEntry{Action: ActionVolumeDetachVM, Volume: fv.ID, VM: v.VMID, DeviceID: int(v.DeviceID)},
			func(ctx context.Context) (string, error) {
				_, err := r.cs.DetachVolume(ctx, fv.ID)
				return fv.ID, err
			})
		return err
	})
}

// revertSnapshots reverts every volume the new VM may have written to (any volume an attach
// was tried for) to its rollback snapshot, once per snapshot.
func (r *run) revertSnapshots(ctx context.Context) error {
	return r.eachVolume(func(fv VolumeFact) error {
		if r.lastEntry(ActionVolumeAttach, fv.ID) == nil {
			return nil
		}
		le := r.lastEntry(ActionSnapshotCreate, fv.ID)
		if le == nil {
			r.revertFailed[fv.ID] = true
			return fmt.Errorf("no rollback snapshot was taken, so the volume cannot be reverted; fix: restore it from replication")
		}
		snap, err := r.findSnapshot(ctx, le)
		if err != nil || snap == "" {
			r.revertFailed[fv.ID] = true
			if err == nil {
				err = fmt.Errorf("rollback snapshot %s is missing, so the volume cannot be reverted; fix: restore it from replication", le.Name)
			}
			return err
		}
		if done := r.lastEntry(ActionSnapshotRevert, fv.ID); done != nil && done.State == LedgerDone && done.Resource == snap {
			return nil
		}
		_, err = r.record(ctx, LedgerEntry{Action: ActionSnapshotRevert, Resource: snap, Volume: fv.ID}, func(ctx context.Context) (string, error) {
			return snap, r.cs.RevertSnapshot(ctx, snap)
		})
		if err != nil {
			r.revertFailed[fv.ID] = true
		}
		return err
	})
}

func (r *run) reattachVolumes(ctx context.Context) error {
	appliance := r.job.Facts.ApplianceVMID
	return r.eachVolume(func(fv VolumeFact) error {
		v, err := r.cs.GetVolume(ctx, fv.ID)
		if err != nil {
			return err
		}
		switch {
		case v.VMID == appliance && v.DeviceID == int64(fv.ApplianceDevID):
			return nil
		case v.VMID == appliance:
			return fmt.Errorf("attached to the appliance at device %d instead of %d; fix: move it back by hand", v.DeviceID, fv.ApplianceDevID)
		case v.VMID != "":
			return fmt.Errorf("still attached to VM %s; fix: detach it and roll back again", v.VMID)
		}
		_, err = r.record(ctx, LedgerEntry{Action: ActionVolumeReattach, Volume: fv.ID, VM: appliance, DeviceID: fv.ApplianceDevID},
			func(ctx context.Context) (string, error) {
				_, err := r.cs.AttachVolume(ctx, fv.ID, appliance, int64(fv.ApplianceDevID))
				return fv.ID, err
			})
		return err
	})
}

// destroyTarget expunges the job's VM, but never while a replicated volume is attached to
// it: destroying a VM deletes its ROOT volume, which may be the replicated boot volume.
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
	for i := len(r.job.Ledger) - 1; i >= 0; i-- {
		le := r.job.Ledger[i]
		if le.Action != ActionRootVolumeDrop || seen[le.Volume] {
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
	return errs.ErrorOrNil()
}

// deleteSnapshots deletes every snapshot this job took, except those of volumes whose revert
// failed in this cleanup: they are what a later rollback reverts to.
func (r *run) deleteSnapshots(ctx context.Context) error {
	var errs *multierror.Error
	for i := range r.job.Ledger {
		le := &r.job.Ledger[i]
		if le.Action != ActionSnapshotCreate || r.revertFailed[le.Volume] {
			continue
		}
		snap, err := r.findSnapshot(ctx, le)
		if err != nil {
			errs = multierror.Append(errs, fmt.Errorf("volume %s: %w", le.Volume, err))
			continue
		}
		if snap == "" {
			continue
		}
		if _, err := r.cs.GetSnapshot(ctx, snap); gone(err) {
			continue
		} else if err != nil {
			errs = multierror.Append(errs, err)
			continue
		}
		_, err = r.record(ctx, LedgerEntry{Action: ActionSnapshotDelete, Resource: snap, Volume: le.Volume}, func(ctx context.Context) (string, error) {
			return snap, r.cs.DeleteSnapshot(ctx, snap)
		})
		if err != nil {
			errs = multierror.Append(errs, fmt.Errorf("snapshot %s of volume %s: %w", snap, le.Volume, err))
		}
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
