package vsphere

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// PowerPath says how a power operation reached its end state.
type PowerPath string

// The power paths.
const (
	// PathAlreadyOff: the VM was off before anything was done.
	PathAlreadyOff PowerPath = "already-off"
	// PathGraceful: the guest shut itself down after a guest shutdown request.
	PathGraceful PowerPath = "graceful"
	// PathHard: the VM was powered off (the virtual power button).
	PathHard PowerPath = "hard"
	// PathAlreadyOn: the VM was on before anything was done.
	PathAlreadyOn PowerPath = "already-on"
	// PathPoweredOn: the VM was powered on (or resumed from suspension).
	PathPoweredOn PowerPath = "powered-on"
)

// PowerOffOptions says how to power a VM off.
type PowerOffOptions struct {
	// GracefulTimeout limits how long the guest may take to shut down after a guest shutdown
	// request. Zero means DefaultGracefulTimeout; a negative value skips the guest shutdown.
	// A guest shutdown needs VMware Tools running in the guest; without them it is skipped.
	GracefulTimeout time.Duration
	// AllowHard allows a hard power-off when the guest shutdown is skipped, refused or does
	// not finish in time. Without it PowerOff fails with ErrPowerOffNotAllowed and leaves the
	// VM running.
	AllowHard bool
}

// PowerResult reports what a power operation did.
type PowerResult struct {
	// VM is the VM operated on.
	VM VM `json:"vm"`
	// Path says how the end state was reached; empty when it was not reached.
	Path PowerPath `json:"path,omitempty"`
	// Before is the power state found at the start; After the state at the end.
	Before PowerState `json:"before,omitempty"`
	After  PowerState `json:"after,omitempty"`
	// Elapsed is how long the operation took, waiting included.
	Elapsed time.Duration `json:"elapsed"`
	// Fallback says why the guest shutdown was not used or did not finish, when it was not.
	Fallback string `json:"fallback,omitempty"`
}

// PowerOff powers vm off: by a guest shutdown when VMware Tools run, waiting up to
// opts.GracefulTimeout, then by a hard power-off when opts.AllowHard is set. A VM already off
// is success with PathAlreadyOff. Without AllowHard, a VM the guest shutdown did not stop is
// ErrPowerOffNotAllowed (with fkerrors.Timeout as cause when the limit ran out) and is left running,
// although a guest already told to shut down may still do so. The result is returned with
// the error too, so that callers can log Before, Fallback and Elapsed.
func (c *Client) PowerOff(ctx context.Context, vm VM, opts PowerOffOptions) (PowerResult, error) {
	start := time.Now()
	if err := vm.check("power off", c.host); err != nil {
		return PowerResult{VM: vm}, err
	}
	limit := opts.GracefulTimeout
	if limit == 0 {
		limit = DefaultGracefulTimeout
	}
	r := &powerOff{c: c, vm: vm, opts: opts, limit: limit, deadline: start.Add(limit)}
	r.res.VM = vm
	err := c.do(ctx, "power off", vm.String(), r.attempt)
	r.res.Elapsed = time.Since(start)
	if err != nil {
		r.res.Path = ""
	}
	return r.res, err
}

// powerOff carries the state of one PowerOff across a re-login, so that a retried attempt
// resumes (a guest already told to shut down is not told again, and keeps its deadline).
type powerOff struct {
	c        *Client
	vm       VM
	opts     PowerOffOptions
	limit    time.Duration
	deadline time.Time

	sent     bool // the guest accepted the shutdown request
	settled  bool // the graceful phase is over (res.Fallback says why, if it failed)
	timedOut bool
	remedy   string // how to make the guest shutdown work, for ErrPowerOffNotAllowed
	res      PowerResult
}

func (r *powerOff) attempt(ctx context.Context, vc *vim25.Client, _ *pooled) error {
	if err := r.vm.checkVCenter("power off", r.c.host, vc); err != nil {
		return err
	}
	state, tools, err := powerOf(ctx, vc, r.vm.Ref)
	if err != nil {
		return err
	}
	if r.res.Before == "" {
		r.res.Before = state
	}
	if state == PoweredOff {
		return r.off(PathAlreadyOff)
	}
	v := object.NewVirtualMachine(vc, r.vm.Ref)

	if !r.settled {
		switch {
		case r.limit < 0:
			r.settle("the caller skipped the guest shutdown", "give PowerOffOptions.GracefulTimeout a value >= 0")
		case state == Suspended:
			r.settle("the VM is suspended, so no guest can shut down", "resume the VM first")
		case !tools && !r.sent:
			r.settle("VMware Tools are not running in the guest", "start VMware Tools in the guest")
		default:
			gctx, cancel := context.WithDeadline(ctx, r.deadline)
			var err error
			if !r.sent {
				if err = v.ShutdownGuest(gctx); err == nil {
					r.sent = true
				}
			}
			if err == nil {
				err = r.c.waitPower(gctx, vc, r.vm.Ref, PoweredOff)
			}
			cancel()
			switch {
			case err == nil:
				return r.off(PathGraceful)
			case ctx.Err() != nil:
				return ctx.Err()
			case fault.IsAlreadyPoweredOffError(err):
				return r.off(PathAlreadyOff)
			case errors.Is(err, context.DeadlineExceeded):
				r.timedOut = true
				r.settle(fmt.Sprintf("the guest did not shut down within %s", r.limit),
					"raise PowerOffOptions.GracefulTimeout or find out why the guest does not shut down")
			case isNotAuthenticated(err) || !isFault(err):
				// Session or transport trouble: not the guest's answer. do() logs in again
				// and retries once, or reports it.
				return err
			default:
				r.settle("the guest shutdown was refused: "+faultName(err), "check VMware Tools in the guest")
			}
		}
	}

	if !r.opts.AllowHard {
		e := &Error{Op: "power off", Host: r.c.host, VM: r.vm.String(), Code: fkerrors.Conflict, Reason: ErrPowerOffNotAllowed,
			Fix: r.remedy + ", or allow a hard power-off (PowerOffOptions.AllowHard)"}
		if r.timedOut {
			e.Err = fkerrors.Timeout
		} else {
			e.Err = errors.New(r.res.Fallback)
		}
		r.res.After = state
		return e
	}
	t, err := v.PowerOff(ctx)
	if err == nil {
		err = r.c.waitTask(ctx, vc, t.Reference())
	}
	if fault.IsAlreadyPoweredOffError(err) {
		return r.off(PathAlreadyOff)
	}
	if err != nil {
		return err
	}
	return r.off(PathHard)
}

