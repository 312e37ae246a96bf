package cloudstack_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

func TestDeployVM(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	c := r.client(t)
	ctx := context.Background()
	cases := []struct {
		name      string
		spec      cloudstack.DeploySpec
		wantState cloudstack.VMState
		wantCPUs  int
		wantMem   int
		wantVols  int
	}{
		{"stopped on defaults", cloudstack.DeploySpec{Name: "test-a"}, cloudstack.VMStopped, 2, 2048, 1},
		{"started", cloudstack.DeploySpec{Name: "test-b", Start: true}, cloudstack.VMRunning, 2, 2048, 1},
		{"custom shape like the source", cloudstack.DeploySpec{Name: "test-c", ServiceOfferingID: r.seed.CustomServiceOfferingID,
			CPUs: 4, CPUSpeedMHz: 2000, MemoryMB: 8192}, cloudstack.VMStopped, 4, 8192, 1},
		{"with a data disk", cloudstack.DeploySpec{Name: "test-d", DiskOfferingID: r.seed.DiskOfferingID}, cloudstack.VMStopped, 2, 2048, 2},
		{"zone by id", cloudstack.DeploySpec{Name: "test-e", Zone: r.seed.ZoneID, NICs: []cloudstack.NICSpec{{NetworkID: r.seed.NetworkID}}}, cloudstack.VMStopped, 2, 2048, 1},
	}
	for _, tc := range cases {
		vm, err := c.DeployVM(ctx, tc.spec)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.spec.Name, vm.Name, tc.name)
		assert.Equal(t, tc.spec.Name, vm.DisplayName, tc.name)
		assert.Equal(t, tc.wantState, vm.State, tc.name)
		assert.Equal(t, tc.wantCPUs, vm.CPUs, tc.name)
		assert.Equal(t, tc.wantMem, vm.MemoryMB, tc.name)
		assert.Equal(t, r.seed.ZoneID, vm.ZoneID, tc.name)
		assert.Equal(t, []string{r.seed.NetworkID}, vm.NetworkIDs(), tc.name)
		assert.False(t, vm.Created.IsZero(), tc.name)

		simVM, ok := r.sim.State().VM(vm.ID)
		require.True(t, ok, tc.name)
		assert.Equal(t, string(tc.wantState), string(simVM.State), tc.name)
		vols, err := c.ListVolumes(ctx, vm.ID)
		require.NoError(t, err, tc.name)
		require.Len(t, vols, tc.wantVols, tc.name)
		assert.Equal(t, cloudstack.VolumeRoot, vols[0].Type, tc.name)
		assert.Equal(t, int64(0), vols[0].DeviceID, tc.name)
	}
}

func TestDeployVMRefusals(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	ctx := context.Background()
	noDefaults := r.set
	noDefaults.TemplateID, noDefaults.ServiceOfferingID = "", ""
	bare, err := cloudstack.New(noDefaults)
	require.NoError(t, err)
	cases := []struct {
		name   string
		c      *cloudstack.Client
		spec   cloudstack.DeploySpec
		want   error
		called bool // whether a deployVirtualMachine call reached CloudStack
	}{
		{"name with underscore", r.client(t), cloudstack.DeploySpec{Name: "bad_name"}, fkerrors.Invalid, false},
		{"name starting with a digit", r.client(t), cloudstack.DeploySpec{Name: "1vm"}, fkerrors.Invalid, false},
		{"no template anywhere", bare, cloudstack.DeploySpec{Name: "x"}, fkerrors.Invalid, false},
		{"unknown zone name", r.client(t), cloudstack.DeploySpec{Name: "x", Zone: "nowhere"}, fkerrors.NotFound, false},
		{"custom offering without a shape", r.client(t), cloudstack.DeploySpec{Name: "x", ServiceOfferingID: r.seed.CustomServiceOfferingID},
			fkerrors.Invalid, true},
		{"unknown template", r.client(t), cloudstack.DeploySpec{Name: "x", TemplateID: "5e000000-0000-4000-8000-0000000fffff"},
			fkerrors.NotFound, true},
	}
	for _, tc := range cases {
		r.sim.ResetCalls()
		vm, err := tc.c.DeployVM(ctx, tc.spec)
		require.ErrorIs(t, err, tc.want, tc.name)
		assert.Nil(t, vm, tc.name)
		assert.Equal(t, tc.called, len(r.sim.CallsTo("deployVirtualMachine")) > 0, tc.name)
	}
}

