package failover

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/ossea-migrate/failoverkit/fkerrors"
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
	// the stored lease is l with Beat 0. Otherwise it returns an error matching ErrBusy
	// whose *Error has the current lease (Error.Lease). It must be atomic across processes sharing the
	// store.
	AcquireLease(ctx context.Context, l Lease) error
	// RenewLease is the holder's heartbeat: it extends a lease holder still holds to
	// expires and increments its Beat, stamping BeatAt with at. An error matching ErrBusy
	// means the lease was lost.
	RenewLease(ctx context.Context, key string, holder Holder, expires, at time.Time) error
	// TakeOverLease replaces the lease old (as an ErrBusy error reported it) with l, but only
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

// String names the holder for messages: "engine-a (pid 42 on host)", with fkerrors.Visible
// applied, since the name and host are read back from the store.
func (h Holder) String() string {
	if h.Host == "" {
		return fkerrors.Visible(h.Name)
	}
	return fkerrors.Visible(h.Name + " (pid " + strconv.Itoa(h.PID) + " on " + h.Host + ")")
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
	return &Error{Code: fkerrors.Unavailable, Reason: ErrStore, Problem: "job store " + store + ": " + what,
		Fix: "check that the job store's database answers and that its user may read and write " + store, Err: err}
}

// jobNotFound is the answer of a store without the job.
func jobNotFound(id string) error {
	return fail(ErrJobNotFound, "check the id, and that the engine uses the store the job was recorded in", "no job %q in the store", id)
}

// busyErr is the answer of a store whose lease on a VM another engine holds.
func busyErr(l Lease) error {
	msg := l.Key + " is held by " + l.Holder.String()
	if l.JobID != "" {
		msg += " for job " + l.JobID
	}
	return &Error{Code: fkerrors.Conflict, Reason: ErrBusy, Lease: &l, Problem: "VM is busy with another operation: " + msg,
		Fix: "wait for that operation to end; if its process died, the next operation on the VM takes its lease over"}
}
