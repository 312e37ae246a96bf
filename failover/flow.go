package failover

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// begin checks req for a flow of kind and enters the engine (see enter) for operation op on
// a new job; the caller calls leave when the operation ends.
func (e *Engine) begin(ctx context.Context, kind Kind, req Request, op string) (r *run, leave func(), err error) {
	if err := req.check(kind, e.src); err != nil {
		return nil, nil, err
	}
	if leave, err = e.enter(ctx); err != nil {
		return nil, nil, err
	}
	return e.newRun(e.newJob(kind, req), op), leave, nil
}

func (e *Engine) failover(ctx context.Context, kind Kind, req Request) (*Job, error) {
	r, leave, err := e.begin(ctx, kind, req, string(kind))
	if err != nil {
		return nil, err
	}
	defer leave()
	defer e.track(r.job.ID)()
	r.total = len(r.forwardSteps())
	r.started(ctx)
	ctx, err = r.forward(ctx, false)
	return r.finish(ctx, err)
}

// check rejects requests that cannot be run from src, before anything is fetched.
func (req Request) check(kind Kind, src credentials.Source) error {
	var problems []string
	switch {
	case req.VMContext != "" && !req.VCenter.IsDefault():
		problems = append(problems, "name the vCenter set either by account (VCenter) or by VM context (VMContext), not both")
	case req.VMContext != "" && !credentials.LinksVMs(src):
		problems = append(problems, fmt.Sprintf("the request names VM context %q, but the credential source does not link VMs to vCenter sets: name the vCenter account (VCenter) instead", req.VMContext))
	}
	if req.VM.Value == "" {
		problems = append(problems, "name the source VM (VM: vsphere.ByPath, ByInstanceUUID, ByBIOSUUID or ByName)")
	}
	if len(req.Volumes) == 0 {
		problems = append(problems, "list the replicated volumes (Volumes)")
	}
	seen, boots := map[string]bool{}, 0
	for i, v := range req.Volumes {
		switch {
		case strings.TrimSpace(v.ID) == "":
			problems = append(problems, fmt.Sprintf("volume %d has no id", i+1))
		case seen[v.ID]:
			problems = append(problems, fmt.Sprintf("volume %s is listed twice", v.ID))
		}
		seen[v.ID] = true
		if v.Boot {
			boots++
		}
	}
	if boots > 1 {
		problems = append(problems, "mark at most one volume as the boot volume")
	}
	switch {
	case req.TestDuration < 0:
		problems = append(problems, "TestDuration must not be negative")
	case req.TestDuration > 0 && kind != KindTestFailover:
		problems = append(problems, "TestDuration applies to test failovers only; a live failover ends with Commit or Rollback")
	}
	if len(problems) > 0 {
		return fail(ErrInvalidRequest, "change what the message names", "%s", strings.Join(problems, "; "))
	}
	return nil
}

// forward runs the flow's steps in order; on resume, steps already done are skipped. It
// returns the context the rest of the operation must use (bound to the VM lease).
func (r *run) forward(ctx context.Context, resuming bool) (context.Context, error) {
	r.opCtx = ctx
	for _, s := range r.forwardSteps() {
		if resuming && r.done(s.name) {
			r.skip(ctx, s.name)
		} else if err := r.step(ctx, s, false); err != nil {
			if r.leaseCtx != nil {
				ctx = r.leaseCtx
			}
			return ctx, err
		}
		if r.leaseCtx != nil {
			ctx = r.leaseCtx // preflight took the lease
		}
	}
	return ctx, nil
}

// done reports whether the last record of the forward step name says it finished.
func (r *run) done(name StepName) bool {
	for i := len(r.job.Steps) - 1; i >= 0; i-- {
		if s := r.job.Steps[i]; s.Name == name && !s.Undo {
			return s.Status == StepDone
		}
	}
	return false
}

