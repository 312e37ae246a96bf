package failover_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// One error of each kind - a credential error, a CloudStack error, a vCenter error, a step's
// own finding - from real operations against the lab, printed the way the README's snippet
// prints it: each matches its category with errors.Is, its detail type with errors.As, and
// its message ends with its remedy exactly once.
func TestEveryKindOfErrorReadsTheSame(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, err := failovertest.Start(failovertest.Options{})
	require.NoError(t, err)
	t.Cleanup(l.Close)
	src := credentials.NewMemory(nil)
	cs, err := l.CloudStackSet(l.Sources[0].CloudAccount)
	require.NoError(t, err)
	src.PutCloudStack("cloud", cs)
	src.PutVSphere("vcenter", l.VSphereSet())
	engine, err := failover.New(src, failover.WithCloudStackOptions(cloudstack.WithPollInterval(time.Millisecond, 5*time.Millisecond)),
		failover.WithVSphereOptions(vsphere.WithPollInterval(20*time.Millisecond)), failover.WithHeartbeat(250*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(func() { _ = engine.Close(ctx) })
	req := func() failover.Request {
		r := failover.Request{VM: l.Sources[0].Locator(), VCenter: credentials.Account("vcenter"), CloudStack: credentials.Account("cloud")}
		for i, id := range l.Sources[0].VolumeIDs {
			r.Volumes = append(r.Volumes, failover.Volume{ID: id, Boot: i == 0})
		}
		return r
	}
	readme := func(err error) error { return fmt.Errorf("test failover: %w", err) }

	client, err := cloudstack.New(cs)
	require.NoError(t, err)
	pool := vsphere.NewPool()
	t.Cleanup(func() { _ = pool.Close(ctx) })
	vc, err := pool.Client(ctx, l.VSphereSet())
	require.NoError(t, err)

	cases := []struct {
		name   string
		err    func(t *testing.T) error
		code   fkerrors.Code
		detail any
	}{
		{"credential, from the source", func(t *testing.T) error {
			_, err := src.CloudStack(ctx, credentials.Account("nobody"))
			return err
		}, fkerrors.NotFound, new(*credentials.Error)},
		{"credential, in a step", func(t *testing.T) error {
			r := req()
			r.VCenter = credentials.Account("nobody")
			_, err := engine.TestFailover(ctx, r)
			return err
		}, fkerrors.NotFound, new(*credentials.Error)},
		{"cloudstack, from the client", func(t *testing.T) error {
			_, err := client.GetVolume(ctx, "00000000-0000-4000-8000-0000000000ff")
			return err
		}, fkerrors.NotFound, new(*cloudstack.APIError)},
		{"cloudstack, in a step", func(t *testing.T) error {
			l.Cloud.FailNth("deployVirtualMachine", 1, cssim.Fault{ErrorCode: 533, ErrorText: "insufficient capacity", Async: true})
			_, err := engine.TestFailover(ctx, req())
			return err
		}, fkerrors.Capacity, new(*cloudstack.APIError)},
		{"vcenter, from the client", func(t *testing.T) error {
			_, err := vc.FindVM(ctx, vsphere.ByName("no-such-vm"))
			return err
		}, fkerrors.NotFound, new(*vsphere.Error)},
		{"vcenter, in a step", func(t *testing.T) error {
			r := req()
			r.VM = vsphere.ByName("no-such-vm")
			_, err := engine.TestFailover(ctx, r)
			return err
		}, fkerrors.NotFound, new(*vsphere.Error)},
		{"the step's own finding", func(t *testing.T) error {
			r := req()
			r.Volumes = append(r.Volumes, failover.Volume{ID: "00000000-0000-4000-8000-0000000000fe"})
			_, err := engine.TestFailover(ctx, r)
			return err
		}, fkerrors.Conflict, new(*failover.Error)},
		{"the engine's", func(t *testing.T) error {
			_, err := engine.Rollback(ctx, "20260101-000000000000")
			return err
		}, fkerrors.NotFound, new(*failover.Error)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := readme(tc.err(t))
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.code)
			assert.Equal(t, tc.code, fkerrors.CodeOf(err))
			assert.True(t, errors.As(err, tc.detail), "the detail type is there")
			remedy := fkerrors.Remedy(err)
			require.NotEmpty(t, remedy)
			msg := err.Error()
			assert.Equal(t, 1, strings.Count(msg, "; fix: "), "the remedy, once: %s", msg)
			assert.True(t, strings.HasSuffix(msg, "; fix: "+remedy), "the message ends with the remedy: %s", msg)
			problem, fix := fkerrors.Explain(err)
			assert.Equal(t, remedy, fix)
			assert.Equal(t, msg, problem+"; fix: "+fix)
			assert.NotContains(t, msg, cs.SecretKey.Reveal())
		})
	}
}
