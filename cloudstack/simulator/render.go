package simulator

import (
	"fmt"
	"hash/fnv"
	"strconv"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
)

// The *JSON methods render resources as the wire types the client decodes: one set of field
// names and types for both sides. Callers hold s.mu.

const (
	domainName = "ROOT"
	// domainID is outside the range nextID issues.
	domainID = "5e000000-0000-4000-8000-d00000000001"
)

func (s *Simulator) vmJSON(v *VM) wire.VM {
	out := wire.VM{
		ID: v.ID, Name: v.Name, DisplayName: v.DisplayName, Account: v.Account,
		Domain: domainName, DomainID: domainID, State: string(v.State), ZoneID: v.ZoneID,
		TemplateID: v.TemplateID, ServiceOfferingID: v.ServiceOfferingID,
		CPUNumber: v.CPUs, CPUSpeed: v.CPUSpeedMHz, Memory: v.MemoryMB, Created: csTime(v.Created),
		RootDeviceType: string(cloudstack.VolumeRoot), Details: v.Details, NIC: make([]wire.NIC, 0, len(v.NICs)),
	}
	if z := s.zones[v.ZoneID]; z != nil {
		out.ZoneName = z.Name
	}
	if t := s.templates[v.TemplateID]; t != nil {
		out.TemplateName, out.TemplateDisplayText, out.Hypervisor = t.Name, t.Name, t.Hypervisor
		out.OSTypeID, out.GuestOSID = osTypeID(t.OSType), osTypeID(t.OSType)
	}
	// UserVmJoinDaoImpl: "Uefi" and the mode for a VM with a UEFI detail, "Bios" and
	// "legacy" for a VM without details, nothing for the rest.
	if m, ok := v.Details["UEFI"]; ok {
		out.BootType, out.BootMode = "Uefi", lower(m)
	} else if len(v.Details) == 0 {
		out.BootType, out.BootMode = "Bios", "legacy"
	}
	if o := s.serviceOfferings[v.ServiceOfferingID]; o != nil {
		out.ServiceOfferingName = o.Name
	}
	for _, n := range v.NICs {
		nic := wire.NIC{ID: n.ID, NetworkID: n.NetworkID, IPAddress: n.IPAddress, MACAddress: n.MACAddress,
			IsDefault: n.Default, TrafficType: "Guest", Type: "Isolated", DeviceID: strconv.Itoa(n.DeviceID)}
		if nw := s.networks[n.NetworkID]; nw != nil {
			nic.NetworkName = nw.Name
		}
		out.NIC = append(out.NIC, nic)
	}
	return out
}

func (s *Simulator) volumeJSON(v *Volume) wire.Volume {
	out := wire.Volume{
		ID: v.ID, Name: v.Name, Account: v.Account, Domain: domainName, DomainID: domainID,
		Type: string(v.Type), State: string(v.State), ZoneID: v.ZoneID, Size: v.SizeBytes, Created: csTime(v.Created),
		StorageType: "shared", Storage: "primary-storage", Path: v.ID, Destroyed: v.State == cloudstack.VolumeExpunged,
		Hypervisor: v.Hypervisor, DiskOfferingID: v.DiskOfferingID, TemplateID: v.TemplateID,
	}
	if out.Hypervisor == "" {
		out.Hypervisor = "None" // HypervisorType.None: the volume has met no VM yet
	}
	if z := s.zones[v.ZoneID]; z != nil {
		out.ZoneName = z.Name
	}
	if o := s.diskOfferings[v.DiskOfferingID]; o != nil {
		out.DiskOfferingName = o.Name
	}
	if v.VMID != "" {
		dev := int64(v.DeviceID)
		out.VirtualMachineID, out.DeviceID, out.Attached = v.VMID, &dev, csTime(v.Created)
		if vm := s.vms[v.VMID]; vm != nil {
			out.VMName, out.VMDisplayName, out.VMState = vm.Name, vm.DisplayName, string(vm.State)
		}
	}
	return out
}