// finish records how the flow ended, compensates a failed one, and releases the lease.
func (r *run) finish(ctx context.Context, err error) (*Job, error) {
	defer r.releaseLease(ctx)
	if r.crashed.Load() {
		return r.job.clone(), errCrashed
	}
	j := r.job
	if r.storeFailed != nil {
		// The store holds the last durable record; the operation stopped where it was, and
		// nothing is undone that could not be recorded. The next read of the job reconciles
		// the store with this outcome.
		j.Status, j.Error, j.FailedStep = StatusInterrupted, r.storeFailed.Error(), failedStep(err)
		r.journalAfter(ctx, JournalEvent{Type: EventJobFinished, Err: r.storeFailed})
		r.emit(Event{Type: EventJobFinished, Status: j.Status, Error: j.Error})
		r.e.log.Error("failover: job stopped: the job store failed", "job", fkerrors.Visible(j.ID), "operation", r.op, "error", fkerrors.VisibleError(r.storeFailed))
		return j.clone(), r.storeFailed
	}
	switch {
	case err == nil:
		j.Status, j.Error, j.FailedStep = StatusSucceeded, "", ""
		j.ExpiresAt = j.Request.expiry(j.Kind, r.e.now())
	case ctx.Err() != nil:
		err = &Error{Code: fkerrors.Canceled, Err: withCause(ctx, err),
			Fix: "the operation was interrupted and left as it was: Resume job " + j.ID + " to carry on, or Rollback it to undo it"}
		j.Status, j.Error = StatusInterrupted, err.Error()
		j.FailedStep = failedStep(err)
	default:
		j.Status, j.Error = StatusFailed, err.Error()
		j.FailedStep = failedStep(err)
	}
	if serr := r.save(ctx); serr != nil {
		err = errors.Join(err, serr)
	}
	if j.Status == StatusFailed && r.e.compensate && len(j.Ledger) > 0 {
		if cerr := r.undo(ctx, "compensation", true); cerr != nil {
			err = errors.Join(err, cerr)
		}
		if r.crashed.Load() {
			return r.job.clone(), errCrashed
		}
	}
	err = r.ended(ctx, err)
	r.e.log.Info("failover: job finished", "job", fkerrors.Visible(j.ID), "operation", r.op, "status", string(j.Status), "failed_step", j.FailedStep)
	return j.clone(), err
}

// failedStep is the step an error names: that of the outermost *Error that names one.
func failedStep(err error) StepName {
	var step StepName
	walkErrors(err, func(e *Error) bool {
		step = e.Step
		return step != ""
	})
	return step
}

// walkErrors visits the *Error values in err's chain, outermost first, until visit returns
// true.
func walkErrors(err error, visit func(*Error) bool) bool {
	if err == nil {
		return false
	}
	if e, ok := err.(*Error); ok && visit(e) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return walkErrors(u.Unwrap(), visit)
	case interface{ Unwrap() []error }:
		for _, c := range u.Unwrap() {
			if walkErrors(c, visit) {
				return true
			}
		}
	}
	return false
}

// HeldLease returns the lease another operation holds when err is ErrBusy, or nil.
func HeldLease(err error) *Lease {
	var l *Lease
	walkErrors(err, func(e *Error) bool {
		l = e.Lease
		return l != nil
	})
	return l
}

