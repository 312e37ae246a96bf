package failover

import (
	"context"
	"fmt"
)

// Plan is what a flow would do, found by a dry run.
type Plan struct {
	// Kind is the flow planned.
	Kind Kind `json:"kind"`
	// Facts are what preflight found.
	Facts Facts `json:"facts"`
	// VMKey is the key of the source VM's lease: one operation per VM at a time.
	VMKey string `json:"vm_key"`
	// Steps are the steps the flow would run, with the calls each would make.
	Steps []PlannedStep `json:"steps"`
	// Credentials are the sets preflight resolved (never a secret).
	Credentials []CredentialUse `json:"credentials"`
}

// PlannedStep is one step of a plan.
type PlannedStep struct {
	// Name is the step's name.
	Name string `json:"name"`
	// Calls are the changing calls the step would make, in order, in words.
	Calls []string `json:"calls,omitempty"`
}

// Plan runs preflight for a flow of kind - resolving both credential sets, finding the source
// VM, checking the volumes and the placement - and returns the exact steps and calls the flow
// would make. It changes nothing and records no job.
func (e *Engine) Plan(ctx context.Context, kind Kind, req Request) (*Plan, error) {
	if kind != KindTestFailover && kind != KindLiveFailover {
		return nil, fmt.Errorf("%w: unknown flow %q", ErrInvalidRequest, kind)
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	leave, err := e.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	r := e.newRun(e.newJob(kind, req), "plan")
	if err := r.preflight(ctx); err != nil {
		return nil, err
	}
	j := r.job
	f := j.Facts
	p := &Plan{Kind: kind, Facts: f, VMKey: j.VMKey, Credentials: j.Credentials}
	for _, s := range r.forwardSteps() {
		p.Steps = append(p.Steps, PlannedStep{Name: s.name, Calls: r.plannedCalls(s.name)})
	}
	return p, nil
}

// plannedCalls describes what a step of a fresh run would call.
func (r *run) plannedCalls(step string) []string {
	f := r.job.Facts
	var calls []string
	switch step {
	case StepPowerOffSource:
		if f.SourcePoweredOn {
			hard := "no hard power-off"
			if r.job.Request.PowerOff.AllowHard {
				hard = "then hard power-off"
			}
			calls = append(calls, fmt.Sprintf("vCenter: shut down guest of %s (%s)", f.SourceVMPath, hard))
		}
	case StepFinalSync, StepBeforeCreate, StepAfterStart:
		calls = append(calls, "caller hooks")
	case StepSnapshotVolumes:
		for _, v := range f.Volumes {
			calls = append(calls, "createSnapshot volumeid="+v.ID)
		}
	case StepCreateVM:
		calls = append(calls, fmt.Sprintf("deployVirtualMachine name=%s zoneid=%s templateid=%s serviceofferingid=%s networkids=%s startvm=false",
			f.TargetName, f.Zone, f.TemplateID, f.ServiceOfferingID, f.NetworkID))
	case StepRemoveRootVolume:
		calls = append(calls, "detachVolume id=<ROOT volume of the new VM>", "deleteVolume id=<ROOT volume of the new VM>")
	case StepDetachVolumes:
		for _, v := range f.Volumes {
			calls = append(calls, fmt.Sprintf("detachVolume id=%s (from appliance %s device %d)", v.ID, f.ApplianceVMID, v.ApplianceDevID))
		}
	case StepAttachVolumes:
		for _, p := range r.placements() {
			calls = append(calls, fmt.Sprintf("attachVolume id=%s virtualmachineid=<new VM> deviceid=%d", p.VolumeID, p.DeviceID))
		}
	case StepStartVM:
		calls = append(calls, "startVirtualMachine id=<new VM>")
	}
	return calls
}
