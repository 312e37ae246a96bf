package vsphere_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// stubbornGuest is a VM whose guest accepts a shutdown request and then never shuts down.
type stubbornGuest struct {
	*simulator.VirtualMachine
}

func (vm *stubbornGuest) simVM() *simulator.VirtualMachine { return vm.VirtualMachine }

// ShutdownGuest overrides vcsim's, which powers the VM off at once.
func (vm *stubbornGuest) ShutdownGuest(*simulator.Context, *types.ShutdownGuest) soap.HasFault {
	return &methods.ShutdownGuestBody{Res: new(types.ShutdownGuestResponse)}
}

// failingTasks is a VM whose power tasks are accepted and then fail with fault.
type failingTasks struct {
	*simulator.VirtualMachine
	fault types.BaseMethodFault
}

func (vm *failingTasks) simVM() *simulator.VirtualMachine { return vm.VirtualMachine }

func (vm *failingTasks) task(ctx *simulator.Context, name string) types.ManagedObjectReference {
	return simulator.CreateTask(vm.Self, name, func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		return nil, vm.fault
	}).Run(ctx)
}

// PowerOffVMTask overrides vcsim's with a task that fails.
func (vm *failingTasks) PowerOffVMTask(ctx *simulator.Context, _ *types.PowerOffVM_Task) soap.HasFault {
	return &methods.PowerOffVM_TaskBody{Res: &types.PowerOffVM_TaskResponse{Returnval: vm.task(ctx, "powerOff")}}
}

// PowerOnVMTask overrides vcsim's with a task that fails.
func (vm *failingTasks) PowerOnVMTask(ctx *simulator.Context, _ *types.PowerOnVM_Task) soap.HasFault {
	return &methods.PowerOnVM_TaskBody{Res: &types.PowerOnVM_TaskResponse{Returnval: vm.task(ctx, "powerOn")}}
}

const target = "DC0_H0_VM0"