// preflight resolves both credential sets, finds the source VM, and checks that every
// replicated volume is attached to the appliance VM and that the placement is complete. It
// changes nothing.
func (r *run) preflight(ctx context.Context) error {
	if err := r.resolveCloudStack(ctx, StepPreflight, "operation start"); err != nil {
		return preflightErr(err)
	}
	if err := r.resolveVSphere(ctx, StepPreflight, "operation start"); err != nil {
		return preflightErr(err)
	}
	req := r.job.Request
	defaults := r.cs.Defaults()
	origin := r.cs.Credentials().Describe()
	f := Facts{
		ApplianceVMID:     defaults.ApplianceVMID,
		Zone:              pick(req.Zone, defaults.Zone),
		ServiceOfferingID: pick(req.ServiceOfferingID, defaults.ServiceOfferingID),
		DiskOfferingID:    pick(req.DiskOfferingID, defaults.DiskOfferingID),
	}
	var missing []string
	for _, m := range []struct{ value, what string }{
		{f.ApplianceVMID, "the appliance VM id (oma_vm_id)"},
		{f.Zone, "the zone"},
		{f.ServiceOfferingID, "the service offering id"},
	} {
		if m.value == "" {
			missing = append(missing, m.what)
		}
	}
	if len(missing) > 0 {
		return preflightErr(problem(fkerrors.Incomplete, "fill them in CloudStack credential set "+origin+" or pass them in the request",
			"%s not set", strings.Join(missing, ", ")))
	}

	// The lookups are independent reads: run them at once, so that preflight costs about one
	// round trip to each system rather than one per lookup. Errors are reported in a fixed
	// order.
	var (
		vm       vsphere.VM
		shape    vsphere.Shape
		attached []cloudstack.Volume
		cat      catalog
	)
	errs := parallel(ctx,
		func(ctx context.Context) (err error) {
			if vm, err = r.vc.FindVM(ctx, req.VM); err != nil {
				return preflightErr(err)
			}
			// The lease comes before the volumes are looked at: another operation on the VM
			// may have moved them until it ended.
			if r.op != opPlan && r.stopLease == nil {
				if r.leaseCtx, err = r.takeLease(r.opCtx, vmKey(r.vc.Host(), vm)); err != nil {
					return err
				}
			}
			if shape, err = r.vc.Describe(ctx, vm); err != nil {
				return preflightErr(err)
			}
			if attached, err = r.cs.ListVolumes(ctx, f.ApplianceVMID); err != nil {
				return preflightErr(fmt.Errorf("list the volumes of appliance VM %s: %w", f.ApplianceVMID, err))
			}
			return nil
		},
		func(ctx context.Context) error { return r.checkPlacement(ctx, &f) },
		func(ctx context.Context) error {
			cat = r.lookUpCatalog(ctx, networkCandidates(req, r.job.Kind, defaults.NetworkID), templateCandidates(req, defaults.TemplateID))
			return nil
		},
	)
	if err := firstError(errs); err != nil {
		return err
	}
	device := map[string]int64{}
	for _, v := range attached {
		device[v.ID] = v.DeviceID
	}
	paths, err := r.e.devicePaths.DevicePaths(ctx, f.ApplianceVMID, attached)
	if err != nil {
		return preflightErr(&Error{Problem: "the device paths of the volumes on appliance VM " + f.ApplianceVMID, Err: err})
	}
	for _, v := range bootFirst(req.Volumes) {
		dev, ok := device[v.ID]
		if !ok {
			return preflightErr(problem(fkerrors.Conflict, "attach it (replication must be in place) or correct the volume list",
				"volume %s is not attached to appliance VM %s", v.ID, f.ApplianceVMID))
		}
		f.Volumes = append(f.Volumes, VolumeFact{ID: v.ID, Boot: len(f.Volumes) == 0, ApplianceDevID: int(dev), AppliancePath: paths[v.ID]})
	}
	r.srcVM = &vm
	f.SourceVMPath, f.SourceVMUUID = vm.Path, vm.InstanceUUID
	f.SourcePoweredOn = shape.PowerState == vsphere.PoweredOn
	f.CPUs, f.MemoryMB = int(shape.CPUs), int(shape.MemoryMB)
	f.GuestID, f.GuestFamily = shape.GuestID, shape.Family()
	f.Firmware, f.SecureBoot = shape.Firmware, shape.SecureBoot
	f.TargetName = targetName(r.job, req.Name, vm.Name)
	if err := r.planGuest(&f, shape, cat, origin); err != nil {
		return preflightErr(err)
	}
	r.job.Facts = f
	r.job.VMKey = vmKey(r.vc.Host(), vm)
	return nil
}

// vmKey is the key of a source VM's lease.
func vmKey(host string, vm vsphere.VM) string { return "vsphere/" + host + "/" + vm.InstanceUUID }

// parallel runs fns at once and returns their errors in the order of fns.
func parallel(ctx context.Context, fns ...func(context.Context) error) []error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(ctx)
		}()
	}
	wg.Wait()
	return errs
}

// firstError returns the first non-nil error.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkPlacement checks that the zone and the service offering exist, and learns whether the
// offering takes the source VM's CPUs and memory. The networks and the template are looked
// up beside it (lookUpCatalog) and chosen once the source VM's shape is known (planGuest).
func (r *run) checkPlacement(ctx context.Context, f *Facts) error {
	origin := r.cs.Credentials().Describe()
	missing := func(what, id string, err error) error {
		return preflightErr(notInCloud(what, id, err, "correct it in CloudStack credential set "+origin+" or in the request"))
	}
	var (
		zone     *cloudstack.Zone
		offering *cloudstack.ServiceOffering
	)
	err := firstError(parallel(ctx,
		func(ctx context.Context) (err error) {
			if zone, err = r.cs.GetZone(ctx, f.Zone); err != nil {
				return missing("zone", f.Zone, err)
			}
			return nil
		},
		func(ctx context.Context) (err error) {
			if offering, err = r.cs.GetServiceOffering(ctx, f.ServiceOfferingID); err != nil {
				return missing("service offering", f.ServiceOfferingID, err)
			}
			return nil
		},
	))
	if err != nil {
		return err
	}
	f.Zone = zone.ID
	f.CustomOffering = offering.Custom
	return nil
}

