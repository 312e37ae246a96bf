package failovertest_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

func start(t *testing.T, opts failovertest.Options) *failovertest.Lab {
	t.Helper()
	l, err := failovertest.Start(opts)
	require.NoError(t, err)
	t.Cleanup(l.Close)
	return l
}

// govmomiClient logs a plain govmomi client in to the lab's vCenter with the service
// account's current set.
func govmomiClient(t *testing.T, l *failovertest.Lab) *govmomi.Client {
	t.Helper()
	set := l.VSphereSet()
	u, err := url.Parse(set.Host)
	require.NoError(t, err)
	u.User = url.UserPassword(set.Username, set.Password.Reveal())
	c, err := govmomi.NewClient(context.Background(), u, true)
	require.NoError(t, err)
	return c
}

// newPool returns a vCenter session pool closed at the end of the test.
func newPool(t *testing.T) *vsphere.Pool {
	p := vsphere.NewPool(vsphere.WithLogger(slog.New(slog.DiscardHandler)), vsphere.WithPollInterval(10*time.Millisecond))
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

// Thirteen VMs of two volumes fill one appliance (24 volumes) and start a second.
func TestStartSeedsSourceVMsOnAppliances(t *testing.T) {
	t.Parallel()
	l := start(t, failovertest.Options{SourceVMs: 13, VolumesPerVM: 2})
	require.Len(t, l.Sources, 13)
	assert.Equal(t, []string{"cloud1", "cloud2"}, l.CloudAccounts())

	st := l.Cloud.State()
	names := map[string]bool{}
	for i, s := range l.Sources {
		assert.False(t, names[s.Name], "source VM %s handed out twice", s.Name)
		names[s.Name] = true
		assert.Equal(t, "/DC0/vm/"+s.Name, s.Path)
		assert.Equal(t, vsphere.ByPath(s.Path), s.Locator())
		wantAccount := "cloud1"
		if i >= 12 {
			wantAccount = "cloud2"
		}
		assert.Equal(t, wantAccount, s.CloudAccount, "source %d", i)

		appliance, ok := st.VM(s.ApplianceVMID)
		require.True(t, ok)
		assert.Equal(t, cloudstack.VMRunning, appliance.State)
		require.Len(t, s.VolumeIDs, 2)
		require.Len(t, s.DeviceIDs, 2)
		for k, id := range s.VolumeIDs {
			v, ok := st.Volume(id)
			require.True(t, ok)
			assert.Equal(t, s.ApplianceVMID, v.VMID, "volume %s is on the appliance", id)
			assert.Equal(t, s.DeviceIDs[k], v.DeviceID)
		}
		power, err := l.PowerState(s.Name)
		require.NoError(t, err)
		assert.Equal(t, vsphere.PoweredOn, power)
	}
	assert.NotEqual(t, l.Sources[0].ApplianceVMID, l.Sources[12].ApplianceVMID, "one appliance per account")
}

func TestStartRefusesMoreVolumesThanAnApplianceHolds(t *testing.T) {
	t.Parallel()
	_, err := failovertest.Start(failovertest.Options{VolumesPerVM: 25})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "at most 24")
}

func TestCloudStackSetAndRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := start(t, failovertest.Options{})
	account := l.Sources[0].CloudAccount
	old, err := l.CloudStackSet(account)
	require.NoError(t, err)
	assert.Equal(t, l.Sources[0].ApplianceVMID, old.ApplianceVMID)
	assert.True(t, strings.HasPrefix(old.APIURL, "http://127.0.0.1:"), old.APIURL)

	oldClient, err := cloudstack.New(old)
	require.NoError(t, err)
	zones, err := oldClient.Zones(ctx)
	require.NoError(t, err)
	require.Len(t, zones, 1)
	assert.Equal(t, old.Zone, zones[0].ID)

	rotated, err := l.RotateCloudStack(account)
	require.NoError(t, err)
	assert.NotEqual(t, old.APIKey.Reveal(), rotated.APIKey.Reveal())
	assert.NotEqual(t, old.SecretKey.Reveal(), rotated.SecretKey.Reveal())
	current, err := l.CloudStackSet(account)
	require.NoError(t, err)
	assert.Equal(t, rotated.APIKey.Reveal(), current.APIKey.Reveal(), "CloudStackSet hands out the rotated keys")

	l.Cloud.ResetCalls()
	_, err = oldClient.Zones(ctx)
	require.Error(t, err, "CloudStack refuses the old keys")
	calls := l.Cloud.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, http.StatusUnauthorized, calls[0].HTTPStatus)

	newClient, err := cloudstack.New(rotated)
	require.NoError(t, err)
	_, err = newClient.Zones(ctx)
	require.NoError(t, err)
}

func TestUnknownCloudStackAccount(t *testing.T) {
	t.Parallel()
	l := start(t, failovertest.Options{})
	_, err := l.CloudStackSet("nobody")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"cloud1"`, "the error lists the accounts there are")
	_, err = l.RotateCloudStack("nobody")
	require.Error(t, err)
	_, err = l.Catalog("nobody")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"cloud1"`)
}

func TestRotateVCenterPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := start(t, failovertest.Options{})
	old := l.VSphereSet()
	_, err := newPool(t).Client(ctx, old)
	require.NoError(t, err)

	rotated := l.RotateVCenterPassword()
	assert.Equal(t, old.Username, rotated.Username)
	assert.NotEqual(t, old.Password.Reveal(), rotated.Password.Reveal())
	assert.Equal(t, rotated.Password.Reveal(), l.VSphereSet().Password.Reveal())

	fresh := newPool(t)
	_, err = fresh.Client(ctx, old)
	require.ErrorIs(t, err, fkerrors.Unauthenticated, "vCenter refuses the old password")
	_, err = fresh.Client(ctx, rotated)
	require.NoError(t, err)
}

func TestExpireVCenterSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := start(t, failovertest.Options{})
	c := govmomiClient(t, l)
	vm, err := find.NewFinder(c.Client).VirtualMachine(ctx, l.Sources[0].Path)
	require.NoError(t, err)

	require.NoError(t, l.ExpireVCenterSessions(ctx))
	_, err = vm.PowerState(ctx)
	require.Error(t, err)
	assert.True(t, fault.Is(err, &types.NotAuthenticated{}), "the session is gone: %v", err)
	require.NoError(t, l.ExpireVCenterSessions(ctx), "nothing left to expire is no error")
}

func TestFailVSphere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := start(t, failovertest.Options{})
	c, err := newPool(t).Client(ctx, l.VSphereSet())
	require.NoError(t, err)
	src := l.Sources[0]
	vm, err := c.FindVM(ctx, src.Locator())
	require.NoError(t, err)
	l.ResetVSphereCalls()

	l.FailVSphere("PowerOffVM_Task", 1)
	_, err = c.PowerOff(ctx, vm, vsphere.PowerOffOptions{GracefulTimeout: -1, AllowHard: true})
	require.Error(t, err)
	assert.True(t, fault.Is(err, &types.SystemError{}), "the injected fault: %v", err)
	assert.Equal(t, 1, l.VSphereFaultsFired())
	power, err := l.PowerState(src.Name)
	require.NoError(t, err)
	assert.Equal(t, vsphere.PoweredOn, power, "a faulted call changes nothing")

	// The fault fired once; the next call goes through.
	_, err = c.PowerOff(ctx, vm, vsphere.PowerOffOptions{GracefulTimeout: -1, AllowHard: true})
	require.NoError(t, err)
	power, err = l.PowerState(src.Name)
	require.NoError(t, err)
	assert.Equal(t, vsphere.PoweredOff, power)
	calls := l.VSphereCalls()
	assert.Equal(t, 2, countOf(calls, "PowerOffVM_Task"), "both calls are recorded: %v", calls)

	// A cleared fault never fires; ResetVSphereCalls forgets the calls only.
	l.FailVSphere("PowerOnVM_Task", 1)
	l.ClearVSphereFaults()
	l.ResetVSphereCalls()
	_, err = c.PowerOn(ctx, vm)
	require.NoError(t, err)
	assert.Equal(t, 1, l.VSphereFaultsFired())
	assert.Equal(t, 1, countOf(l.VSphereCalls(), "PowerOnVM_Task"))
	assert.Zero(t, countOf(l.VSphereCalls(), "PowerOffVM_Task"))
}

func countOf(calls []string, method string) int {
	n := 0
	for _, c := range calls {
		if c == method {
			n++
		}
	}
	return n
}

func TestPowerStateOfUnknownVM(t *testing.T) {
	t.Parallel()
	l := start(t, failovertest.Options{})
	_, err := l.PowerState("no-such-vm")
	require.Error(t, err)
}

func TestOptionsReachTheCloudStackSimulatorAndTheLogger(t *testing.T) {
	t.Parallel()
	fixed := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	var logs testkit.LogBuffer
	l := start(t, failovertest.Options{
		Logger:            logs.Logger(),
		CloudStackOptions: []cssim.Option{cssim.WithClock(func() time.Time { return fixed })},
	})
	appliance, ok := l.Cloud.State().VM(l.Sources[0].ApplianceVMID)
	require.True(t, ok)
	assert.Equal(t, fixed, appliance.Created, "the simulator runs on the clock passed through")

	set, err := l.CloudStackSet(l.Sources[0].CloudAccount)
	require.NoError(t, err)
	c, err := cloudstack.New(set)
	require.NoError(t, err)
	_, err = c.Zones(context.Background())
	require.NoError(t, err)
	rotated, err := l.RotateCloudStack(l.Sources[0].CloudAccount)
	require.NoError(t, err)
	vc := l.RotateVCenterPassword()

	out := logs.String()
	assert.Contains(t, out, "listZones", "the simulator logs each call")
	assert.Equal(t, 1, logs.Count("failovertest: CloudStack keys rotated"))
	assert.Equal(t, 1, logs.Count("failovertest: vCenter password rotated"))
	for _, secret := range []string{set.SecretKey.Reveal(), rotated.SecretKey.Reveal(), vc.Password.Reveal()} {
		assert.NotContains(t, out, secret)
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	var apiURL string
	errStop := errors.New("stop")
	err := failovertest.Run(failovertest.Options{SourceVMs: 2}, func(ctx context.Context, l *failovertest.Lab) error {
		require.Len(t, l.Sources, 2)
		apiURL = l.Cloud.URL()
		resp, err := l.Cloud.HTTPClient().Get(apiURL)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return errStop
	})
	require.ErrorIs(t, err, errStop, "Run returns f's error")
	_, err = http.Get(apiURL)
	require.Error(t, err, "the lab is closed when f returns")

	called := false
	err = failovertest.Run(failovertest.Options{VolumesPerVM: 100}, func(context.Context, *failovertest.Lab) error {
		called = true
		return nil
	})
	require.Error(t, err)
	assert.False(t, called, "f does not run without a lab")
}

func TestCloseTwice(t *testing.T) {
	t.Parallel()
	l, err := failovertest.Start(failovertest.Options{})
	require.NoError(t, err)
	l.Close()
	assert.NotPanics(t, l.Close)
}
