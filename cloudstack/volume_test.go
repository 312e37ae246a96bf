package cloudstack_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
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

// GetVolumes answers any number of volumes, wherever they are, in one call and in the order
// asked; a deleted one is NotFound.
func TestGetVolumesInOneCall(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	c := r.client(t)
	ctx := context.Background()
	_, err := c.DetachVolume(ctx, r.seed.VolumeIDs[1])
	require.NoError(t, err)
	ids := []string{r.seed.VolumeIDs[2], r.seed.VolumeIDs[1], r.seed.VolumeIDs[0]}

	r.sim.ResetCalls()
	vols, err := c.GetVolumes(ctx, ids)
	require.NoError(t, err)
	assert.Len(t, r.sim.Calls(), 1)
	require.Len(t, vols, 3)
	for i, v := range vols {
		assert.Equal(t, ids[i], v.ID)
	}
	assert.Equal(t, r.seed.ApplianceVMID, vols[0].VMID)
	assert.False(t, vols[1].Attached())

	none, err := c.GetVolumes(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, none)
	_, err = c.GetVolumes(ctx, []string{ids[0], ""})
	require.ErrorIs(t, err, fkerrors.Invalid)

	require.NoError(t, c.DeleteVolume(ctx, r.seed.VolumeIDs[1]))
	_, err = c.GetVolumes(ctx, ids)
	require.ErrorIs(t, err, fkerrors.NotFound)
	assert.ErrorContains(t, err, r.seed.VolumeIDs[1])
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
