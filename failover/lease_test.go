package failover

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// deadProcess starts a process on this host, notes its identity and waits for it to end: a
// holder that provably died.
func deadProcess(t *testing.T) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessSleeps$")
	cmd.Env = append(os.Environ(), "FAILOVERKIT_TEST_SLEEP=1")
	require.NoError(t, cmd.Start())
	pid := cmd.Process.Pid
	started, ok := processIdentity(pid)
	require.True(t, ok, "the helper process is running")
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	return pid, started
}

// TestHelperProcessSleeps is the process deadProcess starts and kills.
func TestHelperProcessSleeps(t *testing.T) {
	if os.Getenv("FAILOVERKIT_TEST_SLEEP") == "" {
		t.Skip("a helper process for deadProcess")
	}
	time.Sleep(time.Minute)
}

// onEveryStore runs body on every store, side by side, with a fixture whose engine uses it;
// other is a second handle on the same store, as another engine would have.
func onEveryStore(t *testing.T, body func(t *testing.T, f *fixture, other Store)) {
	t.Parallel()
	for _, sc := range storeCases(t) {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			store, other := sc.open(t)
			f := newFixture(t, failovertest.Options{}, WithStore(store))
			f.store = store
			body(t, f, other)
		})
	}
}

// plantLease stores a lease on source 0's VM as another engine would hold it.
func (f *fixture) plantLease(t *testing.T, h Holder, every time.Duration) Lease {
	t.Helper()
	key := f.vmKey(t)
	now := time.Now()
	l := Lease{Key: key, Holder: h, JobID: "20261128-deadbeef0000", Expires: now.Add(time.Hour), BeatAt: now, Every: every}
	require.NoError(t, f.store.AcquireLease(context.Background(), l))
	return l
}

// vmKey is the lease key the engine uses for source 0's VM.
func (f *fixture) vmKey(t *testing.T) string {
	t.Helper()
	p, err := f.engine.Plan(context.Background(), KindTestFailover, f.request(0))
	require.NoError(t, err)
	return p.VMKey
}

// A lease whose holder's process is gone from this host is taken over at once: with an hour
// between the holder's heartbeats, watching them would outlast the test's deadline.
func TestLeaseOfDeadProcessIsTakenOverAtOnce(t *testing.T) {
	onEveryStore(t, func(t *testing.T, f *fixture, _ Store) {
		pid, started := deadProcess(t)
		host, _ := os.Hostname()
		f.plantLease(t, Holder{Name: "crashed-engine", Host: host, PID: pid, Started: started}, time.Hour)

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		job, err := f.engine.TestFailover(ctx, f.request(0))
		require.NoError(t, err)
		assert.Equal(t, StatusSucceeded, job.Status)
		f.requireCleanAfterRollback(t, f.engine, job.ID, vsphere.PoweredOn)
	})
}

// A holder elsewhere whose heartbeat stands still is dead: its lease is taken over after a
// few of its intervals.
func TestLeaseOfStalledHeartbeatIsTakenOver(t *testing.T) {
	onEveryStore(t, func(t *testing.T, f *fixture, _ Store) {
		f.plantLease(t, Holder{Name: "far-engine", Host: "another-host", PID: os.Getpid(), Started: "x"}, 20*time.Millisecond)

		job, err := f.engine.TestFailover(context.Background(), f.request(0))
		require.NoError(t, err)
		assert.Equal(t, StatusSucceeded, job.Status)
		f.requireCleanAfterRollback(t, f.engine, job.ID, vsphere.PoweredOn)
	})
}

// A holder whose heartbeat moves is never taken over, even when its clock makes its last beat
// look an hour old and its process id is one that does not exist here: it is on another
// host.
func TestLeaseOfLiveHolderIsNeverTakenOver(t *testing.T) {
	onEveryStore(t, func(t *testing.T, f *fixture, other Store) {
		pid, started := deadProcess(t)
		h := Holder{Name: "live-engine", Host: "another-host", PID: pid, Started: started}
		l := f.plantLease(t, h, 100*time.Millisecond)

		ctx, stop := context.WithCancel(context.Background())
		beating := make(chan struct{})
		go func() {
			defer close(beating)
			for ctx.Err() == nil {
				skewed := time.Now().Add(-time.Hour)
				if !assert.NoError(t, other.RenewLease(context.Background(), l.Key, h, time.Now().Add(time.Hour), skewed)) {
					return
				}
				select {
				case <-ctx.Done():
				case <-time.After(10 * time.Millisecond):
				}
			}
		}()
		before := f.lab.Cloud.State()
		for range 3 {
			job, err := f.engine.TestFailover(context.Background(), f.request(0))
			require.ErrorIs(t, err, ErrBusy)
			held := requireHeld(t, err)
			assert.Equal(t, "live-engine", held.Lease.Holder.Name)
			require.NotNil(t, job)
			assert.Empty(t, job.Ledger, "nothing was changed")
		}
		stop()
		<-beating
		cur, err := f.store.Lease(context.Background(), l.Key)
		require.NoError(t, err)
		require.NotNil(t, cur)
		assert.Equal(t, "live-engine", cur.Holder.Name, "the live holder keeps its lease")
		assert.Equal(t, len(before.VMs), len(f.lab.Cloud.State().VMs))
	})
}