func TestPowerOff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		delays    map[string]int // vcsim method delays, in milliseconds
		setup     func(v *fakeVCenter)
		opts      vsphere.PowerOffOptions
		wantPath  vsphere.PowerPath
		wantErr   []error
		before    vsphere.PowerState
		after     vsphere.PowerState // the VM's state in vCenter afterwards
		fallback  string
		shutdowns int // guest shutdown requests expected
		relogins  int64
	}{
		{
			name:  "graceful with tools running",
			setup: func(v *fakeVCenter) { v.setTools(target, true) },
			opts:  vsphere.PowerOffOptions{GracefulTimeout: 10 * time.Second},
			// no hard power-off allowed: the graceful path alone must do it
			wantPath: vsphere.PathGraceful, before: vsphere.PoweredOn, after: vsphere.PoweredOff, shutdowns: 1,
		},
		{
			name:     "slow guest shutdown within the limit",
			delays:   map[string]int{"ShutdownGuest": 400},
			setup:    func(v *fakeVCenter) { v.setTools(target, true) },
			opts:     vsphere.PowerOffOptions{GracefulTimeout: 10 * time.Second, AllowHard: true},
			wantPath: vsphere.PathGraceful, before: vsphere.PoweredOn, after: vsphere.PoweredOff, shutdowns: 1,
		},
		{
			name: "graceful shutdown times out, hard allowed",
			setup: func(v *fakeVCenter) {
				v.setTools(target, true)
				v.model.Map().Put(&stubbornGuest{v.simVM(target)})
			},
			opts:     vsphere.PowerOffOptions{GracefulTimeout: 300 * time.Millisecond, AllowHard: true},
			wantPath: vsphere.PathHard, before: vsphere.PoweredOn, after: vsphere.PoweredOff,
			fallback: "did not shut down within 300ms", shutdowns: 1,
		},
		{
			name: "graceful shutdown times out, hard not allowed",
			setup: func(v *fakeVCenter) {
				v.setTools(target, true)
				v.model.Map().Put(&stubbornGuest{v.simVM(target)})
			},
			opts:    vsphere.PowerOffOptions{GracefulTimeout: 300 * time.Millisecond},
			wantErr: []error{vsphere.ErrPowerOffNotAllowed, fkerrors.Timeout},
			before:  vsphere.PoweredOn, after: vsphere.PoweredOn,
			fallback: "did not shut down within 300ms", shutdowns: 1,
		},
		{
			name: "session expires while waiting for the guest",
			setup: func(v *fakeVCenter) {
				v.setTools(target, true)
				v.model.Map().Put(&stubbornGuest{v.simVM(target)})
				// The state read, then the first poll after the request; the second poll fails.
				v.inject(injected{method: "RetrievePropertiesEx", fault: new(types.NotAuthenticated), skip: 2, times: 1})
			},
			opts:     vsphere.PowerOffOptions{GracefulTimeout: 500 * time.Millisecond, AllowHard: true},
			wantPath: vsphere.PathHard, before: vsphere.PoweredOn, after: vsphere.PoweredOff,
			fallback: "did not shut down", shutdowns: 1, relogins: 1,
		},
		{
			name:     "tools not running, hard allowed",
			opts:     vsphere.PowerOffOptions{AllowHard: true},
			wantPath: vsphere.PathHard, before: vsphere.PoweredOn, after: vsphere.PoweredOff,
			fallback: "VMware Tools are not running",
		},
		{
			name:    "tools not running, hard not allowed",
			opts:    vsphere.PowerOffOptions{GracefulTimeout: time.Minute},
			wantErr: []error{vsphere.ErrPowerOffNotAllowed},
			before:  vsphere.PoweredOn, after: vsphere.PoweredOn,
			fallback: "VMware Tools are not running",
		},
		{
			name: "guest shutdown refused, hard allowed",
			setup: func(v *fakeVCenter) {
				v.setTools(target, true)
				v.inject(injected{method: "ShutdownGuest", fault: new(types.ToolsUnavailable)})
			},
			opts:     vsphere.PowerOffOptions{AllowHard: true},
			wantPath: vsphere.PathHard, before: vsphere.PoweredOn, after: vsphere.PoweredOff,
			fallback: "ToolsUnavailable", shutdowns: 1,
		},
		{
			name:     "caller skips the guest shutdown",
			setup:    func(v *fakeVCenter) { v.setTools(target, true) },
			opts:     vsphere.PowerOffOptions{GracefulTimeout: -1, AllowHard: true},
			wantPath: vsphere.PathHard, before: vsphere.PoweredOn, after: vsphere.PoweredOff,
			fallback: "skipped",
		},
		{
			name:     "already off",
			setup:    func(v *fakeVCenter) { v.setPower(target, vsphere.PoweredOff) },
			opts:     vsphere.PowerOffOptions{},
			wantPath: vsphere.PathAlreadyOff, before: vsphere.PoweredOff, after: vsphere.PoweredOff,
		},
		{
			name:     "suspended",
			setup:    func(v *fakeVCenter) { v.setPower(target, vsphere.Suspended) },
			opts:     vsphere.PowerOffOptions{AllowHard: true},
			wantPath: vsphere.PathHard, before: vsphere.Suspended, after: vsphere.PoweredOff,
			fallback: "suspended",
		},
		{
			name: "hard power-off task fails",
			setup: func(v *fakeVCenter) {
				v.model.Map().Put(&failingTasks{v.simVM(target), new(types.TaskInProgress)})
			},
			opts:    vsphere.PowerOffOptions{AllowHard: true},
			wantErr: []error{fkerrors.Internal},
			before:  vsphere.PoweredOn, after: vsphere.PoweredOn,
			fallback: "VMware Tools are not running",
		},
		{
			name:    "hard power-off refused by vCenter",
			setup:   func(v *fakeVCenter) { v.inject(injected{method: "PowerOffVM_Task", fault: new(types.InvalidState)}) },
			opts:    vsphere.PowerOffOptions{AllowHard: true},
			wantErr: []error{fkerrors.Internal},
			before:  vsphere.PoweredOn, after: vsphere.PoweredOn,
			fallback: "VMware Tools are not running",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, p, c, vm := startPowerCase(t, tt.delays, tt.setup)
			ctx := context.Background()

			res, err := c.PowerOff(ctx, vm, tt.opts)
			if len(tt.wantErr) > 0 {
				for _, want := range tt.wantErr {
					require.ErrorIs(t, err, want)
				}
				var ve *vsphere.Error
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "power off", ve.Op)
				assert.Empty(t, res.Path)
				if errors.Is(err, vsphere.ErrPowerOffNotAllowed) {
					assert.Contains(t, ve.Fix, "AllowHard")
				}
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.wantPath, res.Path)
				assert.Equal(t, vsphere.PoweredOff, res.After)
			}
			assert.Equal(t, tt.before, res.Before)
			assert.Equal(t, vm, res.VM)
			assert.Positive(t, res.Elapsed)
			if tt.fallback != "" {
				assert.Contains(t, res.Fallback, tt.fallback)
			} else {
				assert.Empty(t, res.Fallback)
			}
			assert.Equal(t, tt.after, v.powerState(target), "state in vCenter")
			assert.Equal(t, tt.shutdowns, v.callCount("ShutdownGuest"))
			assert.Equal(t, tt.relogins, p.Stats().Relogins)
		})
	}
}

