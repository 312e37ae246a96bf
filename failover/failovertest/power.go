package failovertest

import (
	"fmt"

	vcsim "github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/ossea-migrate/failoverkit/vsphere"
)

// PowerState returns the named VM's power state as vCenter holds it, without a session: a
// test reads it to check what a failover or rollback did to the source VM.
func (l *Lab) PowerState(name string) (vsphere.PowerState, error) {
	for _, e := range l.model.Map().All("VirtualMachine") {
		if vm, ok := e.(*vcsim.VirtualMachine); ok && vm.Name == name {
			var st types.VirtualMachinePowerState
			l.model.Map().WithLock(l.model.Service.Context, vm, func() { st = vm.Runtime.PowerState })
			return vsphere.PowerState(st), nil
		}
	}
	return "", fmt.Errorf("failovertest: no VM %q in vCenter", name)
}
