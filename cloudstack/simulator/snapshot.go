package simulator

import (
	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
)

// liveSnapshot returns the snapshot the parameter param names, which must exist and not be
// destroyed, or CloudStack's 431 for that parameter.
func (s *Simulator) liveSnapshot(r *request, param string) (*Snapshot, *apiError) {
	id, err := r.require(param)
	if err != nil {
		return nil, err
	}
	sn, ok := s.snapshots[id]
	if !ok || sn.State == cloudstack.SnapshotDestroyed {
		return nil, invalidID(r.command, param, id)
	}
	return sn, nil
}

func (s *Simulator) createSnapshot(r *request) (*jobPlan, *apiError) {
	volID := r.get("volumeid")
	vol, err := s.liveVolume(r, "volumeid", volID)
	if err != nil {
		return nil, err
	}
	// CreateSnapshotCmd.create runs VolumeApiServiceImpl.allocSnapshot and
	// SnapshotManagerImpl.allocSnapshot before it creates the job, so these fail the call.
	if vol.State != cloudstack.VolumeReady {
		return nil, paramErr("VolumeId: %s is not in Ready state but %s. Cannot take snapshot.", vol.ID, vol.State)
	}
	vm := s.vms[vol.VMID]
	if err := s.supportedByHypervisor(vol, vm); err != nil {
		return nil, err
	}
	name := r.get("name")
	if name == "" {
		// allocSnapshot's default: the VM's host name (or "detached"), the volume's name
		// and the time in GMT.
		owner := "detached"
		if vm != nil {
			owner = vm.Name
		}
		name = owner + "_" + vol.Name + "_" + s.clock().UTC().Format("20060102150405")
	}
	id := s.nextID()
	sn := &Snapshot{ID: id, Name: name, Account: r.account.name, VolumeID: vol.ID, VolumeType: vol.Type,
		ZoneID: vol.ZoneID, State: cloudstack.SnapshotAllocated, Hypervisor: vol.Hypervisor, SizeBytes: vol.SizeBytes,
		Created: s.clock()}
	s.snapshots[id] = sn
	s.snapshotOrder = append(s.snapshotOrder, sn)
	return &jobPlan{createdID: id, instanceType: "Snapshot", instanceID: id, sizeBytes: vol.SizeBytes,
		begin: func() *apiError {
			if vm := s.vms[vol.VMID]; vm != nil && vm.State != cloudstack.VMRunning && vm.State != cloudstack.VMStopped && vm.State != cloudstack.VMDestroyed {
				sn.State = cloudstack.SnapshotError
				return stateErr("VM %s is in transitional state %s; cannot snapshot volume %s", vm.Name, vm.State, vol.Name)
			}
			sn.State = cloudstack.SnapshotCreating
			return nil
		},
		finish: func() (string, any) {
			sn.State = cloudstack.SnapshotBackedUp
			return "snapshot", s.snapshotJSON(sn)
		}}, nil
}

// textKVMSnapshotDisabled is CloudStack's refusal of a snapshot of a running KVM VM's volume.
const textKVMSnapshotDisabled = "KVM Snapshot is not supported for Running VMs. It is disabled by default due to a possible volume corruption in certain cases. To enable it set global settings kvm.snapshot.enabled to True. See the documentation for more details."

// supportedByHypervisor is SnapshotManagerImpl.supportedByHypervisor for a volume attached
// to vm (nil when detached, which it always allows).
func (s *Simulator) supportedByHypervisor(vol *Volume, vm *VM) *apiError {
	if vm == nil {
		return nil
	}
	kvm := equalFold(vol.Hypervisor, "KVM")
	// hostSupportsSnapsthotForVolume: on KVM, unless kvm.snapshot.enabled, only the volumes
	// of a Stopped or Destroyed VM.
	if kvm && vm.State != cloudstack.VMStopped && vm.State != cloudstack.VMDestroyed && !s.runningVMSnapshots {
		return stateErr(textKVMSnapshotDisabled)
	}
	if vm.State == cloudstack.VMDestroyed || vm.State == cloudstack.VMExpunging {
		return stateErr("Creating snapshot failed due to volume:%s is associated with vm:%s is in %s state", vol.ID, vm.Name, vm.State)
	}
	if kvm || equalFold(vol.Hypervisor, "VMware") {
		// One snapshot at a time per VM on KVM and VMware.
		for _, sn := range s.snapshots {
			if v := s.volumes[sn.VolumeID]; v != nil && v.VMID == vm.ID && sn.State == cloudstack.SnapshotCreating {
				return paramErr("There is other active snapshot tasks on the instance to which the volume is attached, please try again later")
			}
		}
	}
	return nil
}

