package main

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

var progressLine = regexp.MustCompile(`^\[\d+/\d+\] `)

// TestKillNineThenRollback kills test and live failovers with SIGKILL at a spread of points -
// after the Nth progress line, each step start and end being one, while a step's CloudStack
// calls are under way - and rolls each job back at once from a new process: the rollback
// succeeds without waiting for the dead process's lease to expire (its process is gone from
// this host), and the simulators are left clean, checked in their own state.
func TestKillNineThenRollback(t *testing.T) {
	t.Parallel()
	f := newLabDBWith(t, failovertest.Options{CloudStackOptions: []cssim.Option{cssim.WithLatency(25 * time.Millisecond)}})
	before := f.lab.Cloud.State()
	known := map[string]bool{}
	for _, vm := range before.VMs {
		known[vm.ID] = true
	}
	for _, v := range before.Volumes {
		known[v.ID] = true
	}
	for _, tc := range []struct {
		flow  string
		lines int
	}{
		{"test", 2}, {"test", 5}, {"test", 11}, {"test", 14},
		{"live", 3}, {"live", 8}, {"live", 13},
	} {
		jobID, seen := f.killAfter(t, tc.flow, tc.lines)
		start := time.Now()
		args := []string{"rollback", jobID, "--no-progress"}
		if tc.flow == "live" {
			args = append(args, "--power-on-source")
		}
		o := cli(t, nil, f.flags(args...)...)
		took := time.Since(start)
		t.Logf("%s killed after progress line %d (%q): rollback exit %d in %s", tc.flow, tc.lines, seen, o.code, took.Round(time.Millisecond))
		require.Equal(t, exitOK, o.code, "%s killed after line %d: rollback at once\n%s", tc.flow, tc.lines, o.stderr)
		assert.Less(t, took, 20*time.Second, "no wait for the lease to expire")
		f.requireClean(t, known, fmt.Sprintf("%s killed after line %d", tc.flow, tc.lines))
	}
}

// killAfter starts a flow and kills its process with SIGKILL on its nth progress line; it
// returns the job and the line, once the process is reaped.
func (f *labDB) killAfter(t *testing.T, flow string, n int) (jobID, seen string) {
	t.Helper()
	args := []string{flow, "--no-progress"}
	if flow == "live" {
		args = append(args, "--hard") // the simulated guests run no VMware Tools
	}
	p := startFlow(t, f.flags(append(args, f.requestFlags()...)...)...)
	lines := 0
	seen = p.until(func(line string) bool {
		if progressLine.MatchString(line) {
			lines++
		}
		return lines == n
	})
	if seen != "" {
		require.NoError(t, p.cmd.Process.Kill())
	}
	err := p.wait() // reaped: a zombie would still count as a live lease holder
	require.Error(t, err, "the process was killed before it finished")
	require.NotEmpty(t, p.jobID)
	require.NotEmpty(t, seen, "the flow printed fewer than %d progress lines", n)
	return p.jobID, seen
}

// requireClean checks the simulators after a rollback: no VM or ROOT volume created by a job
// is left, the replicated volumes are back on the appliance VM at their devices, no snapshot of
// them is left, and the source VM is powered on.
func (f *labDB) requireClean(t *testing.T, known map[string]bool, what string) {
	t.Helper()
	st := f.lab.Cloud.State()
	for _, vm := range st.VMs {
		if !known[vm.ID] && vm.State != cloudstack.VMDestroyed && vm.State != cloudstack.VMExpunging {
			t.Errorf("%s: VM %s (%s) left behind, %s", what, vm.Name, vm.ID, vm.State)
		}
	}
	s := f.lab.Sources[0]
	for k, id := range s.VolumeIDs {
		v, ok := st.Volume(id)
		require.True(t, ok, "%s: replicated volume %s is gone", what, id)
		assert.Equal(t, s.ApplianceVMID, v.VMID, "%s: volume %s is not on the appliance", what, id)
		assert.Equal(t, s.DeviceIDs[k], v.DeviceID, "%s: volume %s is at another device", what, id)
		for _, snap := range st.SnapshotsOf(id) {
			if snap.State != cloudstack.SnapshotDestroyed {
				t.Errorf("%s: snapshot %s of volume %s left behind (%s)", what, snap.Name, id, snap.State)
			}
		}
	}
	for _, v := range st.Volumes {
		if !known[v.ID] && v.Type == cloudstack.VolumeRoot && !v.Attached() && v.State != cloudstack.VolumeExpunged {
			t.Errorf("%s: ROOT volume %s (%s) left behind", what, v.Name, v.ID)
		}
	}
	power, err := f.lab.PowerState(s.Name)
	require.NoError(t, err)
	assert.Equal(t, vsphere.PoweredOn, power, "%s: source VM power state", what)
}
