package cloudstack_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// TestKeyRotation follows an operator rotating an account's keys in CloudStack and then in
// the credential store: an operation still holding the old set fails with a typed
// unauthenticated error naming the set, and the next operation, which fetches the set anew,
// succeeds with the new keys - no restart, no reload.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	ctx := context.Background()
	store := credentials.NewMemory(nil)
	store.PutCloudStack("ops", r.set)

	// operation fetches the account's set, builds a Client from it and lists the appliance's
	// volumes, as every failover step does.
	operation := func() (credentials.Meta, error) {
		set, err := store.CloudStack(ctx, credentials.Account("ops"))
		require.NoError(t, err)
		c, err := cloudstack.New(set)
		require.NoError(t, err)
		_, err = c.ListVolumes(ctx, r.seed.ApplianceVMID)
		return c.Credentials(), err
	}

	oldMeta, err := operation()
	require.NoError(t, err)

	// CloudStack rotates the keys; the store still holds the old ones.
	newKey, newSecret, err := r.sim.RotateKeys(r.seed.Account)
	require.NoError(t, err)
	staleMeta, err := operation()
	require.Error(t, err)
	assert.Equal(t, oldMeta.Version, staleMeta.Version)
	assert.ErrorIs(t, err, fkerrors.Unauthenticated)
	var ce *credentials.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "cloudstack", ce.Source)
	assert.Equal(t, "ops", ce.Account)
	assert.Contains(t, ce.Fix, "memory account ops")
	assert.Contains(t, ce.Fix, "version "+staleMeta.Version)
	var apiErr *cloudstack.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 401, apiErr.ErrorCode)
	assert.Equal(t, "listVolumes", apiErr.Command)
	for _, secret := range []string{r.seed.APIKey, r.seed.SecretKey, newKey, newSecret} {
		assert.NotContains(t, err.Error(), secret)
	}

	// The operator stores the new keys; the next operation picks them up.
	rotated := r.set
	rotated.APIKey, rotated.SecretKey = credentials.NewSecret(newKey), credentials.NewSecret(newSecret)
	store.PutCloudStack("ops", rotated)
	newMeta, err := operation()
	require.NoError(t, err)
	assert.NotEqual(t, oldMeta.Version, newMeta.Version)
	assert.NotEqual(t, oldMeta.Fingerprint, newMeta.Fingerprint)

	// The call log shows which key each request presented.
	calls := r.sim.CallsTo("listVolumes")
	require.Len(t, calls, 3)
	assert.Equal(t, r.seed.APIKey, calls[0].APIKey)
	assert.Equal(t, 200, calls[0].HTTPStatus)
	assert.Equal(t, r.seed.APIKey, calls[1].APIKey)
	assert.Equal(t, 401, calls[1].HTTPStatus)
	assert.Equal(t, newKey, calls[2].APIKey)
	assert.Equal(t, 200, calls[2].HTTPStatus)
}

func TestRevokedKeysDuringAnAsyncJob(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1, simulator.WithPendingPolls(3))
	r.detachReplicated(t)
	c := r.client(t)
	// The keys are revoked while the job runs: the first poll gets through, the next is 401.
	var once sync.Once
	r.sim.FailWhen(func(call simulator.Call) bool {
		if call.Command == "queryAsyncJobResult" {
			once.Do(func() { require.NoError(t, r.sim.RevokeKeys(r.seed.Account)) })
		}
		return false
	}, simulator.Fault{})
	snap, err := c.CreateSnapshot(context.Background(), r.seed.VolumeIDs[0], "x")
	require.ErrorIs(t, err, fkerrors.Unauthenticated)
	assert.NotErrorIs(t, err, fkerrors.Unavailable)
	var apiErr *cloudstack.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.NotEmpty(t, apiErr.JobID, "the error names the job it stopped waiting for")
	require.NotNil(t, snap, "the announced snapshot id is handed back for cleanup")
	assert.NotEmpty(t, snap.ID)
}

func TestCommandNotAllowedForTheAccount(t *testing.T) {
	t.Parallel()
	// A read-only role: CloudStack answers 432 for every other command.
	r := newRig(t, 1)
	c := r.client(t)
	require.NoError(t, r.sim.SetAllowedCommands(r.seed.Account, []string{"listVolumes", "listVirtualMachines", "queryAsyncJobResult"}))
	vols, err := c.ListVolumes(context.Background(), r.seed.ApplianceVMID)
	require.NoError(t, err)
	require.NotEmpty(t, vols)

	_, err = c.DetachVolume(context.Background(), r.seed.VolumeIDs[0])
	require.ErrorIs(t, err, fkerrors.Unauthenticated)
	assert.Contains(t, fkerrors.Remedy(err), "role allows detachVolume")
	assert.Contains(t, fkerrors.Remedy(err), c.Credentials().Describe())
	var apiErr *cloudstack.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 432, apiErr.ErrorCode)
	v, _ := r.sim.State().Volume(r.seed.VolumeIDs[0])
	assert.Equal(t, r.seed.ApplianceVMID, v.VMID, "nothing changed")
}
