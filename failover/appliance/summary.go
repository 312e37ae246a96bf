package appliance

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// Summary is the JSON object the appliance's GUI reads from
// vm_replication_contexts.last_operation_summary: the last failover or rollback of the VM.
// The failure fields are set only when the operation failed; ErrorMessage and
// ActionableSteps are written for an operator and never hold a Go identifier, a step's
// internal name or a secret.
type Summary struct {
	// JobID is the failoverkit job (failover.Job.ID), also failover_jobs.job_id.
	JobID string `json:"job_id"`
	// OperationType is OperationTestFailover, OperationLiveFailover or OperationRollback.
	OperationType string `json:"operation_type"`
	// Status is SummaryRunning, SummaryCompleted or SummaryFailed.
	Status string `json:"status"`
	// Progress is StepsCompleted as a percentage of StepsTotal, 0 to 100.
	Progress float64 `json:"progress"`
	// StepsCompleted and StepsTotal count the steps of the operation.
	StepsCompleted int `json:"steps_completed"`
	StepsTotal     int `json:"steps_total"`
	// DurationSeconds is how long the operation has run.
	DurationSeconds int64 `json:"duration_seconds"`
	// Timestamp is when the summary was written.
	Timestamp time.Time `json:"timestamp"`
	// FailedStep is the display name of the step that failed (StepDisplayName).
	FailedStep string `json:"failed_step,omitempty"`
	// ErrorMessage says what went wrong, in words for an operator.
	ErrorMessage string `json:"error_message,omitempty"`
	// ErrorCategory is one of the categories the package documentation lists.
	ErrorCategory string `json:"error_category,omitempty"`
	// ActionableSteps says what the operator can do, in order.
	ActionableSteps []string `json:"actionable_steps,omitempty"`
}

// The values of Summary.OperationType.
const (
	OperationTestFailover = "test_failover"
	OperationLiveFailover = "live_failover"
	OperationRollback     = "rollback"
)

// The values of Summary.Status.
const (
	SummaryRunning   = "running"
	SummaryCompleted = "completed"
	SummaryFailed    = "failed"
)

// The values of Summary.ErrorCategory.
const (
	categoryConfiguration = "configuration"
	categoryNetwork       = "network"
	categoryStorage       = "storage"
	categoryCompute       = "compute"
	categoryCapacity      = "capacity"
	categorySource        = "source_vm"
	categoryCompatibility = "compatibility"
	categoryDatabase      = "database"
	categoryInterrupted   = "interrupted"
	categoryBusy          = "busy"
	categoryUnknown       = "unknown"
)

var displayNames = map[failover.StepName]string{
	failover.StepPreflight:        "Pre-flight checks",
	failover.StepPowerOffSource:   "Power off the source VM",
	failover.StepFinalSync:        "Final data synchronisation",
	failover.StepDetachVolumes:    "Detach the volumes from the appliance",
	failover.StepSnapshotVolumes:  "Take rollback snapshots",
	failover.StepReturnVolumes:    "Return the volumes to the appliance",
	failover.StepBeforeCreate:     "Prepare drivers",
	failover.StepCreateVM:         "Create the VM",
	failover.StepRemoveRootVolume: "Remove the template disk",
	failover.StepReleaseVolumes:   "Release the volumes from the appliance",
	failover.StepAttachVolumes:    "Attach the volumes to the VM",
	failover.StepStartVM:          "Start the VM",
	failover.StepAfterStart:       "Checks after start",
	failover.StepValidate:         "Validate the VM",
	failover.StepStopVM:           "Stop the VM",
	failover.StepDetachFromVM:     "Detach the volumes from the VM",
	failover.StepRevertSnapshots:  "Revert the volumes to their snapshots",
	failover.StepReattachVolumes:  "Reattach the volumes to the appliance",
	failover.StepDestroyVM:        "Delete the VM",
	failover.StepDeleteRootVolume: "Delete the template disk",
	failover.StepDeleteSnapshots:  "Delete the rollback snapshots",
	failover.StepPowerOnSource:    "Power on the source VM",
	failover.StepCommit:           "Commit",
}

// StepDisplayName is the name the GUI shows for a step: "Detach the volumes from the
// appliance" for failover.StepDetachVolumes. A step the package does not know is shown as
// its name in words.
func StepDisplayName(s failover.StepName) string {
	if d, ok := displayNames[s]; ok {
		return d
	}
	words := strings.TrimSpace(strings.ReplaceAll(string(s), "_", " "))
	if words == "" {
		return "Start"
	}
	return strings.ToUpper(words[:1]) + words[1:]
}