func (r *powerOff) settle(why, remedy string) {
	r.settled = true
	r.res.Fallback = why
	r.remedy = remedy
}

// off records the end state. A VM found off after the guest accepted a shutdown request was
// shut down by it, whatever this attempt saw.
func (r *powerOff) off(path PowerPath) error {
	if path == PathAlreadyOff && r.sent {
		path = PathGraceful
	}
	r.res.Path = path
	r.res.After = PoweredOff
	return nil
}

// PowerOn powers vm on (resuming it if suspended) and waits for the task to finish. A VM
// already on is success with PathAlreadyOn.
func (c *Client) PowerOn(ctx context.Context, vm VM) (PowerResult, error) {
	start := time.Now()
	res := PowerResult{VM: vm}
	if err := vm.check("power on", c.host); err != nil {
		return res, err
	}
	err := c.do(ctx, "power on", vm.String(), func(ctx context.Context, vc *vim25.Client, _ *pooled) error {
		if err := vm.checkVCenter("power on", c.host, vc); err != nil {
			return err
		}
		state, _, err := powerOf(ctx, vc, vm.Ref)
		if err != nil {
			return err
		}
		if res.Before == "" {
			res.Before = state
		}
		if state == PoweredOn {
			res.Path, res.After = PathAlreadyOn, PoweredOn
			return nil
		}
		t, err := object.NewVirtualMachine(vc, vm.Ref).PowerOn(ctx)
		if err == nil {
			err = c.waitTask(ctx, vc, t.Reference())
		}
		var ips *types.InvalidPowerState
		if asFault(err, &ips) && ips.ExistingState == types.VirtualMachinePowerStatePoweredOn {
			res.Path, res.After = PathAlreadyOn, PoweredOn
			return nil
		}
		if err != nil {
			res.After = state
			return err
		}
		res.Path, res.After = PathPoweredOn, PoweredOn
		return nil
	})
	res.Elapsed = time.Since(start)
	return res, err
}

// PowerState reads vm's current power state.
func (c *Client) PowerState(ctx context.Context, vm VM) (PowerState, error) {
	if err := vm.check("power state", c.host); err != nil {
		return "", err
	}
	var state PowerState
	err := c.do(ctx, "power state", vm.String(), func(ctx context.Context, vc *vim25.Client, _ *pooled) error {
		if err := vm.checkVCenter("power state", c.host, vc); err != nil {
			return err
		}
		var err error
		state, _, err = powerOf(ctx, vc, vm.Ref)
		return err
	})
	return state, err
}

// powerOf reads the power state and whether VMware Tools run.
func powerOf(ctx context.Context, vc *vim25.Client, ref types.ManagedObjectReference) (PowerState, bool, error) {
	var m mo.VirtualMachine
	err := property.DefaultCollector(vc).RetrieveOne(ctx, ref, []string{"runtime.powerState", "guest.toolsRunningStatus"}, &m)
	if err != nil {
		return "", false, err
	}
	tools := m.Guest != nil &&
		m.Guest.ToolsRunningStatus == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	return PowerState(m.Runtime.PowerState), tools, nil
}

// waitPower polls until the VM reaches want. Polling, rather than a property collector
// wait, keeps every call bounded by ctx: govmomi's waits report a cancelled wait as success.
func (c *Client) waitPower(ctx context.Context, vc *vim25.Client, ref types.ManagedObjectReference, want PowerState) error {
	return c.poll(ctx, func() (bool, error) {
		state, _, err := powerOf(ctx, vc, ref)
		return state == want, err
	})
}

// waitTask polls a task until it succeeds or fails; a failed task returns its fault.
func (c *Client) waitTask(ctx context.Context, vc *vim25.Client, ref types.ManagedObjectReference) error {
	pc := property.DefaultCollector(vc)
	return c.poll(ctx, func() (bool, error) {
		var t mo.Task
		if err := pc.RetrieveOne(ctx, ref, []string{"info"}, &t); err != nil {
			return false, err
		}
		switch t.Info.State {
		case types.TaskInfoStateSuccess:
			return true, nil
		case types.TaskInfoStateError:
			if t.Info.Error == nil {
				return true, errors.New("task " + t.Info.DescriptionId + " failed without a fault")
			}
			return true, task.Error{LocalizedMethodFault: t.Info.Error, Description: t.Info.Description}
		}
		return false, nil
	})
}

func (c *Client) poll(ctx context.Context, done func() (bool, error)) error {
	wait := min(25*time.Millisecond, c.pool.pollMax)
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		wait = min(wait*2, c.pool.pollMax)
	}
}

// faultName names the vCenter fault in err ("ToolsUnavailable"), or returns err's text.
func faultName(err error) string {
	var f types.BaseMethodFault
	if _, ok := fault.As(err, &f); ok && f != nil {
		t := reflect.TypeOf(f)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		return t.Name()
	}
	return err.Error()
}
