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
// counts as dead; fenceAfter is how many a holder goes without a renewal getting through
// before it stops its operation, an interval earlier, so that it has stopped before anyone
// may take its VM over.
const (
	deadAfter  = 4
	fenceAfter = deadAfter - 1
)

// errRenewalStalled is why an operation stops when its lease renewals stop getting through.
var errRenewalStalled = errors.New("no renewal of the VM lease got through")

func (e *Engine) lease(key, jobID string) Lease {
	now := e.now()
	return Lease{Key: key, Holder: e.holder, JobID: jobID, Expires: now.Add(e.leaseTTL), BeatAt: now, Every: e.heartbeat}
}

// acquire takes the per-VM lease for a job's operation. When another engine holds it, the
// lease is taken over at once if that holder is provably dead - its process is gone from this
// host, or its heartbeat has stood still for several of its intervals - and never while the
// holder lives: then the answer is ErrBusy, as it is when the race for the takeover is lost.
// sent is when the write that took the lease was sent: the lease's first beat.
func (e *Engine) acquire(ctx context.Context, key, jobID string) (sent time.Time, err error) {
	sent = time.Now()
	err = e.store.AcquireLease(ctx, e.lease(key, jobID))
	held := HeldLease(err)
	if held == nil {
		return sent, err
	}
	old := *held
	why, err := e.holderDead(ctx, old)
	if err != nil {
		return sent, err
	}
	sent = time.Now()
	if err := e.store.TakeOverLease(ctx, old, e.lease(key, jobID)); err != nil {
		return sent, err
	}
	e.log.Warn("failover: took over the VM lease of a dead holder", "lease", fkerrors.Visible(key), "job", fkerrors.Visible(jobID),
		"holder", old.Holder.String(), "holder_job", fkerrors.Visible(old.JobID), "why", fkerrors.Visible(why))
	return sent, nil
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

// takeLease takes the per-VM lease and keeps it alive with a heartbeat until release. Losing
// the lease, or going without a renewal for long enough that another engine may take it
// over, cancels the operation's context so the operation stops at once.
func (r *run) takeLease(ctx context.Context, key string) (context.Context, error) {
	held := holdHere(key, r.e.holder.Name)
	sent, err := r.e.acquire(ctx, key, r.job.ID)
	if err != nil {
		held()
		return ctx, err
	}
	r.leaseKey = key
	rctx, cancel := context.WithCancelCause(ctx)
	// Renewals outlive a cancelled operation (the lease still guards the VM until it is
	// released) but not the heartbeat: one that hangs is abandoned when the heartbeat stops.
	bctx, stopBeats := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		if err := r.heartbeat(bctx, key, sent, done); err != nil {
			cancel(err)
		}
	}()
	r.stopLease = func() {
		close(done)
		stopBeats()
		<-stopped
		cancel(nil)
		held()
	}
	return rctx, nil
}

// heartbeat renews the lease every interval until done is closed, and returns why the
// operation must stop: the lease was lost, or no renewal has got through for fenceAfter
// intervals. The second bound holds however a renewal fails, hanging included, and falls an
// interval before an engine elsewhere, watching the beat stand still, may take the lease
// over (deadAfter intervals from a beat it has seen, which was sent after good): so a holder
// cut off from the store stops before anyone can take its VM. good is when the last write
// of the lease that got through was sent.
func (r *run) heartbeat(ctx context.Context, key string, good time.Time, done <-chan struct{}) error {
	every := r.e.heartbeat
	tick := time.NewTicker(every)
	defer tick.Stop()
	fence := time.NewTimer(time.Until(good.Add(fenceAfter * every)))
	defer fence.Stop()
	type renewal struct {
		sent time.Time
		err  error
	}
	answers := make(chan renewal, 1)
	pending := false
	var last error
	for {
		select {
		case <-done:
			return nil
		case <-fence.C:
			if last == nil {
				last = errors.New("the renewal did not answer")
			}
			r.e.log.Error("failover: cannot renew the VM lease; stopping the operation", "job", fkerrors.Visible(r.job.ID), "lease", fkerrors.Visible(key), "error", fkerrors.VisibleError(last))
			return fmt.Errorf("%w for %s (%d heartbeats), so another engine may take the VM over: %w",
				errRenewalStalled, time.Since(good).Round(time.Millisecond), fenceAfter, last)
		case a := <-answers:
			pending = false
			switch {
			case a.err == nil:
				good = a.sent
				fence.Reset(time.Until(good.Add(fenceAfter * every)))
				last = nil
			case errors.Is(a.err, ErrBusy):
				r.e.log.Error("failover: lost the VM lease; stopping the operation", "job", fkerrors.Visible(r.job.ID), "lease", fkerrors.Visible(key), "error", fkerrors.VisibleError(a.err))
				return a.err
			default:
				last = a.err
				r.e.log.Warn("failover: lease renewal failed; retrying", "job", fkerrors.Visible(r.job.ID), "lease", fkerrors.Visible(key), "error", fkerrors.VisibleError(a.err))
			}
		case <-tick.C:
			if pending {
				continue // one renewal at a time: a slow store is not sent a queue of them
			}
			pending = true
			sent, now := time.Now(), r.e.now()
			go func() {
				answers <- renewal{sent, r.e.store.RenewLease(ctx, key, r.e.holder, now.Add(r.e.leaseTTL), now)}
			}()
		}
	}
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
