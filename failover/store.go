package failover

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Store keeps jobs and per-VM leases. The engine writes a job after every change to it (a
// step starting or ending, a ledger entry before and after each call), so a store must make
// each SaveJob durable before it returns: that is what lets a new Engine roll back or resume
// a job whose process died.
//
// Implementations must be safe for concurrent use. Jobs passed in and returned are copies;
// the store must not keep references to them. Errors other than ErrJobNotFound and ErrBusy
// should match ErrStore, so that callers can tell a store outage from a failed operation.
type Store interface {
	// SaveJob creates the job or replaces it whole.
	SaveJob(ctx context.Context, job *Job) error
	// Job returns the job with the given id, or an error matching ErrJobNotFound.
	Job(ctx context.Context, id string) (*Job, error)
	// Jobs returns the jobs that match filter, oldest first.
	Jobs(ctx context.Context, filter JobFilter) ([]*Job, error)

	// AcquireLease takes the lease on l.Key for l.Holder until l.Expires. It succeeds when
	// the lease is free, expired, or already held by the same holder (l.Holder.Name); then
	// the stored lease is l with Beat 0. Otherwise it returns a *LeaseHeldError (matching
	// ErrBusy) describing the current lease. It must be atomic across processes sharing the
	// store.
	AcquireLease(ctx context.Context, l Lease) error
	// RenewLease is the holder's heartbeat: it extends a lease holder still holds to
	// expires and increments its Beat, stamping BeatAt with at. An error matching ErrBusy
	// means the lease was lost.
	RenewLease(ctx context.Context, key string, holder Holder, expires, at time.Time) error
	// TakeOverLease replaces the lease old (as a *LeaseHeldError reported it) with l, but only
	// if it is still exactly old: same holder and same Beat. Otherwise it returns an error
	// matching ErrBusy. The engine calls it after proving old's holder dead.
	TakeOverLease(ctx context.Context, old, l Lease) error
	// ReleaseLease frees a lease held by holder; releasing a lease not held is not an error.
	ReleaseLease(ctx context.Context, key string, holder Holder) error
	// Lease returns the lease on key as stored (expired or not), or nil when there is none.
	Lease(ctx context.Context, key string) (*Lease, error)
}

// Holder identifies an engine holding leases, and the process it runs in, so that another
// engine can tell whether the holder is still alive.
type Holder struct {
	// Name is the engine's holder name (WithHolder); unique among engines sharing a store.
	Name string `json:"name"`
	// Host identifies the machine and its boot: host name and boot id.
	Host string `json:"host"`
	// PID is the holder's process id on Host.
	PID int `json:"pid"`
	// Started identifies the process beyond its pid (its start time since boot), so that a
	// reused pid is not mistaken for the holder.
	Started string `json:"started"`
}

// String names the holder for messages: "engine-a (pid 42 on host)".
func (h Holder) String() string {
	if h.Host == "" {
		return h.Name
	}
	return h.Name + " (pid " + strconv.Itoa(h.PID) + " on " + h.Host + ")"
}

// Lease is one per-VM lease: one operation per VM at a time.
type Lease struct {
	// Key is the VM's key (Job.VMKey).
	Key string `json:"key"`
	// Holder is the engine holding it.
	Holder Holder `json:"holder"`
	// JobID is the job whose operation holds it.
	JobID string `json:"job_id,omitempty"`
	// Expires is when the lease frees itself without renewal.
	Expires time.Time `json:"expires"`
	// Beat counts the holder's heartbeats; it increases with every renewal, so a Beat that
	// stops moving shows a dead holder whatever the clocks of the machines say.
	Beat int64 `json:"beat"`
	// BeatAt is the holder's clock at its last heartbeat.
	BeatAt time.Time `json:"beat_at"`
	// Every is the holder's heartbeat interval: a Beat unchanged for several of these shows
	// the holder has stopped.
	Every time.Duration `json:"every"`
}

// LeaseHeldError is the ErrBusy answer of AcquireLease: the lease is held by another
// engine, described by Lease.
type LeaseHeldError struct {
	Lease Lease
}

// Error names the VM, the holder and its job.
func (e *LeaseHeldError) Error() string {
	msg := "failover: VM is busy with another operation: " + e.Lease.Key + " is held by " + e.Lease.Holder.String()
	if e.Lease.JobID != "" {
		msg += " for job " + e.Lease.JobID
	}
	return msg
}

// Unwrap makes the error match ErrBusy.
func (e *LeaseHeldError) Unwrap() error { return ErrBusy }

// JobFilter selects jobs; zero fields match everything.
type JobFilter struct {
	// Status keeps jobs in any of these statuses.
	Status []Status
	// Kind keeps jobs of any of these kinds.
	Kind []Kind
	// VMKey keeps jobs on this VM.
	VMKey string
	// ExpiredBy keeps jobs whose ExpiresAt is set and not after this time.
	ExpiredBy time.Time
}

func (f JobFilter) match(j *Job) bool {
	if f.VMKey != "" && j.VMKey != f.VMKey {
		return false
	}
	if !f.ExpiredBy.IsZero() && (j.ExpiresAt == nil || j.ExpiresAt.After(f.ExpiredBy)) {
		return false
	}
	return matchAny(f.Status, j.Status) && matchAny(f.Kind, j.Kind)
}

func matchAny[T comparable](want []T, v T) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		if w == v {
			return true
		}
	}
	return false
}

// storeError wraps a store failure so that it matches ErrStore and names the fix.
func storeError(store, what string, err error) error {
	if errors.Is(err, ErrStore) || errors.Is(err, ErrJobNotFound) || errors.Is(err, ErrBusy) {
		return err
	}
	return fmt.Errorf("%w: %s: %s: %w", ErrStore, store, what, err)
}