func TestVMLifecycle(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	c := r.client(t)
	ctx := context.Background()

	vm, err := c.DeployVM(ctx, cloudstack.DeploySpec{Name: "life"})
	require.NoError(t, err)
	vm, err = c.StartVM(ctx, vm.ID)
	require.NoError(t, err)
	assert.Equal(t, cloudstack.VMRunning, vm.State)

	vm, err = c.StopVM(ctx, vm.ID, true)
	require.NoError(t, err)
	assert.Equal(t, cloudstack.VMStopped, vm.State)
	stops := r.sim.CallsTo("stopVirtualMachine")
	require.Len(t, stops, 1)
	assert.Equal(t, "true", stops[0].Params.Get("forced"))

	got, err := c.GetVM(ctx, vm.ID)
	require.NoError(t, err)
	assert.Equal(t, cloudstack.VMStopped, got.State)

	// Destroy without expunge leaves it Destroyed; a Destroyed VM never becomes Running.
	require.NoError(t, c.DestroyVM(ctx, vm.ID, false))
	got, err = c.GetVM(ctx, vm.ID)
	require.NoError(t, err)
	assert.Equal(t, cloudstack.VMDestroyed, got.State)
	_, err = c.WaitVMState(ctx, vm.ID, cloudstack.VMRunning)
	require.ErrorIs(t, err, fkerrors.Conflict)
	_, err = c.StartVM(ctx, vm.ID)
	require.ErrorIs(t, err, fkerrors.Conflict)

	require.NoError(t, c.DestroyVM(ctx, vm.ID, true))
	_, err = c.GetVM(ctx, vm.ID)
	require.ErrorIs(t, err, fkerrors.NotFound)
	simVM, _ := r.sim.State().VM(vm.ID)
	assert.Equal(t, cloudstack.VMExpunging, simVM.State)
	assert.True(t, simVM.Expunged())
}

func TestGetVMUnknown(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	_, err := r.client(t).GetVM(context.Background(), "5e000000-0000-4000-8000-00000000dead")
	require.ErrorIs(t, err, fkerrors.NotFound)
	var apiErr *cloudstack.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "listVirtualMachines", apiErr.Command)
}

// CloudStack's name filter is SQL equality under a case-insensitive collation: host names
// are unique per zone ignoring case, but "WEB" in another zone is found by name=web, and
// FindVMsByName keeps only "web".
func TestFindVMsByNameIsExact(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	c := r.client(t)
	ctx := context.Background()
	for _, name := range []string{"web", "web-2", "db"} {
		_, err := c.DeployVM(ctx, cloudstack.DeploySpec{Name: name})
		require.NoError(t, err)
	}
	z2 := r.sim.AddZone("zone-2")
	tmpl, err := r.sim.AddTemplate(simulator.Template{Name: "template-2", ZoneID: z2})
	require.NoError(t, err)
	net, err := r.sim.AddNetwork(simulator.Network{Name: "network-2", ZoneID: z2, CIDR: "10.2.0.0/24"})
	require.NoError(t, err)
	_, err = c.DeployVM(ctx, cloudstack.DeploySpec{Name: "WEB", Zone: z2, TemplateID: tmpl, NICs: []cloudstack.NICSpec{{NetworkID: net}}})
	require.NoError(t, err)

	vms, err := c.FindVMsByName(ctx, "web")
	require.NoError(t, err)
	require.Len(t, vms, 1)
	assert.Equal(t, "web", vms[0].Name)
	vms, err = c.FindVMsByName(ctx, "WEB")
	require.NoError(t, err)
	require.Len(t, vms, 1)
	assert.Equal(t, "WEB", vms[0].Name)

	vms, err = c.FindVMsByName(ctx, "none")
	require.NoError(t, err)
	assert.Empty(t, vms)
}

func TestJobsPendingForSomePolls(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0, simulator.WithPendingPolls(2))
	c := r.client(t)
	ctx := context.Background()
	vm, err := c.DeployVM(ctx, cloudstack.DeploySpec{Name: "slow", Start: true})
	require.NoError(t, err)
	assert.Equal(t, cloudstack.VMRunning, vm.State)
	polls := r.sim.CallsTo("queryAsyncJobResult")
	assert.Len(t, polls, 3, "two pending answers, then the result")

	got, err := c.WaitVMState(ctx, vm.ID, cloudstack.VMRunning)
	require.NoError(t, err)
	assert.Equal(t, vm.ID, got.ID)
}

func TestWaitVMStateHonoursContext(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	c := r.client(t)
	vm, err := c.DeployVM(context.Background(), cloudstack.DeploySpec{Name: "idle"})
	require.NoError(t, err)
	// End the wait once it has polled twice.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var polls atomic.Int32
	r.sim.FailWhen(func(call simulator.Call) bool {
		if call.Command == "listVirtualMachines" && polls.Add(1) == 2 {
			cancel()
		}
		return false
	}, simulator.Fault{})
	got, err := c.WaitVMState(ctx, vm.ID, cloudstack.VMRunning)
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, got, "the last state seen is returned")
	assert.Equal(t, cloudstack.VMStopped, got.State)
	assert.GreaterOrEqual(t, polls.Load(), int32(2))
}
