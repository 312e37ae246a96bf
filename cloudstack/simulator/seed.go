package simulator

import (
	"fmt"

	"github.com/ossea-migrate/failoverkit/cloudstack"
)

// Scenario describes a starting cloud for Seed. Zero fields take the defaults shown; every
// name is free text except VM names, which follow CloudStack's host name rule.
type Scenario struct {
	// Account owns the seeded VM and volumes and is created (with keys) if missing.
	// Default "admin".
	Account string
	// Zone is the zone name. Default "zone-1".
	Zone string
	// Hypervisor of the template, named as CloudStack's HypervisorType: "KVM" (default),
	// "VMware", "XenServer", "Hyperv", "Simulator", ...
	Hypervisor string
	// ManagedStorage puts the zone's volumes on managed primary storage (Zone.ManagedStorage).
	ManagedStorage bool
	// Template is the template name; TemplateSizeGB its ROOT volume size (default 8). Its OS
	// type is OSTypeLinux.
	Template       string
	TemplateSizeGB int64
	// WindowsTemplate, when set, names a second template, of OS type OSTypeWindows and the
	// same hypervisor and size, for tests that tell Windows guests from Linux ones.
	WindowsTemplate string
	// Network is the guest network name (default "network-1") and NetworkCIDR its CIDR
	// (default "10.1.1.0/24").
	Network     string
	NetworkCIDR string
	// ServiceOffering is a fixed offering (default "small": 2 CPUs at 1000 MHz, 2048 MB);
	// a customized offering named "custom" is always added too.
	ServiceOffering cloudstack.ServiceOffering
	// DiskOffering is a fixed data disk offering (default "data-10g", 10 GB); a customized
	// disk offering named "custom-disk" is always added too.
	DiskOffering cloudstack.DiskOffering
	// Appliance is the appliance VM holding the replicated volumes. Default name "oma",
	// state Running. Set SkipAppliance to seed the catalog only.
	Appliance     ApplianceSpec
	SkipAppliance bool
}

// ApplianceSpec describes the appliance VM of a Scenario.
type ApplianceSpec struct {
	Name string
	// State is cloudstack.VMRunning (default) or cloudstack.VMStopped.
	State cloudstack.VMState
	// Volumes are the replicated data volumes attached to the appliance, in order.
	Volumes []VolumeSpec
	// ReplicatedVolumes, when Volumes is empty, adds that many volumes named
	// "replica-1", "replica-2", ... at the next free device ids (1, 2, 4, 5, ...).
	ReplicatedVolumes int
}

// VolumeSpec describes a data volume to seed.
type VolumeSpec struct {
	Name string
	// SizeGB defaults to 10.
	SizeGB int64
	// DeviceID is the device on the VM; 0 picks the next free id (1, 2, 4, ...). Device 3
	// is CloudStack's CD-ROM slot and is refused.
	DeviceID int
}

// Seeded holds the ids and keys Seed created.
type Seeded struct {
	Account           string
	APIKey, SecretKey string

	ZoneID, TemplateID, NetworkID string
	// WindowsTemplateID is the template Scenario.WindowsTemplate asked for, if any.
	WindowsTemplateID       string
	ServiceOfferingID       string
	CustomServiceOfferingID string
	DiskOfferingID          string
	CustomDiskOfferingID    string

	ApplianceVMID         string
	ApplianceRootVolumeID string
	// VolumeIDs and DeviceIDs are the replicated volumes, in Scenario order.
	VolumeIDs []string
	DeviceIDs []int
}