func pick(override, def string) string {
	if override != "" {
		return override
	}
	return def
}

// bootFirst orders the volumes with the boot volume (or the first) at the front.
func bootFirst(vols []Volume) []Volume {
	out := make([]Volume, 0, len(vols))
	for _, v := range vols {
		if v.Boot {
			out = append(out, v)
		}
	}
	for _, v := range vols {
		if !v.Boot {
			out = append(out, v)
		}
	}
	return out
}

// targetName derives the new VM's host name: the override, or the source VM's name made a
// valid host name, with "-test-" and part of the job id for a test failover.
func targetName(job *Job, override, source string) string {
	if override != "" {
		return override
	}
	var b strings.Builder
	for _, c := range strings.ToLower(source) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	name := strings.TrimLeft(strings.Trim(b.String(), "-"), "0123456789-")
	if name == "" {
		name = "vm"
	}
	suffix := ""
	if job.Kind == KindTestFailover {
		suffix = "-test-" + job.ID[len(job.ID)-6:]
	}
	if len(name)+len(suffix) > 63 {
		name = strings.TrimRight(name[:63-len(suffix)], "-")
	}
	return name + suffix
}

// sourceVM returns the source VM, finding it again by instance UUID on a resumed job.
func (r *run) sourceVM(ctx context.Context) (vsphere.VM, error) {
	if r.srcVM != nil {
		return *r.srcVM, nil
	}
	if r.vc == nil {
		if err := r.resolveVSphere(ctx, "", "operation start"); err != nil {
			return vsphere.VM{}, err
		}
	}
	vm, err := r.vc.FindVM(ctx, vsphere.ByInstanceUUID(r.job.Facts.SourceVMUUID))
	if err != nil {
		return vsphere.VM{}, err
	}
	r.srcVM = &vm
	return vm, nil
}

func (r *run) powerOffSource(ctx context.Context) error {
	if !r.job.Facts.SourcePoweredOn {
		return nil
	}
	vm, err := r.sourceVM(ctx)
	if err != nil {
		return err
	}
	state, err := r.vc.PowerState(ctx, vm)
	if err != nil {
		return err
	}
	if _, i := r.lastEntry(ActionSourcePowerOff, ""); state == vsphere.PoweredOff && i >= 0 {
		return nil // powered off by this job before a crash
	}
	policy := r.job.Request.PowerOff
	_, err = r.record(ctx, LedgerEntry{Action: ActionSourcePowerOff, VM: vm.InstanceUUID}, func(ctx context.Context) (string, error) {
		_, err := r.vc.PowerOff(ctx, vm, vsphere.PowerOffOptions{GracefulTimeout: policy.GracefulTimeout, AllowHard: policy.AllowHard})
		return vm.InstanceUUID, err
	})
	return err
}

func (r *run) powerOffCalls() []string {
	f := r.job.Facts
	if !f.SourcePoweredOn {
		return nil
	}
	hard := "no hard power-off"
	if r.job.Request.PowerOff.AllowHard {
		hard = "then hard power-off"
	}
	return []string{fmt.Sprintf("vCenter: shut down guest of %s (%s)", f.SourceVMPath, hard)}
}

// runHooks runs the hooks of a phase in order. A required hook's failure fails the step; a
// best-effort hook's is recorded on the job as a warning, once per hook and attempt, and the
// next hook runs.
func (r *run) runHooks(ctx context.Context, p Phase) error {
	for _, h := range r.e.hooks[p] {
		err := h.fn(ctx, r.job.clone())
		if err == nil {
			continue
		}
		if !h.bestEffort {
			return &Error{Problem: h.name + " failed", Fix: "fix what the hook reports, then resume the job or roll it back", Err: err}
		}
		msg := fkerrors.Visible(fmt.Sprintf("%s (best effort) failed: %v", h.name, err))
		r.mu.Lock()
		r.job.Warnings = append(r.job.Warnings, msg)
		r.mu.Unlock()
		r.e.log.Warn("failover: a best-effort hook failed; going on", "job", fkerrors.Visible(r.job.ID), "phase", string(p), "hook", h.name, "error", fkerrors.VisibleError(err))
		r.emit(Event{Type: EventWarning, Step: hookStepName(p), Error: msg})
	}
	return nil
}

