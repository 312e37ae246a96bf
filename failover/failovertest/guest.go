package failovertest

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// The networks of the lab's vCenter, for GuestNIC.Network.
const (
	// VMNetwork is the standard port group every host has.
	VMNetwork = "VM Network"
	// DVPortGroup is the distributed port group of DC0's distributed switch, the network
	// vcsim's VMs start on.
	DVPortGroup = "DC0_DVPG0"
)

// Guest OS identifiers (vSphere's VirtualMachineGuestOsIdentifier) for Guest.GuestID.
const (
	WindowsGuestID = "windows2019srv_64Guest"
	LinuxGuestID   = "rhel9_64Guest"
)

// Guest shapes a source VM the way a real guest is: its guest OS, its firmware and its
// network adapters. The zero value keeps vcsim's VM as it is: guest "otherGuest", BIOS, one
// adapter on DVPortGroup.
type Guest struct {
	// GuestID is the configured guest OS (WindowsGuestID, LinuxGuestID or any vSphere guest
	// id); empty keeps vcsim's.
	GuestID string
	// Firmware is "bios" or "efi", as vsphere.Shape reports it; empty keeps BIOS.
	Firmware string
	// SecureBoot turns UEFI Secure Boot on; like vCenter, the lab refuses it without
	// Firmware "efi".
	SecureBoot bool
	// NICs, when set, replace the VM's network adapters, in this order.
	NICs []GuestNIC
}

// GuestNIC is one network adapter of a source VM.
type GuestNIC struct {
	// Network is the vCenter network the adapter is on: VMNetwork or DVPortGroup.
	Network string
	// MACAddress is the adapter's address; empty lets vcsim generate one (00:50:56:...).
	MACAddress string
	// Adapter is the adapter model ("vmxnet3", "e1000e", "e1000", ...); empty is vmxnet3.
	Adapter string
}

func (g Guest) isZero() bool {
	return g.GuestID == "" && g.Firmware == "" && !g.SecureBoot && len(g.NICs) == 0
}

// check refuses a shape vCenter would refuse, or the lab cannot build, before anything runs.
func (g Guest) check() error {
	switch g.Firmware {
	case "", string(types.GuestOsDescriptorFirmwareTypeBios), string(types.GuestOsDescriptorFirmwareTypeEfi):
	default:
		return fmt.Errorf("firmware %q: use \"bios\" or \"efi\"", g.Firmware)
	}
	if g.SecureBoot && g.Firmware != string(types.GuestOsDescriptorFirmwareTypeEfi) {
		return errors.New("a guest with Secure Boot needs Firmware \"efi\", as vCenter requires")
	}
	for i, n := range g.NICs {
		if n.Network == "" {
			return fmt.Errorf("NICs[%d] has no network: use failovertest.VMNetwork or failovertest.DVPortGroup", i)
		}
		if n.MACAddress != "" {
			hw, err := net.ParseMAC(n.MACAddress)
			if err != nil || len(hw) != 6 || hw[0]&1 != 0 {
				return fmt.Errorf("NICs[%d].MACAddress %q is not a unicast Ethernet address such as 00:50:56:8a:00:01", i, n.MACAddress)
			}
		}
	}
	return nil
}

// shapeGuests applies opts.Guests to the source VMs through the admin account, as an
// administrator would in vCenter: each VM is powered off for the change (vCenter changes
// firmware and guest OS only then) and powered on again.
func (l *Lab) shapeGuests(guests []Guest) error {
	ctx := context.Background()
	admin, err := l.admin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = admin.Logout(ctx) }()
	finder := find.NewFinder(admin.Client, true)
	dc, err := finder.Datacenter(ctx, "DC0")
	if err != nil {
		return fmt.Errorf("failovertest: find datacenter DC0: %w", err)
	}
	finder.SetDatacenter(dc)
	for i, g := range guests {
		if g.isZero() {
			continue
		}
		src := l.Sources[i]
		vm, err := finder.VirtualMachine(ctx, src.Path)
		if err != nil {
			return fmt.Errorf("failovertest: find source VM %s: %w", src.Path, err)
		}
		if err := shape(ctx, finder, vm, g); err != nil {
			return fmt.Errorf("failovertest: shape source VM %s (Guests[%d]): %w", src.Name, i, err)
		}
		l.Sources[i].Guest = g
	}
	return nil
}

func shape(ctx context.Context, finder *find.Finder, vm *object.VirtualMachine, g Guest) error {
	if err := wait(ctx, vm.PowerOff); err != nil {
		return fmt.Errorf("power off: %w", err)
	}
	spec := types.VirtualMachineConfigSpec{GuestId: g.GuestID, Firmware: g.Firmware}
	if g.SecureBoot {
		// The whole of BootOptions: vcsim replaces it where vCenter merges the fields set.
		spec.BootOptions = &types.VirtualMachineBootOptions{EfiSecureBootEnabled: types.NewBool(true)}
	}
	if len(g.NICs) > 0 {
		devices, err := vm.Device(ctx)
		if err != nil {
			return err
		}
		old := devices.SelectByType((*types.VirtualEthernetCard)(nil))
		remove, err := old.ConfigSpec(types.VirtualDeviceConfigSpecOperationRemove)
		if err != nil {
			return err
		}
		spec.DeviceChange = append(spec.DeviceChange, remove...)
		var nics object.VirtualDeviceList
		for i, n := range g.NICs {
			nic, err := newNIC(ctx, finder, n)
			if err != nil {
				return fmt.Errorf("NICs[%d]: %w", i, err)
			}
			nics = append(nics, nic)
		}
		add, err := nics.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd)
		if err != nil {
			return err
		}
		spec.DeviceChange = append(spec.DeviceChange, add...)
	}
	if err := wait(ctx, func(ctx context.Context) (*object.Task, error) { return vm.Reconfigure(ctx, spec) }); err != nil {
		return fmt.Errorf("reconfigure: %w", err)
	}
	if err := wait(ctx, vm.PowerOn); err != nil {
		return fmt.Errorf("power on: %w", err)
	}
	return nil
}

// newNIC builds an adapter on the named network, with its MAC address when one is given.
func newNIC(ctx context.Context, finder *find.Finder, n GuestNIC) (types.BaseVirtualDevice, error) {
	network, err := finder.Network(ctx, n.Network)
	if err != nil {
		return nil, fmt.Errorf("no vCenter network %q (use failovertest.VMNetwork or failovertest.DVPortGroup): %w", n.Network, err)
	}
	backing, err := network.EthernetCardBackingInfo(ctx)
	if err != nil {
		return nil, err
	}
	adapter := n.Adapter
	if adapter == "" {
		adapter = "vmxnet3"
	}
	dev, err := object.VirtualDeviceList{}.CreateEthernetCard(adapter, backing)
	if err != nil {
		return nil, err
	}
	if n.MACAddress != "" {
		card := dev.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
		card.AddressType = string(types.VirtualEthernetCardMacTypeManual)
		card.MacAddress = n.MACAddress
	}
	return dev, nil
}

// wait runs a vCenter task and waits for it to end.
func wait(ctx context.Context, start func(context.Context) (*object.Task, error)) error {
	task, err := start(ctx)
	if err != nil {
		return err
	}
	return task.Wait(ctx)
}
