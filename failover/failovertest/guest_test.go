package failovertest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// describe reads a source VM's shape as the engine does, through the service account.
func describe(t *testing.T, l *failovertest.Lab, src failovertest.SourceVM) vsphere.Shape {
	t.Helper()
	ctx := context.Background()
	c, err := newPool(t).Client(ctx, l.VSphereSet())
	require.NoError(t, err)
	vm, err := c.FindVM(ctx, src.Locator())
	require.NoError(t, err)
	shape, err := c.Describe(ctx, vm)
	require.NoError(t, err)
	return shape
}

type nicShape struct{ network, mac, adapter string }

func nicsOf(s vsphere.Shape) []nicShape {
	out := make([]nicShape, len(s.NICs))
	for i, n := range s.NICs {
		out[i] = nicShape{n.Network, n.MACAddress, n.AdapterType}
	}
	return out
}

// A Windows guest on UEFI with Secure Boot and three NICs on two port groups, beside a Linux
// guest on BIOS that keeps vcsim's adapter, and CloudStack networks to map them to.
func TestGuestsShapeSourceVMs(t *testing.T) {
	t.Parallel()
	l := start(t, failovertest.Options{
		SourceVMs: 3,
		Guests: []failovertest.Guest{
			{
				GuestID: failovertest.WindowsGuestID, Firmware: "efi", SecureBoot: true,
				NICs: []failovertest.GuestNIC{
					{Network: failovertest.DVPortGroup, MACAddress: "00:50:56:8a:00:01", Adapter: "e1000e"},
					{Network: failovertest.VMNetwork, MACAddress: "00:50:56:8a:00:02"},
					{Network: failovertest.DVPortGroup},
				},
			},
			{GuestID: failovertest.LinuxGuestID, Firmware: "bios"},
		},
		CloudNetworks: []string{"prod", "backup"},
	})
	assert.Empty(t, l.VSphereCalls(), "shaping is the administrator's work, not the service account's")
	win := describe(t, l, l.Sources[0])
	assert.Equal(t, failovertest.WindowsGuestID, win.GuestID)
	assert.Equal(t, vsphere.GuestWindows, win.Family())
	assert.Equal(t, "efi", win.Firmware)
	assert.True(t, win.SecureBoot)
	assert.Equal(t, vsphere.PoweredOn, win.PowerState, "shaped powered off, as vCenter needs, then on again")
	require.Len(t, win.NICs, 3)
	assert.Equal(t, []nicShape{
		{failovertest.DVPortGroup, "00:50:56:8a:00:01", "e1000e"},
		{failovertest.VMNetwork, "00:50:56:8a:00:02", "vmxnet3"},
		{failovertest.DVPortGroup, win.NICs[2].MACAddress, "vmxnet3"},
	}, nicsOf(win))
	assert.NotEmpty(t, win.NICs[2].MACAddress, "vcsim generates the MAC of an adapter given none")
	assert.Equal(t, l.Sources[0].Guest.GuestID, failovertest.WindowsGuestID)

	linux := describe(t, l, l.Sources[1])
	assert.Equal(t, vsphere.GuestLinux, linux.Family())
	assert.Equal(t, "bios", linux.Firmware)
	assert.False(t, linux.SecureBoot)
	require.Len(t, linux.NICs, 1, "no NICs asked for: vcsim's adapter stays")
	assert.Equal(t, failovertest.DVPortGroup, linux.NICs[0].Network)

	untouched := describe(t, l, l.Sources[2])
	assert.Equal(t, failovertest.Guest{}, l.Sources[2].Guest)
	assert.Equal(t, "bios", untouched.Firmware)
	assert.Equal(t, vsphere.GuestOther, untouched.Family())

	// The CloudStack side: a network per name, and a Linux and a Windows template.
	cat, err := l.Catalog(l.Sources[0].CloudAccount)
	require.NoError(t, err)
	assert.Len(t, cat.Networks, 3)
	assert.Equal(t, cat.NetworkID, cat.Networks["network-1"])
	set, err := l.CloudStackSet(l.Sources[0].CloudAccount)
	require.NoError(t, err)
	assert.Equal(t, cat.LinuxTemplateID, set.TemplateID)
	c, err := cloudstack.New(set)
	require.NoError(t, err)
	ctx := context.Background()
	for id, want := range map[string]cloudstack.OSFamily{cat.LinuxTemplateID: cloudstack.OSLinux, cat.WindowsTemplateID: cloudstack.OSWindows} {
		tpl, err := c.GetTemplate(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, want, tpl.Family())
	}
	// What the engine compares: the guest's family and the template's.
	assert.Equal(t, string(win.Family()), string(cloudstack.OSWindows))
	assert.Equal(t, string(linux.Family()), string(cloudstack.OSLinux))
	for name, id := range cat.Networks {
		n, err := c.GetNetwork(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, name, n.Name)
		assert.Equal(t, cat.ZoneID, n.ZoneID)
	}

	// The source's shape carried over: a NIC per source NIC on the mapped network, UEFI with
	// Secure Boot, the Windows template. Its first MAC is kept; CloudStack cannot take MACs
	// for the NICs after it, two of which share a network.
	mapping := map[string]string{failovertest.DVPortGroup: cat.Networks["prod"], failovertest.VMNetwork: cat.Networks["backup"]}
	var nics []cloudstack.NICSpec
	for i, n := range win.NICs {
		spec := cloudstack.NICSpec{NetworkID: mapping[n.Network]}
		if i == 0 {
			spec.MACAddress = n.MACAddress
		}
		nics = append(nics, spec)
	}
	vm, err := c.DeployVM(ctx, cloudstack.DeploySpec{Name: "win-test", TemplateID: cat.WindowsTemplateID, NICs: nics,
		BootType: cloudstack.BootUEFI, BootMode: cloudstack.BootSecure})
	require.NoError(t, err)
	assert.Equal(t, []string{cat.Networks["prod"], cat.Networks["backup"], cat.Networks["prod"]}, vm.NetworkIDs())
	assert.Equal(t, win.NICs[0].MACAddress, vm.NICs[0].MACAddress)
	assert.Equal(t, cloudstack.BootSecure, vm.BootMode)

	nics[2].MACAddress = win.NICs[2].MACAddress
	_, err = c.DeployVM(ctx, cloudstack.DeploySpec{Name: "win-test-2", NICs: nics})
	require.ErrorIs(t, err, fkerrors.Invalid)
}

func TestGuestsRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts failovertest.Options
		want string
	}{
		{"more guests than source VMs", failovertest.Options{Guests: make([]failovertest.Guest, 2)}, "raise Options.SourceVMs"},
		{"unknown firmware", failovertest.Options{Guests: []failovertest.Guest{{Firmware: "uefi"}}}, `use "bios" or "efi"`},
		{"Secure Boot on BIOS", failovertest.Options{Guests: []failovertest.Guest{{SecureBoot: true}}}, `needs Firmware "efi"`},
		{"a NIC without a network", failovertest.Options{Guests: []failovertest.Guest{{NICs: []failovertest.GuestNIC{{}}}}}, "NICs[0] has no network"},
		{"a multicast MAC", failovertest.Options{Guests: []failovertest.Guest{{NICs: []failovertest.GuestNIC{
			{Network: failovertest.VMNetwork, MACAddress: "01:00:5e:00:00:01"}}}}}, "not a unicast Ethernet address"},
		{"an unknown network", failovertest.Options{Guests: []failovertest.Guest{{NICs: []failovertest.GuestNIC{{Network: "storage"}}}}},
			`no vCenter network "storage"`},
		{"an unknown guest id", failovertest.Options{Guests: []failovertest.Guest{{GuestID: "amigaGuest"}}}, "reconfigure"},
		{"a CloudStack network named twice", failovertest.Options{CloudNetworks: []string{"prod", "prod"}}, "named twice"},
		{"the default network's name", failovertest.Options{CloudNetworks: []string{"network-1"}}, "named twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, err := failovertest.Start(tc.opts)
			require.Error(t, err)
			assert.Nil(t, l)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// vcsim is more lenient than vCenter in ways that matter to shaping guests; the lab works
// around each, and these tests pin the behaviour so that a govmomi upgrade that changes it
// shows here.
func TestVcsimIsMoreLenientThanVCenter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := start(t, failovertest.Options{SourceVMs: 2})
	c := govmomiClient(t, l)
	vm, err := find.NewFinder(c.Client).VirtualMachine(ctx, l.Sources[1].Path)
	require.NoError(t, err)
	reconfigure := func(spec types.VirtualMachineConfigSpec) error {
		task, err := vm.Reconfigure(ctx, spec)
		require.NoError(t, err)
		return task.Wait(ctx)
	}
	config := func() *types.VirtualMachineConfigInfo {
		var m mo.VirtualMachine
		require.NoError(t, vm.Properties(ctx, vm.Reference(), []string{"config"}, &m))
		return m.Config
	}

	// vCenter changes firmware and guest OS only of a powered-off VM (InvalidPowerState);
	// vcsim changes them on a running one. The lab powers a VM off to shape it.
	require.NoError(t, reconfigure(types.VirtualMachineConfigSpec{Firmware: "efi", GuestId: failovertest.WindowsGuestID}))
	power, err := l.PowerState(l.Sources[1].Name)
	require.NoError(t, err)
	assert.Equal(t, vsphere.PoweredOn, power)
	assert.Equal(t, "efi", config().Firmware)

	// vCenter names the guest ("Microsoft Windows Server 2019 (64-bit)"); vcsim repeats its id.
	assert.Equal(t, failovertest.WindowsGuestID, config().GuestFullName)

	// vCenter merges a BootOptions change into the VM's boot options; vcsim replaces them
	// whole, so a second change loses the first. The lab sets boot options once, in the
	// change that sets the firmware.
	require.NoError(t, reconfigure(types.VirtualMachineConfigSpec{BootOptions: &types.VirtualMachineBootOptions{BootDelay: 5000}}))
	require.NoError(t, reconfigure(types.VirtualMachineConfigSpec{BootOptions: &types.VirtualMachineBootOptions{EfiSecureBootEnabled: types.NewBool(true)}}))
	assert.Zero(t, config().BootOptions.BootDelay, "vCenter would keep 5000")
	assert.True(t, *config().BootOptions.EfiSecureBootEnabled)

	// vCenter takes a manual MAC only in VMware's static range, 00:50:56:00:00:00 to
	// 00:50:56:3f:ff:ff; vcsim takes any. Sources shaped by the lab may carry addresses
	// vCenter generates (00:50:56:80:... and up, 00:0c:29:...), which a real VM has too.
	devices, err := vm.Device(ctx)
	require.NoError(t, err)
	nic := devices.SelectByType((*types.VirtualEthernetCard)(nil))[0]
	card := nic.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
	card.AddressType, card.MacAddress = string(types.VirtualEthernetCardMacTypeManual), "00:0c:29:aa:bb:cc"
	change, err := object.VirtualDeviceList{nic}.ConfigSpec(types.VirtualDeviceConfigSpecOperationEdit)
	require.NoError(t, err)
	require.NoError(t, reconfigure(types.VirtualMachineConfigSpec{DeviceChange: change}))
	shape := describe(t, l, l.Sources[1])
	assert.Equal(t, "00:0c:29:aa:bb:cc", shape.NICs[0].MACAddress)
}
