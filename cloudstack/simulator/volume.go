package simulator

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
)

// defaultMaxDataVolumes is KVM's max_data_volumes_limit in CloudStack's
// hypervisor_capabilities table.
const defaultMaxDataVolumes = 26

// maxDeviceID is the highest device id a data volume may take: the data volumes plus the
// ROOT volume's 0 and the CD-ROM's 3.
func (s *Simulator) maxDeviceID() int { return s.maxDataVolumes + 1 }

// reservedDeviceID is the CD-ROM slot, which CloudStack never gives to a volume.
const reservedDeviceID = 3

func (s *Simulator) addVolumeLocked(v *Volume) *Volume {
	v.ID = s.nextID()
	if v.State == "" {
		v.State = cloudstack.VolumeReady
	}
	if v.VMID == "" {
		v.DeviceID = -1
	}
	if v.Created.IsZero() {
		v.Created = s.clock()
	}
	s.volumes[v.ID] = v
	s.volumeOrder = append(s.volumeOrder, v)
	return v
}

func (s *Simulator) liveVolume(r *request, param, id string) (*Volume, *apiError) {
	v, ok := s.volumes[id]
	if !ok || v.State == cloudstack.VolumeExpunged {
		return nil, invalidID(r.command, param, id)
	}
	return v, nil
}

func (s *Simulator) volumeAtLocked(vmID string, device int) *Volume {
	for _, v := range s.volumes {
		if v.VMID == vmID && v.DeviceID == device && v.State != cloudstack.VolumeExpunged {
			return v
		}
	}
	return nil
}

// freeDeviceLocked picks the lowest free device id as CloudStack does: 1, 2, 4, 5, ...
func (s *Simulator) freeDeviceLocked(vmID string) (int, bool) {
	for d := 1; d <= s.maxDeviceID(); d++ {
		if d != reservedDeviceID && s.volumeAtLocked(vmID, d) == nil {
			return d, true
		}
	}
	return 0, false
}

func (s *Simulator) listVolumes(r *request) (any, *apiError) {
	if id := r.get("id"); id != "" {
		if _, ok := s.volumes[id]; !ok {
			return nil, invalidID(r.command, "id", id)
		}
	}
	if id := r.get("virtualmachineid"); id != "" {
		if _, ok := s.vms[id]; !ok {
			return nil, invalidID(r.command, "virtualmachineid", id)
		}
	}
	if id := r.get("zoneid"); id != "" && s.zones[id] == nil {
		return nil, invalidID(r.command, "zoneid", id)
	}
	// ids: ListVolumesCmd, since 4.9, "mutually exclusive with id".
	ids, aerr := r.ids(func(id string) bool { return s.volumes[id] != nil })
	if aerr != nil {
		return nil, aerr
	}
	typ := r.get("type")
	if typ != "" && !equalFold(typ, string(cloudstack.VolumeRoot)) && !equalFold(typ, string(cloudstack.VolumeData)) {
		return nil, paramErr("Unable to execute API command listvolumes due to invalid value %s for parameter type: use ROOT or DATADISK", typ)
	}
	var vols []*Volume
	for _, v := range s.volumeOrder {
		if v.State == cloudstack.VolumeExpunged {
			continue
		}
		if (r.get("id") != "" && v.ID != r.get("id")) || (ids != nil && !ids[v.ID]) ||
			(r.get("virtualmachineid") != "" && v.VMID != r.get("virtualmachineid")) ||
			(typ != "" && !equalFold(string(v.Type), typ)) ||
			(r.get("zoneid") != "" && v.ZoneID != r.get("zoneid")) ||
			// name: QueryManagerImpl.searchForVolumeIdsAndCount, Op.EQ.
			!matchName(r, v.Name) ||
			!matchKeyword(r, v.Name) {
			continue
		}
		vols = append(vols, v)
	}
	if r.get("virtualmachineid") != "" {
		// CloudStack lists a VM's volumes in device order.
		slices.SortStableFunc(vols, func(a, b *Volume) int { return a.DeviceID - b.DeviceID })
	}
	items := make([]wire.Volume, 0, len(vols))
	for _, v := range vols {
		items = append(items, s.volumeJSON(v))
	}
	return listBody(r, items)
}

