package cloudstack

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
)

// CloudStack releases differ in the order they list a VM's NICs in; the device id is the
// guest's order, and without one the answer's order stands.
func TestVMFromWireOrdersNICsByDevice(t *testing.T) {
	t.Parallel()
	vm := vmFromWire(&wire.VM{NIC: []wire.NIC{
		{ID: "c", DeviceID: "2", MACAddress: "00:50:56:AA:00:03"}, {ID: "a", DeviceID: "0", IsDefault: true}, {ID: "b", DeviceID: "1"},
	}})
	assert.Equal(t, []NIC{{ID: "a", IsDefault: true}, {ID: "b", DeviceID: 1}, {ID: "c", DeviceID: 2, MACAddress: "00:50:56:aa:00:03"}}, vm.NICs)

	vm = vmFromWire(&wire.VM{NIC: []wire.NIC{{ID: "y"}, {ID: "x", DeviceID: "0"}}})
	assert.Equal(t, []NIC{{ID: "y", DeviceID: -1}, {ID: "x"}}, vm.NICs)
}

// A UEFI VM is told by its UEFI detail when the answer carries no boottype (UserVmJoinDaoImpl
// sends it only for some VMs).
func TestVMFromWireReadsBootSettings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		w    wire.VM
		typ  BootType
		mode BootMode
	}{
		{"uefi answered", wire.VM{BootType: "Uefi", BootMode: "secure"}, BootUEFI, BootSecure},
		{"bios answered", wire.VM{BootType: "Bios", BootMode: "legacy"}, BootBIOS, BootLegacy},
		{"uefi detail only", wire.VM{Details: map[string]string{"cpuNumber": "2", "UEFI": "LEGACY"}}, BootUEFI, BootLegacy},
		{"other details only", wire.VM{Details: map[string]string{"cpuNumber": "2"}}, BootBIOS, BootLegacy},
	}
	for _, tc := range cases {
		vm := vmFromWire(&tc.w)
		assert.Equal(t, tc.typ, vm.BootType, tc.name)
		assert.Equal(t, tc.mode, vm.BootMode, tc.name)
	}
}

func TestNormalizeMAC(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"00:50:56:0A:0b:0C": "00:50:56:0a:0b:0c",
		"0:50:56:a:b:c":     "00:50:56:0a:0b:0c",
		"00-50-56-00-01-02": "00:50:56:00:01:02",
		"00.50.56.00.01.03": "00:50:56:00:01:03",
		"02:00:00:00:00:01": "02:00:00:00:00:01",
	} {
		got, err := normalizeMAC(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
		}
	}
	for _, bad := range []string{"", "005056000001", "00:50:56:00:01", "00:50:56:00:00:01:02", "00:50-56:00:00:01", "005:50:56:00:00:01",
		"00::56:00:00:01", "0x:50:56:00:00:01", "00:50:56:00:00:0g", " 00:50:56:00:00:01", "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff"} {
		_, err := normalizeMAC(bad)
		assert.Error(t, err, bad)
	}
}
