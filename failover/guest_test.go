package failover

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// Source VMs shaped like real guests, and the CloudStack networks to map their port groups to.
var (
	windowsUEFI = failovertest.Guest{
		GuestID: failovertest.WindowsGuestID, Firmware: "efi", SecureBoot: true,
		NICs: []failovertest.GuestNIC{
			{Network: failovertest.DVPortGroup, MACAddress: "00:50:56:8a:00:01"},
			{Network: failovertest.VMNetwork, MACAddress: "00:50:56:8a:00:02"},
			{Network: failovertest.DVPortGroup, MACAddress: "00:50:56:8a:00:03"},
		},
	}
	linuxTwoNICs = failovertest.Guest{
		GuestID: failovertest.LinuxGuestID, Firmware: "efi",
		NICs: []failovertest.GuestNIC{
			{Network: failovertest.VMNetwork, MACAddress: "00:50:56:8b:00:01"},
			{Network: failovertest.DVPortGroup, MACAddress: "00:50:56:8b:00:02"},
		},
	}
)

const (
	testNet = "isolated-test"
	prodNet = "production"
)

func guestFixture(t *testing.T, guests ...failovertest.Guest) (*fixture, failovertest.Catalog) {
	t.Helper()
	f := newFixture(t, failovertest.Options{SourceVMs: len(guests), Guests: guests, CloudNetworks: []string{testNet, prodNet}})
	cat, err := f.lab.Catalog(f.lab.Sources[0].CloudAccount)
	require.NoError(t, err)
	return f, cat
}

// deployedVM is the VM a job created, as CloudStack holds it.
func deployedVM(t *testing.T, f *fixture, job *Job) simulator.VM {
	t.Helper()
	var id string
	for _, le := range job.Ledger {
		if le.Action == ActionVMCreate && le.Resource != "" {
			id = le.Resource
		}
	}
	require.NotEmpty(t, id, "the job created a VM")
	vm, ok := f.lab.Cloud.State().VM(id)
	require.True(t, ok)
	return vm
}

// A Windows guest on UEFI with Secure Boot and three NICs on two port groups comes up with
// three NICs, in order, on the networks its port groups map to, UEFI in SECURE mode, on the
// Windows template the request names for Windows guests.
func TestGuestNICsFirmwareAndTemplate(t *testing.T) {
	t.Parallel()
	f, cat := guestFixture(t, windowsUEFI)
	ctx := context.Background()
	req := f.request(0)
	req.Networks.Test = map[string]string{failovertest.DVPortGroup: cat.Networks[testNet], failovertest.VMNetwork: cat.NetworkID}
	req.Networks.Live = map[string]string{failovertest.DVPortGroup: cat.Networks[prodNet], failovertest.VMNetwork: cat.NetworkID}
	req.Templates = map[vsphere.GuestFamily]string{vsphere.GuestWindows: cat.WindowsTemplateID}

	plan, err := f.engine.Plan(ctx, KindTestFailover, req)
	require.NoError(t, err)
	pf := plan.Facts
	require.Len(t, pf.NICs, 3)
	assert.Equal(t, []string{cat.Networks[testNet], cat.NetworkID, cat.Networks[testNet]}, nicNetworks(pf.NICs))
	assert.Equal(t, "networks.test", pf.NICs[0].Via)
	assert.Equal(t, "00:50:56:8a:00:02", pf.NICs[1].SourceMAC)
	assert.Empty(t, pf.NICs[1].MACAddress, "MACs are kept only when asked")
	assert.Equal(t, cloudstack.BootUEFI, pf.BootType)
	assert.Equal(t, cloudstack.BootSecure, pf.BootMode)
	assert.Equal(t, cat.WindowsTemplateID, pf.TemplateID)
	assert.Equal(t, "templates.windows", pf.TemplateVia)
	assert.Contains(t, strings.ToLower(pf.TemplateOSType), "windows")
	deploy := plannedCall(t, plan, StepCreateVM)
	for _, want := range []string{"networkids=" + cat.Networks[testNet] + "," + cat.NetworkID + "," + cat.Networks[testNet],
		"boottype=UEFI", "bootmode=SECURE", "templateid=" + cat.WindowsTemplateID} {
		assert.Contains(t, deploy, want, "the plan shows the call the step makes")
	}

	f.lab.Cloud.ResetCalls()
	job, err := f.engine.TestFailover(ctx, req)
	require.NoError(t, err)
	sent := f.lab.Cloud.CallsTo("deployVirtualMachine")
	require.Len(t, sent, 1)
	for _, kv := range strings.Fields(deploy)[1:] {
		k, v, _ := strings.Cut(kv, "=")
		if k != "zoneid" && k != "name" && k != "displayname" { // the name is the job's
			assert.Equal(t, v, sent[0].Params.Get(k), "the plan's %s is what was sent", k)
		}
	}
	vm := deployedVM(t, f, job)
	assert.Equal(t, []string{cat.Networks[testNet], cat.NetworkID, cat.Networks[testNet]}, vm.NetworkIDs())
	assert.Equal(t, cloudstack.BootUEFI, vm.BootType)
	assert.Equal(t, cloudstack.BootSecure, vm.BootMode)
	assert.Equal(t, cat.WindowsTemplateID, vm.TemplateID)
	_, err = f.engine.Rollback(ctx, job.ID)
	require.NoError(t, err)
	f.requireClean(t, 0, vsphere.PoweredOn)

	// The live mapping puts the port group on the production network.
	job, err = f.engine.LiveFailover(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, []string{cat.Networks[prodNet], cat.NetworkID, cat.Networks[prodNet]}, deployedVM(t, f, job).NetworkIDs())
	_, err = f.engine.Rollback(ctx, job.ID)
	require.NoError(t, err)
	f.requireClean(t, 0, vsphere.PoweredOff) // a live failover's rollback leaves the source off
}

