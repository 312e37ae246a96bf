package simulator

// The *JSON methods render resources with the field names and types cloudstack-go's
// response structs decode. Callers hold s.mu.

const (
	domainName = "ROOT"
	// domainID is outside the range nextID issues.
	domainID = "5e000000-0000-4000-8000-d00000000001"
)

// Structs rather than maps keep encoding cheap: encoding/json sorts map keys on every
// call, which dominated the simulator's own time.

type nicWire struct {
	ID          string `json:"id"`
	NetworkID   string `json:"networkid"`
	NetworkName string `json:"networkname,omitempty"`
	IPAddress   string `json:"ipaddress"`
	MACAddress  string `json:"macaddress"`
	IsDefault   bool   `json:"isdefault"`
	TrafficType string `json:"traffictype"`
	Type        string `json:"type"`
}

type vmWire struct {
	ID                    string            `json:"id"`
	Name                  string            `json:"name"`
	DisplayName           string            `json:"displayname"`
	Account               string            `json:"account"`
	Domain                string            `json:"domain"`
	DomainID              string            `json:"domainid"`
	State                 string            `json:"state"`
	ZoneID                string            `json:"zoneid"`
	ZoneName              string            `json:"zonename,omitempty"`
	TemplateID            string            `json:"templateid"`
	TemplateName          string            `json:"templatename,omitempty"`
	TemplateDisplayText   string            `json:"templatedisplaytext,omitempty"`
	Hypervisor            string            `json:"hypervisor,omitempty"`
	OSTypeID              string            `json:"ostypeid,omitempty"`
	GuestOSID             string            `json:"guestosid,omitempty"`
	ServiceOfferingID     string            `json:"serviceofferingid"`
	ServiceOfferingName   string            `json:"serviceofferingname,omitempty"`
	CPUNumber             int               `json:"cpunumber"`
	CPUSpeed              int               `json:"cpuspeed"`
	Memory                int               `json:"memory"`
	Created               string            `json:"created"`
	HAEnable              bool              `json:"haenable"`
	RootDeviceID          int               `json:"rootdeviceid"`
	RootDeviceType        string            `json:"rootdevicetype"`
	PasswordEnabled       bool              `json:"passwordenabled"`
	IsDynamicallyScalable bool              `json:"isdynamicallyscalable"`
	Details               map[string]string `json:"details,omitempty"`
	NIC                   []nicWire         `json:"nic"`
}

func (s *Simulator) vmJSON(v *VM) vmWire {
	out := vmWire{
		ID: v.ID, Name: v.Name, DisplayName: v.DisplayName, Account: v.Account,
		Domain: domainName, DomainID: domainID, State: string(v.State), ZoneID: v.ZoneID,
		TemplateID: v.TemplateID, ServiceOfferingID: v.ServiceOfferingID,
		CPUNumber: v.CPUNumber, CPUSpeed: v.CPUSpeed, Memory: v.MemoryMB, Created: csTime(v.Created),
		RootDeviceType: string(VolumeRoot), Details: v.Details, NIC: make([]nicWire, 0, len(v.NICs)),
	}
	if z := s.zones[v.ZoneID]; z != nil {
		out.ZoneName = z.Name
	}
	if t := s.templates[v.TemplateID]; t != nil {
		out.TemplateName, out.TemplateDisplayText, out.Hypervisor = t.Name, t.Name, t.Hypervisor
		out.OSTypeID, out.GuestOSID = t.OSType, t.OSType
	}
	if o := s.serviceOfferings[v.ServiceOfferingID]; o != nil {
		out.ServiceOfferingName = o.Name
	}
	for _, n := range v.NICs {
		nic := nicWire{ID: n.ID, NetworkID: n.NetworkID, IPAddress: n.IPAddress, MACAddress: n.MACAddress,
			IsDefault: n.Default, TrafficType: "Guest", Type: "Isolated"}
		if nw := s.networks[n.NetworkID]; nw != nil {
			nic.NetworkName = nw.Name
		}
		out.NIC = append(out.NIC, nic)
	}
	return out
}

type volumeWire struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Account          string `json:"account"`
	Domain           string `json:"domain"`
	DomainID         string `json:"domainid"`
	Type             string `json:"type"`
	State            string `json:"state"`
	ZoneID           string `json:"zoneid"`
	ZoneName         string `json:"zonename,omitempty"`
	Size             int64  `json:"size"`
	Created          string `json:"created"`
	StorageType      string `json:"storagetype"`
	Storage          string `json:"storage"`
	Path             string `json:"path"`
	Destroyed        bool   `json:"destroyed"`
	Hypervisor       string `json:"hypervisor"`
	DiskOfferingID   string `json:"diskofferingid,omitempty"`
	DiskOfferingName string `json:"diskofferingname,omitempty"`
	TemplateID       string `json:"templateid,omitempty"`
	VirtualMachineID string `json:"virtualmachineid,omitempty"`
	// DeviceID is a pointer so that device 0 is sent and a detached volume sends none.
	DeviceID      *int   `json:"deviceid,omitempty"`
	Attached      string `json:"attached,omitempty"`
	VMName        string `json:"vmname,omitempty"`
	VMDisplayName string `json:"vmdisplayname,omitempty"`
	VMState       string `json:"vmstate,omitempty"`
}

