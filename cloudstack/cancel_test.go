package cloudstack_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// hangGuard bounds how long a test waits for a call to reach the simulator, or to end because
// its context ended; it is a guard against a hang, not a timing assertion.
const hangGuard = 30 * time.Second

type deployed struct {
	vm  *cloudstack.VM
	err error
}

func deployAsync(ctx context.Context, c *cloudstack.Client, name string) <-chan deployed {
	done := make(chan deployed, 1)
	go func() {
		vm, err := c.DeployVM(ctx, cloudstack.DeploySpec{Name: name})
		done <- deployed{vm, err}
	}()
	return done
}

func waitDeployed(t *testing.T, done <-chan deployed) deployed {
	t.Helper()
	select {
	case d := <-done:
		return d
	case <-time.After(hangGuard):
		t.Fatal("the call did not end after its context ended")
		return deployed{}
	}
}

func TestCancelDuringSlowRequest(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	c := r.client(t)
	// Hold every call for an hour, starting with the zone lookup DeployVM makes first.
	r.sim.SetLatency(time.Hour)

	ctx, cancel := context.WithCancel(context.Background())
	done := deployAsync(ctx, c, "held")
	require.Eventually(t, func() bool { return r.sim.InFlight() == 1 }, hangGuard, time.Millisecond,
		"the zone lookup never reached CloudStack")
	cancel()
	d := waitDeployed(t, done)
	require.ErrorIs(t, d.err, context.Canceled)
	assert.NotErrorIs(t, d.err, fkerrors.Unavailable, "the caller's cancellation is not an outage")
	assert.Nil(t, d.vm)
	r.sim.SetLatency(0)
	vms, err := c.FindVMsByName(context.Background(), "held")
	require.NoError(t, err)
	assert.Empty(t, vms, "the held call never ran")
}

func TestCancelWhileWaitingForJob(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0, simulator.WithPendingPolls(1_000_000))
	c := r.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := deployAsync(ctx, c, "pending")
	// Cancel once the job is being polled.
	require.Eventually(t, func() bool { return len(r.sim.CallsTo("queryAsyncJobResult")) > 0 }, hangGuard, time.Millisecond,
		"no poll seen")
	cancel()
	d := waitDeployed(t, done)
	require.ErrorIs(t, d.err, context.Canceled)
	var apiErr *cloudstack.APIError
	require.ErrorAs(t, d.err, &apiErr)
	assert.NotEmpty(t, apiErr.JobID)
	assert.Contains(t, d.err.Error(), "may still complete")
	require.NotNil(t, d.vm, "the announced VM id is handed back")
	_, ok := r.sim.State().VM(d.vm.ID)
	assert.True(t, ok, "the VM exists in CloudStack; the caller can destroy it")
}

func TestDeadlineWhileWaitingForJob(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0, simulator.WithPendingPolls(1_000_000))
	c := r.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	d := waitDeployed(t, deployAsync(ctx, c, "late"))
	require.ErrorIs(t, d.err, context.DeadlineExceeded)
	assert.NotErrorIs(t, d.err, fkerrors.Unavailable)
}

func TestJobTimeout(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0, simulator.WithPendingPolls(1_000_000))
	c := r.client(t, cloudstack.WithJobTimeout(30*time.Millisecond))
	d := waitDeployed(t, deployAsync(context.Background(), c, "stuck"))
	require.ErrorIs(t, d.err, fkerrors.Unavailable)
	assert.Contains(t, d.err.Error(), "job timeout")
	require.NotNil(t, d.vm)
}

func TestCancelledBeforeCalling(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	c := r.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r.sim.ResetCalls()
	_, err := c.ListVolumes(ctx, r.seed.ApplianceVMID)
	require.ErrorIs(t, err, context.Canceled)
	_, err = c.CreateSnapshot(ctx, r.seed.VolumeIDs[0], "")
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, r.sim.Calls())
}
