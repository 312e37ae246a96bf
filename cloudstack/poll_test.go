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

// A poll that fails while a long job runs - a management server restarting, a proxy's 502 -
// says nothing about the job, so the wait polls on and sees the job end.
func TestTransientPollFailureDoesNotAbortTheWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault simulator.Fault
	}{
		{"534 resource unavailable", simulator.Fault{ErrorCode: simulator.CodeResourceUnavailable, ErrorText: "management server is starting"}},
		{"530 internal error", simulator.Fault{ErrorCode: simulator.CodeInternalError, ErrorText: "Internal error executing command, please contact your system administrator"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 1, simulator.WithPendingPolls(3))
			r.detachReplicated(t)
			c := r.client(t)
			r.sim.ResetCalls()
			r.sim.FailNth("queryAsyncJobResult", 2, tc.fault)
			r.sim.FailNth("queryAsyncJobResult", 3, tc.fault)

			snap, err := c.CreateSnapshot(context.Background(), r.seed.VolumeIDs[0], "long")
			require.NoError(t, err)
			assert.Equal(t, cloudstack.SnapshotBackedUp, snap.State)
			polls := r.sim.CallsTo("queryAsyncJobResult")
			require.Len(t, polls, 6, "three pending polls, two of them after two failed ones, then the result")
			assert.True(t, polls[1].Faulted && polls[2].Faulted)
		})
	}
}

func TestPersistentPollFailuresGiveUpAfterTheWindow(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1, simulator.WithJobDuration("createSnapshot", simulator.JobDuration{Base: time.Hour}))
	r.detachReplicated(t)
	c := r.client(t, cloudstack.WithPollFailureWindow(30*time.Millisecond))
	r.sim.FailWhen(func(call simulator.Call) bool { return call.Command == "queryAsyncJobResult" },
		simulator.Fault{ErrorCode: simulator.CodeResourceUnavailable, ErrorText: "storage network down"})

	snap, err := c.CreateSnapshot(context.Background(), r.seed.VolumeIDs[0], "stuck")
	require.ErrorIs(t, err, fkerrors.Unavailable)
	assert.NotErrorIs(t, err, cloudstack.ErrJobFailed, "the job did not fail; its outcome is unknown")
	assert.Contains(t, err.Error(), "storage network down")
	assert.Contains(t, err.Error(), "may still complete in CloudStack")
	var apiErr *cloudstack.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.NotEmpty(t, apiErr.JobID)
	assert.Equal(t, simulator.CodeResourceUnavailable, apiErr.ErrorCode)
	require.NotNil(t, snap, "the announced snapshot id is handed back for cleanup")
	assert.Greater(t, len(r.sim.CallsTo("queryAsyncJobResult")), 1, "it polled on before giving up")
}

// The last poll within WithJobTimeout falls on the deadline, so a job that ends just in time
// is seen to end.
func TestJobTimeoutPollsAtTheDeadline(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1, simulator.WithJobDuration("createSnapshot", simulator.JobDuration{Base: 60 * time.Millisecond}))
	r.detachReplicated(t)
	c := r.client(t, cloudstack.WithPollInterval(40*time.Millisecond, time.Second), cloudstack.WithJobTimeout(60*time.Millisecond))
	snap, err := c.CreateSnapshot(context.Background(), r.seed.VolumeIDs[0], "just-in-time")
	require.NoError(t, err, "polls at 0 and 40 ms see it running, the one at 60 ms sees it done")
	assert.Equal(t, cloudstack.SnapshotBackedUp, snap.State)
}
