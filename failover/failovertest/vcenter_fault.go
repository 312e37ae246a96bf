package failovertest

import (
	vcsim "github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// vsphereFault fails the nth call of a vCenter method, counted from when it was added.
type vsphereFault struct {
	method string
	nth    int
	seen   int
}

// FailVSphere makes the nth call (1-based, counting from now) of a vCenter method by the
// service account fail with a SystemError fault, once. Methods are named as in the vSphere
// API, for example "PowerOffVM_Task", "ShutdownGuest", "FindByUuid" or
// "RetrievePropertiesEx"; VSphereCalls shows which a run makes.
func (l *Lab) FailVSphere(method string, nth int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.faults = append(l.faults, &vsphereFault{method: method, nth: nth})
}

// ClearVSphereFaults removes the vCenter faults that have not fired yet.
func (l *Lab) ClearVSphereFaults() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.faults = nil
}

// VSphereFaultsFired counts the injected vCenter faults that have fired since the lab
// started.
func (l *Lab) VSphereFaultsFired() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fired
}

// VSphereCalls returns the vCenter methods the service account called, in order, since the
// lab started or ResetVSphereCalls.
func (l *Lab) VSphereCalls() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

// ResetVSphereCalls empties the record VSphereCalls returns. Faults are unaffected.
func (l *Lab) ResetVSphereCalls() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = nil
}

// intercept runs before vcsim dispatches a call: it records the service account's calls and
// fails those a fault selects. The admin account's calls (ExpireVCenterSessions) are
// neither recorded nor failed.
func (l *Lab) intercept(ctx *vcsim.Context, m *vcsim.Method) (mo.Reference, types.BaseMethodFault) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ctx.Session == nil || ctx.Session.UserName != l.user {
		return nil, nil
	}
	l.calls = append(l.calls, m.Name)
	for _, f := range l.faults {
		if f.method != m.Name {
			continue
		}
		f.seen++
		if f.seen == f.nth {
			l.fired++
			l.logger.Debug("failovertest: injected vCenter fault", "method", m.Name, "nth", f.nth)
			return nil, &types.SystemError{Reason: "injected failure of " + m.Name}
		}
	}
	return nil, nil
}