func hookStepName(p Phase) StepName {
	switch p {
	case PhaseFinalSync:
		return StepFinalSync
	case PhaseBeforeCreate:
		return StepBeforeCreate
	}
	return StepAfterStart
}

// placed is where the replicated volumes are now, by volume id.
type placed map[string]cloudstack.Volume

// volumesOn finds where every replicated volume is, in one call whatever their number and
// wherever they are.
func (r *run) volumesOn(ctx context.Context) (placed, error) {
	ids := make([]string, len(r.job.Facts.Volumes))
	for i, v := range r.job.Facts.Volumes {
		ids[i] = v.ID
	}
	vols, err := r.cs.GetVolumes(ctx, ids)
	if err != nil {
		return nil, err
	}
	at := placed{}
	for _, v := range vols {
		at[v.ID] = v
	}
	return at, nil
}

func (r *run) replicated(id string) bool {
	for _, v := range r.job.Facts.Volumes {
		if v.ID == id {
			return true
		}
	}
	return false
}

// offApplianceActions are the detaches that take the replicated volumes off the appliance:
// every one on a fresh run (at == nil, for Plan), else those still attached there.
func (r *run) offApplianceActions(act Action, at placed) []action {
	f := r.job.Facts
	var acts []action
	for _, v := range f.Volumes {
		if at != nil && at[v.ID].VMID != f.ApplianceVMID {
			continue
		}
		acts = append(acts, r.detachAction(act, v.ID, f.ApplianceVMID, v.ApplianceDevID,
			fmt.Sprintf("detachVolume id=%s (from appliance %s device %d)", v.ID, f.ApplianceVMID, v.ApplianceDevID)))
	}
	return acts
}

// detachAction is the detach of volume id from vm, where it is at device dev, recorded as
// act; text is how a plan shows it.
func (r *run) detachAction(act Action, id, vm string, dev int, text string) action {
	return action{text: text, entry: LedgerEntry{Action: act, Volume: id, VM: vm, DeviceID: dev},
		call: func(ctx context.Context) (string, error) {
			_, err := r.cs.DetachVolume(ctx, id)
			return id, err
		}}
}

// attachAction is the attach of volume id to vm at device dev, recorded as act; text is how a
// plan shows it.
func (r *run) attachAction(act Action, id, vm string, dev int, text string) action {
	return action{text: text, entry: LedgerEntry{Action: act, Volume: id, VM: vm, DeviceID: dev},
		call: func(ctx context.Context) (string, error) {
			_, err := r.cs.AttachVolume(ctx, id, vm, int64(dev))
			return id, err
		}}
}

// offAppliance detaches every replicated volume still on the appliance, side by side.
func (r *run) offAppliance(ctx context.Context, act Action) error {
	target, err := r.target(ctx)
	if err != nil {
		return err
	}
	at, err := r.volumesOn(ctx)
	if err != nil {
		return err
	}
	for _, v := range r.job.Facts.Volumes {
		if vm := at[v.ID].VMID; vm != "" && vm != r.job.Facts.ApplianceVMID && vm != target {
			return problem(fkerrors.Conflict, "detach it there and resume", "volume %s is attached to VM %s, neither the appliance nor this job's VM", v.ID, vm)
		}
	}
	return r.runActions(ctx, r.offApplianceActions(act, at), false)
}

// toApplianceActions are the attaches that put volumes back on the appliance at the devices
// they had: every one on a fresh run (need == nil), else those in need.
func (r *run) toApplianceActions(act Action, need map[string]bool) []action {
	f := r.job.Facts
	var acts []action
	for _, v := range f.Volumes {
		if need != nil && !need[v.ID] {
			continue
		}
		acts = append(acts, r.attachAction(act, v.ID, f.ApplianceVMID, v.ApplianceDevID,
			fmt.Sprintf("attachVolume id=%s virtualmachineid=%s deviceid=%d (back on the appliance)", v.ID, f.ApplianceVMID, v.ApplianceDevID)))
	}
	return acts
}

