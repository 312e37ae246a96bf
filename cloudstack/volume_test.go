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

func TestListVolumesInDeviceOrder(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	vols, err := r.client(t).ListVolumes(context.Background(), r.seed.ApplianceVMID)
	require.NoError(t, err)
	require.Len(t, vols, 4)
	assert.Equal(t, r.seed.ApplianceRootVolumeID, vols[0].ID)
	assert.Equal(t, cloudstack.VolumeRoot, vols[0].Type)
	for i, id := range r.seed.VolumeIDs {
		v := vols[i+1]
		assert.Equal(t, id, v.ID)
		assert.Equal(t, int64(r.seed.DeviceIDs[i]), v.DeviceID)
		assert.Equal(t, cloudstack.VolumeData, v.Type)
		assert.Equal(t, r.seed.ApplianceVMID, v.VMID)
		assert.Equal(t, "oma", v.VMName)
		assert.True(t, v.Attached())
		assert.Equal(t, int64(10<<30), v.SizeBytes)
		assert.Equal(t, r.seed.ZoneID, v.ZoneID)
	}
	assert.Equal(t, []int64{0, 1, 2, 4}, []int64{vols[0].DeviceID, vols[1].DeviceID, vols[2].DeviceID, vols[3].DeviceID})
}

func TestDetachAttachDelete(t *testing.T) {
	t.Parallel()
	r := newRig(t, 2)
	c := r.client(t)
	ctx := context.Background()
	vm, err := c.DeployVM(ctx, cloudstack.DeploySpec{Name: "target"})
	require.NoError(t, err)

	v, err := c.DetachVolume(ctx, r.seed.VolumeIDs[0])
	require.NoError(t, err)
	assert.False(t, v.Attached())

	v, err = c.AttachVolume(ctx, r.seed.VolumeIDs[0], vm.ID, 2)
	require.NoError(t, err)
	assert.Equal(t, vm.ID, v.VMID)
	assert.Equal(t, int64(2), v.DeviceID)

	v, err = c.AttachVolume(ctx, r.seed.VolumeIDs[1], vm.ID, cloudstack.AnyDevice)
	require.ErrorIs(t, err, fkerrors.Conflict, "still attached to the appliance")
	assert.Nil(t, v)
	_, err = c.DetachVolume(ctx, r.seed.VolumeIDs[1])
	require.NoError(t, err)
	v, err = c.AttachVolume(ctx, r.seed.VolumeIDs[1], vm.ID, cloudstack.AnyDevice)
	require.NoError(t, err)
	assert.Equal(t, int64(1), v.DeviceID, "CloudStack picks the lowest free device")

	_, err = c.DetachVolume(ctx, r.seed.VolumeIDs[1])
	require.NoError(t, err)
	require.NoError(t, c.DeleteVolume(ctx, r.seed.VolumeIDs[1]))
	_, err = c.GetVolume(ctx, r.seed.VolumeIDs[1])
	require.ErrorIs(t, err, fkerrors.NotFound)
	gone, _ := r.sim.State().Volume(r.seed.VolumeIDs[1])
	assert.Equal(t, cloudstack.VolumeExpunged, gone.State)
}

