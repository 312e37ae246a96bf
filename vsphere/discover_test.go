package vsphere_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// cloneInto clones src into a new folder of DC0's VM folder under the given VM name, and
// returns the clone.
func (v *fakeVCenter) cloneInto(folder, src, name string) *object.VirtualMachine {
	v.t.Helper()
	ctx := context.Background()
	finder := find.NewFinder(v.admin.Client, true)
	dc, err := finder.Datacenter(ctx, "DC0")
	require.NoError(v.t, err)
	finder.SetDatacenter(dc)
	folders, err := dc.Folders(ctx)
	require.NoError(v.t, err)
	target := folders.VmFolder
	if folder != "" {
		target, err = folders.VmFolder.CreateFolder(ctx, folder)
		require.NoError(v.t, err)
	}
	task, err := v.adminVM(src).Clone(ctx, target, name, types.VirtualMachineCloneSpec{})
	require.NoError(v.t, err)
	info, err := task.WaitForResult(ctx)
	require.NoError(v.t, err)
	return object.NewVirtualMachine(v.admin.Client, info.Result.(types.ManagedObjectReference))
}

func reconfigure(t *testing.T, vm *object.VirtualMachine, spec types.VirtualMachineConfigSpec) {
	t.Helper()
	task, err := vm.Reconfigure(context.Background(), spec)
	require.NoError(t, err)
	require.NoError(t, task.Wait(context.Background()))
}

func TestFindVM(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	original := v.simVM("DC0_H0_VM0")
	clone := v.cloneInto("dup", "DC0_H0_VM0", "DC0_H0_VM0")
	twin := v.cloneInto("", "DC0_C0_RP0_VM0", "twin")
	// A clone that kept its source's BIOS UUID, as copied VMs often do.
	reconfigure(t, twin, types.VirtualMachineConfigSpec{Uuid: v.simVM("DC0_C0_RP0_VM0").Config.Uuid})

	p := newPool(t, nil)
	c := v.client(p)
	unique := v.simVM("DC0_C0_RP0_VM1")

	tests := []struct {
		name       string
		loc        vsphere.Locator
		wantRef    types.ManagedObjectReference
		wantPath   string
		wantErr    error
		candidates []string
	}{
		{name: "absolute path", loc: vsphere.ByPath("/DC0/vm/DC0_H0_VM0"), wantRef: original.Self, wantPath: "/DC0/vm/DC0_H0_VM0"},
		{name: "path relative to the VM folder", loc: vsphere.ByPath("dup/DC0_H0_VM0"), wantRef: clone.Reference(), wantPath: "/DC0/vm/dup/DC0_H0_VM0"},
		{name: "instance UUID", loc: vsphere.ByInstanceUUID(unique.Config.InstanceUuid), wantRef: unique.Self},
		{name: "BIOS UUID", loc: vsphere.ByBIOSUUID(unique.Config.Uuid), wantRef: unique.Self},
		{name: "unique name", loc: vsphere.ByName("DC0_C0_RP0_VM1"), wantRef: unique.Self, wantPath: "/DC0/vm/DC0_C0_RP0_VM1"},

		{name: "missing path", loc: vsphere.ByPath("/DC0/vm/nope"), wantErr: fkerrors.NotFound},
		{name: "path naming a folder", loc: vsphere.ByPath("/DC0/vm/dup"), wantErr: fkerrors.NotFound},
		{name: "missing instance UUID", loc: vsphere.ByInstanceUUID("5021b8a3-0000-4000-8000-" + testkit.RandomHex(6)), wantErr: fkerrors.NotFound},
		{name: "missing BIOS UUID", loc: vsphere.ByBIOSUUID("4221b8a3-0000-4000-8000-" + testkit.RandomHex(6)), wantErr: fkerrors.NotFound},
		{name: "missing name", loc: vsphere.ByName("nope"), wantErr: fkerrors.NotFound},
		{name: "glob characters are not patterns", loc: vsphere.ByName("DC0_C0_RP0_VM*"), wantErr: fkerrors.NotFound},

		{name: "ambiguous name", loc: vsphere.ByName("DC0_H0_VM0"), wantErr: fkerrors.Ambiguous,
			candidates: []string{"/DC0/vm/DC0_H0_VM0", "/DC0/vm/dup/DC0_H0_VM0"}},
		{name: "ambiguous BIOS UUID", loc: vsphere.ByBIOSUUID(v.simVM("DC0_C0_RP0_VM0").Config.Uuid), wantErr: fkerrors.Ambiguous,
			candidates: []string{"/DC0/vm/DC0_C0_RP0_VM0", "/DC0/vm/twin"}},

		{name: "empty value", loc: vsphere.ByName(""), wantErr: fkerrors.Invalid},
		{name: "padded value", loc: vsphere.ByName(" DC0_C0_RP0_VM1"), wantErr: fkerrors.Invalid},
		{name: "unknown key", loc: vsphere.Locator{Key: "ip", Value: "10.0.0.1"}, wantErr: fkerrors.Invalid},
		{name: "zero locator", loc: vsphere.Locator{}, wantErr: fkerrors.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vm, err := c.FindVM(context.Background(), tt.loc)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				var ve *vsphere.Error
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "find", ve.Op)
				assert.Equal(t, tt.candidates, ve.Candidates)
				for _, c := range tt.candidates {
					assert.Contains(t, err.Error(), c, "the message lists the matches")
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantRef, vm.Ref)
			if tt.wantPath != "" {
				assert.Equal(t, tt.wantPath, vm.Path)
			}
			sim := v.model.Map().Get(vm.Ref).(*simulator.VirtualMachine)
			assert.Equal(t, sim.Name, vm.Name)
			assert.Equal(t, sim.Config.Uuid, vm.BIOSUUID)
			assert.Equal(t, sim.Config.InstanceUuid, vm.InstanceUUID)
		})
	}
}

