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
	typ := r.get("type")
	if typ != "" && !equalFold(typ, string(cloudstack.VolumeRoot)) && !equalFold(typ, string(cloudstack.VolumeData)) {
		return nil, paramErr("Unable to execute API command listvolumes due to invalid value %s for parameter type: use ROOT or DATADISK", typ)
	}
	var vols []*Volume
	for _, v := range s.volumeOrder {
		if v.State == cloudstack.VolumeExpunged {
			continue
		}
		if (r.get("id") != "" && v.ID != r.get("id")) ||
			(r.get("virtualmachineid") != "" && v.VMID != r.get("virtualmachineid")) ||
			(typ != "" && !equalFold(string(v.Type), typ)) ||
			(r.get("zoneid") != "" && v.ZoneID != r.get("zoneid")) ||
			(r.get("name") != "" && v.Name != r.get("name")) ||
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
	id, err := r.require("id")
	if err != nil {
		return nil, err
	}
	vmID, err := r.require("virtualmachineid")
	if err != nil {
		return nil, err
	}
	vol, err := s.liveVolume(r, "id", id)
	if err != nil {
		return nil, err
	}
	vm, err := s.liveVM(r, "virtualmachineid", vmID)
	if err != nil {
		return nil, err
	}
	dev, hasDev, err := r.integer("deviceid")
	if err != nil {
		return nil, err
	}
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
			if !hasDev || dev != 0 {
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
				if vm.State != cloudstack.VMStopped {
					return paramErr("Root volume detach can happen only when vm is in states: Stopped or Destroyed")
				}
				if s.volumeAtLocked(vm.ID, 0) != nil {
					return paramErr("Vm already has root volume attached to it")
				}
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
			// CloudStack's VolumeDao.attachVolume: device 0 makes the volume the ROOT.
			vol.VMID, vol.DeviceID = vm.ID, device
			if device == 0 {
				vol.Type = cloudstack.VolumeRoot
			}
			if vol.State == cloudstack.VolumeAllocated {
				vol.State = cloudstack.VolumeReady
			}
			return nil
		},
		finish: func() (string, any) { return "volume", s.volumeJSON(vol) }}, nil
}

func (s *Simulator) detachVolume(r *request) (*jobPlan, *apiError) {
	var vol *Volume
	if id := r.get("id"); id != "" {
		if r.get("virtualmachineid") != "" || r.get("deviceid") != "" {
			return nil, paramErr("Please provide either a volume id, or a tuple(device id, instance id)")
		}
		v, err := s.liveVolume(r, "id", id)
		if err != nil {
			return nil, err
		}
		vol = v
	} else {
		vmID := r.get("virtualmachineid")
		dev, hasDev, err := r.integer("deviceid")
		if err != nil {
			return nil, err
		}
		if vmID == "" || !hasDev {
			return nil, paramErr("Please provide either a volume id, or a tuple(device id, instance id)")
		}
		vm, err := s.liveVM(r, "virtualmachineid", vmID)
		if err != nil {
			return nil, err
		}
		if vol = s.volumeAtLocked(vm.ID, int(dev)); vol == nil {
			return nil, paramErr("Unable to find volume with device id %d on VM %s", dev, vm.Name)
		}
	}
	return &jobPlan{instanceType: "Volume", instanceID: vol.ID,
		begin: func() *apiError {
			if vol.VMID == "" {
				return paramErr("The specified volume is not attached to a VM.")
			}
			vm := s.vms[vol.VMID]
			if vm.State != cloudstack.VMRunning && vm.State != cloudstack.VMStopped && vm.State != cloudstack.VMDestroyed {
				return paramErr("Please specify a VM that is either running or stopped.")
			}
			// CloudStack's check reads "Stopped or Destroyed" but, as written, admits only
			// Stopped; the simulator does what the server does.
			if vol.Type == cloudstack.VolumeRoot && vm.State != cloudstack.VMStopped {
				return paramErr("Root volume detach can happen only when vm is in states: Stopped or Destroyed")
			}
			// CloudStack's VolumeDao.detachVolume turns a detached ROOT into a DATADISK.
			vol.VMID, vol.DeviceID, vol.Type = "", -1, cloudstack.VolumeData
			return nil
		},
		finish: func() (string, any) { return "volume", s.volumeJSON(vol) }}, nil
}

func (s *Simulator) deleteVolume(r *request) (any, *apiError) {
	id, err := r.require("id")
	if err != nil {
		return nil, err
	}
	vol, err := s.liveVolume(r, "id", id)
	if err != nil {
		return nil, err
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
