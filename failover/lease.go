package failover

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// thisProcess identifies the process an engine runs in, for its leases.
func thisProcess(name string) Holder {
	host, _ := os.Hostname()
	pid := os.Getpid()
	started, _ := processIdentity(pid)
	return Holder{Name: name, Host: host, PID: pid, Started: started}
}

// here records the leases that operations of this process hold, so that an engine can tell
// whether a holder in its own process lives exactly, without watching its heartbeat: a beat
// that stalls on a slow store or a busy machine never gets a live operation taken over by
// another engine of the same process, and one whose operation has ended - crashed, or failed
// to release it - is taken over at once. An entry stands from before the lease is taken
// until the operation's heartbeat stops.
var here = struct {
	sync.Mutex
	held map[hereKey]int
}{held: map[hereKey]int{}}

type hereKey struct{ lease, holder string }

// holdHere marks key as held by holder in this process until the returned function is called.
func holdHere(key, holder string) (done func()) {
	k := hereKey{key, holder}
	here.Lock()
	here.held[k]++
	here.Unlock()
	return func() {
		here.Lock()
		defer here.Unlock()
		if here.held[k]--; here.held[k] <= 0 {
			delete(here.held, k)
		}
	}
}

// heldHere reports whether an operation of this process holds key as holder.
func heldHere(key, holder string) bool {
	here.Lock()
	defer here.Unlock()
	return here.held[hereKey{key, holder}] > 0
}

// provedDead says whether a lease's holder is known dead without watching its heartbeat, and
// why: an engine of this process is dead once its operation has ended and alive while it
// runs; a holder on this host is dead when its process is gone. known is false when only
// the heartbeat can tell.
func (e *Engine) provedDead(l Lease) (why string, known bool) {
	h := l.Holder
	if h.Host == "" || h.Host != e.holder.Host {
		return "", false
	}
	if h.PID == e.holder.PID && h.Started == e.holder.Started {
		if heldHere(l.Key, h.Name) {
			return "", true
		}
		return "its operation in this process has ended without releasing it", true
	}
	if processGone(h.PID, h.Started) {
		return fmt.Sprintf("its process %d is gone from this host", h.PID), true
	}
	return "", false
}

// deadAfter is how many heartbeat intervals a lease's beat must stand still before its holder
// counts as dead.
const deadAfter = 3

func (e *Engine) lease(key, jobID string) Lease {
	now := e.now()
	return Lease{Key: key, Holder: e.holder, JobID: jobID, Expires: now.Add(e.leaseTTL), BeatAt: now, Every: e.heartbeat}
}

// acquire takes the per-VM lease for a job's operation. When another engine holds it, the
// lease is taken over at once if that holder is provably dead - its process is gone from this
// host, or its heartbeat has stood still for several of its intervals - and never while the
// holder lives: then the answer is ErrBusy, as it is when the race for the takeover is lost.
func (e *Engine) acquire(ctx context.Context, key, jobID string) error {
	err := e.store.AcquireLease(ctx, e.lease(key, jobID))
	held := HeldLease(err)
	if held == nil {
		return err
	}
	old := *held
	why, err := e.holderDead(ctx, old)
	if err != nil {
		return err
	}
	if err := e.store.TakeOverLease(ctx, old, e.lease(key, jobID)); err != nil {
		return err
	}
	e.log.Warn("failover: took over the VM lease of a dead holder", "lease", fkerrors.Visible(key), "job", fkerrors.Visible(jobID),
		"holder", old.Holder.String(), "holder_job", fkerrors.Visible(old.JobID), "why", fkerrors.Visible(why))
	return nil
}

