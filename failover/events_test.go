package failover

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

func TestEventsReportProgressInOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	events := make(chan Event, 100)
	e := f.newEngine(WithObserver(ObserverFunc(func(ev Event) { events <- ev })))
	job, err := e.TestFailover(context.Background(), f.request(0))
	require.NoError(t, err)
	require.NoError(t, e.Close(context.Background())) // delivers what is queued
	close(events)

	var got []Event
	for ev := range events {
		assert.Equal(t, job.ID, ev.JobID)
		assert.Equal(t, string(KindTestFailover), ev.Operation)
		got = append(got, ev)
	}
	steps := f.stepNames(job)
	require.Len(t, got, 2+2*len(steps))
	assert.Equal(t, EventJobStarted, got[0].Type)
	for i, name := range steps {
		started, finished := got[1+2*i], got[2+2*i]
		assert.Equal(t, EventStepStarted, started.Type)
		assert.Equal(t, EventStepFinished, finished.Type)
		for _, ev := range []Event{started, finished} {
			assert.Equal(t, name, ev.Step)
			assert.Equal(t, i+1, ev.Index, "step %d of %d", i+1, len(steps))
			assert.Equal(t, len(steps), ev.Total)
		}
		assert.Positive(t, finished.Duration)
	}
	last := got[len(got)-1]
	assert.Equal(t, EventJobFinished, last.Type)
	assert.Equal(t, StatusSucceeded, last.Status)
}

func TestSlowObserverNeverBlocksTheEngine(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	release := make(chan struct{})
	delivered := make(chan EventType, 100)
	e := f.newEngine(WithObserver(ObserverFunc(func(ev Event) {
		<-release // the observer is stuck until the flow has returned
		delivered <- ev.Type
	})))
	done := make(chan error, 1)
	go func() {
		_, err := e.TestFailover(context.Background(), f.request(0))
		done <- err
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("the engine waited for its observer")
	}
	assert.Empty(t, delivered, "nothing was delivered while the observer was stuck")
	close(release)
	require.NoError(t, e.Close(context.Background()))
	assert.Equal(t, EventJobStarted, <-delivered, "events arrive later, in order")
}

func TestConcurrencyLimitMakesOperationsWait(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	release := make(chan struct{})
	f := newFixture(t, failovertest.Options{SourceVMs: 2}, WithConcurrency(1), WithHook(PhaseBeforeCreate, func(ctx context.Context, job *Job) error {
		entered <- struct{}{}
		<-release
		return nil
	}))
	first := make(chan error, 1)
	go func() {
		_, err := f.engine.TestFailover(context.Background(), f.request(0))
		first <- err
	}()
	<-entered // the only slot is taken

	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() {
		_, err := f.engine.TestFailover(ctx, f.request(1))
		second <- err
	}()
	cancel()
	err := <-second
	require.ErrorIs(t, err, context.Canceled, "an operation over the limit waits, and gives up with its context")
	jobs, err := f.engine.Jobs(context.Background(), JobFilter{})
	require.NoError(t, err)
	assert.Len(t, jobs, 1, "the waiting operation recorded nothing")

	close(release)
	require.NoError(t, <-first)
	require.NoError(t, f.engine.Close(context.Background()))
	_, err = f.engine.TestFailover(context.Background(), f.request(1))
	require.ErrorIs(t, err, ErrClosed)
	f.requireCleanAfterRollback(t, f.newEngine(), jobs[0].ID, vsphere.PoweredOn)
}