// failure is why an operation failed, in an operator's words. The journal keeps a flow's
// failure in its own table, for the summaries written while the flow is undone and after.
type failure struct {
	Step      failover.StepName `json:"step,omitempty"`
	Cause     string            `json:"cause"`
	Category  string            `json:"category"`
	Actions   []string          `json:"actions,omitempty"`
	Completed int               `json:"steps_completed"`
}

// opTitle names an operation at the start of a sentence.
func opTitle(operation string) string {
	switch operation {
	case OperationTestFailover:
		return "The test failover"
	case OperationLiveFailover:
		return "The live failover"
	case OperationRollback:
		return "The rollback"
	}
	return "The operation"
}

// message is the failure in one sentence: where it stopped and why.
func (f failure) message(operation string) string {
	if f.Step == "" {
		return opTitle(operation) + " stopped: " + f.Cause + "."
	}
	return fmt.Sprintf("%s stopped at %q: %s.", opTitle(operation), StepDisplayName(f.Step), f.Cause)
}

// describe turns the error of a failed step (or operation) into a failure. step is the step
// that failed, when known; the engine's *failover.Error in err names it otherwise.
func describe(err error, step failover.StepName) failure {
	var fe *failover.Error
	if errors.As(err, &fe) && fe.Step != "" {
		if step == "" {
			step = fe.Step
		}
		if fe.Err != nil {
			err = fe.Err
		}
	}
	if step == "resume" { // the pseudo-step of a resume that could not start
		step = ""
	}
	f := failure{Step: step}
	f.Cause, f.Category, f.Actions = classify(err, step)
	return f
}

// classify finds the cause of err in words, its category and what to do.
func classify(err error, step failover.StepName) (string, string, []string) {
	again := "Start the operation again"
	var (
		ce *credentials.Error
		ae *cloudstack.APIError
		ve *vsphere.Error
	)
	switch {
	case err == nil:
		return "it did not finish", categoryUnknown, []string{"See the API server's log for this job"}
	case errors.Is(err, failover.ErrJournal):
		return "the appliance's database could not be updated, so the step was not run", categoryDatabase,
			[]string{"Check that the appliance's database is running and writable", again}
	case errors.Is(err, failover.ErrStore):
		return "the job could not be recorded in the appliance's database", categoryDatabase,
			[]string{"Check that the appliance's database is running and writable", "Then resume the failover or roll it back"}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, fkerrors.Timeout) && !errors.Is(err, vsphere.ErrPowerOffNotAllowed):
		return "it did not finish within its time limit", categoryInterrupted,
			[]string{"Check the state of the VM and its volumes in CloudStack", "Resume the failover or roll it back"}
	case errors.Is(err, context.Canceled):
		return "it was stopped before it finished", categoryInterrupted, []string{"Resume the failover or roll it back"}
	case errors.Is(err, failover.ErrBusy):
		return "another operation is running on this VM", categoryBusy, []string{"Wait for that operation to finish", again}
	case errors.As(err, &ce):
		return credentialCause(ce), categoryConfiguration, []string{credentialSettings(ce.Kind), again}
	case errors.As(err, &ae):
		return cloudStackCause(ae, step)
	case errors.As(err, &ve):
		return vCenterCause(ve)
	case errors.Is(err, failover.ErrPreflight):
		return "the pre-flight checks found a problem with the VM or its CloudStack settings", categoryConfiguration,
			[]string{"Check that the VM's replication is complete and its volumes are on the appliance",
				"Check the zone, template, network and offerings of the OSSEA (CloudStack) configuration", again}
	case errors.Is(err, failover.ErrInvalidRequest):
		return "the request could not be run as given", categoryConfiguration,
			[]string{"Check the VM's settings in the appliance", again}
	}
	switch step {
	case failover.StepBeforeCreate:
		return "preparing the VM's disks for CloudStack (driver injection) failed", categoryCompatibility,
			[]string{"Check that the guest operating system is supported", "See the API server's log for this job", again}
	case failover.StepFinalSync:
		return "the final synchronisation of the VM's data failed", categorySource,
			[]string{"Check the replication of the VM", again}
	case failover.StepAfterStart:
		return "the checks after the VM started failed", categoryCompatibility,
			[]string{"Open the VM's console in CloudStack to see how it started", "See the API server's log for this job"}
	}
	return "it did not complete", stepCategory(step), []string{"See the API server's log for this job", again}
}

