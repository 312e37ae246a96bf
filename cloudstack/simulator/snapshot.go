package simulator

import (
	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
)

func (s *Simulator) liveSnapshot(r *request, param, id string) (*Snapshot, *apiError) {
	sn, ok := s.snapshots[id]
	if !ok || sn.State == cloudstack.SnapshotDestroyed {
		return nil, invalidID(r.command, param, id)
	}
	return sn, nil
}

func (s *Simulator) createSnapshot(r *request) (*jobPlan, *apiError) {
	volID, err := r.require("volumeid")
	if err != nil {
		return nil, err
	}
	vol, err := s.liveVolume(r, "volumeid", volID)
	if err != nil {
		return nil, err
	}
	if vol.State != cloudstack.VolumeReady {
		return nil, paramErr("VolumeId: %s is not in Ready state but %s. Cannot take snapshot.", vol.ID, vol.State)
	}
	name := r.get("name")
	id := s.nextID()
	if name == "" {
		name = vol.Name + "_" + s.clock().UTC().Format("20060102150405")
	}
	// CloudStack allocates the record before answering, then backs it up in the job.
	sn := &Snapshot{ID: id, Name: name, Account: r.account.name, VolumeID: vol.ID, VolumeType: vol.Type,
		ZoneID: vol.ZoneID, State: cloudstack.SnapshotAllocated, SizeBytes: vol.SizeBytes, Created: s.clock()}
	s.snapshots[id] = sn
	s.snapshotOrder = append(s.snapshotOrder, sn)
	return &jobPlan{createdID: id, instanceType: "Snapshot", instanceID: id,
		begin: func() *apiError {
			if vm := s.vms[vol.VMID]; vm != nil && vm.State != cloudstack.VMRunning && vm.State != cloudstack.VMStopped && vm.State != cloudstack.VMDestroyed {
				sn.State = cloudstack.SnapshotError
				return stateErr("VM %s is in transitional state %s; cannot snapshot volume %s", vm.Name, vm.State, vol.Name)
			}
			if vm := s.vms[vol.VMID]; vm != nil && vm.State == cloudstack.VMRunning && s.noRunningSnapshots && s.hypervisorOf(vm) == "KVM" {
				sn.State = cloudstack.SnapshotError
				return stateErr("KVM Snapshot is not supported for Running VMs. It is disabled by default due to a possible volume corruption in certain cases. To enable it set global settings kvm.snapshot.enabled to True. See the documentation for more details.")
			}
			sn.State = cloudstack.SnapshotCreating
			return nil
		},
		finish: func() (string, any) {
			sn.State = cloudstack.SnapshotBackedUp
			return "snapshot", s.snapshotJSON(sn)
		}}, nil
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
		if (r.get("id") != "" && sn.ID != r.get("id")) || (r.get("volumeid") != "" && sn.VolumeID != r.get("volumeid")) ||
			(r.get("name") != "" && sn.Name != r.get("name")) || !matchKeyword(r, sn.Name) {
			continue
		}
		items = append(items, s.snapshotJSON(sn))
	}
	return listBody(r, items)
}

func (s *Simulator) revertSnapshot(r *request) (*jobPlan, *apiError) {
	id, err := r.require("id")
	if err != nil {
		return nil, err
	}
	sn, err := s.liveSnapshot(r, "id", id)
	if err != nil {
		return nil, err
	}
	return &jobPlan{instanceType: "Snapshot", instanceID: id,
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
	id, err := r.require("id")
	if err != nil {
		return nil, err
	}
	sn, err := s.liveSnapshot(r, "id", id)
	if err != nil {
		return nil, err
	}
	return &jobPlan{instanceType: "Snapshot", instanceID: id,
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

func (s *Simulator) hypervisorOf(vm *VM) string {
	if t := s.templates[vm.TemplateID]; t != nil {
		return t.Hypervisor
	}
	return ""
}
