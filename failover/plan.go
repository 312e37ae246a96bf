package failover

import (
	"context"
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
	Name StepName `json:"name"`
	// Calls are the changing calls the step would make, in order, in words.
	Calls []string `json:"calls,omitempty"`
}

// Plan runs preflight for a flow of kind - resolving both credential sets, finding the source
// VM, checking the volumes and the placement - and returns the exact steps and calls the flow
// would make. It changes nothing and records no job.
func (e *Engine) Plan(ctx context.Context, kind Kind, req Request) (*Plan, error) {
	if kind != KindTestFailover && kind != KindLiveFailover {
		return nil, fail(ErrInvalidRequest, "plan a KindTestFailover or a KindLiveFailover", "unknown flow %q", kind)
	}
	r, leave, err := e.begin(ctx, kind, req, opPlan)
	if err != nil {
		return nil, err
	}
	defer leave()
	if err := r.preflight(ctx); err != nil {
		return nil, err
	}
	j := r.job
	f := j.Facts
	p := &Plan{Kind: kind, Facts: f, VMKey: j.VMKey, Credentials: j.Credentials}
	for _, s := range r.forwardSteps() {
		ps := PlannedStep{Name: s.name}
		if s.calls != nil {
			ps.Calls = s.calls(r)
		}
		p.Steps = append(p.Steps, ps)
	}
	return p, nil
}

// opPlan names the dry run among operations: it takes no lease.
const opPlan = "plan"