func TestVolumeRuleViolations(t *testing.T) {
	t.Parallel()
	r := newRig(t, 2)
	c := r.client(t)
	ctx := context.Background()
	stopped, err := c.DeployVM(ctx, cloudstack.DeploySpec{Name: "stopped-vm"})
	require.NoError(t, err)
	running, err := c.DeployVM(ctx, cloudstack.DeploySpec{Name: "running-vm", Start: true})
	require.NoError(t, err)
	loose, err := c.DetachVolume(ctx, r.seed.VolumeIDs[1])
	require.NoError(t, err)
	stoppedVols, err := c.ListVolumes(ctx, stopped.ID)
	require.NoError(t, err)
	runningVols, err := c.ListVolumes(ctx, running.ID)
	require.NoError(t, err)

	cases := []struct {
		name string
		op   func() error
		want error
	}{
		{"attach an attached volume", func() error {
			_, err := c.AttachVolume(ctx, r.seed.VolumeIDs[0], stopped.ID, 1)
			return err
		}, fkerrors.Conflict},
		{"second device 0", func() error {
			_, err := c.AttachVolume(ctx, loose.ID, stopped.ID, 0)
			return err
		}, fkerrors.Conflict},
		{"device 0 on a running VM", func() error {
			_, err := c.AttachVolume(ctx, loose.ID, running.ID, 0)
			return err
		}, fkerrors.Conflict},
		{"device 3, the CD-ROM slot", func() error {
			_, err := c.AttachVolume(ctx, loose.ID, stopped.ID, 3)
			return err
		}, fkerrors.Invalid},
		{"detach ROOT of a running VM", func() error {
			_, err := c.DetachVolume(ctx, runningVols[0].ID)
			return err
		}, fkerrors.Conflict},
		{"detach a detached volume", func() error {
			_, err := c.DetachVolume(ctx, loose.ID)
			return err
		}, fkerrors.Conflict},
		{"delete an attached volume", func() error {
			return c.DeleteVolume(ctx, r.seed.VolumeIDs[0])
		}, fkerrors.Conflict},
		{"attach to an unknown VM", func() error {
			_, err := c.AttachVolume(ctx, loose.ID, "5e000000-0000-4000-8000-00000000dead", 1)
			return err
		}, fkerrors.NotFound},
		{"negative device id", func() error {
			_, err := c.AttachVolume(ctx, loose.ID, stopped.ID, -7)
			return err
		}, fkerrors.Invalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.op()
			require.ErrorIs(t, err, tc.want)
			var apiErr *cloudstack.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.NotEmpty(t, apiErr.Text)
		})
	}
	// Nothing above changed anything.
	st := r.sim.State()
	assert.Len(t, st.VolumesOf(stopped.ID), len(stoppedVols))
	assert.Len(t, st.VolumesOf(running.ID), len(runningVols))
	v, _ := st.Volume(loose.ID)
	assert.False(t, v.Attached())

	// The ROOT of a stopped VM may be detached, which is what failover does.
	_, err = c.DetachVolume(ctx, stoppedVols[0].ID)
	require.NoError(t, err)
}

// failoverTarget deploys a stopped VM and removes its ROOT volume, as test failover does
// before attaching the replicated boot disk.
func failoverTarget(t *testing.T, c *cloudstack.Client, name string) *cloudstack.VM {
	t.Helper()
	ctx := context.Background()
	vm, err := c.DeployVM(ctx, cloudstack.DeploySpec{Name: name})
	require.NoError(t, err)
	vols, err := c.ListVolumes(ctx, vm.ID)
	require.NoError(t, err)
	require.Len(t, vols, 1)
	_, err = c.DetachVolume(ctx, vols[0].ID)
	require.NoError(t, err)
	require.NoError(t, c.DeleteVolume(ctx, vols[0].ID))
	return vm
}

func TestMoveVolumesBootOrder(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	c := r.client(t)
	ctx := context.Background()
	target := failoverTarget(t, c, "failover-vm")

	moves, err := c.MoveVolumes(ctx, r.seed.ApplianceVMID, target.ID, cloudstack.BootOrder(r.seed.VolumeIDs...))
	require.NoError(t, err)
	require.Len(t, moves, 3)
	for i, m := range moves {
		assert.True(t, m.Detached && m.Attached)
		assert.Equal(t, int64(r.seed.DeviceIDs[i]), m.FromDeviceID)
	}

	vols, err := c.ListVolumes(ctx, target.ID)
	require.NoError(t, err)
	require.Len(t, vols, 3)
	for i, v := range vols {
		assert.Equal(t, r.seed.VolumeIDs[i], v.ID, "order kept")
	}
	assert.Equal(t, []int64{0, 1, 2}, []int64{vols[0].DeviceID, vols[1].DeviceID, vols[2].DeviceID})
	assert.Equal(t, cloudstack.VolumeRoot, vols[0].Type)

	left, err := c.ListVolumes(ctx, r.seed.ApplianceVMID)
	require.NoError(t, err)
	require.Len(t, left, 1, "only the appliance's own ROOT stays")

	vm, err := c.StartVM(ctx, target.ID)
	require.NoError(t, err, "the moved boot disk lets the VM start")
	assert.Equal(t, cloudstack.VMRunning, vm.State)
}