func TestDatacenterSelection(t *testing.T) {
	t.Parallel()
	v := newVCenter(t, func(m *simulator.Model) { m.Datacenter = 2 })
	p := newPool(t, nil)
	ctx := context.Background()

	tests := []struct {
		datacenter string
		wantPath   string
		wantCat    error
	}{
		{datacenter: "DC1", wantPath: "/DC1/vm/DC1_H0_VM0"},
		{datacenter: "/DC1", wantPath: "/DC1/vm/DC1_H0_VM0"},
		{datacenter: "", wantCat: fkerrors.Incomplete},
		{datacenter: "DC9", wantCat: fkerrors.Invalid},
	}
	for _, tt := range tests {
		t.Run("datacenter "+tt.datacenter, func(t *testing.T) {
			set := v.creds()
			set.Datacenter = tt.datacenter
			c, err := p.Client(ctx, set)
			require.NoError(t, err)
			vm, err := c.FindVM(ctx, vsphere.ByName("DC1_H0_VM0"))
			if tt.wantCat != nil {
				require.ErrorIs(t, err, tt.wantCat)
				var ce *credentials.Error
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, credentials.FieldDatacenter, ce.Field)
				assert.Contains(t, ce.Fix, "DC0, DC1")
				assert.Contains(t, ce.Fix, set.Describe())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantPath, vm.Path)
		})
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	ctx := context.Background()
	const name = "DC0_C0_RP0_VM0"
	admin := v.adminVM(name)

	// Give the VM a shape of its own: CPUs, memory, guest, firmware, a second disk that is
	// first in the boot order.
	cores := int32(2)
	reconfigure(t, admin, types.VirtualMachineConfigSpec{
		NumCPUs: 4, NumCoresPerSocket: &cores, MemoryMB: 3072,
		GuestId: "rhel9_64Guest", Firmware: "efi",
	})
	devices, err := admin.Device(ctx)
	require.NoError(t, err)
	ctl, err := devices.FindDiskController("scsi")
	require.NoError(t, err)
	first := devices.SelectByType((*types.VirtualDisk)(nil))[0].(*types.VirtualDisk)
	ds := first.Backing.(types.BaseVirtualDeviceFileBackingInfo).GetVirtualDeviceFileBackingInfo().Datastore
	extra := devices.CreateDisk(ctl, *ds, "")
	extra.CapacityInKB = 2 * 1024 * 1024
	require.NoError(t, admin.AddDevice(ctx, extra))
	devices, err = admin.Device(ctx)
	require.NoError(t, err)
	disks := devices.SelectByType((*types.VirtualDisk)(nil))
	require.Len(t, disks, 2)
	second := disks[1].(*types.VirtualDisk)
	// vcsim replaces BootOptions whole where vCenter leaves unset fields as they are, so the
	// Secure Boot flag goes in the same spec as the boot order.
	reconfigure(t, admin, types.VirtualMachineConfigSpec{BootOptions: &types.VirtualMachineBootOptions{
		EfiSecureBootEnabled: types.NewBool(true),
		BootOrder: []types.BaseVirtualMachineBootOptionsBootableDevice{
			&types.VirtualMachineBootOptionsBootableDiskDevice{DeviceKey: second.Key},
		},
	}})
	v.setTools(name, true)
	nic := devices.SelectByType((*types.VirtualEthernetCard)(nil))[0].(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()

	_, c, vm := v.findWithNewPool(name)
	shape, err := c.Describe(ctx, vm)
	require.NoError(t, err)

	assert.Equal(t, vm, shape.VM)
	assert.Equal(t, int32(4), shape.CPUs)
	assert.Equal(t, int32(2), shape.CoresPerSocket)
	assert.Equal(t, int64(3072), shape.MemoryMB)
	assert.Equal(t, "rhel9_64Guest", shape.GuestID)
	assert.Equal(t, "efi", shape.Firmware)
	assert.True(t, shape.SecureBoot)
	assert.Equal(t, vsphere.GuestLinux, shape.Family())
	assert.Equal(t, vsphere.PoweredOn, shape.PowerState)
	assert.True(t, shape.ToolsRunning)

	require.Len(t, shape.Disks, 2)
	assert.Equal(t, second.Key, shape.Disks[0].Key, "the boot-order disk comes first")
	assert.True(t, shape.Disks[0].Boot)
	assert.False(t, shape.Disks[1].Boot)
	assert.Equal(t, first.Key, shape.Disks[1].Key)
	assert.Equal(t, int64(2*1024*1024*1024), shape.Disks[0].CapacityBytes)
	assert.Equal(t, first.CapacityInBytes, shape.Disks[1].CapacityBytes)
	boot, ok := shape.BootDisk()
	require.True(t, ok)
	assert.Equal(t, second.Key, boot.Key)
	for _, d := range shape.Disks {
		assert.Equal(t, ctl.GetVirtualController().Key, d.Controller.Key)
		assert.Equal(t, "scsi", d.Controller.Bus)
		assert.NotEmpty(t, d.Controller.Type)
		assert.Contains(t, d.File, ".vmdk")
		assert.NotEmpty(t, d.Datastore)
	}

	require.Len(t, shape.NICs, 1)
	assert.Equal(t, nic.Key, shape.NICs[0].Key)
	assert.Equal(t, nic.MacAddress, shape.NICs[0].MACAddress)
	assert.NotEmpty(t, shape.NICs[0].MACAddress)
	assert.Equal(t, "DC0_DVPG0", shape.NICs[0].Network, "the port group key resolves to its name")

	_, err = c.Describe(ctx, vsphere.VM{})
	require.ErrorIs(t, err, fkerrors.Invalid)

	require.NoError(t, v.simVMDestroy(name))
	_, err = c.Describe(ctx, vm)
	require.ErrorIs(t, err, fkerrors.NotFound)
}

// simVMDestroy powers off and deletes the named VM through the admin session.
func (v *fakeVCenter) simVMDestroy(name string) error {
	v.setPower(name, vsphere.PoweredOff)
	task, err := v.adminVM(name).Destroy(context.Background())
	if err != nil {
		return err
	}
	return task.Wait(context.Background())
}

func TestGuestFamily(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]vsphere.GuestFamily{
		"windows2019srv_64Guest": vsphere.GuestWindows,
		"windows9_64Guest":       vsphere.GuestWindows,
		"winNetStandardGuest":    vsphere.GuestWindows,
		"rhel9_64Guest":          vsphere.GuestLinux,
		"ubuntu64Guest":          vsphere.GuestLinux,
		"otherLinux64Guest":      vsphere.GuestLinux,
		"other5xLinux64Guest":    vsphere.GuestLinux,
		"sles15_64Guest":         vsphere.GuestLinux,
		"debian12_64Guest":       vsphere.GuestLinux,
		"freebsd13_64Guest":      vsphere.GuestOther,
		"solaris11_64Guest":      vsphere.GuestOther,
		"otherGuest64":           vsphere.GuestOther,
		"":                       vsphere.GuestOther,
	} {
		assert.Equal(t, want, vsphere.Shape{GuestID: id}.Family(), id)
	}
}