// A job whose record is fresh but whose lease's holder is provably gone - its process is gone
// from this host - reads as interrupted at once, so that the operator who runs status or
// rollback right after a crash sees the truth; one whose holder lives elsewhere stays running.
func TestFreshJobOfDeadHolderReadsInterrupted(t *testing.T) {
	onEveryStore(t, func(t *testing.T, f *fixture, _ Store) {
		ctx := context.Background()
		pid, started := deadProcess(t)
		host, _ := os.Hostname()
		for _, c := range []struct {
			holder Holder
			want   Status
		}{
			{Holder{Name: "crashed-engine", Host: host, PID: pid, Started: started}, StatusInterrupted},
			{Holder{Name: "far-engine", Host: "another-host", PID: pid, Started: started}, StatusRunning},
		} {
			l := f.plantLease(t, c.holder, time.Hour)
			now := time.Now()
			job := &Job{ID: l.JobID, Kind: KindTestFailover, Status: StatusRunning, VMKey: l.Key, CreatedAt: now, UpdatedAt: now}
			require.NoError(t, f.store.SaveJob(ctx, job))

			got, err := f.engine.Job(ctx, job.ID)
			require.NoError(t, err)
			assert.Equal(t, c.want, got.Status, "holder %s", c.holder.Name)
			stored, err := f.store.Job(ctx, job.ID)
			require.NoError(t, err)
			assert.Equal(t, c.want, stored.Status, "the store agrees with what was read")
			require.NoError(t, f.store.ReleaseLease(ctx, l.Key, c.holder))
		}
	})
}

// stalledBeats is a store on which an engine's lease renewals hang until beat is closed, as
// they do on a store that has stopped answering.
type stalledBeats struct {
	Store
	beat chan struct{}
}

func (s stalledBeats) RenewLease(ctx context.Context, key string, holder Holder, expires, at time.Time) error {
	select {
	case <-s.beat:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.Store.RenewLease(ctx, key, holder, expires, at)
}

// A holder whose lease renewals hang stops its operation by itself, before an engine
// elsewhere that watches the beat stand still may take the VM over. Until that operation has
// ended, an engine of the same process knows it still runs and answers ErrBusy rather than
// take the lease over, however long the beat has stood still.
func TestHolderCutOffFromTheStoreStopsAndIsNotTakenOverWhileItRuns(t *testing.T) {
	onEveryStore(t, func(t *testing.T, f *fixture, other Store) {
		fenced, tried := make(chan error, 1), make(chan struct{})
		letGo := sync.OnceFunc(func() { close(tried) })
		defer letGo() // a failed check must not leave the holder waiting, nor its engine's Close
		holder := f.newEngine(WithStore(stalledBeats{Store: f.store, beat: make(chan struct{})}), WithHolder("stalled-engine"),
			WithHook(PhaseBeforeCreate, func(ctx context.Context, _ *Job) error {
				select {
				case <-ctx.Done():
					fenced <- context.Cause(ctx)
				case <-time.After(20 * time.Second):
					fenced <- nil
				}
				<-tried
				return ctx.Err()
			}))
		second := f.newEngine(WithStore(other), WithHolder("second-engine"))

		type result struct {
			job *Job
			err error
		}
		done := make(chan result, 1)
		go func() {
			j, err := holder.TestFailover(context.Background(), f.request(0))
			done <- result{j, err}
		}()
		var cause error
		select {
		case cause = <-fenced:
		case r := <-done:
			t.Fatalf("the holder ended before creating the VM: %v", r.err)
		}
		require.ErrorIs(t, cause, errRenewalStalled, "the holder kept working while no renewal got through")

		// The holder has given up, but its operation has not ended yet: the VM is still its.
		job, err := second.TestFailover(context.Background(), f.request(0))
		letGo()
		require.ErrorIs(t, err, ErrBusy)
		assert.Equal(t, "stalled-engine", requireHeld(t, err).Lease.Holder.Name)
		require.NotNil(t, job)
		assert.Empty(t, job.Ledger, "the second engine changed nothing")

		r := <-done
		require.ErrorIs(t, r.err, errRenewalStalled)
		assert.Equal(t, StatusInterrupted, r.job.Status)
		f.requireCleanAfterRollback(t, second, r.job.ID, vsphere.PoweredOn)
	})
}

// withCause, through which flows, rollbacks and commits end (finish and ended), adds to an
// operation's error why its lease stopped it, once; a caller's own cancellation adds nothing.
// The flow's end is also covered through a real engine by the cut-off holder test above.
func TestOperationErrorCarriesWhyTheLeaseStoppedIt(t *testing.T) {
	t.Parallel()
	stepErr := errors.New("step undo_attach: context canceled")

	leaseCtx, stop := context.WithCancelCause(context.Background())
	stop(errRenewalStalled)
	err := withCause(leaseCtx, stepErr)
	require.ErrorIs(t, err, errRenewalStalled)
	require.ErrorIs(t, err, stepErr)
	assert.Same(t, err, withCause(leaseCtx, err), "the cause is added once")

	callerCtx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.Same(t, stepErr, withCause(callerCtx, stepErr))
	assert.Same(t, stepErr, withCause(context.Background(), stepErr))
	assert.NoError(t, withCause(leaseCtx, nil))
}
