package failover

import (
	"context"
	"time"
)

// Store keeps jobs and per-VM leases. The engine writes a job after every change to it (a
// step starting or ending, a ledger entry before and after each call), so a store must make
// each SaveJob durable before it returns: that is what lets a new Engine roll back or resume
// a job whose process died.
//
// Implementations must be safe for concurrent use. Jobs passed in and returned are copies;
// the store must not keep references to them.
type Store interface {
	// SaveJob creates the job or replaces it whole.
	SaveJob(ctx context.Context, job *Job) error
	// Job returns the job with the given id, or an error matching ErrJobNotFound.
	Job(ctx context.Context, id string) (*Job, error)
	// Jobs returns the jobs that match filter, oldest first.
	Jobs(ctx context.Context, filter JobFilter) ([]*Job, error)

	// AcquireLease takes the lease on key for holder until ttl from now. It succeeds when the
	// lease is free, expired, or already held by holder; otherwise it returns an error
	// matching ErrBusy. It must be atomic across processes sharing the store.
	AcquireLease(ctx context.Context, key, holder string, ttl time.Duration) error
	// RenewLease extends a lease holder still holds; an error matching ErrBusy means it was
	// lost.
	RenewLease(ctx context.Context, key, holder string, ttl time.Duration) error
	// ReleaseLease frees a lease held by holder; releasing a lease not held is not an error.
	ReleaseLease(ctx context.Context, key, holder string) error
}

// JobFilter selects jobs; zero fields match everything.
type JobFilter struct {
	// Status keeps jobs in any of these statuses.
	Status []Status
	// VMKey keeps jobs on this VM.
	VMKey string
}

func (f JobFilter) match(j *Job) bool {
	if f.VMKey != "" && j.VMKey != f.VMKey {
		return false
	}
	if len(f.Status) == 0 {
		return true
	}
	for _, s := range f.Status {
		if j.Status == s {
			return true
		}
	}
	return false
}
