package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
)

// TestGuestFlagsAndExpiry fails over a Windows UEFI guest with two NICs on two vCenter
// networks: without mappings preflight refuses it and nothing changes; with --map-network,
// --keep-macs and --template-for it comes up with its NICs in order on the mapped networks,
// its MACs, the Windows template and UEFI Secure Boot; --duration makes it expire, and
// "rollback --expired" rolls it back, once.
func TestGuestFlagsAndExpiry(t *testing.T) {
	t.Parallel()
	macs := []string{"00:50:56:8a:00:01", "00:50:56:8a:00:02"}
	f := newLabDBWith(t, failovertest.Options{
		CloudNetworks: []string{"net-a", "net-b"},
		Guests: []failovertest.Guest{{GuestID: failovertest.WindowsGuestID, Firmware: "efi", SecureBoot: true, NICs: []failovertest.GuestNIC{
			{Network: failovertest.VMNetwork, MACAddress: macs[0]},
			{Network: failovertest.DVPortGroup, MACAddress: macs[1]},
		}}},
	})
	catalog, err := f.lab.Catalog(testCloud)
	require.NoError(t, err)
	netA, netB := catalog.Networks["net-a"], catalog.Networks["net-b"]
	before := f.lab.Cloud.State()

	o := cli(t, nil, f.flags(append([]string{"test", "--no-progress"}, f.requestFlags()...)...)...)
	require.Equal(t, exitFailed, o.code, "stdout: %s\nstderr: %s", o.stdout, o.stderr)
	assert.Contains(t, o.stderr, failovertest.DVPortGroup, "the refusal names the unmapped networks")
	assert.Contains(t, o.stderr, "fix: ")
	assert.Equal(t, len(before.VMs), len(f.lab.Cloud.State().VMs), "preflight created nothing")

	args := append([]string{"test", "--json", "--duration", "1ms", "--keep-macs",
		"--map-network", failovertest.VMNetwork + "=" + netA, "--map-network", failovertest.DVPortGroup + "=" + netB,
		"--template-for", "windows=" + catalog.WindowsTemplateID}, f.requestFlags()...)
	o = cli(t, nil, f.flags(args...)...)
	require.Equal(t, exitOK, o.code, "stderr: %s", o.stderr)
	_, res := o.jsonLines(t)
	require.NotNil(t, res.Job.ExpiresAt, "--duration set the job's expiry")
	vm, ok := f.lab.Cloud.State().VM(createdVM(res.Job))
	require.True(t, ok)
	assert.Equal(t, []string{netA, netB}, vm.NetworkIDs())
	for i, n := range vm.NICs {
		assert.Equal(t, macs[i], n.MACAddress, "NIC %d keeps its source MAC", i)
	}
	assert.Equal(t, catalog.WindowsTemplateID, vm.TemplateID)
	assert.Equal(t, cloudstack.BootUEFI, vm.BootType)
	assert.Equal(t, cloudstack.BootSecure, vm.BootMode)

	o = cli(t, nil, f.flags("rollback", "--expired", "--json")...)
	require.Equal(t, exitOK, o.code, "stderr: %s", o.stderr)
	_, res = o.jsonLines(t)
	require.Len(t, res.Jobs, 1)
	assert.Equal(t, failover.StatusRolledBack, res.Jobs[0].Status)
	vm, _ = f.lab.Cloud.State().VM(vm.ID)
	assert.NotEqual(t, cloudstack.VMRunning, vm.State, "the expired test VM is gone")

	o = cli(t, nil, f.flags("rollback", "--expired")...)
	require.Equal(t, exitOK, o.code)
	assert.Contains(t, o.stdout, "no expired test failover")

	for _, bad := range [][]string{{"--map-network", "VM Network"}, {"--template-for", "beos=t-1"}, {"--duration", "-1s"}} {
		o = cli(t, nil, f.flags(append(append([]string{"test"}, bad...), f.requestFlags()...)...)...)
		assert.Equal(t, exitUsage, o.code, "%v: %s", bad, o.stderr)
	}
	o = cli(t, nil, f.flags("rollback", "--expired", "20260101-000000000000")...)
	assert.Equal(t, exitUsage, o.code)
}

// TestCommitLiveFailover accepts a live failover: commit deletes exactly the job's rollback
// snapshots, a second commit changes nothing, and rollback is refused with the reason.
func TestCommitLiveFailover(t *testing.T) {
	t.Parallel()
	f := newLabDB(t)
	src := f.lab.Sources[0]
	o := cli(t, nil, f.flags(append([]string{"live", "--json", "--hard"}, f.requestFlags()...)...)...)
	require.Equal(t, exitOK, o.code, "stderr: %s", o.stderr)
	_, res := o.jsonLines(t)
	jobID := res.Job.ID

	o = cli(t, nil, f.flags("live", "--no-progress", "--hard")...)
	require.Equal(t, exitUsage, o.code, "a live failover without a VM is a usage error")

	for range 2 {
		o = cli(t, nil, f.flags("commit", jobID, "--json")...)
		require.Equal(t, exitOK, o.code, "stderr: %s", o.stderr)
		_, res = o.jsonLines(t)
		assert.Equal(t, failover.StatusCommitted, res.Job.Status)
	}
	state := f.lab.Cloud.State()
	for _, id := range src.VolumeIDs {
		for _, sn := range state.SnapshotsOf(id) {
			assert.Equal(t, cloudstack.SnapshotDestroyed, sn.State, "snapshot %s of volume %s", sn.ID, id)
		}
	}
	vm, ok := state.VM(createdVM(res.Job))
	require.True(t, ok)
	assert.Equal(t, cloudstack.VMRunning, vm.State, "the committed VM keeps running")

	o = cli(t, nil, f.flags("rollback", jobID)...)
	assert.Equal(t, exitJob, o.code)
	assert.True(t, strings.Contains(o.stderr, "committed"), "stderr: %s", o.stderr)
	assert.Contains(t, o.stderr, "fix: ")
}