func (s *Simulator) listSnapshots(r *request) (any, *apiError) {
	if id := r.get("id"); id != "" {
		if _, ok := s.snapshots[id]; !ok {
			return nil, invalidID(r.command, "id", id)
		}
	}
	if id := r.get("volumeid"); id != "" {
		if _, ok := s.volumes[id]; !ok {
			return nil, invalidID(r.command, "volumeid", id)
		}
	}
	var items []wire.Snapshot
	for _, sn := range s.snapshotOrder {
		if sn.State == cloudstack.SnapshotDestroyed {
			continue
		}
		// name: QueryManagerImpl.searchForSnapshotsWithParams (formerly
		// SnapshotManagerImpl.listSnapshots), Op.EQ.
		if (r.get("id") != "" && sn.ID != r.get("id")) || (r.get("volumeid") != "" && sn.VolumeID != r.get("volumeid")) ||
			!matchName(r, sn.Name) || !matchKeyword(r, sn.Name) {
			continue
		}
		items = append(items, s.snapshotJSON(sn))
	}
	return listBody(r, items)
}

func (s *Simulator) revertSnapshot(r *request) (*jobPlan, *apiError) {
	sn, err := s.liveSnapshot(r, "id")
	if err != nil {
		return nil, err
	}
	return &jobPlan{instanceType: "Snapshot", instanceID: sn.ID, sizeBytes: sn.SizeBytes,
		begin: func() *apiError {
			// Checks and texts follow SnapshotManagerImpl.revertSnapshot.
			vol, ok := s.volumes[sn.VolumeID]
			if !ok || vol.State != cloudstack.VolumeReady {
				return paramErr("The volume is not in Ready state.")
			}
			if vm := s.vms[vol.VMID]; vm != nil && vm.State != cloudstack.VMStopped {
				return paramErr("The VM the specified disk is attached to is not in the shutdown state.")
			}
			if sn.State != cloudstack.SnapshotBackedUp {
				return stateErr("snapshot %s [%s] does not exists in data store", sn.Name, sn.ID)
			}
			if !revertable(sn) {
				return stateErr("Revert snapshot command failed for snapshot with id %s, because this command is supported only for KVM hypervisor", sn.ID)
			}
			return nil
		},
		finish: func() (string, any) {
			sn.Reverts++
			if vol := s.volumes[sn.VolumeID]; vol != nil {
				vol.RevertedFrom = sn.ID
			}
			return "snapshot", s.snapshotJSON(sn)
		}}, nil
}

func (s *Simulator) deleteSnapshot(r *request) (*jobPlan, *apiError) {
	sn, err := s.liveSnapshot(r, "id")
	if err != nil {
		return nil, err
	}
	return &jobPlan{instanceType: "Snapshot", instanceID: sn.ID,
		begin: func() *apiError {
			if sn.State == cloudstack.SnapshotCreating {
				return stateErr("Snapshot %s is being created; try again later", sn.ID)
			}
			return nil
		},
		finish: func() (string, any) {
			sn.State = cloudstack.SnapshotDestroyed
			return "", successBody()
		}}, nil
}

// revertable reports whether CloudStack has a strategy to revert the snapshot: only
// DefaultSnapshotStrategy reverts, and only QCOW2 (KVM) volumes; SnapshotObject.isRevertable
// reports the same in listSnapshots.
func revertable(sn *Snapshot) bool { return equalFold(sn.Hypervisor, "KVM") }

func (s *Simulator) hypervisorOf(vm *VM) string {
	if t := s.templates[vm.TemplateID]; t != nil {
		return t.Hypervisor
	}
	return ""
}