func (s *Simulator) snapshotJSON(sn *Snapshot) wire.Snapshot {
	out := wire.Snapshot{
		ID: sn.ID, Name: sn.Name, Account: sn.Account, Domain: domainName, DomainID: domainID,
		VolumeID: sn.VolumeID, VolumeType: string(sn.VolumeType), State: string(sn.State),
		SnapshotType: "MANUAL", IntervalType: "MANUAL", ZoneID: sn.ZoneID, Created: csTime(sn.Created),
		Revertable: revertable(sn), VirtualSize: sn.SizeBytes, PhysicalSize: sn.SizeBytes, LocationType: "PRIMARY",
	}
	if v := s.volumes[sn.VolumeID]; v != nil {
		out.VolumeName = v.Name
	}
	return out
}

func zoneJSON(z *Zone) wire.Zone {
	return wire.Zone{ID: z.ID, Name: z.Name, NetworkType: z.NetworkType, AllocationState: "Enabled"}
}

func serviceOfferingJSON(o *cloudstack.ServiceOffering) wire.ServiceOffering {
	out := wire.ServiceOffering{ID: o.ID, Name: o.Name, DisplayText: o.Name, IsCustomized: o.Custom, StorageType: "shared"}
	if !o.Custom {
		out.CPUNumber, out.CPUSpeed, out.Memory = o.CPUs, o.CPUSpeedMHz, o.MemoryMB
	}
	return out
}

func diskOfferingJSON(o *cloudstack.DiskOffering) wire.DiskOffering {
	return wire.DiskOffering{ID: o.ID, Name: o.Name, DisplayText: o.Name, DiskSize: o.SizeGB, IsCustomized: o.Custom, StorageType: "shared"}
}

func (s *Simulator) templateJSON(t *Template) wire.Template {
	out := wire.Template{
		ID: t.ID, Name: t.Name, DisplayText: t.Name, ZoneID: t.ZoneID, OSTypeID: osTypeID(t.OSType),
		OSTypeName: t.OSType, Hypervisor: t.Hypervisor, Size: t.SizeBytes, IsReady: true,
		Status: "Download Complete", Format: "QCOW2", TemplateType: "USER", IsPublic: true,
	}
	if t.UEFI != "" {
		out.Details = map[string]string{"UEFI": string(t.UEFI)}
	}
	if z := s.zones[t.ZoneID]; z != nil {
		out.ZoneName = z.Name
	}
	return out
}

func (s *Simulator) networkJSON(n *Network) wire.Network {
	out := wire.Network{
		ID: n.ID, Name: n.Name, DisplayText: n.Name, ZoneID: n.ZoneID, CIDR: n.CIDR,
		State: "Implemented", TrafficType: "Guest", Type: "Isolated",
	}
	if z := s.zones[n.ZoneID]; z != nil {
		out.ZoneName = z.Name
	}
	return out
}

// listBody renders a list response: count (the total before paging) and the page's items,
// which wire.List encodes as CloudStack does ({} when empty, no items key past the end).
// processParams has checked page and pagesize; the page is cut as BaseListCmd.getStartIndex
// and getPageSizeVal do: a page below 1 is the first, pagesize -1 is everything.
func listBody[T wire.Item](r *request, items []T) (any, *apiError) {
	total := len(items)
	page, hasPage, err := r.integer("page")
	if err != nil {
		return nil, err
	}
	size, hasSize, err := r.integer("pagesize")
	if err != nil {
		return nil, err
	}
	if !hasSize {
		size = maxPageSize
	}
	if !hasPage || page < 1 {
		page = 1
	}
	switch {
	case size == unlimitedPageSize:
	case size < 1:
		items = nil
	default:
		start := (page - 1) * size
		if start >= int64(len(items)) {
			items = nil
		} else {
			items = items[start:min(int64(len(items)), start+size)]
		}
	}
	return wire.List[T]{Count: total, Items: items}, nil
}

// osTypeID is the id of a guest OS type: UUID-shaped, outside the range nextID issues, and
// the same for the same name, so that every template of one OS type shares it.
func osTypeID(name string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	sum := h.Sum64()
	return fmt.Sprintf("5e05%04x-0000-4000-8000-%012x", sum>>48, sum&0xffffffffffff)
}