// Custom disk offering size limits in GB: custom.diskoffering.size.min and .max defaults.
const (
	customDiskMinGB = 1
	customDiskMaxGB = 1024
)

func (s *Simulator) createVolume(r *request) (*jobPlan, *apiError) {
	offID, zoneID := r.get("diskofferingid"), r.get("zoneid")
	if offID != "" && s.diskOfferings[offID] == nil {
		return nil, invalidID(r.command, "diskofferingid", offID)
	}
	if zoneID != "" && s.zones[zoneID] == nil {
		return nil, invalidID(r.command, "zoneid", zoneID)
	}
	// The checks and texts of VolumeApiServiceImpl.allocVolume, which CreateVolumeCmd runs
	// before it creates the job. Volumes from snapshots (snapshotid) are not modelled.
	if offID == "" {
		return nil, paramErr("At least one of disk Offering ID or snapshot ID must be passed whilst creating volume")
	}
	off := s.diskOfferings[offID]
	n, has, err := r.integer("size")
	if err != nil {
		return nil, err
	}
	if has && n <= 0 {
		return nil, paramErr("Disk size must be larger than 0")
	}
	size := off.SizeGB
	if off.Custom {
		if !has {
			return nil, paramErr("This disk offering requires a custom size specified")
		}
		if n < customDiskMinGB || n > customDiskMaxGB {
			return nil, paramErr("Volume size: %d GB is out of allowed range. Min: %d. Max: %d", n, customDiskMinGB, customDiskMaxGB)
		}
		size = n
	} else if has {
		return nil, paramErr("This disk offering does not allow custom size")
	}
	if zoneID == "" {
		return nil, paramErr("Unable to find zone by id null")
	}
	name := r.get("name")
	if name == "" {
		name = fmt.Sprintf("DATA-%d", s.idSeq+1)
	}
	v := s.addVolumeLocked(&Volume{
		Name: name, Account: r.account.name, Type: cloudstack.VolumeData, State: cloudstack.VolumeAllocated, ZoneID: zoneID,
		SizeBytes: size << 30, DiskOfferingID: off.ID,
	})
	return &jobPlan{createdID: v.ID, instanceType: "Volume", instanceID: v.ID,
		finish: func() (string, any) { return "volume", s.volumeJSON(v) }}, nil
}