// toAppliance puts every replicated volume that is detached back on the appliance at its
// device. A volume attached elsewhere is an error per volume; the others still go back.
func (r *run) toAppliance(ctx context.Context, act Action) error {
	at, err := r.volumesOn(ctx)
	if err != nil {
		return err
	}
	f := r.job.Facts
	need := map[string]bool{}
	var errs []error
	for _, v := range f.Volumes {
		cur := at[v.ID]
		switch {
		case cur.VMID == f.ApplianceVMID && cur.DeviceID == int64(v.ApplianceDevID):
		case cur.VMID == f.ApplianceVMID:
			errs = append(errs, problem(fkerrors.Conflict, "move it back by hand", "volume %s: attached to the appliance at device %d instead of %d", v.ID, cur.DeviceID, v.ApplianceDevID))
		case cur.VMID != "":
			errs = append(errs, problem(fkerrors.Conflict, "detach it and roll back again", "volume %s: still attached to VM %s", v.ID, cur.VMID))
		default:
			need[v.ID] = true
		}
	}
	if err := r.runActions(ctx, r.toApplianceActions(act, need), true); err != nil {
		errs = append(errs, err)
	}
	return joinVolumeErrors(errs)
}

// snapshotActions are the rollback snapshots to take: of every volume on a fresh run (need ==
// nil), else of those in need.
func (r *run) snapshotActions(need map[string]bool) []action {
	tries := map[string]int{}
	for _, le := range r.entries(ActionSnapshotCreate) {
		tries[le.Volume]++
	}
	var acts []action
	for i, v := range r.job.Facts.Volumes {
		if need != nil && !need[v.ID] {
			continue
		}
		id := v.ID
		// The name is known before the call, so that a snapshot whose call outlived its
		// process is found by name. A retry gets a name of its own.
		name := fmt.Sprintf("fk-%s-v%d", r.job.ID, i+1)
		if n := tries[id]; n > 0 {
			name += fmt.Sprintf("-r%d", n)
		}
		acts = append(acts, action{
			text:  fmt.Sprintf("createSnapshot volumeid=%s name=%s", id, name),
			entry: LedgerEntry{Action: ActionSnapshotCreate, Volume: id, Name: name},
			call: func(ctx context.Context) (string, error) {
				s, err := r.cs.CreateSnapshot(ctx, id, name)
				if s != nil {
					return s.ID, err
				}
				return "", err
			},
		})
	}
	return acts
}

// snapshotVolumes takes the rollback snapshot of every replicated volume, side by side, unless
// the ledger (or, after a crash during the call, CloudStack) shows this job already has it.
// The volumes are detached by then: a default KVM cloud snapshots volumes of running VMs
// only with kvm.snapshot.enabled, and the appliance runs.
func (r *run) snapshotVolumes(ctx context.Context) error {
	need := map[string]bool{}
	for _, v := range r.job.Facts.Volumes {
		le, i := r.lastEntry(ActionSnapshotCreate, v.ID)
		switch {
		case i < 0:
			need[v.ID] = true
		case le.State == LedgerDone:
		default:
			s, err := r.findSnapshot(ctx, le)
			if err != nil {
				return err
			}
			if s == "" {
				need[v.ID] = true
			} else if err := r.settle(ctx, i, s); err != nil {
				return err
			}
		}
	}
	return r.runActions(ctx, r.snapshotActions(need), false)
}

// findSnapshot returns the id of the snapshot a ledger entry created, looking it up by name
// when the entry has no id (the process stopped during the call).
func (r *run) findSnapshot(ctx context.Context, le LedgerEntry) (string, error) {
	if le.Resource != "" {
		return le.Resource, nil
	}
	snaps, err := r.cs.ListSnapshots(ctx, le.Volume)
	if err != nil {
		return "", err
	}
	for _, s := range snaps {
		if s.Name == le.Name && s.State != cloudstack.SnapshotError {
			return s.ID, nil
		}
	}
	return "", nil
}

// createdVM is the VM this job created, which a forward step after create_vm needs.
func (r *run) createdVM(ctx context.Context) (string, error) {
	id, err := r.target(ctx)
	if err == nil && id == "" {
		err = problem(fkerrors.NotFound, "roll the job back", "the VM this job created is gone")
	}
	return id, err
}

// target returns the id of the VM this job created, or "" when there is none. An entry
// without an id (the process stopped during the deploy call) is resolved by name.
func (r *run) target(ctx context.Context) (string, error) {
	le, i := r.lastEntry(ActionVMCreate, "")
	if i < 0 {
		return "", nil
	}
	if le.Resource != "" {
		return le.Resource, nil
	}
	vms, err := r.cs.FindVMsByName(ctx, le.Name)
	if err != nil {
		return "", err
	}
	for _, vm := range vms {
		if vm.State != cloudstack.VMDestroyed && vm.State != cloudstack.VMExpunging {
			return vm.ID, r.settle(ctx, i, vm.ID)
		}
	}
	return "", nil
}

