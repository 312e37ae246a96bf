package failover

import (
	"slices"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// Kind is the kind of flow a job runs.
type Kind string

// The flows.
const (
	KindTestFailover Kind = "test_failover"
	KindLiveFailover Kind = "live_failover"
)

// Status is where a job stands.
type Status string

// Job statuses. A job is in exactly one; the terminal ones are Succeeded, Failed, RolledBack,
// RollbackIncomplete and Committed, and only a job in Succeeded, Failed, Interrupted or
// RollbackIncomplete can be rolled back (again).
const (
	// StatusRunning: a flow is under way (or the process running it died; see Resume).
	StatusRunning Status = "running"
	// StatusSucceeded: the failover is in place; Rollback undoes it.
	StatusSucceeded Status = "succeeded"
	// StatusInterrupted: the flow stopped at a safe point (its context ended); Resume or
	// Rollback continues from there.
	StatusInterrupted Status = "interrupted"
	// StatusFailed: the flow failed; Job.Cleanup says whether compensation undid everything.
	StatusFailed Status = "failed"
	// StatusRollingBack: a rollback is under way.
	StatusRollingBack Status = "rolling_back"
	// StatusRolledBack: a rollback completed; nothing the job created is left.
	StatusRolledBack Status = "rolled_back"
	// StatusRollbackIncomplete: a rollback ran but some undo steps failed; Job.Cleanup lists
	// them and Rollback may be called again.
	StatusRollbackIncomplete Status = "rollback_incomplete"
	// StatusCommitting: Commit is deleting the rollback snapshots of a live failover (or
	// stopped midway: Commit or Resume finishes it).
	StatusCommitting Status = "committing"
	// StatusCommitted: a live failover was accepted; its VM is the production VM and it can
	// no longer be rolled back.
	StatusCommitted Status = "committed"
)

// Outcome is the true result of a cleanup (compensation or rollback).
type Outcome string

// Cleanup outcomes. A cleanup is never Completed when an undo step failed.
const (
	OutcomeCompleted           Outcome = "completed"
	OutcomeCompletedWithErrors Outcome = "completed_with_errors"
	OutcomeFailed              Outcome = "failed"
)

// Job is the durable record of one failover and everything later done to it.
type Job struct {
	// ID identifies the job; it is also part of the names of what the job creates.
	ID string `json:"id"`
	// Kind is the flow the job ran.
	Kind Kind `json:"kind"`
	// Status is where the job stands.
	Status Status `json:"status"`
	// Request is what the caller asked for.
	Request Request `json:"request"`
	// VMKey is the key of the per-VM lease (one operation per VM at a time).
	VMKey string `json:"vm_key"`
	// Facts are what preflight found, kept for the steps and for undoing them.
	Facts Facts `json:"facts"`
	// Steps are the steps run, in order, forward and undo.
	Steps []Step `json:"steps"`
	// Ledger records every resource created and every attachment moved, before and after
	// the call that does it.
	Ledger []LedgerEntry `json:"ledger"`
	// Credentials records every credential set the job used (never a secret).
	Credentials []CredentialUse `json:"credentials"`
	// Error is the error that ended the flow, with its remedy, if any.
	Error string `json:"error,omitempty"`
	// Warnings are what went wrong without stopping the job (a best-effort hook that failed).
	Warnings []string `json:"warnings,omitempty"`
	// FailedStep names the step that failed, if any.
	FailedStep StepName `json:"failed_step,omitempty"`
	// Cleanup is the last compensation or rollback, if any.
	Cleanup *Cleanup `json:"cleanup,omitempty"`
	// ExpiresAt is when a test failover asked to last Request.TestDuration is due to be
	// rolled back (Engine.RollbackExpired): TestDuration after it succeeded.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// CommittedAt is when a live failover was committed (Engine.Commit).
	CommittedAt *time.Time `json:"committed_at,omitempty"`
	// CreatedAt and UpdatedAt are set by the engine.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Facts are what preflight established about the world before anything changed.
type Facts struct {
	// SourceVM is the source VM's inventory path and instance UUID.
	SourceVMPath string `json:"source_vm_path,omitempty"`
	SourceVMUUID string `json:"source_vm_uuid,omitempty"`
	// SourcePoweredOn is the source VM's power state before the job.
	SourcePoweredOn bool `json:"source_powered_on"`
	// CPUs and MemoryMB are the source VM's shape.
	CPUs     int `json:"cpus,omitempty"`
	MemoryMB int `json:"memory_mb,omitempty"`
	// GuestID is the source VM's configured guest OS (a vSphere guest id) and GuestFamily
	// its family: what a driver-injection hook needs to know.
	GuestID     string              `json:"guest_id,omitempty"`
	GuestFamily vsphere.GuestFamily `json:"guest_family,omitempty"`
	// Firmware is the source VM's firmware, "bios" or "efi", and SecureBoot whether UEFI
	// Secure Boot is on.
	Firmware   string `json:"firmware,omitempty"`
	SecureBoot bool   `json:"secure_boot,omitempty"`
	// ApplianceVMID is the appliance VM the replicated volumes belong to.
	ApplianceVMID string `json:"appliance_vm_id,omitempty"`
	// Volumes are the replicated volumes in attach order (boot volume first) with the device
	// ids they had on the appliance.
	Volumes []VolumeFact `json:"volumes,omitempty"`
	// TargetName is the name of the VM the job creates in CloudStack.
	TargetName string `json:"target_name,omitempty"`
	// Zone, ServiceOfferingID and DiskOfferingID are the resolved placement of the target
	// VM.
	Zone              string `json:"zone,omitempty"`
	ServiceOfferingID string `json:"service_offering_id,omitempty"`
	DiskOfferingID    string `json:"disk_offering_id,omitempty"`
	// TemplateID is the template the VM is deployed from, TemplateOSType its OS type as
	// CloudStack names it, and TemplateVia why it was chosen: "request" (TemplateID),
	// "templates.<family>" (Templates by the guest's family) or "credential set".
	TemplateID     string `json:"template_id,omitempty"`
	TemplateOSType string `json:"template_os_type,omitempty"`
	TemplateVia    string `json:"template_via,omitempty"`
	// NICs are the new VM's NICs, one per source NIC in the source's order, with the
	// network each goes on and the MAC address it keeps.
	NICs []NICFact `json:"nics,omitempty"`
	// BootType and BootMode are the firmware the new VM is deployed with, from the
	// source's: UEFI (SECURE with Secure Boot on, else LEGACY) or BIOS (LEGACY). Empty
	// leaves it to the template.
	BootType cloudstack.BootType `json:"boot_type,omitempty"`
	BootMode cloudstack.BootMode `json:"boot_mode,omitempty"`
	// CustomOffering is true when the service offering takes the source VM's CPUs and
	// memory.
	CustomOffering bool `json:"custom_offering,omitempty"`
}

// VolumeFact is one replicated volume as preflight found it.
type VolumeFact struct {
	// ID is the CloudStack volume id.
	ID string `json:"id"`
	// Boot marks the boot volume.
	Boot bool `json:"boot,omitempty"`
	// ApplianceDevID is its CloudStack device id on the appliance VM, where it returns.
	ApplianceDevID int `json:"appliance_device_id"`
	// AppliancePath is its block device on the appliance (e.g. /dev/vdb), as the engine's
	// DevicePaths resolved it: where a driver-injection hook finds it.
	AppliancePath string `json:"appliance_path,omitempty"`
}

// StepStatus is where a step stands.
type StepStatus string

// Step statuses.
const (
	StepRunning StepStatus = "running"
	StepDone    StepStatus = "done"
	StepFailed  StepStatus = "failed"
	StepSkipped StepStatus = "skipped"
)

// Step is one step of a flow or of a cleanup.
type Step struct {
	// Name is the step's name.
	Name StepName `json:"name"`
	// Undo is true for cleanup steps.
	Undo bool `json:"undo,omitempty"`
	// Status is where the step stands.
	Status StepStatus `json:"status"`
	// Error is why the step failed, with the remedy.
	Error string `json:"error,omitempty"`
	// Attempts counts tries; a second try follows a credential change mid-operation.
	Attempts int `json:"attempts"`
	// StartedAt and FinishedAt time the step.
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitempty"`
}

// Action is a change recorded in the ledger.
type Action string

// Ledger actions.
const (
	ActionSourcePowerOff  Action = "source_power_off"
	ActionSnapshotCreate  Action = "snapshot_create"
	ActionVMCreate        Action = "vm_create"
	ActionRootVolumeDrop  Action = "root_volume_delete"
	ActionVolumeDetach    Action = "volume_detach"
	ActionVolumeReturn    Action = "volume_return"
	ActionVolumeRelease   Action = "volume_release"
	ActionVolumeAttach    Action = "volume_attach"
	ActionVMStart         Action = "vm_start"
	ActionSnapshotRevert  Action = "snapshot_revert"
	ActionVolumeReattach  Action = "volume_reattach"
	ActionVMDestroy       Action = "vm_destroy"
	ActionSnapshotDelete  Action = "snapshot_delete"
	ActionSourcePowerOn   Action = "source_power_on"
	ActionVolumeDetachVM  Action = "volume_detach_from_target"
	ActionVMStop          Action = "vm_stop"
	ActionCredentialCheck Action = "credential_check"
)

// LedgerState is how far a recorded change got.
type LedgerState string

// Ledger states: Intent is written before the call, Done after it succeeded, Failed after
// it failed. An Intent with no Done means the process stopped during the call: the actual
// state must be checked.
const (
	LedgerIntent LedgerState = "intent"
	LedgerDone   LedgerState = "done"
	LedgerFailed LedgerState = "failed"
)

// LedgerEntry records one change.
type LedgerEntry struct {
	// Seq orders entries within a job.
	Seq int `json:"seq"`
	// Action is what was changed.
	Action Action `json:"action"`
	// State is how far it got.
	State LedgerState `json:"state"`
	// Resource is the id of what was created or changed (snapshot, VM, volume).
	Resource string `json:"resource,omitempty"`
	// Name is the deterministic name of what is being created, so that it can be found after
	// a crash between the call and the Done record.
	Name string `json:"name,omitempty"`
	// Volume is the volume concerned, for volume and snapshot actions.
	Volume string `json:"volume,omitempty"`
	// VM is the VM concerned (attach/detach target or source).
	VM string `json:"vm,omitempty"`
	// DeviceID is the device id of an attachment.
	DeviceID int `json:"device_id,omitempty"`
	// Error is why the call failed.
	Error string `json:"error,omitempty"`
	// At is when the entry was last written.
	At time.Time `json:"at"`
}

// CredentialUse records one credential set a job used, by metadata only.
type CredentialUse struct {
	// Kind is the kind of set.
	Kind credentials.Kind `json:"kind"`
	// Account is the account asked for.
	Account string `json:"account"`
	// Meta is where the set came from, its version and fingerprint.
	Meta credentials.Meta `json:"meta"`
	// Step is the step that fetched it ("" for the start of an operation).
	Step StepName `json:"step,omitempty"`
	// Reason says why it was fetched: "operation start" or "rejected mid-operation".
	Reason string `json:"reason"`
	// Changed is true when this fetch found a version other than the one in use.
	Changed bool `json:"changed,omitempty"`
}

// Cleanup is the record of a compensation or rollback.
type Cleanup struct {
	// Trigger is "compensation" (after a failed flow) or "rollback" (asked for).
	Trigger string `json:"trigger"`
	// Outcome is the true result; empty while the cleanup runs (or if its process died).
	Outcome Outcome `json:"outcome,omitempty"`
	// PowerOnSource says whether the cleanup powers the source VM back on.
	PowerOnSource bool `json:"power_on_source,omitempty"`
	// Failures lists every undo step that failed, with its error.
	Failures []string `json:"failures,omitempty"`
	// StartedAt and FinishedAt time the cleanup.
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitempty"`
}

// clone returns a deep copy, so that stores and callers never share slices with the engine.
func (j *Job) clone() *Job {
	c := *j
	c.Request.Volumes = slices.Clone(j.Request.Volumes)
	c.Facts.Volumes = slices.Clone(j.Facts.Volumes)
	c.Steps = slices.Clone(j.Steps)
	c.Ledger = slices.Clone(j.Ledger)
	c.Credentials = slices.Clone(j.Credentials)
	c.Warnings = slices.Clone(j.Warnings)
	if j.ExpiresAt != nil {
		t := *j.ExpiresAt
		c.ExpiresAt = &t
	}
	if j.CommittedAt != nil {
		t := *j.CommittedAt
		c.CommittedAt = &t
	}
	if j.Cleanup != nil {
		cl := *j.Cleanup
		cl.Failures = slices.Clone(j.Cleanup.Failures)
		c.Cleanup = &cl
	}
	return &c
}