func (s *Simulator) attachVolume(r *request) (*jobPlan, *apiError) {
	id := r.get("id")
	vol, err := s.liveVolume(r, "id", id)
	if err != nil {
		return nil, err
	}
	vm, err := s.liveVM(r, "virtualmachineid")
	if err != nil {
		return nil, err
	}
	dev, hasDev, err := r.integer("deviceid")
	if err != nil {
		return nil, err
	}
	// The checks of VolumeApiServiceImpl.attachVolumeToVM, in its order, all in the job.
	return &jobPlan{instanceType: "Volume", instanceID: id,
		begin: func() *apiError {
			if vol.VMID != "" {
				return paramErr("Please specify a volume that is not attached to any VM.")
			}
			if vm.State != cloudstack.VMRunning && vm.State != cloudstack.VMStopped {
				return paramErr("Please specify a VM that is either running or stopped.")
			}
			if vm.ZoneID != vol.ZoneID {
				return paramErr("Please specify a VM that is in the same zone as the volume.")
			}
			if hasDev && dev == 0 {
				if err := s.checkRootDetachAttach(vol, vm); err != nil {
					return err
				}
				if s.volumeAtLocked(vm.ID, 0) != nil {
					return paramErr("Vm already has root volume attached to it")
				}
			} else {
				data := 0
				for _, v := range s.volumes {
					if v.VMID == vm.ID && v.Type == cloudstack.VolumeData {
						data++
					}
				}
				if data >= s.maxDataVolumes {
					return paramErr("The specified VM already has the maximum number of data disks (%d) attached. Please specify another VM.", s.maxDataVolumes)
				}
			}
			device := int(dev)
			switch {
			case hasDev && dev == 0:
			case hasDev:
				if dev < 0 || dev > int64(s.maxDeviceID()) || dev == reservedDeviceID {
					return stateErr("deviceId should be 0,1,2,4-%d", s.maxDeviceID())
				}
				if s.volumeAtLocked(vm.ID, device) != nil {
					return stateErr("deviceId %d is used by VM %s", dev, vm.Name)
				}
			default:
				d, ok := s.freeDeviceLocked(vm.ID)
				if !ok {
					return stateErr("All device Ids are used by vm %s", vm.Name)
				}
				device = d
			}
			// orchestrateAttachVolumeToVM creates an Allocated volume on primary storage
			// only when the VM already has storage; otherwise the VM's first start does.
			if vol.State == cloudstack.VolumeAllocated && s.hasStorageLocked(vm) {
				vol.State = cloudstack.VolumeReady
			}
			if vol.Hypervisor == "" {
				vol.Hypervisor = s.hypervisorOf(vm)
			}
			// CloudStack's VolumeDao.attachVolume: device 0 makes the volume the ROOT.
			vol.VMID, vol.DeviceID = vm.ID, device
			if device == 0 {
				vol.Type = cloudstack.VolumeRoot
			}
			return nil
		},
		finish: func() (string, any) { return "volume", s.volumeJSON(vol) }}, nil
}

// hasStorageLocked reports whether a VM's volumes live on primary storage yet, as
// VolumeApiServiceImpl.orchestrateAttachVolumeToVM decides it: by its ROOT volume, or
// without one by any data volume that is not Allocated.
func (s *Simulator) hasStorageLocked(vm *VM) bool {
	data := false
	for _, v := range s.volumes {
		if v.VMID != vm.ID {
			continue
		}
		if v.Type == cloudstack.VolumeRoot {
			return v.State != cloudstack.VolumeAllocated
		}
		data = data || v.State != cloudstack.VolumeAllocated
	}
	return data
}

// createOnPrimaryLocked gives a starting VM's Allocated volumes their storage, as the
// first start of a VM deployed with startvm=false does.
func (s *Simulator) createOnPrimaryLocked(vm *VM) {
	for _, v := range s.volumes {
		if v.VMID == vm.ID && v.State == cloudstack.VolumeAllocated {
			v.State = cloudstack.VolumeReady
		}
	}
}

// rootDetachAttachHypervisors are the hypervisors VolumeApiServiceImpl lets detach and
// attach ROOT volumes.
var rootDetachAttachHypervisors = []string{"XenServer", "VMware", "KVM", "Simulator"}

// checkRootDetachAttach is VolumeApiServiceImpl.validateRootVolumeDetachAttach, which runs
// both for detaching a ROOT volume and for attaching a volume at device 0.
func (s *Simulator) checkRootDetachAttach(vol *Volume, vm *VM) *apiError {
	h := s.hypervisorOf(vm)
	if !slices.ContainsFunc(rootDetachAttachHypervisors, func(x string) bool { return equalFold(x, h) }) {
		return paramErr("Root volume detach is not supported for hypervisor type %s", h)
	}
	// The condition reads !(Stopped) || Destroyed, which admits only Stopped although the
	// message names Destroyed too; the simulator does what the server does.
	if vm.State != cloudstack.VMStopped {
		return paramErr("Root volume detach can happen only when vm is in states: Stopped or Destroyed")
	}
	// An Allocated volume has no storage pool yet, so the pool check does not apply.
	if vol.State != cloudstack.VolumeAllocated && s.onManagedStorage(vol) {
		return paramErr("Root volume detach is not supported for Managed DataStores")
	}
	return nil
}