func TestMoveVolumesPartialFailureAndUndo(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	c := r.client(t)
	ctx := context.Background()
	target := failoverTarget(t, c, "failover-vm")

	r.sim.FailNth("attachVolume", 2, simulator.Fault{Async: true, ErrorCode: 530, ErrorText: "Failed to attach volume: storage busy"})
	moves, err := c.MoveVolumes(ctx, r.seed.ApplianceVMID, target.ID, cloudstack.BootOrder(r.seed.VolumeIDs...))
	require.Error(t, err)
	assert.ErrorIs(t, err, cloudstack.ErrJobFailed)
	var me *cloudstack.MoveError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "attach", me.Step)
	assert.Contains(t, me.Error(), "attach of volume "+r.seed.VolumeIDs[1]+" failed after 1 of 3 moved")
	assert.Equal(t, r.seed.VolumeIDs[1], me.VolumeID)
	require.Len(t, moves, 3)
	assert.True(t, moves[0].Detached && moves[0].Attached)
	assert.True(t, moves[1].Detached && !moves[1].Attached)
	assert.False(t, moves[2].Detached || moves[2].Attached)

	require.NoError(t, c.UndoMoves(ctx, moves))
	vols, err := c.ListVolumes(ctx, r.seed.ApplianceVMID)
	require.NoError(t, err)
	require.Len(t, vols, 4)
	for i, id := range r.seed.VolumeIDs {
		assert.Equal(t, id, vols[i+1].ID)
		assert.Equal(t, int64(r.seed.DeviceIDs[i]), vols[i+1].DeviceID, "back at its old device")
	}
	assert.Empty(t, r.sim.State().VolumesOf(target.ID))
}

func TestUndoMovesReportsEveryFailure(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	c := r.client(t)
	ctx := context.Background()
	target := failoverTarget(t, c, "failover-vm")
	moves, err := c.MoveVolumes(ctx, r.seed.ApplianceVMID, target.ID, cloudstack.BootOrder(r.seed.VolumeIDs...))
	require.NoError(t, err)

	// Two of the three reattachments fail; the third is still done.
	r.sim.FailWhen(func(call simulator.Call) bool {
		return call.Command == "attachVolume" && call.Params.Get("id") != r.seed.VolumeIDs[1]
	}, simulator.Fault{Async: true, ErrorCode: 530, ErrorText: "Failed to attach volume"})
	err = c.UndoMoves(ctx, moves)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "2 of 3 failed")
	assert.ErrorIs(t, err, cloudstack.ErrJobFailed)
	back, _ := r.sim.State().Volume(r.seed.VolumeIDs[1])
	assert.Equal(t, r.seed.ApplianceVMID, back.VMID)
}

func TestMoveVolumesChecksThePlanFirst(t *testing.T) {
	t.Parallel()
	r := newRig(t, 2)
	c := r.client(t)
	ctx := context.Background()
	target := failoverTarget(t, c, "failover-vm")
	other, err := c.DeployVM(ctx, cloudstack.DeploySpec{Name: "other"})
	require.NoError(t, err)
	otherVols, err := c.ListVolumes(ctx, other.ID)
	require.NoError(t, err)

	cases := []struct {
		name string
		plan []cloudstack.Placement
		want error
	}{
		{"volume on another VM", cloudstack.BootOrder(r.seed.VolumeIDs[0], otherVols[0].ID), fkerrors.Conflict},
		{"same device twice", []cloudstack.Placement{{VolumeID: r.seed.VolumeIDs[0], DeviceID: 1}, {VolumeID: r.seed.VolumeIDs[1], DeviceID: 1}}, fkerrors.Invalid},
		{"same volume twice", []cloudstack.Placement{{VolumeID: r.seed.VolumeIDs[0], DeviceID: 0}, {VolumeID: r.seed.VolumeIDs[0], DeviceID: 1}}, fkerrors.Invalid},
	}
	for _, tc := range cases {
		r.sim.ResetCalls()
		moves, err := c.MoveVolumes(ctx, r.seed.ApplianceVMID, target.ID, tc.plan)
		require.ErrorIs(t, err, tc.want, tc.name)
		assert.Nil(t, moves, tc.name)
		assert.Empty(t, r.sim.CallsTo("detachVolume"), tc.name)
		var me *cloudstack.MoveError
		assert.False(t, errors.As(err, &me), "nothing moved, so no MoveError")
	}
}

func TestBootOrderSkipsTheCDROMSlot(t *testing.T) {
	t.Parallel()
	plan := cloudstack.BootOrder("a", "b", "c", "d", "e")
	var devs []int64
	for _, p := range plan {
		devs = append(devs, p.DeviceID)
	}
	assert.Equal(t, []int64{0, 1, 2, 4, 5}, devs)
	assert.Empty(t, cloudstack.BootOrder())
}