// Seed creates a scenario: an account, a zone, a template, a network, fixed and customized
// service and disk offerings, and an appliance VM with its ROOT volume and replicated data
// volumes. Each call creates new resources. An error (wrapping ErrInvalidScenario) means
// nothing was created.
func (s *Simulator) Seed(sc Scenario) (Seeded, error) {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&sc.Account, "admin")
	def(&sc.Zone, "zone-1")
	def(&sc.Hypervisor, "KVM")
	def(&sc.Template, "template-1")
	def(&sc.Network, "network-1")
	def(&sc.NetworkCIDR, "10.1.1.0/24")
	def(&sc.ServiceOffering.Name, "small")
	def(&sc.DiskOffering.Name, "data-10g")
	def(&sc.Appliance.Name, "oma")
	if sc.TemplateSizeGB <= 0 {
		sc.TemplateSizeGB = 8
	}
	if sc.ServiceOffering.CPUs <= 0 {
		sc.ServiceOffering.CPUs = 2
	}
	if sc.ServiceOffering.CPUSpeedMHz <= 0 {
		sc.ServiceOffering.CPUSpeedMHz = 1000
	}
	if sc.ServiceOffering.MemoryMB <= 0 {
		sc.ServiceOffering.MemoryMB = 2048
	}
	sc.ServiceOffering.Custom = false
	if sc.DiskOffering.SizeGB <= 0 {
		sc.DiskOffering.SizeGB = 10
	}
	sc.DiskOffering.Custom = false
	if sc.Appliance.State == "" {
		sc.Appliance.State = cloudstack.VMRunning
	}
	if sc.Appliance.State != cloudstack.VMRunning && sc.Appliance.State != cloudstack.VMStopped {
		return Seeded{}, fmt.Errorf("%w: appliance state %q: use cloudstack.VMRunning or cloudstack.VMStopped", ErrInvalidScenario, sc.Appliance.State)
	}
	if !hostnamePattern.MatchString(sc.Appliance.Name) {
		return Seeded{}, fmt.Errorf("%w: appliance name %q is not a valid host name (letters, digits, hyphens; starts with a letter)", ErrInvalidScenario, sc.Appliance.Name)
	}
	vols := sc.Appliance.Volumes
	if len(vols) == 0 {
		for i := 1; i <= sc.Appliance.ReplicatedVolumes; i++ {
			vols = append(vols, VolumeSpec{Name: fmt.Sprintf("replica-%d", i)})
		}
	}
	if err := s.checkDevices(vols); err != nil {
		return Seeded{}, err
	}
	vols = assignDevices(vols)

	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.ensureAccountLocked(sc.Account)
	out := Seeded{Account: a.name, APIKey: a.apiKey, SecretKey: a.secretKey}
	z := s.addZoneLocked(sc.Zone)
	z.ManagedStorage = sc.ManagedStorage
	out.ZoneID = z.ID
	out.TemplateID = s.addTemplateLocked(Template{Name: sc.Template, ZoneID: z.ID, OSType: OSTypeLinux, Hypervisor: sc.Hypervisor, SizeBytes: sc.TemplateSizeGB << 30}).ID
	if sc.WindowsTemplate != "" {
		out.WindowsTemplateID = s.addTemplateLocked(Template{Name: sc.WindowsTemplate, ZoneID: z.ID, OSType: OSTypeWindows, Hypervisor: sc.Hypervisor, SizeBytes: sc.TemplateSizeGB << 30}).ID
	}
	out.NetworkID = s.addNetworkLocked(Network{Name: sc.Network, ZoneID: z.ID, CIDR: sc.NetworkCIDR}).ID
	out.ServiceOfferingID = s.addServiceOfferingLocked(sc.ServiceOffering).ID
	out.CustomServiceOfferingID = s.addServiceOfferingLocked(cloudstack.ServiceOffering{Name: "custom", Custom: true}).ID
	out.DiskOfferingID = s.addDiskOfferingLocked(sc.DiskOffering).ID
	out.CustomDiskOfferingID = s.addDiskOfferingLocked(cloudstack.DiskOffering{Name: "custom-disk", Custom: true}).ID
	if sc.SkipAppliance {
		return out, nil
	}
	vm, root := s.addVMLocked(a.name, sc.Appliance.Name, sc.Appliance.State, z, s.templates[out.TemplateID], s.serviceOfferings[out.ServiceOfferingID], s.networks[out.NetworkID])
	out.ApplianceVMID, out.ApplianceRootVolumeID = vm.ID, root.ID
	for _, spec := range vols {
		v := s.addDataVolumeLocked(a.name, z.ID, vm.ID, spec, out.DiskOfferingID)
		out.VolumeIDs = append(out.VolumeIDs, v.ID)
		out.DeviceIDs = append(out.DeviceIDs, v.DeviceID)
	}
	return out, nil
}

