package failover

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// fixture is an Engine wired to both simulators through a Memory credential source, the
// way an appliance wires it to its database.
type fixture struct {
	t      testing.TB
	lab    *failovertest.Lab
	src    *credentials.Memory
	store  Store
	pool   *vsphere.Pool
	engine *Engine
	opts   []Option
	// shape, when set, completes every request the fixture makes (network mappings for a
	// shaped guest, say).
	shape func(*Request)
}

const vcAccount = "vcenter"

func testLogger() *slog.Logger {
	if os.Getenv("FAILOVERKIT_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func newFixture(t testing.TB, labOpts failovertest.Options, opts ...Option) *fixture {
	t.Helper()
	l, err := failovertest.Start(labOpts)
	require.NoError(t, err)
	t.Cleanup(l.Close)
	f := &fixture{t: t, lab: l, src: credentials.NewMemory(testLogger()), store: NewMemoryStore()}
	for _, s := range l.Sources {
		set, err := l.CloudStackSet(s.CloudAccount)
		require.NoError(t, err)
		f.src.PutCloudStack(s.CloudAccount, set)
	}
	f.src.PutVSphere(vcAccount, l.VSphereSet())
	f.pool = vsphere.NewPool(vsphere.WithLogger(testLogger()), vsphere.WithPollInterval(20*time.Millisecond))
	t.Cleanup(func() { _ = f.pool.Close(context.Background()) })
	f.opts = opts
	f.engine = f.newEngine()
	return f
}

// newEngine builds another engine on the same store and credentials, as a restarted process
// (or a second one) would.
func (f *fixture) newEngine(extra ...Option) *Engine {
	f.t.Helper()
	opts := append([]Option{
		WithStore(f.store),
		WithLogger(testLogger()),
		WithVSpherePool(f.pool),
		WithCloudStackOptions(fastPolls()...),
		WithHeartbeat(250 * time.Millisecond),
	}, f.opts...)
	e, err := New(f.src, append(opts, extra...)...)
	require.NoError(f.t, err)
	f.t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

// request is the failover request for source i, naming its accounts.
func (f *fixture) request(i int) Request {
	s := f.lab.Sources[i]
	req := Request{
		VCenter:    credentials.Account(vcAccount),
		VM:         s.Locator(),
		CloudStack: credentials.Account(s.CloudAccount),
		PowerOff:   PowerOffPolicy{GracefulTimeout: 2 * time.Second, AllowHard: true},
	}
	for k, id := range s.VolumeIDs {
		req.Volumes = append(req.Volumes, Volume{ID: id, Boot: k == 0})
	}
	if f.shape != nil {
		f.shape(&req)
	}
	return req
}

// sourceOf returns the index of the lab source a job works on.
func (f *fixture) sourceOf(job *Job) int {
	for i, s := range f.lab.Sources {
		if s.Locator() == job.Request.VM {
			return i
		}
	}
	f.t.Fatalf("job %s is on no source of the lab", job.ID)
	return -1
}

// rotateCloudStack rotates the keys of source i's account in CloudStack and in the source.
func (f *fixture) rotateCloudStack(i int) credentials.CloudStack {
	f.t.Helper()
	set, err := f.lab.RotateCloudStack(f.lab.Sources[i].CloudAccount)
	require.NoError(f.t, err)
	f.src.PutCloudStack(f.lab.Sources[i].CloudAccount, set)
	return set
}

// requireClean checks that nothing of any job is left for source i: no VM but the
// appliance, every replicated volume on the appliance at its original device, no snapshot,
// and the source VM powered as wanted.
func (f *fixture) requireClean(t testing.TB, i int, wantPower vsphere.PowerState) {
	t.Helper()
	s := f.lab.Sources[i]
	st := f.lab.Cloud.State()
	// The VMs a job on source i creates are named after it; other sources' jobs are theirs.
	prefix := targetName(&Job{Kind: KindLiveFailover}, "", s.Name)
	for _, vm := range st.VMs {
		if vm.State == cloudstack.VMDestroyed || vm.State == cloudstack.VMExpunging || vm.ID == s.ApplianceVMID {
			continue
		}
		if vm.Name == prefix || strings.HasPrefix(vm.Name, prefix+"-test-") {
			t.Errorf("orphaned VM %s (%s, %s)", vm.Name, vm.ID, vm.State)
		}
	}
	for k, id := range s.VolumeIDs {
		v, ok := st.Volume(id)
		require.True(t, ok, "replicated volume %s is gone", id)
		assert.Equal(t, s.ApplianceVMID, v.VMID, "volume %s is not on the appliance", id)
		assert.Equal(t, s.DeviceIDs[k], v.DeviceID, "volume %s is at another device", id)
		for _, snap := range st.SnapshotsOf(id) {
			if snap.State != cloudstack.SnapshotDestroyed {
				t.Errorf("snapshot %s of volume %s left behind (%s)", snap.Name, id, snap.State)
			}
		}
	}
	for _, v := range st.Volumes {
		if v.Type == cloudstack.VolumeRoot && !v.Attached() && v.State != cloudstack.VolumeExpunged {
			t.Errorf("orphaned ROOT volume %s (%s)", v.Name, v.ID)
		}
	}
	power, err := f.lab.PowerState(s.Name)
	require.NoError(t, err)
	assert.Equal(t, wantPower, power, "source VM power state")
}

// fastPolls polls async jobs at once and then every few milliseconds: the simulator ends jobs
// on the first poll, and tests should not wait out production's one-second interval.
func fastPolls() []cloudstack.Option {
	return []cloudstack.Option{cloudstack.WithPollInterval(time.Millisecond, 5*time.Millisecond)}
}
