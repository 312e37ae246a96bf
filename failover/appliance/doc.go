// Package appliance keeps the OMA appliance's own tables in step with failoverkit's jobs,
// as the appliance's own engine kept them, and builds failover requests from those tables.
// An API server that runs failovers with failover.Engine adds it in a few lines:
//
//	journal, err := appliance.NewJournal(ctx, db) // the appliance's database
//	engine, err := failover.New(src, failover.WithStore(store), failover.WithJournal(journal))
//	req, err := appliance.RequestFor(ctx, db, contextID, failover.KindTestFailover)
//	job, err := engine.TestFailover(ctx, req)
//
// failoverkit is a guest in the appliance's database: the journal never creates, alters or
// drops an appliance table and writes only values the appliance writes itself (every enum
// value it writes is one of the column's). Its own record of each job is in a table of its
// own, failoverkit_appliance_jobs (WithTablePrefix), created when missing.
//
// # Which jobs
//
// The journal keeps the rows of the replication context a job concerns: the one its request
// names (Request.VMContext, a context_id or a vm_name; RequestFor sets it), or else the one
// whose ossea_volumes rows hold the request's volumes. A job whose volumes no ossea_volumes
// row holds is not the appliance's, and the journal leaves the tables alone for it. Volumes
// recorded under another VM, or under several, are an error before any volume moves.
//
// # What it writes
//
// vm_replication_contexts.current_status keeps the replication scheduler off the volumes
// while they are anywhere but on the appliance, reverted (the scheduler skips a VM only while
// it is failed_over_test or failed_over_live):
//
//   - before detach_volumes, the first step that moves a volume, and before release_volumes
//     and detach_from_vm, which take volumes off the appliance again: failed_over_test or
//     failed_over_live. The first time, the status the VM had is kept in the journal's own
//     table, in the same transaction, so a restart in between cannot lose it;
//   - a successful flow leaves failed_over_test / failed_over_live;
//   - a failed flow whose compensation undid everything, or that moved no volume, restores
//     the status the VM had before;
//   - a complete rollback leaves ready_for_failover;
//   - an incomplete rollback or compensation leaves cleanup_required when every volume is
//     back on the appliance and reverted (what is left - a VM, snapshots, a powered-off
//     source - is no reason to keep replication off), and failed_over_test /
//     failed_over_live otherwise: cleanup_required would let the scheduler replicate into a
//     volume that is still off the appliance or not reverted;
//   - a failed flow left for inspection (failover.WithCompensation(false)), or interrupted,
//     keeps failed_over_test / failed_over_live until it is resumed or rolled back;
//   - a commit leaves failed_over_live, not completed: the volumes are the production VM's
//     disks now, and completed would let the scheduler replicate into them.
//
// device_mappings.operation_mode is failover from the write before a volume leaves the
// appliance (the same transaction as the status) until the step that brings it back
// succeeds (return_volumes, reattach_volumes): then oma. When that step fails, only the
// volumes the ledger shows back are oma.
//
// ossea_volumes.snapshot_id, snapshot_created_at and snapshot_status follow each volume's
// rollback snapshot: creating when snapshot_volumes starts, ready with the snapshot's id
// once taken (failed if the call failed), rollback_complete once the volume was reverted to
// it, none (id and time NULL) once it is deleted - by a rollback or by a commit.
//
// vm_replication_contexts.last_operation_summary is the Summary the GUI shows, written at
// every step and at the end: operation test_failover, live_failover or rollback; status
// running, completed or failed; progress, steps and duration; on failure the step's display
// name (StepDisplayName), a message for an operator, its category and what to do. While a
// failed flow is undone, the summary stays the flow's failure. A commit leaves the summary
// of its live failover.
//
// failover_jobs holds one row per failover, inserted when the flow starts (job_id =
// failover.Job.ID, job_type test or live, vm_id and source_vm_name from the context,
// started_at): status pending, then validating (preflight, power_off_source, final_sync),
// switching_volume (detach, return, release and attach of volumes), snapshotting,
// creating_vm (before_create, create_vm, remove_root_volume), powering_on (start_vm,
// after_start, validate), and completed or failed at the end, with completed_at,
// destination_vm_id (the VM created) and error_message. A cleanup shows cleanup (reverting
// while volumes are reverted); a complete rollback puts back the flow's outcome, an
// incomplete one failed with what went wrong.
//
// # Which writes stop a flow
//
// Each event is one transaction; nothing of it is written when any of it fails. The write
// before detach_volumes, release_volumes or detach_from_vm - the status and modes that must
// be in the table before a volume leaves the appliance - stops the step when it fails: a
// flow stops there and is compensated, a cleanup records the step as failed and goes on. A
// failed write before any other step does not stop it: it is logged and reported after the
// step. Failed writes after a step or at the end of an operation are reported too: the
// engine records each on the job (Job.Warnings) and joins it, matching failover.ErrJournal,
// to the operation's error. No failure is dropped.
//
// # Idempotency
//
// Every write follows from the event, the job as it stands and the journal's own row, never
// from what was written before it; a resumed job or a repeated rollback writes the same rows
// again, and a write that failed is made good by the job's next event.
//
// # Requests
//
// RequestFor reads a context's row, its vm_disks and their ossea_volumes, and its
// network_mappings, and builds the failover.Request; see its documentation.
//
// # Error categories of the summary
//
// configuration (credentials, pre-flight checks, CloudStack settings), network, storage,
// compute, capacity, source_vm (vCenter and the source VM), compatibility (driver
// preparation, checks after start), database (the appliance's database), interrupted, busy,
// unknown.
//
// # Errors
//
// Errors are *Error values naming the table, the row and the fix, matching one of
// ErrNotFound, ErrInconsistent, ErrSchema and ErrDatabase with errors.Is, and its category
// (fkerrors.NotFound, Invalid, Invalid, Unavailable). Each message ends with the remedy
// ("; fix: ..."), which fkerrors.Remedy returns alone. A journal write that fails reaches the
// operation's error wrapped by the engine, matching failover.ErrJournal too. None holds a
// secret: the tables the package reads hold none.
//
// # Concurrency
//
// A Journal and RequestFor are safe for concurrent use. The engine never records two events
// of one job at once; events of different jobs run in transactions of their own, each
// locking its context's row.
//
// # Databases
//
// The journal writes the appliance's MariaDB tables as deployed, and is tested on them. Its
// own table is created on MariaDB/MySQL, PostgreSQL and SQLite alike, and NewJournal refuses
// a database without the appliance's tables.
package appliance