func (s *Simulator) checkDevices(vols []VolumeSpec) error {
	maxDeviceID := s.maxDeviceID()
	used := map[int]bool{}
	auto := 0
	for _, v := range vols {
		switch {
		case v.DeviceID == 0:
			auto++
		case v.DeviceID < 0 || v.DeviceID > maxDeviceID || v.DeviceID == reservedDeviceID:
			return fmt.Errorf("%w: volume %q device id %d: use 1, 2 or 4-%d (0 picks the next free one)", ErrInvalidScenario, v.Name, v.DeviceID, maxDeviceID)
		case used[v.DeviceID]:
			return fmt.Errorf("%w: device id %d is given to two volumes", ErrInvalidScenario, v.DeviceID)
		default:
			used[v.DeviceID] = true
		}
	}
	if len(used)+auto > s.maxDataVolumes {
		return fmt.Errorf("%w: %d volumes exceed the %d data volumes a VM can hold (WithMaxDataVolumes)", ErrInvalidScenario, len(vols), s.maxDataVolumes)
	}
	return nil
}

// AddZone adds a zone and returns its id.
func (s *Simulator) AddZone(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addZoneLocked(name).ID
}

// AddServiceOffering adds a compute offering (its ID field is ignored) and returns its id.
func (s *Simulator) AddServiceOffering(o cloudstack.ServiceOffering) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addServiceOfferingLocked(o).ID
}

// AddDiskOffering adds a disk offering (its ID field is ignored) and returns its id.
func (s *Simulator) AddDiskOffering(o cloudstack.DiskOffering) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addDiskOfferingLocked(o).ID
}

// Guest OS type names of the seeded templates, as CloudStack's guest OS table names them.
const (
	OSTypeLinux   = "Other Linux (64-bit)"
	OSTypeWindows = "Windows Server 2019 (64-bit)"
)

// AddTemplate adds a template to an existing zone and returns its id (the ID field is
// ignored). A Windows template is a Template with OSType OSTypeWindows (or another Windows
// guest OS name); UEFI gives it a UEFI boot mode.
func (s *Simulator) AddTemplate(t Template) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.zones[t.ZoneID] == nil {
		return "", fmt.Errorf("%w: template %q: zone %q does not exist; add it with AddZone", ErrInvalidScenario, t.Name, t.ZoneID)
	}
	if t.UEFI != "" && t.UEFI != cloudstack.BootLegacy && t.UEFI != cloudstack.BootSecure {
		return "", fmt.Errorf("%w: template %q: UEFI %q: use cloudstack.BootLegacy, cloudstack.BootSecure or nothing", ErrInvalidScenario, t.Name, t.UEFI)
	}
	return s.addTemplateLocked(t).ID, nil
}

// AddNetwork adds a network to an existing zone and returns its id.
func (s *Simulator) AddNetwork(n Network) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.zones[n.ZoneID] == nil {
		return "", fmt.Errorf("%w: network %q: zone %q does not exist; add it with AddZone", ErrInvalidScenario, n.Name, n.ZoneID)
	}
	return s.addNetworkLocked(n).ID, nil
}

// AddDataVolume adds a DATADISK volume in a zone, attached to vmID at spec.DeviceID (0
// picks the next free id) or detached when vmID is empty. It returns the volume id.
func (s *Simulator) AddDataVolume(zoneID, vmID string, spec VolumeSpec) (string, error) {
	if err := s.checkDevices([]VolumeSpec{spec}); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.zones[zoneID] == nil {
		return "", fmt.Errorf("%w: volume %q: zone %q does not exist", ErrInvalidScenario, spec.Name, zoneID)
	}
	owner := ""
	if vmID != "" {
		vm, ok := s.vms[vmID]
		if !ok || vm.Expunged() {
			return "", fmt.Errorf("%w: volume %q: VM %q does not exist", ErrInvalidScenario, spec.Name, vmID)
		}
		if vm.ZoneID != zoneID {
			return "", fmt.Errorf("%w: volume %q: VM %q is in another zone", ErrInvalidScenario, spec.Name, vmID)
		}
		if spec.DeviceID != 0 && s.volumeAtLocked(vmID, spec.DeviceID) != nil {
			return "", fmt.Errorf("%w: volume %q: device id %d of VM %q is in use", ErrInvalidScenario, spec.Name, spec.DeviceID, vmID)
		}
		if _, ok := s.freeDeviceLocked(vmID); !ok && spec.DeviceID == 0 {
			return "", fmt.Errorf("%w: volume %q: VM %q has no free device id", ErrInvalidScenario, spec.Name, vmID)
		}
		owner = vm.Account
	}
	return s.addDataVolumeLocked(owner, zoneID, vmID, spec, "").ID, nil
}

func (s *Simulator) addZoneLocked(name string) *Zone {
	z := &Zone{ID: s.nextID(), Name: name, NetworkType: "Advanced"}
	s.zones[z.ID] = z
	return z
}

