package simulator

import "time"

// WithVMWorkQueue makes the async jobs that work on one VM take their time one after
// another, in the order they were submitted, as CloudStack runs them: attachVolume and
// detachVolume (VolumeApiServiceImpl.attachVolumeToVmThroughJobQueue and
// detachVolumeFromVmThroughJobQueue), startVirtualMachine, stopVirtualMachine and
// rebootVirtualMachine (VirtualMachineManagerImpl's ...ThroughJobQueue methods), and
// destroyVirtualMachine, whose stop goes the same way. Each submits a VM work job to the
// VM's queue (VmWorkConstants.VM_WORK_QUEUE, keyed by the VM's id), and
// AsyncJobManagerImpl.submitAsyncJob queues it with a queue size limit of 1, so the queue
// runs one job at a time. A job's duration (WithJobDuration) then starts when the job
// before it on the same VM has ended, not when it was submitted; jobs on different VMs,
// and snapshot jobs, still run side by side.
//
// Only time is queued: a job's checks and state changes still run when it is submitted,
// as without the option, so a job refused there takes no place in the queue. The default
// is no queue: every job's time starts at its submission.
func WithVMWorkQueue() Option {
	return func(c *config) { c.vmWorkQueue = true }
}

// vmQueuedCommands are the async commands whose jobs CloudStack runs in a VM's work queue.
var vmQueuedCommands = map[string]bool{
	"attachVolume":          true,
	"detachVolume":          true,
	"startVirtualMachine":   true,
	"stopVirtualMachine":    true,
	"rebootVirtualMachine":  true,
	"destroyVirtualMachine": true,
}

// vmQueueLocked returns the id of the VM whose work queue a job of r joins, or "" when the
// queue is off or the job joins none. It must run before the job's checks, which may
// detach the volume a detachVolume names.
func (s *Simulator) vmQueueLocked(r *request, plan *jobPlan) string {
	if !s.vmWorkQueue || !vmQueuedCommands[r.command] {
		return ""
	}
	switch r.command {
	case "attachVolume":
		return r.get("virtualmachineid")
	case "detachVolume":
		if vm := r.get("virtualmachineid"); vm != "" {
			return vm
		}
		if v := s.volumes[r.get("id")]; v != nil {
			return v.VMID
		}
		return ""
	default:
		return plan.instanceID
	}
}

// queueStartLocked returns when a job submitted at submitted starts its work: then, or
// when the last job queued on vm ends, whichever is later.
func (s *Simulator) queueStartLocked(vm string, submitted time.Time) time.Time {
	if vm == "" {
		return submitted
	}
	if free, ok := s.vmQueues[vm]; ok && free.After(submitted) {
		return free
	}
	return submitted
}

// occupyQueueLocked records that vm's queue is busy until due.
func (s *Simulator) occupyQueueLocked(vm string, due time.Time) {
	if vm != "" {
		s.vmQueues[vm] = due
	}
}