// deploySpec is the new VM as the facts describe it.
func (r *run) deploySpec() cloudstack.DeploySpec { return r.deploySpecOf(r.job.Facts) }

func (r *run) deploySpecOf(f Facts) cloudstack.DeploySpec {
	spec := cloudstack.DeploySpec{
		Name:              f.TargetName,
		DisplayName:       f.TargetName,
		Zone:              f.Zone,
		TemplateID:        f.TemplateID,
		ServiceOfferingID: f.ServiceOfferingID,
		BootType:          f.BootType,
		BootMode:          f.BootMode,
		Start:             false,
	}
	for _, n := range f.NICs {
		spec.NICs = append(spec.NICs, cloudstack.NICSpec{NetworkID: n.NetworkID, MACAddress: n.MACAddress})
	}
	if f.CustomOffering {
		spec.CPUs, spec.MemoryMB = f.CPUs, f.MemoryMB
	}
	return spec
}

// createVMCalls is the deployVirtualMachine call as the client will make it, parameters in
// order (DeployParams: the same encoding DeployVM sends).
func (r *run) createVMCalls() []string {
	v, err := r.cs.DeployParams(r.deploySpec())
	if err != nil {
		return []string{"deployVirtualMachine (refused: " + err.Error() + ")"}
	}
	keys := slices.Sorted(maps.Keys(v))
	parts := make([]string, 0, len(keys)+1)
	parts = append(parts, "deployVirtualMachine")
	for _, k := range keys {
		parts = append(parts, k+"="+v.Get(k))
	}
	return []string{strings.Join(parts, " ")}
}

func (r *run) createVM(ctx context.Context) error {
	id, err := r.target(ctx)
	if err != nil {
		return err
	}
	if id != "" {
		if _, err := r.cs.GetVM(ctx, id); err == nil || !errors.Is(err, fkerrors.NotFound) {
			return err
		}
	}
	spec := r.deploySpec()
	_, err = r.record(ctx, LedgerEntry{Action: ActionVMCreate, Name: spec.Name}, func(ctx context.Context) (string, error) {
		vm, err := r.cs.DeployVM(ctx, spec)
		if vm != nil {
			return vm.ID, err
		}
		return "", err
	})
	return err
}