func nicNetworks(nics []NICFact) []string {
	out := make([]string, len(nics))
	for i, n := range nics {
		out[i] = n.NetworkID
	}
	return out
}

func plannedCall(t *testing.T, p *Plan, step StepName) string {
	t.Helper()
	for _, s := range p.Steps {
		if s.Name == step {
			require.Len(t, s.Calls, 1)
			return s.Calls[0]
		}
	}
	t.Fatalf("the plan has no step %s", step)
	return ""
}

// With KeepMACs each NIC keeps its source MAC; a BIOS-less EFI guest without Secure Boot
// boots UEFI LEGACY; a Linux guest gets the set's Linux template.
func TestGuestKeepsMACs(t *testing.T) {
	t.Parallel()
	f, cat := guestFixture(t, linuxTwoNICs)
	ctx := context.Background()
	req := f.request(0)
	req.Networks.Test = map[string]string{failovertest.VMNetwork: cat.NetworkID, failovertest.DVPortGroup: cat.Networks[testNet]}
	req.KeepMACs = true
	job, err := f.engine.TestFailover(ctx, req)
	require.NoError(t, err)
	vm := deployedVM(t, f, job)
	require.Len(t, vm.NICs, 2)
	assert.Equal(t, []string{cat.NetworkID, cat.Networks[testNet]}, vm.NetworkIDs())
	assert.Equal(t, "00:50:56:8b:00:01", vm.NICs[0].MACAddress)
	assert.Equal(t, "00:50:56:8b:00:02", vm.NICs[1].MACAddress)
	assert.Equal(t, cloudstack.BootUEFI, vm.BootType)
	assert.Equal(t, cloudstack.BootLegacy, vm.BootMode)
	assert.Equal(t, cat.LinuxTemplateID, vm.TemplateID)
	assert.Equal(t, "credential set", job.Facts.TemplateVia)
	_, err = f.engine.Rollback(ctx, job.ID)
	require.NoError(t, err)
	f.requireClean(t, 0, vsphere.PoweredOn)
}

