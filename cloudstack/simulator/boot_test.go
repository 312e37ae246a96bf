package simulator_test

import (
	"testing"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
)

func boot(typ, mode string) func(p *csgo.DeployVirtualMachineParams) {
	return func(p *csgo.DeployVirtualMachineParams) {
		if typ != "" {
			p.SetBoottype(typ)
		}
		if mode != "" {
			p.SetBootmode(mode)
		}
	}
}

// assertSimBoot asserts the VM's boot settings as the simulator holds them and returns the
// VM's details.
func (e *env) assertSimBoot(t *testing.T, id string, wantType cloudstack.BootType, wantMode cloudstack.BootMode, msgAndArgs ...any) map[string]string {
	t.Helper()
	vm, ok := e.sim.State().VM(id)
	require.True(t, ok, msgAndArgs...)
	assert.Equal(t, wantType, vm.BootType, msgAndArgs...)
	assert.Equal(t, wantMode, vm.BootMode, msgAndArgs...)
	return vm.Details
}

// BaseDeployVMCmd.getBootType: BIOS or UEFI, any case, checked before everything else the
// command does - here before the template's zone.
func TestBootTypeMustBeBIOSOrUEFI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	otherZone := e.sim.AddZone("zone-2")
	elsewhere, err := e.sim.AddTemplate(simulator.Template{Name: "elsewhere", ZoneID: otherZone})
	require.NoError(t, err)
	_, err = e.deployWith("efi", func(p *csgo.DeployVirtualMachineParams) {
		p.SetTemplateid(elsewhere)
		boot("EFI", "LEGACY")(p)
	})
	e.refused(t, err, 0, "Invalid bootType EFISpecified for vm efi Valid values are: [BIOS, UEFI]")

	vm, err := e.deployWith("lower-case", boot(" uefi ", "secure"))
	require.NoError(t, err)
	e.assertSimBoot(t, vm.Id, cloudstack.BootUEFI, cloudstack.BootSecure)
}

func TestBootModeRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, typ, mode, want string }{
		// BaseDeployVMCmd.getBootMode: LEGACY or SECURE.
		{"sb", "UEFI", "SECUREBOOT", "Invalid bootmode: SECUREBOOT specified for VM: sb. Valid values are: [LEGACY, SECURE]"},
		// BaseDeployVMCmd.getBootMode: UEFI needs a boot mode.
		{"uefi", "UEFI", "", "bootmode must be specified for the VM with boot type: UEFI. Valid values are: [LEGACY, SECURE]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, simulator.Scenario{SkipAppliance: true})
			_, err := e.deployWith(tc.name, boot(tc.typ, tc.mode))
			e.refused(t, err, 0, tc.want)
		})
	}
}

// BaseDeployVMCmd.getDetails dereferences the boot mode of any boot type, and getBootMode
// gives none for BIOS without bootmode: CloudStack answers with its NullPointerException
// (530). A client sends BIOS with LEGACY.
func TestBIOSWithoutBootModeFailsInCloudStack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	_, err := e.deployWith("bios", boot("BIOS", ""))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CloudStack API error 530 (CSExceptionErrorCode: 9999): Cannot invoke")
	assert.Empty(t, e.sim.State().VMs)

	vm, err := e.deployWith("bios", boot("BIOS", "LEGACY"))
	require.NoError(t, err)
	details := e.assertSimBoot(t, vm.Id, cloudstack.BootBIOS, cloudstack.BootLegacy)
	assert.NotContains(t, details, "UEFI")
}

// BaseDeployVMCmd.getDetails reads bootmode only for a boot type: alone it is not even
// checked, and the VM boots as its template says.
func TestBootModeWithoutBootTypeIsIgnored(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	vm, err := e.deployWith("mode-only", boot("", "NONSENSE"))
	require.NoError(t, err)
	e.assertSimBoot(t, vm.Id, cloudstack.BootBIOS, cloudstack.BootLegacy)
}

// UserVmManagerImpl.commitUserVm copies the template's details to the VM, so a template's
// UEFI detail is the boot mode of a VM deployed without boottype; an explicit BIOS removes
// it, an explicit UEFI sets its own mode.
func TestTemplateUEFIDetailIsTheVMsDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	uefiTemplate, err := e.sim.AddTemplate(simulator.Template{Name: "win11", ZoneID: e.seed.ZoneID, OSType: "Windows 11 (64-bit)", UEFI: cloudstack.BootSecure})
	require.NoError(t, err)
	tests := []struct {
		name, typ, mode string
		wantType        cloudstack.BootType
		wantMode        cloudstack.BootMode
	}{
		{"from-template", "", "", cloudstack.BootUEFI, cloudstack.BootSecure},
		{"explicit-bios", "BIOS", "LEGACY", cloudstack.BootBIOS, cloudstack.BootLegacy},
		{"explicit-legacy", "UEFI", "LEGACY", cloudstack.BootUEFI, cloudstack.BootLegacy},
	}
	for _, tc := range tests {
		vm, err := e.deployWith(tc.name, func(p *csgo.DeployVirtualMachineParams) {
			p.SetTemplateid(uefiTemplate)
			boot(tc.typ, tc.mode)(p)
		})
		require.NoError(t, err, tc.name)
		details := e.assertSimBoot(t, vm.Id, tc.wantType, tc.wantMode, tc.name)
		if tc.wantType == cloudstack.BootUEFI {
			assert.Equal(t, string(tc.wantMode), details["UEFI"], tc.name)
		} else {
			assert.NotContains(t, details, "UEFI", tc.name)
		}
	}

	_, err = e.sim.AddTemplate(simulator.Template{Name: "bad", ZoneID: e.seed.ZoneID, UEFI: "ON"})
	require.ErrorIs(t, err, simulator.ErrInvalidScenario)
}

// UserVmJoinDaoImpl: listVirtualMachines reports boottype "Uefi" and the lower-cased mode
// for a VM with a UEFI detail, "Bios" and "legacy" for a VM without details, and nothing for
// a BIOS VM with other details (a customized offering's cpuNumber, say).
func TestVMResponseReportsBootAsCloudStackDoes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	secure, err := e.deployWith("secure", boot("UEFI", "SECURE"))
	require.NoError(t, err)
	plain, err := e.deployWith("plain", boot("BIOS", "LEGACY"))
	require.NoError(t, err)
	custom, err := e.deployWith("custom", func(p *csgo.DeployVirtualMachineParams) {
		p.SetServiceofferingid(e.seed.CustomServiceOfferingID)
		p.SetDetails(map[string]string{"cpuNumber": "2", "memory": "2048"})
	})
	require.NoError(t, err)

	got := e.listed(t, secure.Id)
	assert.Equal(t, [2]string{"Uefi", "secure"}, [2]string{got.Boottype, got.Bootmode})
	assert.Equal(t, "SECURE", got.Details["UEFI"])
	assert.Equal(t, [2]string{"Uefi", "secure"}, [2]string{secure.Boottype, secure.Bootmode}, "the deploy job's answer too")
	got = e.listed(t, plain.Id)
	assert.Equal(t, [2]string{"Bios", "legacy"}, [2]string{got.Boottype, got.Bootmode})
	got = e.listed(t, custom.Id)
	assert.Equal(t, [2]string{"", ""}, [2]string{got.Boottype, got.Bootmode})
	assert.NotContains(t, got.Details, "UEFI")
}
