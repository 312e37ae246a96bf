package cloudstack_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

func TestDeployVMBoot(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	client := r.client(t)
	uefiTemplate, err := r.sim.AddTemplate(simulator.Template{Name: "win11", ZoneID: r.seed.ZoneID, OSType: "Windows 11 (64-bit)", UEFI: cloudstack.BootSecure})
	require.NoError(t, err)
	cases := []struct {
		name       string
		spec       cloudstack.DeploySpec
		sentType   string
		sentMode   string
		wantType   cloudstack.BootType
		wantMode   cloudstack.BootMode
		simDetails string // the VM's UEFI detail in the simulator
	}{
		{"uefi-secure", cloudstack.DeploySpec{BootType: cloudstack.BootUEFI, BootMode: cloudstack.BootSecure}, "UEFI", "SECURE", cloudstack.BootUEFI, cloudstack.BootSecure, "SECURE"},
		{"uefi-legacy", cloudstack.DeploySpec{BootType: "uefi", BootMode: "legacy"}, "UEFI", "LEGACY", cloudstack.BootUEFI, cloudstack.BootLegacy, "LEGACY"},
		// BIOS goes out with LEGACY: without a mode CloudStack fails on a null boot mode.
		{"bios", cloudstack.DeploySpec{BootType: cloudstack.BootBIOS}, "BIOS", "LEGACY", cloudstack.BootBIOS, cloudstack.BootLegacy, ""},
		{"template-default", cloudstack.DeploySpec{}, "", "", cloudstack.BootBIOS, cloudstack.BootLegacy, ""},
		{"uefi-template", cloudstack.DeploySpec{TemplateID: uefiTemplate}, "", "", cloudstack.BootUEFI, cloudstack.BootSecure, "SECURE"},
		{"bios-over-uefi-template", cloudstack.DeploySpec{TemplateID: uefiTemplate, BootType: cloudstack.BootBIOS, BootMode: cloudstack.BootLegacy},
			"BIOS", "LEGACY", cloudstack.BootBIOS, cloudstack.BootLegacy, ""},
		// CloudStack sends no boottype for a BIOS VM with details; the client still reads BIOS.
		{"bios-custom-offering", cloudstack.DeploySpec{ServiceOfferingID: r.seed.CustomServiceOfferingID, CPUs: 2, MemoryMB: 2048},
			"", "", cloudstack.BootBIOS, cloudstack.BootLegacy, ""},
		{"uefi-custom-offering", cloudstack.DeploySpec{ServiceOfferingID: r.seed.CustomServiceOfferingID, CPUs: 2, MemoryMB: 2048,
			BootType: cloudstack.BootUEFI, BootMode: cloudstack.BootSecure}, "UEFI", "SECURE", cloudstack.BootUEFI, cloudstack.BootSecure, "SECURE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.spec.Name = tc.name
			vm, err := client.DeployVM(context.Background(), tc.spec)
			require.NoError(t, err)
			sent := r.sim.CallsTo("deployVirtualMachine")
			params := sent[len(sent)-1].Params
			assert.Equal(t, tc.sentType, params.Get("boottype"))
			assert.Equal(t, tc.sentMode, params.Get("bootmode"))
			for _, got := range []*cloudstack.VM{vm, getVM(t, client, vm.ID)} {
				assert.Equal(t, tc.wantType, got.BootType)
				assert.Equal(t, tc.wantMode, got.BootMode)
			}
			simVM, ok := r.sim.State().VM(vm.ID)
			require.True(t, ok)
			assert.Equal(t, tc.simDetails, simVM.Details["UEFI"])
			assert.Equal(t, tc.wantType, simVM.BootType)
		})
	}
}

func TestDeployVMRefusesBootSettings(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	client := r.client(t)
	cases := []struct {
		name   string
		typ    cloudstack.BootType
		mode   cloudstack.BootMode
		remedy string
	}{
		{"UEFI without a mode", cloudstack.BootUEFI, "", "SECURE for a source with Secure Boot on, LEGACY otherwise"},
		{"Secure Boot on BIOS", cloudstack.BootBIOS, cloudstack.BootSecure, "Secure Boot needs UEFI"},
		{"a mode alone", "", cloudstack.BootSecure, "CloudStack ignores a boot mode on its own"},
		{"an unknown type", "EFI", cloudstack.BootLegacy, "use BIOS or UEFI"},
		{"an unknown mode", cloudstack.BootUEFI, "SECUREBOOT", "use LEGACY, or SECURE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r.sim.ResetCalls()
			_, err := client.DeployVM(context.Background(), cloudstack.DeploySpec{Name: "refused", BootType: tc.typ, BootMode: tc.mode})
			require.ErrorIs(t, err, fkerrors.Invalid)
			var apiErr *cloudstack.APIError
			require.True(t, errors.As(err, &apiErr))
			assert.Contains(t, apiErr.Text, tc.remedy)
			assert.Empty(t, r.sim.Calls(), "refused before calling CloudStack")
		})
	}
}