func credentialCause(ce *credentials.Error) string {
	which := "CloudStack"
	if ce.Kind == credentials.KindVSphere {
		which = "vCenter"
	}
	switch ce.Code {
	case fkerrors.NotFound:
		return "the " + which + " credentials were not found"
	case fkerrors.Unauthenticated:
		return which + " rejected the stored credentials"
	case fkerrors.Decrypt:
		return "the stored " + which + " credentials could not be decrypted"
	case fkerrors.Ambiguous:
		return "more than one " + which + " credential set matches"
	case fkerrors.Unavailable, fkerrors.Permission:
		return "the " + which + " credentials could not be read"
	}
	return "the " + which + " credentials are incomplete or invalid"
}

func credentialSettings(kind credentials.Kind) string {
	if kind == credentials.KindVSphere {
		return "Check the VMware (vCenter) credentials in the appliance's settings and test the connection"
	}
	return "Check the OSSEA (CloudStack) configuration in the appliance's settings and test the connection"
}

func cloudStackCause(ae *cloudstack.APIError, step failover.StepName) (string, string, []string) {
	text := strings.TrimSpace(ae.Text)
	said := ""
	if text != "" {
		said = " (CloudStack said: " + strings.TrimSuffix(text, ".") + ")"
	}
	again := "Start the operation again"
	switch ae.Code {
	case fkerrors.Unavailable:
		return "CloudStack could not be reached" + said, categoryNetwork,
			[]string{"Check that the appliance reaches the CloudStack API", again}
	case fkerrors.Capacity:
		return "CloudStack has no capacity left, or an account limit was reached" + said, categoryCapacity,
			[]string{"Free capacity or raise the account's limits in CloudStack", again}
	case fkerrors.Permission:
		return "CloudStack refused the request for this account" + said, categoryConfiguration,
			[]string{"Check that the OSSEA (CloudStack) configuration names the account that owns the appliance", again}
	}
	return "CloudStack could not do it" + said, stepCategory(step),
		[]string{"Check the VM and its volumes in CloudStack", again}
}

func vCenterCause(ve *vsphere.Error) (string, string, []string) {
	switch {
	case errors.Is(ve, vsphere.ErrPowerOffNotAllowed):
		return "the source VM's guest did not shut down in time, and a hard power-off was not allowed", categorySource,
			[]string{"Shut the source VM down in vCenter, or allow a hard power-off", "Start the live failover again"}
	case ve.Code == fkerrors.Unavailable:
		return "vCenter could not be reached", categoryNetwork,
			[]string{"Check that the appliance reaches vCenter", "Start the operation again"}
	case ve.Code == fkerrors.NotFound:
		return "the source VM was not found in vCenter", categoryConfiguration,
			[]string{"Check that the VM still exists where the appliance discovered it; discover it again if it moved"}
	case ve.Code == fkerrors.Permission:
		return "the vCenter account lacks a permission the failover needs", categoryConfiguration,
			[]string{"Give the vCenter account the privileges the appliance documents", "Start the operation again"}
	}
	return "vCenter could not do it", categorySource, []string{"Check the source VM in vCenter", "Start the operation again"}
}

// stepCategory is the category of a failure that says no more than which step failed.
func stepCategory(step failover.StepName) string {
	switch step {
	case failover.StepPreflight:
		return categoryConfiguration
	case failover.StepPowerOffSource, failover.StepPowerOnSource, failover.StepFinalSync:
		return categorySource
	case failover.StepCreateVM, failover.StepStartVM, failover.StepStopVM, failover.StepDestroyVM, failover.StepValidate:
		return categoryCompute
	case failover.StepBeforeCreate, failover.StepAfterStart:
		return categoryCompatibility
	case "":
		return categoryUnknown
	}
	return categoryStorage
}

// progress is done as a percentage of total, to one decimal.
func progress(done, total int) float64 {
	if total <= 0 {
		return 0
	}
	return math.Round(float64(done)*1000/float64(total)) / 10
}

func seconds(d time.Duration) int64 {
	if d < 0 {
		return 0
	}
	return int64(d.Round(time.Second) / time.Second)
}