func (s *Simulator) addServiceOfferingLocked(o cloudstack.ServiceOffering) *cloudstack.ServiceOffering {
	o.ID = s.nextID()
	if o.Custom {
		o.CPUs, o.CPUSpeedMHz, o.MemoryMB = 0, 0, 0
	}
	s.serviceOfferings[o.ID] = &o
	return &o
}

func (s *Simulator) addDiskOfferingLocked(o cloudstack.DiskOffering) *cloudstack.DiskOffering {
	o.ID = s.nextID()
	if o.Custom {
		o.SizeGB = 0
	}
	s.diskOfferings[o.ID] = &o
	return &o
}

func (s *Simulator) addTemplateLocked(t Template) *Template {
	t.ID = s.nextID()
	if t.Hypervisor == "" {
		t.Hypervisor = "KVM"
	}
	if t.OSType == "" {
		t.OSType = OSTypeLinux
	}
	if t.SizeBytes <= 0 {
		t.SizeBytes = 8 << 30
	}
	s.templates[t.ID] = &t
	return &t
}

func (s *Simulator) addNetworkLocked(n Network) *Network {
	n.ID = s.nextID()
	if n.CIDR == "" {
		n.CIDR = "10.1.1.0/24"
	}
	s.networks[n.ID] = &n
	return &n
}

func (s *Simulator) addVMLocked(acct, name string, state cloudstack.VMState, z *Zone, t *Template, o *cloudstack.ServiceOffering, n *Network) (*VM, *Volume) {
	vm := &VM{ID: s.nextID(), Name: name, DisplayName: name, Account: acct, State: state, ZoneID: z.ID,
		TemplateID: t.ID, ServiceOfferingID: o.ID, CPUs: o.CPUs, CPUSpeedMHz: o.CPUSpeedMHz, MemoryMB: o.MemoryMB,
		Created: s.clock()}
	vm.BootType, vm.BootMode = cloudstack.BootBIOS, cloudstack.BootLegacy
	vm.NICs = []NIC{s.newNICLocked(n, 0)}
	s.vms[vm.ID] = vm
	s.vmOrder = append(s.vmOrder, vm)
	root := s.addVolumeLocked(&Volume{Name: "ROOT-" + name, Account: acct, Type: cloudstack.VolumeRoot, ZoneID: z.ID,
		SizeBytes: t.SizeBytes, TemplateID: t.ID, Hypervisor: t.Hypervisor, VMID: vm.ID, DeviceID: 0})
	return vm, root
}

func (s *Simulator) addDataVolumeLocked(acct, zoneID, vmID string, spec VolumeSpec, offeringID string) *Volume {
	size := spec.SizeGB
	if size <= 0 {
		size = 10
	}
	dev := spec.DeviceID
	if vmID != "" && dev == 0 {
		dev, _ = s.freeDeviceLocked(vmID)
	}
	name := spec.Name
	if name == "" {
		name = fmt.Sprintf("DATA-%d", s.idSeq+1)
	}
	// A seeded volume has been in use: it has the hypervisor of its VM, or of the zone.
	hypervisor := s.zoneHypervisorLocked(zoneID)
	if vm := s.vms[vmID]; vm != nil {
		hypervisor = s.hypervisorOf(vm)
	}
	return s.addVolumeLocked(&Volume{Name: name, Account: acct, Type: cloudstack.VolumeData, ZoneID: zoneID,
		SizeBytes: size << 30, DiskOfferingID: offeringID, Hypervisor: hypervisor, VMID: vmID, DeviceID: dev})
}

// zoneHypervisorLocked is the hypervisor of the zone's first template, KVM without one.
func (s *Simulator) zoneHypervisorLocked(zoneID string) string {
	for _, t := range sortedValues(s.templates) {
		if t.ZoneID == zoneID {
			return t.Hypervisor
		}
	}
	return "KVM"
}

// assignDevices gives every auto (0) device id the lowest id no volume asked for, so an
// explicit id later in the list never collides with an earlier auto one.
func assignDevices(vols []VolumeSpec) []VolumeSpec {
	out := append([]VolumeSpec(nil), vols...)
	used := map[int]bool{}
	for _, v := range out {
		used[v.DeviceID] = true
	}
	next := 1
	for i := range out {
		if out[i].DeviceID != 0 {
			continue
		}
		for used[next] || next == reservedDeviceID {
			next++
		}
		out[i].DeviceID = next
		used[next] = true
	}
	return out
}
