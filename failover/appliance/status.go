package appliance

// VMStatus is a value of vm_replication_contexts.current_status. The replication scheduler
// skips a VM whose status is VMFailedOverTest or VMFailedOverLive and may replicate into
// the volumes of a VM in any other status.
type VMStatus string

// The values of the current_status enum, all of them: the journal writes no other.
const (
	VMDiscovered       VMStatus = "discovered"
	VMReplicating      VMStatus = "replicating"
	VMReadyForFailover VMStatus = "ready_for_failover"
	VMFailedOverTest   VMStatus = "failed_over_test"
	VMFailedOverLive   VMStatus = "failed_over_live"
	VMCompleted        VMStatus = "completed"
	VMFailed           VMStatus = "failed"
	VMCleanupRequired  VMStatus = "cleanup_required"
)

func (s VMStatus) valid() bool {
	switch s {
	case VMDiscovered, VMReplicating, VMReadyForFailover, VMFailedOverTest, VMFailedOverLive, VMCompleted, VMFailed, VMCleanupRequired:
		return true
	}
	return false
}

// failedOver reports whether the scheduler keeps off a VM in status s.
func (s VMStatus) failedOver() bool { return s == VMFailedOverTest || s == VMFailedOverLive }

// JobStatus is a value of failover_jobs.status.
type JobStatus string

// The values of the failover_jobs.status enum, all of them.
const (
	JobPending         JobStatus = "pending"
	JobValidating      JobStatus = "validating"
	JobSnapshotting    JobStatus = "snapshotting"
	JobCreatingVM      JobStatus = "creating_vm"
	JobSwitchingVolume JobStatus = "switching_volume"
	JobPoweringOn      JobStatus = "powering_on"
	JobCompleted       JobStatus = "completed"
	JobFailed          JobStatus = "failed"
	JobCleanup         JobStatus = "cleanup"
	JobReverting       JobStatus = "reverting"
)

// JobType is a value of failover_jobs.job_type.
type JobType string

// The values of the failover_jobs.job_type enum.
const (
	JobTypeLive JobType = "live"
	JobTypeTest JobType = "test"
)

// OperationMode is a value of device_mappings.operation_mode.
type OperationMode string

// The values of the device_mappings.operation_mode enum: ModeFailover while a volume is off
// the appliance, ModeOMA while it is on it.
const (
	ModeOMA      OperationMode = "oma"
	ModeFailover OperationMode = "failover"
)

// SnapshotStatus is a value of ossea_volumes.snapshot_status.
type SnapshotStatus string

// The values of the ossea_volumes.snapshot_status enum.
const (
	SnapshotNone             SnapshotStatus = "none"
	SnapshotCreating         SnapshotStatus = "creating"
	SnapshotReady            SnapshotStatus = "ready"
	SnapshotFailed           SnapshotStatus = "failed"
	SnapshotRollbackComplete SnapshotStatus = "rollback_complete"
)
