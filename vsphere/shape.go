package vsphere

import (
	"context"
	"slices"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// PowerState is a VM's power state as vCenter reports it.
type PowerState string

// The power states.
const (
	PoweredOn  PowerState = PowerState(types.VirtualMachinePowerStatePoweredOn)
	PoweredOff PowerState = PowerState(types.VirtualMachinePowerStatePoweredOff)
	Suspended  PowerState = PowerState(types.VirtualMachinePowerStateSuspended)
)

// Shape is what the CloudStack side needs to build a VM like the source VM.
type Shape struct {
	// VM identifies the VM.
	VM VM `json:"vm"`
	// CPUs is the number of virtual CPUs; CoresPerSocket how they are grouped.
	CPUs           int32 `json:"cpus"`
	CoresPerSocket int32 `json:"cores_per_socket"`
	// MemoryMB is the configured memory in MiB.
	MemoryMB int64 `json:"memory_mb"`
	// GuestID is the configured guest OS identifier ("rhel9_64Guest", "windows2019srv_64Guest").
	GuestID string `json:"guest_id"`
	// GuestFullName is the guest OS as vCenter names it.
	GuestFullName string `json:"guest_full_name,omitempty"`
	// Firmware is "bios" or "efi".
	Firmware string `json:"firmware"`
	// SecureBoot reports UEFI Secure Boot enabled (config.bootOptions.efiSecureBootEnabled).
	SecureBoot bool `json:"secure_boot,omitempty"`
	// PowerState is the power state when Describe read it.
	PowerState PowerState `json:"power_state"`
	// ToolsStatus is VMware Tools' status ("toolsOk", "toolsNotRunning", "toolsNotInstalled", "toolsOld").
	ToolsStatus string `json:"tools_status,omitempty"`
	// ToolsRunning reports whether VMware Tools runs in the guest, which a graceful shutdown needs.
	ToolsRunning bool `json:"tools_running"`
	// Disks are in boot order: the boot disk first (from the VM's boot order when it names a
	// disk, else the first disk by controller key and unit number), then the others by
	// controller key and unit number.
	Disks []Disk `json:"disks"`
	// NICs are ordered by device key, which is the order the guest enumerates them in.
	NICs []NIC `json:"nics"`
}

// Disk is one virtual disk.
type Disk struct {
	// Key is the device key, unique within the VM.
	Key int32 `json:"key"`
	// Label is the label vCenter shows ("Hard disk 1").
	Label string `json:"label"`
	// CapacityBytes is the provisioned size.
	CapacityBytes int64 `json:"capacity_bytes"`
	// Controller is the controller the disk hangs off.
	Controller Controller `json:"controller"`
	// UnitNumber is the disk's unit on its controller.
	UnitNumber int32 `json:"unit_number"`
	// File is the backing file ("[datastore1] web01/web01.vmdk"), empty for a raw device.
	File string `json:"file,omitempty"`
	// Datastore is the datastore holding File.
	Datastore string `json:"datastore,omitempty"`
	// ThinProvisioned reports a thin-provisioned backing.
	ThinProvisioned bool `json:"thin_provisioned"`
	// Boot marks the boot disk.
	Boot bool `json:"boot"`
}

// Controller is a disk controller.
type Controller struct {
	// Key is the controller's device key.
	Key int32 `json:"key"`
	// Type is the controller model: "pvscsi", "lsilogic", "lsilogic-sas", "buslogic", "ide",
	// "ahci" (SATA) or "nvme".
	Type string `json:"type"`
	// Bus is the bus kind: "scsi", "ide", "sata" or "nvme".
	Bus string `json:"bus"`
	// BusNumber is the controller's bus number.
	BusNumber int32 `json:"bus_number"`
}

// NIC is a virtual network adapter.
type NIC struct {
	// Key is the device key.
	Key int32 `json:"key"`
	// Label is the label vCenter shows ("Network adapter 1").
	Label string `json:"label"`
	// Network is the port group or network name the adapter connects to.
	Network string `json:"network"`
	// MACAddress is the adapter's MAC address.
	MACAddress string `json:"mac_address"`
	// AdapterType is the adapter model: "vmxnet3", "e1000", "e1000e", ...
	AdapterType string `json:"adapter_type"`
	// StartConnected reports whether the adapter connects when the VM powers on.
	StartConnected bool `json:"start_connected"`
}

// GuestFamily is the broad kind of guest OS: what a driver-injection script or a template
// choice needs to know.
type GuestFamily string

// The guest OS families.
const (
	GuestWindows GuestFamily = "windows"
	GuestLinux   GuestFamily = "linux"
	GuestOther   GuestFamily = "other"
)

// linuxGuests are the prefixes of vSphere guest ids (VirtualMachineGuestOsIdentifier) of
// Linux distributions whose id does not say "linux".
var linuxGuests = []string{"rhel", "centos", "oracle", "ubuntu", "debian", "sles", "suse", "opensuse", "fedora",
	"asianux", "coreos", "vmwarephoton", "mandrake", "mandriva", "turbolinux", "redhat", "rocky", "almalinux",
	"amazonlinux", "miraclelinux", "pardus", "fusionos", "prolinux", "kylinlinux"}

// Family returns the guest OS family of the configured guest id: Windows for the windows*
// ids, Linux for the Linux distributions, Other for the rest (BSDs, Solaris, unknown).
func (s Shape) Family() GuestFamily {
	id := strings.ToLower(s.GuestID)
	switch {
	case strings.HasPrefix(id, "win"):
		return GuestWindows
	case strings.Contains(id, "linux"):
		return GuestLinux
	}
	for _, p := range linuxGuests {
		if strings.HasPrefix(id, p) {
			return GuestLinux
		}
	}
	return GuestOther
}

// BootDisk returns the boot disk and true, or false when the VM has no disk.
func (s Shape) BootDisk() (Disk, bool) {
	for _, d := range s.Disks {
		if d.Boot {
			return d, true
		}
	}
	return Disk{}, false
}

var describeProps = []string{
	"name", "config.uuid", "config.instanceUuid", "config.hardware", "config.guestId",
	"config.guestFullName", "config.firmware", "config.bootOptions", "runtime.powerState",
	"guest.toolsStatus", "guest.toolsRunningStatus", "network",
}

// Describe reads the VM's shape: CPUs, memory, disks, NICs, guest OS, firmware, power state
// and tools status, in one read of the VM plus one of its networks.
func (c *Client) Describe(ctx context.Context, vm VM) (Shape, error) {
	if err := vm.check("describe", c.host); err != nil {
		return Shape{}, err
	}
	var shape Shape
	err := c.do(ctx, "describe", vm.String(), func(ctx context.Context, vc *vim25.Client, _ *pooled) error {
		if err := vm.checkVCenter("describe", c.host, vc); err != nil {
			return err
		}
		var m mo.VirtualMachine
		pc := property.DefaultCollector(vc)
		if err := pc.RetrieveOne(ctx, vm.Ref, describeProps, &m); err != nil {
			return err
		}
		nets, err := networkNames(ctx, pc, m.Network)
		if err != nil {
			return err
		}
		shape = shapeOf(vm, &m, nets)
		return nil
	})
	return shape, err
}

// networkNames maps what NIC backings refer to (a network name, a port group key, an opaque
// network id) to network names.
func networkNames(ctx context.Context, pc *property.Collector, refs []types.ManagedObjectReference) (map[string]string, error) {
	names := map[string]string{}
	var pgs []types.ManagedObjectReference
	for _, r := range refs {
		if r.Type == "DistributedVirtualPortgroup" {
			pgs = append(pgs, r)
		}
	}
	if len(pgs) == 0 {
		return names, nil
	}
	var dvpgs []mo.DistributedVirtualPortgroup
	if err := pc.Retrieve(ctx, pgs, []string{"name", "key"}, &dvpgs); err != nil {
		return nil, err
	}
	for _, pg := range dvpgs {
		names[pg.Key] = pg.Name
	}
	return names, nil
}

func shapeOf(vm VM, m *mo.VirtualMachine, portgroups map[string]string) Shape {
	s := Shape{VM: vm, PowerState: PowerState(m.Runtime.PowerState)}
	if s.VM.Name == "" {
		s.VM.Name = m.Name
	}
	if m.Guest != nil {
		s.ToolsStatus = string(m.Guest.ToolsStatus)
		s.ToolsRunning = m.Guest.ToolsRunningStatus == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	}
	cfg := m.Config
	if cfg == nil {
		return s
	}
	if s.VM.BIOSUUID == "" {
		s.VM.BIOSUUID = cfg.Uuid
	}
	if s.VM.InstanceUUID == "" {
		s.VM.InstanceUUID = cfg.InstanceUuid
	}
	s.CPUs = cfg.Hardware.NumCPU
	s.CoresPerSocket = 1
	if n := cfg.Hardware.NumCoresPerSocket; n != nil && *n > 0 {
		s.CoresPerSocket = *n
	}
	s.MemoryMB = int64(cfg.Hardware.MemoryMB)
	s.GuestID = cfg.GuestId
	s.GuestFullName = cfg.GuestFullName
	s.Firmware = cfg.Firmware
	if s.Firmware == "" {
		s.Firmware = string(types.GuestOsDescriptorFirmwareTypeBios)
	}
	if b := cfg.BootOptions; b != nil && b.EfiSecureBootEnabled != nil {
		s.SecureBoot = *b.EfiSecureBootEnabled && s.Firmware == string(types.GuestOsDescriptorFirmwareTypeEfi)
	}

	devices := object.VirtualDeviceList(cfg.Hardware.Device)
	for _, d := range devices {
		switch dev := d.(type) {
		case *types.VirtualDisk:
			s.Disks = append(s.Disks, diskOf(devices, dev))
		case types.BaseVirtualEthernetCard:
			s.NICs = append(s.NICs, nicOf(dev, portgroups))
		}
	}
	slices.SortFunc(s.Disks, func(a, b Disk) int {
		if a.Controller.Key != b.Controller.Key {
			return int(a.Controller.Key - b.Controller.Key)
		}
		return int(a.UnitNumber - b.UnitNumber)
	})
	slices.SortFunc(s.NICs, func(a, b NIC) int { return int(a.Key - b.Key) })
	markBootDisk(s.Disks, cfg.BootOptions)
	return s
}

func markBootDisk(disks []Disk, opts *types.VirtualMachineBootOptions) {
	if len(disks) == 0 {
		return
	}
	boot := 0
	if opts != nil {
	order:
		for _, dev := range opts.BootOrder {
			bd, ok := dev.(*types.VirtualMachineBootOptionsBootableDiskDevice)
			if !ok {
				continue
			}
			for i, d := range disks {
				if d.Key == bd.DeviceKey {
					boot = i
					break order
				}
			}
		}
	}
	disks[boot].Boot = true
	// Boot disk first, the rest keep their order.
	bd := disks[boot]
	copy(disks[1:boot+1], disks[:boot])
	disks[0] = bd
}

func diskOf(devices object.VirtualDeviceList, d *types.VirtualDisk) Disk {
	vd := d.GetVirtualDevice()
	disk := Disk{Key: vd.Key, CapacityBytes: d.CapacityInBytes}
	if disk.CapacityBytes == 0 {
		disk.CapacityBytes = d.CapacityInKB * 1024
	}
	if vd.DeviceInfo != nil {
		disk.Label = vd.DeviceInfo.GetDescription().Label
	}
	if vd.UnitNumber != nil {
		disk.UnitNumber = *vd.UnitNumber
	}
	if ctl := devices.FindByKey(vd.ControllerKey); ctl != nil {
		disk.Controller = controllerOf(devices, ctl)
	} else {
		disk.Controller.Key = vd.ControllerKey
	}
	if fb, ok := vd.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
		info := fb.GetVirtualDeviceFileBackingInfo()
		disk.File = info.FileName
		var p object.DatastorePath
		if p.FromString(info.FileName) {
			disk.Datastore = p.Datastore
		}
	}
	if b, ok := vd.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok && b.ThinProvisioned != nil {
		disk.ThinProvisioned = *b.ThinProvisioned
	}
	return disk
}