func (s *Simulator) volumeJSON(v *Volume) volumeWire {
	out := volumeWire{
		ID: v.ID, Name: v.Name, Account: v.Account, Domain: domainName, DomainID: domainID,
		Type: string(v.Type), State: v.State, ZoneID: v.ZoneID, Size: v.SizeBytes, Created: csTime(v.Created),
		StorageType: "shared", Storage: "primary-storage", Path: v.ID, Destroyed: v.State == VolumeExpunged,
		Hypervisor: "KVM", DiskOfferingID: v.DiskOfferingID, TemplateID: v.TemplateID,
	}
	if z := s.zones[v.ZoneID]; z != nil {
		out.ZoneName = z.Name
	}
	if o := s.diskOfferings[v.DiskOfferingID]; o != nil {
		out.DiskOfferingName = o.Name
	}
	if v.VMID != "" {
		dev := v.DeviceID
		out.VirtualMachineID, out.DeviceID, out.Attached = v.VMID, &dev, csTime(v.Created)
		if vm := s.vms[v.VMID]; vm != nil {
			out.VMName, out.VMDisplayName, out.VMState = vm.Name, vm.DisplayName, string(vm.State)
			if t := s.templates[vm.TemplateID]; t != nil {
				out.Hypervisor = t.Hypervisor
			}
		}
	}
	return out
}

type snapshotWire struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Account      string `json:"account"`
	Domain       string `json:"domain"`
	DomainID     string `json:"domainid"`
	VolumeID     string `json:"volumeid"`
	VolumeName   string `json:"volumename,omitempty"`
	VolumeType   string `json:"volumetype"`
	State        string `json:"state"`
	SnapshotType string `json:"snapshottype"`
	IntervalType string `json:"intervaltype"`
	ZoneID       string `json:"zoneid"`
	Created      string `json:"created"`
	Revertable   bool   `json:"revertable"`
	VirtualSize  int64  `json:"virtualsize"`
	PhysicalSize int64  `json:"physicalsize"`
	LocationType string `json:"locationtype"`
}

func (s *Simulator) snapshotJSON(sn *Snapshot) snapshotWire {
	out := snapshotWire{
		ID: sn.ID, Name: sn.Name, Account: sn.Account, Domain: domainName, DomainID: domainID,
		VolumeID: sn.VolumeID, VolumeType: string(sn.VolumeType), State: sn.State,
		SnapshotType: "MANUAL", IntervalType: "MANUAL", ZoneID: sn.ZoneID, Created: csTime(sn.Created),
		Revertable: true, VirtualSize: sn.SizeBytes, PhysicalSize: sn.SizeBytes, LocationType: "PRIMARY",
	}
	if v := s.volumes[sn.VolumeID]; v != nil {
		out.VolumeName = v.Name
	}
	return out
}

func zoneJSON(z *Zone) map[string]any {
	return map[string]any{"id": z.ID, "name": z.Name, "networktype": z.NetworkType, "allocationstate": "Enabled"}
}

func serviceOfferingJSON(o *ServiceOffering) map[string]any {
	out := map[string]any{"id": o.ID, "name": o.Name, "displaytext": o.Name, "iscustomized": o.Customized, "storagetype": "shared"}
	if !o.Customized {
		out["cpunumber"], out["cpuspeed"], out["memory"] = o.CPUNumber, o.CPUSpeed, o.MemoryMB
	}
	return out
}

func diskOfferingJSON(o *DiskOffering) map[string]any {
	return map[string]any{"id": o.ID, "name": o.Name, "displaytext": o.Name, "disksize": o.SizeGB, "iscustomized": o.Customized, "storagetype": "shared"}
}

func (s *Simulator) templateJSON(t *Template) map[string]any {
	out := map[string]any{
		"id": t.ID, "name": t.Name, "displaytext": t.Name, "zoneid": t.ZoneID, "ostypeid": t.OSType,
		"ostypename": t.OSType, "hypervisor": t.Hypervisor, "size": t.SizeBytes, "isready": true,
		"status": "Download Complete", "format": "QCOW2", "templatetype": "USER", "ispublic": true,
		"isfeatured": false,
	}
	if z := s.zones[t.ZoneID]; z != nil {
		out["zonename"] = z.Name
	}
	return out
}

func (s *Simulator) networkJSON(n *Network) map[string]any {
	out := map[string]any{
		"id": n.ID, "name": n.Name, "displaytext": n.Name, "zoneid": n.ZoneID, "cidr": n.CIDR,
		"state": "Implemented", "traffictype": "Guest", "type": "Isolated",
	}
	if z := s.zones[n.ZoneID]; z != nil {
		out["zonename"] = z.Name
	}
	return out
}

// listBody renders a list response: {} when empty, as CloudStack answers, else count (the
// total before paging) and the items under key.
func listBody[T any](r *request, key string, items []T) (any, *apiError) {
	total := len(items)
	if total == 0 {
		return map[string]any{}, nil
	}
	page, hasPage, err := r.integer("page")
	if err != nil {
		return nil, err
	}
	size, hasSize, err := r.integer("pagesize")
	if err != nil {
		return nil, err
	}
	if hasPage || hasSize {
		if !hasPage || page < 1 {
			page = 1
		}
		if !hasSize || size < 1 {
			size = 500
		}
		start := (page - 1) * size
		if start >= int64(len(items)) {
			items = nil
		} else {
			items = items[start:min(int64(len(items)), start+size)]
		}
	}
	return map[string]any{"count": total, key: items}, nil
}
