package failover

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// journalLog records what a journal is told, and fails where told to.
type journalLog struct {
	mu     sync.Mutex
	events []string
	fail   func(JournalEvent) error
}

func (l *journalLog) Record(_ context.Context, ev JournalEvent) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := fmt.Sprintf("%s %s", ev.Operation, ev.Type)
	if ev.Step != "" {
		s += " " + string(ev.Step)
	}
	l.events = append(l.events, s)
	if l.fail != nil {
		return l.fail(ev)
	}
	return nil
}

func (l *journalLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.events
	l.events = nil
	return out
}

// A journal is told of every step before and after it, and of the operation's start and end,
// in order, within the operation.
func TestJournalSeesEveryStepInOrder(t *testing.T) {
	t.Parallel()
	j := &journalLog{}
	f := newFixture(t, failovertest.Options{}, WithJournal(j))
	ctx := context.Background()
	job, err := f.engine.TestFailover(ctx, f.request(0))
	require.NoError(t, err)
	want := []string{"test_failover job_started"}
	for _, s := range f.stepNames(job) {
		want = append(want, "test_failover step_started "+string(s), "test_failover step_finished "+string(s))
	}
	want = append(want, "test_failover job_finished")
	assert.Equal(t, want, j.take())

	_, err = f.engine.Rollback(ctx, job.ID)
	require.NoError(t, err)
	got := j.take()
	require.NotEmpty(t, got)
	assert.Equal(t, "rollback job_started", got[0])
	assert.Equal(t, "rollback job_finished", got[len(got)-1])
	assert.Contains(t, got, "rollback step_finished reattach_volumes")
}

// A journal that fails before a step stops the operation there, as a failed step does: the
// step changes nothing and compensation undoes the rest.
func TestJournalFailureBeforeAStepStopsTheFlow(t *testing.T) {
	t.Parallel()
	j := &journalLog{fail: func(ev JournalEvent) error {
		if ev.Type == EventStepStarted && ev.Step == StepDetachVolumes {
			return errors.New("appliance database refused the status change")
		}
		return nil
	}}
	f := newFixture(t, failovertest.Options{}, WithJournal(j))
	before := f.lab.Cloud.State()
	job, err := f.engine.TestFailover(context.Background(), f.request(0))
	require.ErrorIs(t, err, ErrJournal)
	assert.Contains(t, err.Error(), "appliance database refused")
	assert.Equal(t, StepDetachVolumes, job.FailedStep)
	assert.Equal(t, StatusFailed, job.Status)
	assert.Empty(t, job.Ledger, "the step changed nothing")
	assert.Equal(t, before.Volumes, f.lab.Cloud.State().Volumes)
	f.requireClean(t, 0, vsphere.PoweredOn)
}

// A journal that fails after the work is done: the operation's outcome stands, the job and
// the error both say the journal is behind.
func TestJournalFailureAfterTheWorkIsReported(t *testing.T) {
	t.Parallel()
	j := &journalLog{fail: func(ev JournalEvent) error {
		if ev.Type == EventJobFinished {
			return errors.New("GUI summary not written")
		}
		return nil
	}}
	f := newFixture(t, failovertest.Options{}, WithJournal(j))
	job, err := f.engine.TestFailover(context.Background(), f.request(0))
	require.ErrorIs(t, err, ErrJournal)
	assert.Equal(t, StatusSucceeded, job.Status, "the failover itself succeeded")
	require.NotEmpty(t, job.Warnings)
	assert.Contains(t, job.Warnings[len(job.Warnings)-1], "GUI summary not written")
	stored, serr := f.store.Job(context.Background(), job.ID)
	require.NoError(t, serr)
	assert.Equal(t, job.Warnings, stored.Warnings, "the warning is recorded")
	j.fail = nil
	f.requireCleanAfterRollback(t, f.engine, job.ID, vsphere.PoweredOn)
}