func controllerOf(devices object.VirtualDeviceList, d types.BaseVirtualDevice) Controller {
	c := Controller{Key: d.GetVirtualDevice().Key, Type: devices.Type(d)}
	if vc, ok := d.(types.BaseVirtualController); ok {
		c.BusNumber = vc.GetVirtualController().BusNumber
	}
	switch d.(type) {
	case types.BaseVirtualSCSIController:
		c.Bus = "scsi"
	case *types.VirtualIDEController:
		c.Bus = "ide"
	case types.BaseVirtualSATAController:
		c.Bus = "sata"
	case *types.VirtualNVMEController:
		c.Bus = "nvme"
	}
	return c
}

func nicOf(d types.BaseVirtualEthernetCard, portgroups map[string]string) NIC {
	card := d.GetVirtualEthernetCard()
	n := NIC{Key: card.Key, MACAddress: card.MacAddress, AdapterType: adapterType(d)}
	if card.DeviceInfo != nil {
		n.Label = card.DeviceInfo.GetDescription().Label
	}
	if card.Connectable != nil {
		n.StartConnected = card.Connectable.StartConnected
	}
	switch b := card.Backing.(type) {
	case *types.VirtualEthernetCardNetworkBackingInfo:
		n.Network = b.DeviceName
	case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
		n.Network = portgroups[b.Port.PortgroupKey]
		if n.Network == "" {
			n.Network = b.Port.PortgroupKey
		}
	case *types.VirtualEthernetCardOpaqueNetworkBackingInfo:
		n.Network = b.OpaqueNetworkType + ":" + b.OpaqueNetworkId
	}
	return n
}

func adapterType(d types.BaseVirtualEthernetCard) string {
	switch d.(type) {
	case *types.VirtualVmxnet3:
		return "vmxnet3"
	case *types.VirtualVmxnet3Vrdma:
		return "vmxnet3vrdma"
	case *types.VirtualVmxnet2:
		return "vmxnet2"
	case *types.VirtualVmxnet:
		return "vmxnet"
	case *types.VirtualE1000e:
		return "e1000e"
	case *types.VirtualE1000:
		return "e1000"
	case *types.VirtualPCNet32:
		return "pcnet32"
	case *types.VirtualSriovEthernetCard:
		return "sriov"
	}
	return "ethernet"
}
