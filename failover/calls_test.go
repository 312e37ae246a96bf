package failover

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
)

// The CloudStack calls of a test failover and of its rollback, by command, polls left out.
type callCounts struct{ failover, rollback map[string]int }

func countCalls(t *testing.T, volumes int, opts ...Option) callCounts {
	t.Helper()
	f := newFixture(t, failovertest.Options{VolumesPerVM: volumes}, opts...)
	ctx := context.Background()
	byCommand := func(calls []cssim.Call) map[string]int {
		m := map[string]int{}
		for _, c := range calls {
			if c.Command != "queryAsyncJobResult" {
				m[c.Command]++
			}
		}
		return m
	}
	f.lab.Cloud.ResetCalls()
	job, err := f.engine.TestFailover(ctx, f.request(0))
	require.NoError(t, err)
	var c callCounts
	c.failover = byCommand(f.lab.Cloud.Calls())
	f.lab.Cloud.ResetCalls()
	_, err = f.engine.Rollback(ctx, job.ID)
	require.NoError(t, err)
	c.rollback = byCommand(f.lab.Cloud.Calls())
	return c
}

// Running per-volume work side by side makes exactly the calls running it one volume at a
// time makes; with 8 volumes instead of 1 only the per-volume changes are made 7 more times,
// and every lookup (where the volumes are, which VM the job made) stays as it was.
func TestCallsGrowOnlyByThePerVolumeChanges(t *testing.T) {
	t.Parallel()
	one := countCalls(t, 1)
	eight := countCalls(t, 8)
	serial := countCalls(t, 8, WithVolumeParallelism(1))
	assert.Equal(t, serial, eight, "side by side adds no call")

	perVolume := map[string]map[string]bool{
		"failover": {"detachVolume": true, "createSnapshot": true, "attachVolume": true},
		"rollback": {"detachVolume": true, "revertSnapshot": true, "attachVolume": true, "deleteSnapshot": true},
	}
	for op, pair := range map[string][2]map[string]int{
		"failover": {one.failover, eight.failover},
		"rollback": {one.rollback, eight.rollback},
	} {
		commands := map[string]bool{}
		for cmd := range pair[0] {
			commands[cmd] = true
		}
		for cmd := range pair[1] {
			commands[cmd] = true
		}
		for cmd := range commands {
			want := pair[0][cmd]
			if perVolume[op][cmd] {
				want += 7
			}
			assert.Equal(t, want, pair[1][cmd], "%s: %s calls at 8 volumes (1 volume: %d)", op, cmd, pair[0][cmd])
		}
		assert.Positive(t, pair[1]["listVolumes"], "%s looks the volumes up", op)
	}
}