// holderDead proves the holder of old dead and says why, or returns the error to answer: a
// ErrBusy error when the holder lives. It watches the lease's beat, so a live holder is
// never mistaken for a dead one, whatever the clocks of the two machines say. A lease
// released while it watches was held by a live operation that ended: the VM may have changed
// under the caller's preflight, so that is ErrBusy too.
func (e *Engine) holderDead(ctx context.Context, old Lease) (string, error) {
	if why, known := e.provedDead(old); known {
		if why == "" {
			return "", busyErr(old)
		}
		return why, nil
	}
	every := old.Every
	if every <= 0 {
		every = e.heartbeat
	}
	window := deadAfter * every
	deadline := time.Now().Add(window)
	for {
		wait := min(every/2, time.Until(deadline))
		if wait <= 0 {
			return fmt.Sprintf("its heartbeat (every %s) stood still for %s", every, window), nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(wait):
		}
		cur, err := e.store.Lease(ctx, old.Key)
		switch {
		case err != nil:
			return "", err
		case cur == nil:
			return "", busyErr(old)
		case cur.Holder.Name != old.Holder.Name || cur.Beat != old.Beat:
			return "", busyErr(*cur)
		}
	}
}

// takeLease takes the per-VM lease and keeps it alive with a heartbeat until release; losing
// it, or failing to beat for long enough that another engine may take it over, cancels the
// operation's context so the operation stops at once.
func (r *run) takeLease(ctx context.Context, key string) (context.Context, error) {
	held := holdHere(key, r.e.holder.Name)
	if err := r.e.acquire(ctx, key, r.job.ID); err != nil {
		held()
		return ctx, err
	}
	r.leaseKey = key
	rctx, cancel := context.WithCancel(ctx)
	r.cancelRun = cancel
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(r.e.heartbeat)
		defer t.Stop()
		lastBeat := time.Now()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			now := r.e.now()
			err := r.e.store.RenewLease(context.WithoutCancel(rctx), key, r.e.holder, now.Add(r.e.leaseTTL), now)
			switch {
			case err == nil:
				lastBeat = time.Now()
				continue
			case errors.Is(err, ErrBusy):
				r.e.log.Error("failover: lost the VM lease; stopping the operation", "job", fkerrors.Visible(r.job.ID), "lease", fkerrors.Visible(key), "error", fkerrors.VisibleError(err))
			case time.Since(lastBeat) >= (deadAfter-1)*r.e.heartbeat:
				// Another engine may soon take the lease over: stop before it does.
				r.e.log.Error("failover: cannot renew the VM lease; stopping the operation", "job", fkerrors.Visible(r.job.ID), "lease", fkerrors.Visible(key), "error", fkerrors.VisibleError(err))
			default:
				r.e.log.Warn("failover: lease renewal failed; retrying", "job", fkerrors.Visible(r.job.ID), "lease", fkerrors.Visible(key), "error", fkerrors.VisibleError(err))
				continue
			}
			r.leaseLost = err
			cancel()
			return
		}
	}()
	r.stopLease = func() {
		close(done)
		<-stopped
		cancel()
		held()
	}
	return rctx, nil
}

// leaseJob takes the lease of the job's VM, when the job has one, and returns the context
// the operation runs in: it ends when the lease is lost.
func (r *run) leaseJob(ctx context.Context) (context.Context, error) {
	if r.job.VMKey == "" {
		return ctx, nil
	}
	return r.takeLease(ctx, r.job.VMKey)
}

// releaseLease stops the heartbeat and frees the lease, unless the run crashed (a dead
// process frees nothing; its lease is taken over or expires).
func (r *run) releaseLease(ctx context.Context) {
	if r.stopLease == nil {
		return
	}
	r.stopLease()
	r.stopLease = nil
	if r.crashed.Load() {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := r.e.store.ReleaseLease(rctx, r.leaseKey, r.e.holder)
	if err == nil {
		return
	}
	r.e.log.Warn("failover: could not release the VM lease; retrying while the engine is open (once this process has exited, the next operation on the VM takes the lease over)",
		"job", fkerrors.Visible(r.job.ID), "lease", fkerrors.Visible(r.leaseKey), "error", fkerrors.VisibleError(err))
	// The store may be back in a moment: free the lease then, so that the next operation on
	// the VM need not prove this engine dead.
	key, until := r.leaseKey, time.Now().Add(r.e.leaseTTL)
	go func() {
		for time.Now().Before(until) {
			select {
			case <-r.e.closed:
				return // a closed engine is as good as dead: the lease is taken over
			case <-time.After(r.e.heartbeat):
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := r.e.store.ReleaseLease(ctx, key, r.e.holder)
			cancel()
			if err == nil {
				return
			}
		}
	}()
}
