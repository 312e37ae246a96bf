// Package failover is the Engine that fails VMware VMs over into CloudStack - test failover,
// live failover, rollback - fetching credentials fresh for every operation.
//
// # Operations
//
// Engine.TestFailover proves a VM would come up in CloudStack: preflight; take the replicated
// volumes off the appliance VM and snapshot them while detached (every cloud allows that; a
// default KVM cloud refuses snapshots of volumes attached to a running VM); when
// before-create hooks are registered (driver injection), put the volumes back on the
// appliance for them and take them off again after; deploy a VM shaped like the source,
// delete the ROOT volume CloudStack created with it, attach the replicated volumes (boot
// volume at device 0, then the data volumes in order); start it; validate.
// Engine.LiveFailover first powers the source VM off (guest shutdown, then a hard power-off
// if the request allows) and runs the final-sync hooks; the VM it creates is the real one.
// Engine.Rollback undoes a job: stop the VM, move the volumes off it, revert them to their
// snapshots, reattach them to the appliance at their original device ids, destroy the VM,
// delete the snapshots and, with PowerOnSource, power the source VM back on. Engine.Resume
// continues a job whose process died or whose context ended. Engine.Plan is a dry run: it
// reports the steps and the calls each would make, built by the same declarations that run.
// Engine.CheckCredentials logs in with each credential set, for health endpoints and "test
// connectivity" buttons.
//
// Per-volume work - detaches, snapshots, attaches, reverts, snapshot deletions - is
// submitted side by side, at most WithVolumeParallelism calls at a time, so recovery time
// does not grow with the number of disks. Each call is recorded in the ledger on its own.
//
// # Credentials
//
// Each operation resolves the CloudStack set (and, when it touches vCenter, the vCenter set)
// named by its Request once, at its start, and uses them for all its steps; the next
// operation resolves again, so a rotation takes effect on the next operation with no
// restart. A call rejected as unauthenticated makes the step fetch its set once more: if the
// version changed, the step is retried with the new set and the job records that the
// credentials changed mid-operation; if not, the step fails with the remedy. Job.Credentials
// records origin, version and fingerprint of every set used, never a secret.
//
// # The ledger and cleanup
//
// Every resource created and every attachment moved is recorded in Job.Ledger before the
// call that does it (Intent) and after it (Done or Failed), and the job is saved to the Store
// each time. Cleanup - automatic after a failed flow unless the engine was built
// WithCompensation(false), or asked for with Rollback, even from another process after a
// restart - reads the ledger, checks the actual state of each thing, undoes exactly what was
// done, runs every undo step even when one fails, and records the true outcome in
// Job.Cleanup: OutcomeCompleted, OutcomeCompletedWithErrors or OutcomeFailed. A rollback
// that did not fully succeed leaves the job StatusRollbackIncomplete, never StatusRolledBack.
// Every step checks the actual state before acting, so running a step again after a crash
// never creates anything twice.
//
// # Concurrency
//
// An Engine is safe for concurrent use. One operation per source VM runs at a time: each
// takes a lease in the Store, kept alive by a heartbeat while it runs, so two engines sharing
// a database never work on the same VM; the loser gets ErrBusy. The lease of a holder proven
// dead - its process gone from this host, or its heartbeat stopped - is taken over at once;
// a holder whose renewals stop getting through stops its operation before that can happen.
// Close works like http.Server.Shutdown: no operation starts once it has begun, and it waits
// for the running ones within its context. WithConcurrency
// bounds how many operations one Engine runs at once; the others wait for a slot or for their
// context. Events go to the Observer on a goroutine of their own and never block a flow.
// Cancelling an operation's context stops it at its next safe point and leaves the job
// StatusInterrupted, for Resume or Rollback.
//
// # Errors
//
// Operations return the job as recorded together with the error. Every error matches one
// category of the module's error model with errors.Is (fkerrors.NotFound,
// fkerrors.Unauthenticated, fkerrors.Conflict, ...) and ends with its remedy, once;
// fkerrors.Remedy(err) returns the remedy alone. The engine's errors are *Error values naming
// the job and the step, and match the conditions ErrInvalidRequest (fix the request),
// ErrPreflight (nothing was changed), ErrBusy (HeldLease says who holds the VM),
// ErrJobNotFound, ErrJobState, ErrCleanupIncomplete, ErrStore, ErrJournal and ErrClosed. A
// failed step's cause keeps its own category and detail type: a *credentials.Error, a
// *cloudstack.APIError, a *vsphere.Error.
//
// # Stores
//
// MemoryStore keeps jobs in memory. GormStore keeps them in SQLite, MariaDB or PostgreSQL
// (its own tables failoverkit_jobs and failoverkit_leases, created when missing and never
// altered; WithTablePrefix renames them), which is what lets a restarted process roll back or
// resume, and several processes share the work.
package failover