// removeRootVolume deletes the ROOT volume CloudStack created with the new VM: the VM boots
// from the replicated boot volume instead.
func (r *run) removeRootVolume(ctx context.Context) error {
	id, err := r.createdVM(ctx)
	if err != nil {
		return err
	}
	if err := r.deleteRootVolumes(ctx); err != nil { // a root volume detached before a crash
		return err
	}
	vols, err := r.cs.ListVolumes(ctx, id)
	if err != nil {
		return err
	}
	for _, v := range vols {
		if v.Type != cloudstack.VolumeRoot || r.replicated(v.ID) {
			continue
		}
		_, err := r.record(ctx, LedgerEntry{Action: ActionRootVolumeDrop, Volume: v.ID, VM: id}, func(ctx context.Context) (string, error) {
			if _, err := r.cs.DetachVolume(ctx, v.ID); err != nil {
				return v.ID, err
			}
			return v.ID, r.cs.DeleteVolume(ctx, v.ID)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// placements are where the replicated volumes go on the new VM, fixed up front: boot volume
// at device 0, then the others in order.
func (r *run) placements() []cloudstack.Placement {
	ids := make([]string, len(r.job.Facts.Volumes))
	for i, v := range r.job.Facts.Volumes {
		ids[i] = v.ID
	}
	return cloudstack.BootOrder(ids...)
}

// attachActions are the attaches of the replicated volumes to the new VM at their planned
// devices: every one on a fresh run (need == nil), else those in need.
func (r *run) attachActions(target string, need map[string]bool) []action {
	var acts []action
	for _, p := range r.placements() {
		if need != nil && !need[p.VolumeID] {
			continue
		}
		acts = append(acts, r.attachAction(ActionVolumeAttach, p.VolumeID, target, int(p.DeviceID),
			fmt.Sprintf("attachVolume id=%s virtualmachineid=%s deviceid=%d", p.VolumeID, target, p.DeviceID)))
	}
	return acts
}

// attachVolumes attaches the replicated volumes to the new VM, all submitted together; each
// has its device id fixed up front, so the order on the VM is exact whatever order
// CloudStack runs them in.
func (r *run) attachVolumes(ctx context.Context) error {
	target, err := r.createdVM(ctx)
	if err != nil {
		return err
	}
	at, err := r.volumesOn(ctx)
	if err != nil {
		return err
	}
	need := map[string]bool{}
	for _, p := range r.placements() {
		v := at[p.VolumeID]
		switch {
		case v.VMID == target && v.DeviceID == p.DeviceID:
		case v.VMID != "":
			return problem(fkerrors.Conflict, "roll the job back", "volume %s is attached to VM %s at device %d, not detached as expected", p.VolumeID, v.VMID, v.DeviceID)
		default:
			need[p.VolumeID] = true
		}
	}
	return r.runActions(ctx, r.attachActions(target, need), false)
}

func (r *run) startVM(ctx context.Context) error {
	target, err := r.createdVM(ctx)
	if err != nil {
		return err
	}
	vm, err := r.cs.GetVM(ctx, target)
	if err != nil {
		return err
	}
	switch vm.State {
	case cloudstack.VMRunning:
		return nil // CloudStack refuses to start a running VM
	case cloudstack.VMStarting:
		_, err := r.cs.WaitVMState(ctx, target, cloudstack.VMRunning)
		return err
	}
	_, err = r.record(ctx, LedgerEntry{Action: ActionVMStart, Resource: target, VM: target}, func(ctx context.Context) (string, error) {
		_, err := r.cs.StartVM(ctx, target)
		return target, err
	})
	return err
}

// validate checks the new VM runs with every replicated volume at its planned device.
func (r *run) validate(ctx context.Context) error {
	target, err := r.createdVM(ctx)
	if err != nil {
		return err
	}
	vm, err := r.cs.GetVM(ctx, target)
	if err != nil {
		return err
	}
	if vm.State != cloudstack.VMRunning {
		return problem(fkerrors.Conflict, "find out in CloudStack why the VM stopped, then resume the job or roll it back", "VM %s is %s, not Running", target, vm.State)
	}
	vols, err := r.cs.ListVolumes(ctx, target)
	if err != nil {
		return err
	}
	at := map[string]int64{}
	for _, v := range vols {
		at[v.ID] = v.DeviceID
	}
	for _, p := range r.placements() {
		if dev, ok := at[p.VolumeID]; !ok || dev != p.DeviceID {
			return problem(fkerrors.Conflict, "roll the job back", "volume %s is not attached to VM %s at device %d", p.VolumeID, target, p.DeviceID)
		}
	}
	return nil
}

// planGuest shapes the new VM after the source: a NIC per source NIC on its mapped network
// (with its MAC when asked), the source's firmware, and a template for the guest's OS
// family. It refuses, before anything changes, what the request leaves open or CloudStack
// could not deploy.
func (r *run) planGuest(f *Facts, shape vsphere.Shape, cat catalog, origin string) error {
	req := r.job.Request
	defaults := r.cs.Defaults()
	nics, err := planNICs(req, r.job.Kind, shape.NICs, defaults.NetworkID)
	if err != nil {
		return err
	}
	if err := checkNetworks(nics, cat, f.Zone, origin); err != nil {
		return err
	}
	f.NICs = nics
	f.BootType, f.BootMode = bootOf(shape.Firmware, shape.SecureBoot)
	warning, err := chooseTemplate(req, f, cat, defaults.TemplateID, origin)
	if err != nil {
		return err
	}
	if warning != "" {
		r.mu.Lock()
		r.job.Warnings = append(r.job.Warnings, warning)
		r.mu.Unlock()
		if r.op != opPlan {
			r.e.log.Warn("failover: the template is for another OS family; deploying as the request allows", "job", fkerrors.Visible(r.job.ID), "warning", fkerrors.Visible(warning))
			r.emit(Event{Type: EventWarning, Step: StepPreflight, Error: warning})
		}
	}
	if _, err := r.cs.DeployParams(r.deploySpecOf(*f)); err != nil {
		fix := "change the request so that CloudStack can deploy the VM: map the source networks of NICs with kept MAC addresses to distinct networks, or turn KeepMACs off"
		if !req.KeepMACs {
			fix = "change the request as the cause says (Name, Networks, TemplateID)"
		}
		return &Error{Code: fkerrors.Invalid, Problem: "the new VM cannot be deployed as planned", Fix: fix, Err: err}
	}
	return nil
}