func TestPowerOn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		delays   map[string]int
		setup    func(v *fakeVCenter)
		timeout  time.Duration
		wantPath vsphere.PowerPath
		wantErr  error
		before   vsphere.PowerState
		after    vsphere.PowerState
		tasks    int // PowerOnVM_Task calls expected
	}{
		{
			name:     "off",
			setup:    func(v *fakeVCenter) { v.setPower(target, vsphere.PoweredOff) },
			wantPath: vsphere.PathPoweredOn, before: vsphere.PoweredOff, after: vsphere.PoweredOn, tasks: 1,
		},
		{
			name:     "already on",
			wantPath: vsphere.PathAlreadyOn, before: vsphere.PoweredOn, after: vsphere.PoweredOn,
		},
		{
			name:     "suspended",
			setup:    func(v *fakeVCenter) { v.setPower(target, vsphere.Suspended) },
			wantPath: vsphere.PathPoweredOn, before: vsphere.Suspended, after: vsphere.PoweredOn, tasks: 1,
		},
		{
			name:     "slow vCenter within the deadline",
			delays:   map[string]int{"PowerOnVM_Task": 400},
			setup:    func(v *fakeVCenter) { v.setPower(target, vsphere.PoweredOff) },
			timeout:  time.Minute,
			wantPath: vsphere.PathPoweredOn, before: vsphere.PoweredOff, after: vsphere.PoweredOn, tasks: 1,
		},
		{
			name:    "slow vCenter past the deadline",
			delays:  map[string]int{"PowerOnVM_Task": 1500},
			setup:   func(v *fakeVCenter) { v.setPower(target, vsphere.PoweredOff) },
			timeout: 150 * time.Millisecond,
			wantErr: context.DeadlineExceeded, before: vsphere.PoweredOff, tasks: 1,
		},
		{
			name: "power-on refused by vCenter",
			setup: func(v *fakeVCenter) {
				v.setPower(target, vsphere.PoweredOff)
				v.inject(injected{method: "PowerOnVM_Task", fault: new(types.InsufficientResourcesFault)})
			},
			wantErr: fkerrors.Internal, before: vsphere.PoweredOff, after: vsphere.PoweredOff, tasks: 1,
		},
		{
			name: "power-on task fails",
			setup: func(v *fakeVCenter) {
				v.setPower(target, vsphere.PoweredOff)
				v.model.Map().Put(&failingTasks{v.simVM(target), new(types.InsufficientResourcesFault)})
			},
			wantErr: fkerrors.Internal, before: vsphere.PoweredOff, after: vsphere.PoweredOff, tasks: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, _, c, vm := startPowerCase(t, tt.delays, tt.setup)

			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			res, err := c.PowerOn(ctx, vm)
			assert.Equal(t, tt.before, res.Before)
			assert.Equal(t, tt.tasks, v.callCount("PowerOnVM_Task"))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Empty(t, res.Path)
				if tt.after != "" {
					assert.Equal(t, tt.after, v.powerState(target))
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantPath, res.Path)
			assert.Equal(t, vsphere.PoweredOn, res.After)
			assert.Equal(t, tt.after, v.powerState(target))
		})
	}
}

// startPowerCase starts a vCenter with the given vcsim method delays (in milliseconds),
// prepares it with setup when given, and finds the target VM through a new pool.
func startPowerCase(t *testing.T, delays map[string]int, setup func(*fakeVCenter)) (*fakeVCenter, *vsphere.Pool, *vsphere.Client, vsphere.VM) {
	t.Helper()
	v := newVCenter(t, func(m *simulator.Model) { m.DelayConfig.MethodDelay = delays })
	if setup != nil {
		setup(v)
	}
	p, c, vm := v.findWithNewPool(target)
	return v, p, c, vm
}

func TestPowerStateAndBadVM(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	_, c, vm := v.findWithNewPool(target)
	ctx := context.Background()

	st, err := c.PowerState(ctx, vm)
	require.NoError(t, err)
	assert.Equal(t, vsphere.PoweredOn, st)
	v.setPower(target, vsphere.PoweredOff)
	st, err = c.PowerState(ctx, vm)
	require.NoError(t, err)
	assert.Equal(t, vsphere.PoweredOff, st)

	for _, bad := range []vsphere.VM{{}, {Ref: types.ManagedObjectReference{Type: "HostSystem", Value: "host-1"}}} {
		requirePowerCallsRefused(t, c, bad)
	}
}

// requirePowerCallsRefused checks that c refuses every power call on vm as an invalid
// argument.
func requirePowerCallsRefused(t *testing.T, c *vsphere.Client, vm vsphere.VM) {
	t.Helper()
	ctx := context.Background()
	_, err := c.PowerOff(ctx, vm, vsphere.PowerOffOptions{AllowHard: true})
	require.ErrorIs(t, err, fkerrors.Invalid)
	_, err = c.PowerOn(ctx, vm)
	require.ErrorIs(t, err, fkerrors.Invalid)
	_, err = c.PowerState(ctx, vm)
	require.ErrorIs(t, err, fkerrors.Invalid)
}

func TestVMFromAnotherVCenterIsRefused(t *testing.T) {
	t.Parallel()
	a, b := newVCenter(t), newVCenter(t)
	p := newPool(t, nil)
	ctx := context.Background()
	vm, err := a.client(p).FindVM(ctx, vsphere.ByName(target))
	require.NoError(t, err)
	require.NotEmpty(t, vm.VCenter)

	other := b.client(p)
	_, err = other.Describe(ctx, vm)
	require.ErrorIs(t, err, fkerrors.Invalid)
	requirePowerCallsRefused(t, other, vm)
	assert.Equal(t, vsphere.PoweredOn, b.powerState(target), "nothing was done in the other vCenter")
}