// What the request leaves open, or CloudStack could not deploy, fails preflight: a typed
// error naming it and the fix, and nothing changed in either cloud.
func TestGuestPreflightRefusals(t *testing.T) {
	t.Parallel()
	f, cat := guestFixture(t, windowsUEFI)
	ctx := context.Background()
	base := f.request(0)
	mapped := map[string]string{failovertest.DVPortGroup: cat.Networks[testNet], failovertest.VMNetwork: cat.NetworkID}
	windows := map[vsphere.GuestFamily]string{vsphere.GuestWindows: cat.WindowsTemplateID}

	cases := []struct {
		name   string
		change func(*Request)
		code   fkerrors.Code
		check  func(t *testing.T, err error)
	}{
		{"a NIC on an unmapped network", func(r *Request) {
			r.Networks.Test = map[string]string{failovertest.VMNetwork: cat.NetworkID}
			r.Templates = windows
		}, fkerrors.Incomplete, func(t *testing.T, err error) {
			var u *UnmappedNetworksError
			require.True(t, errors.As(err, &u))
			assert.Equal(t, []string{failovertest.DVPortGroup}, u.Networks, "listed once though two NICs use it")
			assert.Contains(t, err.Error(), "Request.Networks.Test")
		}},
		{"no mapping at all on a VM with several NICs", func(r *Request) { r.Templates = windows }, fkerrors.Incomplete,
			func(t *testing.T, err error) {
				var u *UnmappedNetworksError
				require.True(t, errors.As(err, &u))
				assert.Equal(t, []string{failovertest.DVPortGroup, failovertest.VMNetwork}, u.Networks, "in the order of the NICs")
			}},
		{"a Windows guest on the set's Linux template", func(r *Request) { r.Networks.Test = mapped }, fkerrors.Invalid,
			func(t *testing.T, err error) {
				var m *TemplateMismatchError
				require.True(t, errors.As(err, &m))
				assert.Equal(t, cat.LinuxTemplateID, m.TemplateID)
				assert.Equal(t, cloudstack.OSLinux, m.Template)
				assert.Equal(t, vsphere.GuestWindows, m.Guest)
				assert.Contains(t, err.Error(), "AllowTemplateMismatch")
			}},
		{"a mapping onto a network that does not exist", func(r *Request) {
			r.Networks.Test = map[string]string{failovertest.DVPortGroup: "no-such-network", failovertest.VMNetwork: cat.NetworkID}
			r.Templates = windows
		}, fkerrors.NotFound, func(t *testing.T, err error) {
			assert.Contains(t, err.Error(), "no-such-network")
			assert.Contains(t, err.Error(), `mapping of source network "`+failovertest.DVPortGroup+`"`)
		}},
		{"kept MACs on two NICs of one network", func(r *Request) {
			r.Networks.Test, r.Templates, r.KeepMACs = mapped, windows, true
		}, fkerrors.Invalid, func(t *testing.T, err error) {
			assert.Contains(t, err.Error(), "turn KeepMACs off")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := base
			tc.change(&req)
			before := f.lab.Cloud.State()
			f.lab.Cloud.ResetCalls()
			job, err := f.engine.TestFailover(ctx, req)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrPreflight)
			assert.ErrorIs(t, err, tc.code)
			assert.NotEmpty(t, fkerrors.Remedy(err))
			tc.check(t, err)
			if job != nil {
				assert.Empty(t, job.Ledger, "nothing changed")
			}
			for _, c := range f.lab.Cloud.Calls() {
				assert.True(t, strings.HasPrefix(c.Command, "list"), "preflight only reads; it called %s", c.Command)
			}
			assert.Equal(t, len(before.VMs), len(f.lab.Cloud.State().VMs))
			_, err = f.engine.Plan(ctx, KindTestFailover, req)
			assert.ErrorIs(t, err, tc.code, "Plan refuses it the same way")
			f.requireClean(t, 0, vsphere.PoweredOn)
		})
	}

	// The request may insist on the template; the job then carries a warning.
	req := base
	req.Networks.Test, req.AllowTemplateMismatch = mapped, true
	job, err := f.engine.TestFailover(ctx, req)
	require.NoError(t, err)
	require.Len(t, job.Warnings, 1)
	assert.Contains(t, job.Warnings[0], "AllowTemplateMismatch")
	assert.Equal(t, cat.LinuxTemplateID, deployedVM(t, f, job).TemplateID)
	_, err = f.engine.Rollback(ctx, job.ID)
	require.NoError(t, err)
	f.requireClean(t, 0, vsphere.PoweredOn)
}

// A VM with one NIC and no mapping goes on the credential set's network, as before
// mappings existed; Request.NetworkID takes every unmapped network.
func TestGuestDefaultNetworks(t *testing.T) {
	t.Parallel()
	f, cat := guestFixture(t, failovertest.Guest{})
	ctx := context.Background()
	plan, err := f.engine.Plan(ctx, KindTestFailover, f.request(0))
	require.NoError(t, err)
	require.Len(t, plan.Facts.NICs, 1)
	assert.Equal(t, NICFact{SourceLabel: plan.Facts.NICs[0].SourceLabel, SourceNetwork: failovertest.DVPortGroup,
		SourceMAC: plan.Facts.NICs[0].SourceMAC, NetworkID: cat.NetworkID, Via: "credential set"}, plan.Facts.NICs[0])
	assert.Equal(t, cloudstack.BootBIOS, plan.Facts.BootType, "vcsim's VMs boot BIOS")

	req := f.request(0)
	req.NetworkID = cat.Networks[testNet]
	plan, err = f.engine.Plan(ctx, KindLiveFailover, req)
	require.NoError(t, err)
	assert.Equal(t, []string{cat.Networks[testNet]}, nicNetworks(plan.Facts.NICs))
	assert.Equal(t, "network_id", plan.Facts.NICs[0].Via)
}