// onManagedStorage reports whether a volume's primary storage is managed (Zone.ManagedStorage).
func (s *Simulator) onManagedStorage(v *Volume) bool {
	z := s.zones[v.ZoneID]
	return z != nil && z.ManagedStorage
}

// detachVolume follows VolumeApiServiceImpl.detachVolumeFromVM. Only parameter processing
// (ids that name nothing, a device id that is not a number) fails the call; the argument
// checks and the lookup by device run in the job.
func (s *Simulator) detachVolume(r *request) (*jobPlan, *apiError) {
	id, vmID := r.get("id"), r.get("virtualmachineid")
	// ParamProcessWorker finds removed entities too; the job then does not.
	if id != "" && s.volumes[id] == nil {
		return nil, invalidID(r.command, "id", id)
	}
	if vmID != "" && s.vms[vmID] == nil {
		return nil, invalidID(r.command, "virtualmachineid", vmID)
	}
	dev, hasDev, err := r.integer("deviceid")
	if err != nil {
		return nil, err
	}
	var vol *Volume
	return &jobPlan{instanceType: "Volume", instanceID: id,
		begin: func() *apiError {
			if (id == "" && !hasDev && vmID == "") || (id != "" && (hasDev || vmID != "")) || (id == "" && (!hasDev || vmID == "")) {
				return paramErr("Please provide either a volume id, or a tuple(device id, instance id)")
			}
			if id != "" {
				if vol = s.volumes[id]; vol.State == cloudstack.VolumeExpunged {
					return paramErr("Unable to find volume with ID: %s", id)
				}
			} else if vol = s.volumeAtLocked(vmID, int(dev)); vol == nil {
				// _volsDao.findByInstanceAndDeviceId(...).get(0) on an empty list: an
				// IndexOutOfBoundsException, which ApiAsyncJobDispatcher reports as 530.
				return stateErr("Index 0 out of bounds for length 0")
			}
			if vol.VMID == "" {
				return paramErr("The specified volume is not attached to a VM.")
			}
			vm := s.vms[vol.VMID]
			if vm.State != cloudstack.VMRunning && vm.State != cloudstack.VMStopped && vm.State != cloudstack.VMDestroyed {
				return paramErr("Please specify a VM that is either running or stopped.")
			}
			if vol.Type == cloudstack.VolumeRoot {
				if err := s.checkRootDetachAttach(vol, vm); err != nil {
					return err
				}
			}
			// CloudStack's VolumeDao.detachVolume turns a detached ROOT into a DATADISK.
			vol.VMID, vol.DeviceID, vol.Type = "", -1, cloudstack.VolumeData
			return nil
		},
		finish: func() (string, any) { return "volume", s.volumeJSON(vol) }}, nil
}

// deleteVolume follows VolumeApiServiceImpl.deleteVolume (retrieveAndValidateVolume).
func (s *Simulator) deleteVolume(r *request) (any, *apiError) {
	id := r.get("id")
	vol, err := s.liveVolume(r, "id", id)
	if err != nil {
		return nil, err
	}
	for _, sn := range s.snapshots {
		if sn.VolumeID == vol.ID && sn.State == cloudstack.SnapshotCreating {
			// SnapshotManagerImpl.canOperateOnVolume.
			return nil, paramErr("There are snapshot operations in progress on the volume, unable to delete it")
		}
	}
	if vol.VMID != "" {
		return nil, paramErr("Please specify a volume that is not attached to any VM.")
	}
	vol.State = cloudstack.VolumeExpunged
	return successBody(), nil
}

// ipInCIDR returns the seq-th host address of a CIDR, skipping the network and gateway
// addresses; it falls back to 10.1.1.0/24 for an unparsable CIDR.
func ipInCIDR(cidr string, seq int) string {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		p = netip.MustParsePrefix("10.1.1.0/24")
	}
	a := p.Masked().Addr().As4()
	n := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	n += uint32(seq) + 1
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}).String()
}
